"""Forms of the device pages; the actions check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.core.forms import StyledForm
from linli.devices.actions import RELATIONS
from linli.devices.models import DeviceKind, DeviceStatus

BLANK = [("", "—")]


class KindField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(_(obj.name))


class FilterForm(StyledForm):
    kind = KindField(label=_("kind"), queryset=DeviceKind.objects.all(), required=False, empty_label="—")
    status = forms.ChoiceField(label=_("status"), choices=BLANK + list(DeviceStatus.choices), required=False)
    silent = forms.BooleanField(label=_("silent for longer than its heartbeat"), required=False)
    low_battery = forms.BooleanField(label=_("battery low"), required=False)
    unreadable = forms.BooleanField(label=_("sent unreadable messages"), required=False)


class RegisterForm(StyledForm):
    uid = forms.CharField(label=_("serial number"), max_length=64,
                          help_text=_("As printed on the device or the installer's list."))
    kind = KindField(label=_("kind"), queryset=DeviceKind.objects.all())
    house = forms.CharField(label=_("house code"), max_length=24,
                            help_text=_("The house's 24-digit code (on its page and its QR sticker)."))
    person = forms.CharField(label=_("person watched (name, optional)"), max_length=64, required=False,
                             help_text=_("Someone living in this house, if the device watches her."))
    label = forms.CharField(label=_("where in the house"), max_length=64, required=False)


class ConsentForm(StyledForm):
    legal_basis = forms.CharField(label=_("legal basis"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=_("The law and article, the order, or the service agreement."))
    relation = forms.ChoiceField(label=_("who consented"), choices=BLANK + list(RELATIONS.items()), required=False)
    consent_by = forms.CharField(label=_("consent given by"), max_length=48, required=False)
    consent_at = forms.DateTimeField(label=_("consent given at"), required=False,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                format="%Y-%m-%dT%H:%M"),
                                     input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"])


class ImportForm(StyledForm):
    file = forms.FileField(label=_("the installer's spreadsheet (xlsx or csv)"))
