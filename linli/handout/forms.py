"""Forms of the hand-out pages; the actions check everything again."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from linli.core.forms import ActionErrorsMixin, CleanTextMixin
from linli.handout import checklist
from linli.places.models import Place
from linli.supplies.forms import ItemField
from linli.supplies.models import Item, StoragePoint

SELECT = {"class": "form-select"}
TEXT = {"class": "form-control"}
NUMBER = {"class": "form-control", "inputmode": "numeric", "min": "0"}


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={**TEXT, **(attrs or {})}, format="%Y-%m-%dT%H:%M")


class RoundForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Place.objects.none(),
                                       widget=forms.Select(attrs=SELECT))
    title = forms.CharField(label=_("Title"), max_length=60, widget=forms.TextInput(attrs=TEXT))
    item = ItemField(label=_("Material"), queryset=Item.objects.filter(is_active=True), widget=forms.Select(attrs=SELECT))
    quota = forms.IntegerField(label=_("Units per household"), min_value=1, widget=forms.NumberInput(attrs=NUMBER))
    households = forms.IntegerField(label=_("Households served"), min_value=1, widget=forms.NumberInput(attrs=NUMBER))
    held_back = forms.IntegerField(label=_("Of which held back for priority households"), min_value=0, initial=0,
                                   widget=forms.NumberInput(attrs=NUMBER))
    opens_at = forms.DateTimeField(label=_("Reservations open"), widget=LocalDateTimeInput(),
                                   input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    closes_at = forms.DateTimeField(label=_("Reservations close"), widget=LocalDateTimeInput(),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    point = forms.ModelChoiceField(label=_("Pickup point"), queryset=StoragePoint.objects.none(),
                                   widget=forms.Select(attrs=SELECT))
    first_pickup = forms.DateTimeField(label=_("First pickup slot starts"), widget=LocalDateTimeInput(),
                                       input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    slot_hours = forms.IntegerField(label=_("Each slot lasts (hours)"), min_value=1, max_value=24, initial=3,
                                    widget=forms.NumberInput(attrs=NUMBER))
    days = forms.IntegerField(label=_("Slots (one a day)"), min_value=1, max_value=20, initial=2,
                              widget=forms.NumberInput(attrs=NUMBER))
    per_slot = forms.IntegerField(label=_("Households per slot"), min_value=1, max_value=200_000, required=False,
                                  help_text=_("Empty: no limit."), widget=forms.NumberInput(attrs=NUMBER))

    def __init__(self, *args: Any, communities: QuerySet[Place], points: QuerySet[StoragePoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]
        self.fields["point"].queryset = points  # type: ignore[attr-defined]

    def slots(self) -> list[tuple[datetime.datetime, datetime.datetime]]:
        data = self.cleaned_data
        start, hours = data["first_pickup"], datetime.timedelta(hours=data["slot_hours"])
        return [(start + datetime.timedelta(days=n), start + datetime.timedelta(days=n) + hours)
                for n in range(data["days"])]


class ChecklistForm(CleanTextMixin, forms.Form):
    ticked = forms.MultipleChoiceField(label=_("What your household keeps at home"), choices=checklist.ITEMS,
                                       required=False, widget=forms.CheckboxSelectMultiple)


class UploadForm(CleanTextMixin, forms.Form):
    file = forms.FileField(label=_("Spreadsheet (.xlsx, .xls or .csv) with a column 房屋编码"),
                           widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.xls,.csv"}))
