from django.contrib import admin

from linli.sites.models import DisinfectionPoint, DisinfectionVisit, Shelter


class ReadOnlyAdmin(admin.ModelAdmin):
    """Seen in the admin, changed only through the pages (whose actions check and audit)."""

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(DisinfectionPoint)
class PointAdmin(ReadOnlyAdmin):
    list_display = ("name", "place", "kind", "interval_days", "last_visited_on", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "place__name")
    list_select_related = ("place",)


@admin.register(DisinfectionVisit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("point", "visited_at", "visited_by", "disinfectant")
    list_select_related = ("point", "visited_by")


@admin.register(Shelter)
class ShelterAdmin(ReadOnlyAdmin):
    list_display = ("name", "place", "capacity", "contact", "active")
    search_fields = ("name", "place__name")
    list_select_related = ("place",)
