from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.core.forms import StyledForm
from linli.sites.models import PointKind


class PlaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class PointForm(StyledForm):
    compound = PlaceChoiceField(label=_("Compound"), queryset=None)  # type: ignore[arg-type]
    name = forms.CharField(label=_("Name"), max_length=64, help_text=_("e.g. 3号楼垃圾房"))
    kind = forms.ChoiceField(label=_("Kind"), choices=PointKind.choices)
    longitude = forms.FloatField(label=_("Longitude"))
    latitude = forms.FloatField(label=_("Latitude"))
    interval_days = forms.IntegerField(label=_("Disinfect every (days)"), initial=7, min_value=1, max_value=90)

    def __init__(self, *args: Any, places: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = places  # type: ignore[attr-defined]


class ShelterForm(StyledForm):
    place = PlaceChoiceField(label=_("Community or compound"), queryset=None)  # type: ignore[arg-type]
    name = forms.CharField(label=_("Name"), max_length=64)
    capacity = forms.IntegerField(label=_("Capacity (people)"), min_value=1, max_value=100_000)
    contact = forms.CharField(label=_("Contact"), max_length=64, help_text=_("who opens it, and a duty phone"))
    longitude = forms.FloatField(label=_("Longitude"))
    latitude = forms.FloatField(label=_("Latitude"))

    def __init__(self, *args: Any, places: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places  # type: ignore[attr-defined]


class VisitForm(StyledForm):
    disinfectant = forms.CharField(label=_("Disinfectant"), max_length=64, initial="含氯消毒液 500mg/L")
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class PointEditForm(PointForm):
    """A point's own fields; its compound stays (a point elsewhere is a new point)."""

    active = forms.BooleanField(label=_("In use"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, places=None, **kwargs)
        del self.fields["compound"]


class ShelterEditForm(ShelterForm):
    active = forms.BooleanField(label=_("Open (in use)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, places=None, **kwargs)
        del self.fields["place"]
