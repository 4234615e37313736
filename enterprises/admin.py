from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import EITMeeting, EITMember, Enterprise, Province, Suggestion


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh"]
    filter_horizontal = ["coordinators"]


class EITMemberInline(admin.TabularInline):
    model = EITMember
    extra = 0
    fields = ["name", "position", "side", "sex", "phone", "is_secretary", "joined_on", "left_on"]


@admin.register(Enterprise)
class EnterpriseAdmin(SimpleHistoryAdmin):
    list_display = ["name_en", "name_zh", "credit_code", "province", "city", "status", "is_pilot_unit", "archived_at"]
    list_filter = ["province", "status", "sector", "is_pilot_unit"]
    search_fields = ["name_en", "name_zh", "credit_code"]
    list_select_related = ["province"]
    raw_id_fields = ["parent", "coordinator"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [EITMemberInline]

    def has_delete_permission(self, request, obj=None):
        # Enterprises are archived, never deleted: every other record hangs off them.
        return False


@admin.register(EITMember)
class EITMemberAdmin(SimpleHistoryAdmin):
    list_display = ["name", "enterprise", "side", "sex", "is_secretary", "joined_on", "left_on"]
    list_filter = ["side", "sex", "is_secretary"]
    search_fields = ["name", "enterprise__name_en", "enterprise__name_zh"]
    list_select_related = ["enterprise"]
    raw_id_fields = ["enterprise"]


@admin.register(EITMeeting)
class EITMeetingAdmin(admin.ModelAdmin):
    list_display = ["held_on", "enterprise", "recorded_by"]
    search_fields = ["enterprise__name_en", "enterprise__name_zh", "topics"]
    list_select_related = ["enterprise", "recorded_by"]
    raw_id_fields = ["enterprise", "attendees", "recorded_by"]
    date_hierarchy = "held_on"


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ["title", "enterprise", "area", "status", "submitted_on", "realised_savings"]
    list_filter = ["area", "status"]
    search_fields = ["title", "submitted_by", "enterprise__name_en", "enterprise__name_zh"]
    list_select_related = ["enterprise"]
    raw_id_fields = ["enterprise"]
    date_hierarchy = "submitted_on"
