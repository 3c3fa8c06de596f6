"""The request catalogue, the working-calendar corrections and the duty lists in the admin site,
until the street's own editing pages exist. Requests themselves change only through actions."""

from django.contrib import admin

from linli.tickets.models import CalendarDay, Category, DutyItem


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "department", "respond_hours", "resolve_hours", "clock", "active")
    list_editable = ("respond_hours", "resolve_hours", "active")
    list_filter = ("level", "clock", "active")
    search_fields = ("code", "name", "name_en", "department")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "working", "note")
    list_filter = ("working",)


@admin.register(DutyItem)
class DutyItemAdmin(admin.ModelAdmin):
    list_display = ("role", "kind", "text", "category")
    list_filter = ("role", "kind")
    readonly_fields = ("path",)
    search_fields = ("text",)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        # Kept by the street: filed under the first street (the admin is the site's administrator).
        if not obj.path:
            from linli.places.models import Level, Place

            street = Place.objects.filter(level=Level.STREET).order_by("path").first()
            obj.path = street.path if street else ""
        super().save_model(request, obj, form, change)
