from django.contrib import admin

from linli.gates.models import DutyShift, Gate, GateEvent, Visitor


class GateRecordAdmin(admin.ModelAdmin):
    """The gate's records, as the gate made them: changed by nobody."""

    list_select_related = ("gate__place",)  # a gate's name includes its compound's

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class ShiftInline(admin.TabularInline):
    model = DutyShift
    fk_name = "gate"
    extra = 0
    raw_id_fields = ("user",)
    exclude = ("path", "created_by")


@admin.register(Gate)
class GateAdmin(admin.ModelAdmin):
    list_display = ("name", "place", "active")
    list_filter = ("active",)
    search_fields = ("name", "place__name")
    raw_id_fields = ("place",)
    readonly_fields = ("path", "created_by")
    inlines = [ShiftInline]


@admin.register(GateEvent)
class GateEventAdmin(GateRecordAdmin):
    list_display = ("occurred_at", "gate", "kind", "verdict", "reason", "colour", "temperature")
    list_filter = ("kind", "verdict")
    date_hierarchy = "occurred_at"
    fields = ("client_id", "gate", "kind", "verdict", "reason", "colour", "temperature", "subject", "person",
              "occurred_at", "received_at", "recorded_by")


@admin.register(Visitor)
class VisitorAdmin(GateRecordAdmin):
    """Counts and times only: names and phones are read through audited pages, not here."""

    list_display = ("occurred_at", "gate", "purpose", "temperature")
    date_hierarchy = "occurred_at"
    fields = ("gate", "purpose", "visiting", "temperature", "occurred_at", "recorded_by")
