from django.contrib import admin

from linli.people.models import Organization

# People, households and residences are deliberately not in the admin: every read of personal
# data goes through the scoped, audited pages and API.


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "uscc", "uscc_checksum_ok", "kind", "path")
    search_fields = ("name", "uscc")
    raw_id_fields = ("place",)
    exclude = ("contact_phone",)
    readonly_fields = ("path", "uscc_checksum_ok", "uscc_override_reason")
