from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from linli.core.access import PermissionDenied
from linli.core.actions import do_reset_second_factor
from linli.core.models import ApiToken, AuditEvent, Role, RoleAssignment, User

# django-otp's own pages would show a user's secret key and delete devices unaudited; a lost
# phone is handled by the audited reset below (decision 0022).
for _device in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device):
        admin.site.unregister(_device)

admin.site.site_header = _("Linli administration")
admin.site.site_title = _("Linli administration")


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
    list_display = ("username", "display_name", "is_active", "is_staff", "second_factor", "last_login")
    search_fields = ("username", "display_name")
    inlines = [AssignmentInline]
    actions = ["reset_second_factor"]

    @admin.display(description=_("second factor"), boolean=True)
    def second_factor(self, obj: User) -> bool:
        return TOTPDevice.objects.filter(user_id=obj.pk, confirmed=True).exists()

    @admin.action(description=_("Reset the second factor (lost phone)"))
    def reset_second_factor(self, request, queryset):
        done = 0
        for user in queryset:
            try:
                do_reset_second_factor(user, acting_user=request.user)
            except PermissionDenied:
                self.message_user(request, _("Only administrators reset a second factor."), messages.ERROR)
                return
            done += 1
        self.message_user(request, ngettext(
            "%(n)d user sets up a new authenticator at her next sign-in.",
            "%(n)d users set up a new authenticator at their next sign-in.", done) % {"n": done})


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "expires_at", "revoked_at")
    readonly_fields = ("user", "prefix", "digest", "created_at", "last_used_at", "expires_at", "revoked_at")

    def has_add_permission(self, request):  # made on the account page or with `linli token create`
        return False

    def has_change_permission(self, request, obj=None):  # revoked on the account page or `linli token revoke`
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
