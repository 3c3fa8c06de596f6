"""The request catalogue, the working-calendar corrections and the duty lists in the admin site,
beside the street's own pages (/requests/catalogue/, /requests/calendar/, /requests/duties/).
The admin validates through the models' ``clean()`` as the pages do, and its changes are
audited like theirs. Requests themselves change only through actions."""

from typing import Any

from django import forms
from django.contrib import admin

from linli.core import audit
from linli.tickets.models import CalendarDay, Category, DutyItem


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletions made here leave the same audit rows as the street's pages."""

    audit_actions: dict[str, str] = {}  # add / change / remove → the audit action

    def _record(self, request: Any, obj: Any, verb: str) -> None:
        audit.record(self.audit_actions[verb], actor=request.user, obj=obj, detail={"via": "admin", "object": str(obj)})

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        self._record(request, obj, "change" if change else "add")

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        pk = obj.pk
        super().delete_model(request, obj)
        obj.pk = pk
        self._record(request, obj, "remove")

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    audit_actions = {"add": "tickets.category_add", "change": "tickets.category_change",
                     "remove": "tickets.category_remove"}
    list_display = ("code", "name", "level", "department", "respond_hours", "resolve_hours", "clock", "active")
    list_editable = ("respond_hours", "resolve_hours", "active")
    list_filter = ("level", "clock", "active")
    search_fields = ("code", "name", "name_en", "department")

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # The built-in categories are found by their code after each upgrade: it never changes.
        return ("code",) if obj is not None else ()


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    audit_actions = {"add": "tickets.calendar_add", "change": "tickets.calendar_change",
                     "remove": "tickets.calendar_remove"}
    list_display = ("date", "working", "note")
    list_filter = ("working",)


def _first_street_path() -> str:
    from linli.places.models import Level, Place

    street = Place.objects.filter(level=Level.STREET).order_by("path").first()
    return street.path if street else ""


class DutyItemForm(forms.ModelForm):
    class Meta:
        model = DutyItem
        fields = ("role", "kind", "text", "category", "sort_key")

    def clean(self) -> dict[str, Any] | None:
        # The street is known before the model validates the line (a second negative line for
        # the same role and category is refused per street).
        if not self.instance.path:
            self.instance.path = _first_street_path()
        return super().clean()


@admin.register(DutyItem)
class DutyItemAdmin(AuditedAdmin):
    audit_actions = {"add": "tickets.duty_add", "change": "tickets.duty_change", "remove": "tickets.duty_remove"}
    form = DutyItemForm
    list_display = ("role", "kind", "text", "category")
    list_filter = ("role", "kind")
    readonly_fields = ("path",)
    search_fields = ("text",)
