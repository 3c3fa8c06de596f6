from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from linli.core.models import ApiToken, AuditEvent, Role, RoleAssignment, User


class AssignmentInline(admin.TabularInline):
    """Shown, not edited: roles are granted and revoked through the audited actions on the
    roles page (/roles/), which check that the granter may grant them there."""

    model = RoleAssignment
    fk_name = "user"
    extra = 0
    fields = ("role", "place", "grid", "valid_from", "valid_until", "granted_by")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), (_("Linli"), {"fields": ("display_name", "elder_mode")}))
    list_display = ("username", "display_name", "is_active", "is_staff", "last_login")
    search_fields = ("username", "display_name")
    inlines = [AssignmentInline]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "prefix", "digest", "created_at", "last_used_at")

    def has_add_permission(self, request):  # tokens are created with `linli token create`
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ("seq", "at", "actor_name", "ip", "action", "object_type", "object_id", "outcome")
    list_filter = ("action", "outcome")
    search_fields = ("actor_name", "object_id", "purpose")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
