from django.contrib import admin

from linli.places.models import Place


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    """Places are validated by Place.clean (level order, code rules, prefix of the parent)."""

    list_display = ("code", "name", "level", "usage", "path")
    list_filter = ("level", "usage")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
    readonly_fields = ("path",)
