"""The catalogue in the Django admin, for administrators; day-to-day edits go
through the portal's own pages, which write the audit trail."""

from django.contrib import admin

from .models import Indicator, Module, Practice


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ["code", "name_en", "name_zh", "unit", "direction", "is_active"]


class PracticeInline(admin.TabularInline):
    model = Practice
    extra = 0
    fields = ["code", "name_en", "name_zh"]


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["order", "code", "name_en", "name_zh", "is_compulsory", "classroom_days", "consulting_visits"]
    list_display_links = ["code"]
    inlines = [IndicatorInline, PracticeInline]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "module", "unit", "direction", "is_active"]
    list_filter = ["module", "direction", "is_active"]
    search_fields = ["code", "name_en", "name_zh"]


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "module"]
    list_filter = ["module"]
