from django.contrib import admin

from .models import AuditEvent, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "name"]
    exclude = ["password", "groups", "user_permissions", "is_superuser"]
    readonly_fields = ["last_login", "date_joined", "invited_at", "invited_by"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor_email", "target_repr", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_email", "target_repr"]
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
