from django.contrib import admin

from linli.grids.models import Grid, GridMember


class MemberInline(admin.TabularInline):
    model = GridMember
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "community", "risk_colour")
    search_fields = ("code", "name")
    raw_id_fields = ("community", "places")
    readonly_fields = ("path",)
    inlines = [MemberInline]
