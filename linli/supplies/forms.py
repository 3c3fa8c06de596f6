"""Forms of the supplies pages; the actions check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.core.forms import ActionErrorsMixin, CleanTextMixin, IsoDateInput
from linli.supplies.models import Item, MovementKind

SELECT = {"class": "form-select"}
TEXT = {"class": "form-control"}
NUMBER = {"class": "form-control", "inputmode": "numeric", "min": "1"}


class ItemField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Item) -> str:
        return f"{obj.name}（{obj.unit}）"


class ReceiveForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    item = ItemField(label=_("Material"), queryset=Item.objects.filter(is_active=True), widget=forms.Select(attrs=SELECT))
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, widget=forms.NumberInput(attrs=NUMBER))
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=IsoDateInput(attrs=TEXT))
    source = forms.CharField(label=_("Source (supplier, donor, allocation)"), required=False, max_length=100,
                             widget=forms.TextInput(attrs=TEXT))
    note = forms.CharField(label=_("Note"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT))


class IssueForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What happens"), choices=[(MovementKind.ISSUE, _("issue")),
                                                                 (MovementKind.LOSS, _("loss"))],
                             widget=forms.Select(attrs=SELECT))
    item = ItemField(label=_("Material"), queryset=Item.objects.filter(is_active=True), widget=forms.Select(attrs=SELECT))
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, widget=forms.NumberInput(attrs=NUMBER))
    note = forms.CharField(label=_("To whom, or why written off"), required=False, max_length=200,
                           widget=forms.TextInput(attrs=TEXT))


class TargetForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Item.objects.none(),
                                       widget=forms.Select(attrs=SELECT))
    item = ItemField(label=_("Material"), queryset=Item.objects.filter(is_active=True), widget=forms.Select(attrs=SELECT))
    per_resident = forms.DecimalField(label=_("Per resident"), min_value=0, max_digits=7, decimal_places=3,
                                      initial=0, widget=forms.NumberInput(attrs={**TEXT, "step": "0.001"}))
    per_elder_household = forms.DecimalField(label=_("Per household with someone aged 60 or over"), min_value=0,
                                             max_digits=7, decimal_places=3, initial=0,
                                             widget=forms.NumberInput(attrs={**TEXT, "step": "0.001"}))
    fixed = forms.IntegerField(label=_("Plus a fixed amount"), min_value=0, initial=0,
                               widget=forms.NumberInput(attrs={**TEXT, "min": "0"}))

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]
