from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.forms import ActionErrorsMixin, CleanTextMixin, DateField, IsoDateInput
from linli.people.actions import PersonInput
from linli.people.models import CommunityRole, PopulationType, Relation, SpecialGroup


class PersonForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    """Collects what staff type; the action validates (ID check digit, phone, duplicates)."""

    name = forms.CharField(label=pgettext_lazy("of a person", "Name"), max_length=64)
    id_number = forms.CharField(label=_("ID number"), max_length=40, required=False,
                                help_text=_("18 digits (or a 15-digit legacy number); leave empty if unknown."))
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False,
                            help_text=_("A mobile, a landline with its area code (021-58881234, an extension after 转), "
                                        "or a number abroad starting with + and the country code."))
    population_type = forms.ChoiceField(label=_("Population type"), choices=PopulationType.choices)
    hukou_address = forms.CharField(label=_("Registered residence (户籍地)"), max_length=200, required=False)
    school = forms.CharField(label=_("School"), max_length=100, required=False,
                             help_text=_("For pupils and students: the school they attend."))
    special_groups = forms.MultipleChoiceField(label=_("Special groups"), choices=SpecialGroup.choices,
                                               required=False, widget=forms.CheckboxSelectMultiple)
    community_roles = forms.MultipleChoiceField(label=_("Community roles"), choices=CommunityRole.choices,
                                                required=False, widget=forms.CheckboxSelectMultiple)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, show_groups: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not show_groups:
            del self.fields["special_groups"]
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
                continue
            widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "inputmode": "text"})
        self.fields["phone"].widget.attrs.update({"autocomplete": "off", "inputmode": "tel"})

    def to_input(self) -> PersonInput:
        data = self.cleaned_data
        return PersonInput(
            name=data["name"], id_number=data["id_number"], phone=data["phone"],
            population_type=data["population_type"], hukou_address=data["hukou_address"],
            school=data.get("school", ""),
            special_groups=list(data.get("special_groups", [])), community_roles=list(data["community_roles"]),
            notes=data["notes"],
        )


class EditPersonForm(PersonForm):
    """Editing a person never puts her full ID number or phone into the page: both show
    masked; typing a new value replaces the old one, leaving the field empty keeps it.
    Full values are read only through the reveal action, with a stated purpose."""

    remove_phone = forms.BooleanField(label=_("Remove the phone number"), required=False)

    field_order = ["name", "id_number", "phone", "remove_phone"]

    def __init__(self, *args: Any, id_masked: str = "", phone_masked: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep = _("Shown masked: %(value)s. Type a new number to replace it; leave empty to keep it.")
        if id_masked:
            self.fields["id_number"].widget.attrs["placeholder"] = id_masked
            self.fields["id_number"].help_text = keep % {"value": id_masked}
        if phone_masked:
            self.fields["phone"].widget.attrs["placeholder"] = phone_masked
            self.fields["phone"].help_text = keep % {"value": phone_masked}
        else:
            del self.fields["remove_phone"]

    def to_input_keeping(self, id_number: str, phone: str) -> PersonInput:
        data = self.to_input()
        data.id_number = data.id_number.strip() or id_number
        data.phone = "" if self.cleaned_data.get("remove_phone") else (data.phone.strip() or phone)
        return data


class NewResidentForm(PersonForm):
    relation = forms.ChoiceField(label=_("Relation"), choices=Relation.choices, initial=Relation.FAMILY)
    moved_in = DateField(label=_("Moved in"), required=False, widget=IsoDateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["relation"].widget.attrs["class"] = "form-select"
        self.fields["moved_in"].widget.attrs["class"] = "form-control"


class MoveOutForm(CleanTextMixin, forms.Form):
    moved_out = DateField(label=_("Moved out on"), widget=IsoDateInput(attrs={"class": "form-control"}))


class OrganizationForm(CleanTextMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=40, required=False,
                           help_text=_("18 characters (GB 32100-2015)."))
    override_reason = forms.CharField(
        label=_("Reason to accept a code whose check character fails"), max_length=300, required=False,
        help_text=_("Only for genuine codes that fail the check, such as early pilot codes. Recorded."))
    kind = forms.CharField(label=_("Kind"), max_length=64, required=False)
    contact_name = forms.CharField(label=_("Contact"), max_length=64, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")
