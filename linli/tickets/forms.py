"""The request forms: filing one (a resident on her phone, or the office for a caller), and
each move a handler, a dispatcher or the resident makes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.core.forms import DateField, PhotosField, StyledForm
from linli.core.photos import MAX_UPLOAD_BYTES
from linli.grids.models import Grid
from linli.places.models import Place
from linli.tickets.models import (
    MAX_LIMIT_HOURS,
    Category,
    Clock,
    DutyKind,
    GridRole,
    Level,
    Rating,
    Source,
)

TEXTAREA = {"rows": 4, "maxlength": 2000}


class CategoryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:  # type: ignore[override]
        return obj.label


class NewTicketForm(StyledForm):
    category = CategoryChoice(label=_("What is it about?"), queryset=Category.objects.none(),
                              widget=forms.RadioSelect, empty_label=None)
    place = forms.TypedChoiceField(label=_("Where?"), coerce=int)
    description = forms.CharField(label=_("What happened? Where exactly?"), max_length=2000,
                                  widget=forms.Textarea(attrs=TEXTAREA))
    photo = PhotosField(label=_("Photos (optional)"))
    anonymous = forms.BooleanField(label=_("Do not show my name (only for some categories)"), required=False)
    contact_phone = forms.CharField(label=_("Phone to call back (optional)"), required=False, max_length=32,
                                    widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    items = forms.CharField(label=_("Shopping list for a delivery (optional, one thing a line)"), required=False,
                            max_length=2000, widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
                            help_text=_("For groceries or medicine: a volunteer buys them and leaves them at your "
                                        "door."))

    def __init__(self, *args: Any, places: list[Place], place_labels: dict[int, str], deliveries: bool = True,
                 shopping_list: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = Category.objects.filter(active=True)
        if not deliveries:  # groceries and medicine deliveries are for quarantined households
            offered = offered.filter(delivery=False)
        if not shopping_list:  # only for a house under home quarantine
            del self.fields["items"]
        self.fields["category"].queryset = offered  # type: ignore[attr-defined]
        self.fields["place"].choices = [(p.pk, place_labels.get(p.pk, p.name)) for p in places]  # type: ignore[attr-defined]
        self.places = {p.pk: p for p in places}

    def chosen_place(self) -> Place:
        return self.places[self.cleaned_data["place"]]

    def item_lines(self) -> list[str]:
        return (self.cleaned_data.get("items") or "").splitlines()


class StaffTicketForm(NewTicketForm):
    """The office files a request for a caller or a walk-in, or a need found on a visit."""

    source = forms.ChoiceField(label=_("How did it reach us?"), choices=[
        (Source.PHONE, Source.PHONE.label), (Source.WALK_IN, Source.WALK_IN.label),
        (Source.VISIT, Source.VISIT.label), (Source.HOTLINE, Source.HOTLINE.label)])
    contact_name = forms.CharField(label=_("Caller's name (optional)"), required=False, max_length=64)
    external_ref = forms.CharField(label=_("12345 order number (if from the hotline)"), required=False,
                                   max_length=64)
    field_order = ["source", "category", "place", "description", "items", "photo", "contact_name", "contact_phone",
                   "external_ref", "anonymous"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].widget = forms.Select(attrs={"class": "form-select"})
        self.fields["contact_phone"].label = _("Caller's phone (optional)")
        if "items" in self.fields:
            self.fields["items"].help_text = _("For groceries or medicine of a household under home quarantine: a "
                                               "volunteer buys them and leaves them at the door.")


class NoteForm(StyledForm):
    note = forms.CharField(label=_("Progress note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    public = forms.BooleanField(label=_("The resident may read it"), required=False, initial=True)


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class OutcomeForm(StyledForm):
    outcome = forms.CharField(label=_("What was done (the resident reads this)"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(StyledForm):
    reason = forms.CharField(label=_("Why it cannot be fixed (the resident reads this)"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class GridChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Grid) -> str:  # type: ignore[override]
        return obj.name


class TransferForm(StyledForm):
    grid = GridChoice(label=_("To the grid"), queryset=Grid.objects.none(), required=False)
    department = forms.CharField(label=_("Or to the department"), max_length=64, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, grids: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids  # type: ignore[attr-defined]


class AssignForm(StyledForm):
    level = forms.ChoiceField(label=_("Who answers"), choices=Level.choices)
    grid = GridChoice(label=_("Grid"), queryset=Grid.objects.none(), required=False)
    department = forms.CharField(label=_("Department"), max_length=64, required=False)

    def __init__(self, *args: Any, grids: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids  # type: ignore[attr-defined]


class MergeForm(StyledForm):
    into = forms.CharField(label=_("Number of the request to merge into"), max_length=20)


class ReceiptForm(StyledForm):
    note = forms.CharField(label=_("How the household confirmed it (the resident reads this)"), max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           initial=_("Called the household: they have taken the delivery in."))


class AtDoorForm(StyledForm):
    note = forms.CharField(label=_("Note for the household (optional)"), required=False, max_length=200,
                           widget=forms.TextInput(attrs={"placeholder": _("e.g. the receipt is in the bag")}))
    photo = forms.FileField(label=_("Photo of the bag at the door (optional)"), required=False,
                            widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photo"].help_text = _("A JPEG, PNG or WebP picture of at most %(max)d MB.") % {
            "max": MAX_UPLOAD_BYTES // 1024 // 1024}


class RateForm(StyledForm):
    rating = forms.ChoiceField(label=_("How satisfied are you with the result?"), choices=Rating.choices,
                               widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Anything to add? (optional)"), required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 2}))


# --- the street's catalogue, calendar and duty lists -------------------------------------------------------

HOURS = {"min_value": 1, "max_value": MAX_LIMIT_HOURS}


class CategoryForm(StyledForm):
    """A line of the catalogue. The code is typed once, when the line is added."""

    code = forms.SlugField(label=_("Code"), max_length=40, help_text=Category._meta.get_field("code").help_text)
    name = forms.CharField(label=_("Name (Chinese)"), max_length=64)
    name_en = forms.CharField(label=_("Name in English"), max_length=64, required=False)
    level = forms.ChoiceField(label=_("Answered by"), choices=Level.choices)
    department = forms.CharField(label=_("Department"), max_length=64, required=False,
                                 help_text=_("Only for requests answered by an outside department: which one."))
    respond_hours = forms.IntegerField(label=_("Hours to the first response"), **HOURS)  # type: ignore[arg-type]
    resolve_hours = forms.IntegerField(label=_("Hours to resolution"), **HOURS)  # type: ignore[arg-type]
    clock = forms.ChoiceField(label=_("Hours counted"), choices=Clock.choices, widget=forms.RadioSelect,
                              help_text=_("Working hours skip nights, weekends and holidays; round the clock does "
                                          "not (for what cannot wait)."))
    anonymous_allowed = forms.BooleanField(label=_("Residents may file it anonymously"), required=False)
    delivery = forms.BooleanField(label=_("Delivery for a quarantined household"), required=False)
    sort_key = forms.IntegerField(label=_("Position in the list"), min_value=0, max_value=32767, required=False,
                                  help_text=_("Smaller numbers come first."))

    def __init__(self, *args: Any, adding: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("respond_hours", "resolve_hours", "sort_key"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"
        if not adding:
            del self.fields["code"]


class CalendarDayForm(StyledForm):
    date = DateField(label=_("Date"))
    working = forms.TypedChoiceField(
        label=_("The street declares it"), coerce=lambda v: v == "1", widget=forms.RadioSelect,
        choices=[("1", _("a working day (make-up day)")), ("0", _("a day off"))])
    note = forms.CharField(label=_("Note (optional)"), max_length=100, required=False,
                           widget=forms.TextInput(attrs={"placeholder": _("e.g. typhoon day off announced by the city")}))


class DutyItemForm(StyledForm):
    role = forms.ChoiceField(label=_("Grid role"), choices=GridRole.choices)
    kind = forms.ChoiceField(label=_("List"), choices=DutyKind.choices, widget=forms.RadioSelect)
    text = forms.CharField(label=_("The line, as grid workers read it"), max_length=300,
                           widget=forms.Textarea(attrs={"rows": 2, "maxlength": 300}))
    category = CategoryChoice(label=_("Request category (negative list only)"), queryset=Category.objects.none(),
                              required=False,
                              help_text=_("A negative line that names a category keeps that category's requests away "
                                          "from this role; without one it does not change routing."))
    sort_key = forms.IntegerField(label=_("Position in the list"), min_value=0, max_value=32767, required=False,
                                  help_text=_("Smaller numbers come first."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.all()  # type: ignore[attr-defined]
        self.fields["sort_key"].widget.attrs["inputmode"] = "numeric"
