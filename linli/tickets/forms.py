"""The request forms: filing one (a resident on her phone, or the office for a caller), and
each move a handler, a dispatcher or the resident makes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.core.forms import DateField, FilePickerInput, PhotosField, StyledForm
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
                            widget=FilePickerInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))

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
# --- the 12345 hotline's exports ------------------------------------------------------------------

class HotlineUploadForm(StyledForm):
    street = forms.ModelChoiceField(label=_("Street"), queryset=Place.objects.none(), empty_label=None)
    file = forms.FileField(label=_("The hotline's export"), widget=FilePickerInput(),
                           help_text=_("Excel (.xlsx, .xls) or CSV (UTF-8, GBK/GB18030 or Unicode text), as the "
                                       "hotline's system exports it."))

    def __init__(self, *args: Any, streets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        street = self.fields["street"]
        assert isinstance(street, forms.ModelChoiceField)  # noqa: S101 - declared above
        street.queryset = streets
        street.label_from_instance = lambda place: place.name  # type: ignore[method-assign,assignment]
        only = list(streets[:2])
        if len(only) == 1:  # nothing to choose: the one street she imports for
            street.widget = forms.HiddenInput()
            street.initial = only[0].pk
        self.fields["file"].widget.attrs.update({"accept": ".xlsx,.xls,.csv,.txt", "class": "form-control"})

    def clean_file(self) -> Any:
        from linli.tickets.hotline_actions import max_bytes

        upload = self.cleaned_data["file"]
        if upload.size > max_bytes():
            raise forms.ValidationError(_("The file is larger than %(mb)d MB; split it into several files."),
                                        code="file_too_large", params={"mb": max_bytes() // (1024 * 1024)})
        return upload


class HotlineColumnsForm(StyledForm):
    """One select per column of the export, and one per category text of the file."""

    def __init__(self, *args: Any, headers: list[str], columns: dict[int, str], samples: list[str],
                 texts: list[Any], **kwargs: Any) -> None:
        from linli.tickets import hotline

        super().__init__(*args, **kwargs)
        fields = [("", _("— not imported —")), *((c.code, c.label) for c in hotline.COLUMNS)]
        self.headers, self.samples, self.texts = headers, samples, texts
        for i, header in enumerate(headers):
            self.fields[f"c{i}"] = self.style(forms.ChoiceField(
                label=header or _("(no header)"), choices=fields, required=False, initial=columns.get(i, "")))
        categories = [("", _("— leave these rows for later —")),
                      *((c.pk, c.label) for c in Category.objects.filter(active=True))]
        for n, text in enumerate(texts):
            self.fields[f"k{n}"] = self.style(forms.TypedChoiceField(
                label=text.text, choices=categories, required=False, coerce=int, empty_value=None,
                initial=text.category_id or ""))

    def column_fields(self) -> list[tuple[Any, str]]:
        return [(self[f"c{i}"], self.samples[i] if i < len(self.samples) else "") for i in range(len(self.headers))]

    def category_fields(self) -> list[tuple[Any, Any]]:
        return [(self[f"k{n}"], text) for n, text in enumerate(self.texts)]

    def columns(self) -> dict[int, str]:
        return {i: code for i in range(len(self.headers)) if (code := self.cleaned_data.get(f"c{i}"))}

    def categories(self) -> dict[str, Category | None]:
        chosen = Category.objects.in_bulk([pk for n in range(len(self.texts))
                                           if (pk := self.cleaned_data.get(f"k{n}"))])
        return {text.text: chosen.get(self.cleaned_data.get(f"k{n}") or 0) for n, text in enumerate(self.texts)}


class HotlinePlacesForm(StyledForm):
    """For each row whose address matched no house: the address as it should read, or skip it."""

    def __init__(self, *args: Any, rows: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for number in rows:
            self.fields[f"p{number}"] = self.style(forms.CharField(
                label=_("Place of row %(row)s") % {"row": number}, max_length=200, required=False))
            self.fields[f"s{number}"] = self.style(forms.BooleanField(
                label=_("Skip row %(row)s") % {"row": number}, required=False))

    def addresses(self) -> dict[int, str]:
        return {n: text for n in self.rows if (text := self.cleaned_data.get(f"p{n}", "").strip())}

    def skipped(self) -> list[int]:
        return [n for n in self.rows if self.cleaned_data.get(f"s{n}")]
