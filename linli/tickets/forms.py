"""The request forms: filing one (a resident on her phone, or the office for a caller), and
each move a handler, a dispatcher or the resident makes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.core.forms import StyledForm
from linli.grids.models import Grid
from linli.places.models import Place
from linli.tickets.models import Category, Level, Rating, Source

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
    anonymous = forms.BooleanField(label=_("Do not show my name (only for some categories)"), required=False)
    contact_phone = forms.CharField(label=_("Phone to call back (optional)"), required=False, max_length=32,
                                    widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))

    def __init__(self, *args: Any, places: list[Place], place_labels: dict[int, str], deliveries: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = Category.objects.filter(active=True)
        if not deliveries:  # groceries and medicine deliveries are for quarantined households
            offered = offered.filter(delivery=False)
        self.fields["category"].queryset = offered  # type: ignore[attr-defined]
        self.fields["place"].choices = [(p.pk, place_labels.get(p.pk, p.name)) for p in places]  # type: ignore[attr-defined]
        self.places = {p.pk: p for p in places}

    def chosen_place(self) -> Place:
        return self.places[self.cleaned_data["place"]]


class StaffTicketForm(NewTicketForm):
    """The office files a request for a caller or a walk-in, or a need found on a visit."""

    source = forms.ChoiceField(label=_("How did it reach us?"), choices=[
        (Source.PHONE, Source.PHONE.label), (Source.WALK_IN, Source.WALK_IN.label),
        (Source.VISIT, Source.VISIT.label), (Source.HOTLINE, Source.HOTLINE.label)])
    contact_name = forms.CharField(label=_("Caller's name (optional)"), required=False, max_length=64)
    external_ref = forms.CharField(label=_("12345 order number (if from the hotline)"), required=False,
                                   max_length=64)
    field_order = ["source", "category", "place", "description", "contact_name", "contact_phone", "external_ref",
                   "anonymous"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].widget = forms.Select(attrs={"class": "form-select"})
        self.fields["contact_phone"].label = _("Caller's phone (optional)")


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


class RateForm(StyledForm):
    rating = forms.ChoiceField(label=_("How satisfied are you with the result?"), choices=Rating.choices,
                               widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Anything to add? (optional)"), required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 2}))


# --- the 12345 hotline's exports ------------------------------------------------------------------

class HotlineUploadForm(StyledForm):
    street = forms.ModelChoiceField(label=_("Street"), queryset=Place.objects.none(), empty_label=None)
    file = forms.FileField(label=_("The hotline's export"),
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
