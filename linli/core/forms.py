"""What the apps' forms share."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from linli.core import dates, regions
from linli.core.text import strip_invisible_all
from linli.core.validators import validate_region_code


class CleanTextMixin(forms.BaseForm):
    """Every text a form receives loses its invisible characters and direction controls
    (``linli.core.text``) before any field sees it: the same rule as the API's and the
    importer's. Every form of Linli has it (a test checks)."""

    def full_clean(self) -> None:
        if self.is_bound:
            self.data = _without_invisible(self.data)
        super().full_clean()


def _without_invisible(data: Any) -> Any:
    if isinstance(data, QueryDict):
        cleaned = QueryDict(mutable=True)
        for key, values in data.lists():
            cleaned.setlist(key, [strip_invisible_all(v) for v in values])
        cleaned._mutable = False
        return cleaned
    if isinstance(data, MultiValueDict):
        return MultiValueDict({key: [strip_invisible_all(v) for v in values] for key, values in data.lists()})
    return strip_invisible_all(dict(data))


class ActionErrorsMixin(forms.BaseForm):
    """Show an action's ValidationError on the form: on its field when it names one of the
    form's fields, else above the form."""

    def add_action_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)


class StyledForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    """Bootstrap classes on every widget, and the actions' errors put next to their fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            self.style(field)

    @staticmethod
    def style(field: forms.Field) -> forms.Field:
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        else:
            widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")
        return field


class FilePickerInput(forms.FileInput):
    """A file input whose button and "no file chosen" are in the page's language (the
    browser's own are in the browser's): the native input stays, transparent over them, so
    that it keeps its keyboard focus, its label and its dialog; ``app.js`` shows the chosen
    file's name."""

    template_name = "core/widgets/file_picker.html"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        invalid = " is-invalid" if "is-invalid" in str(widget_attrs.get("class", "")) else ""
        widget_attrs["class"] = "file-picker-input" + invalid
        return context


class MultipleFileInput(FilePickerInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """The photos of one or more file inputs of the same name (a phone's camera button beside
    its album button), as a list; how many, and what each is, the action checks
    (``linli.core.photos``)."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(PhotosField, self).clean(f, initial) for f in files if f]


class IsoDateInput(forms.DateInput):
    """A date field the browser's date picker can show: its value is always ISO (2026-12-03),
    whatever the language; the Chinese date format (2026/12/03) would leave it empty."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class RegionField(forms.CharField):
    """Where someone came from, typed as people say it (武汉, 武汉市江岸区, wuhan, 420102) and
    picked from the GB/T 2260 list. With JavaScript, matches appear under the field as one types
    (``/regions/``); without, the form resolves what was typed when it is sent and, when several
    places match, shows them to choose from. The choice is posted as ``code_field``. Call
    :func:`pick_region` from the form's ``clean()``."""

    def __init__(self, *, code_field: str, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 60)
        super().__init__(**kwargs)
        self.code_field = code_field
        self.candidates: list[regions.Region] = []
        self.chosen = ""

    def validate(self, value: Any) -> None:
        # Empty is fine when a place was picked from the choices: pick_region decides.
        if value not in self.empty_values:
            super().validate(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.update({"autocomplete": "off", "enterkeyhint": "search", "hx-trigger": "input changed delay:300ms, search",
                      "hx-swap": "innerHTML"})
        return attrs


def _region_field(form: forms.BaseForm, name: str) -> RegionField:
    field = form.fields[name]
    if not isinstance(field, RegionField):
        raise TypeError(f"{name} is not a RegionField")
    return field


def bind_region_field(form: forms.BaseForm, name: str) -> None:
    """Point the field's live search at the region list and at its choices box (per form:
    the URL names the fields of this form)."""
    field = _region_field(form, name)
    bound = form[name]
    field.widget.attrs.update({
        "hx-get": f"{reverse('regions')}?{urlencode({'from': form.add_prefix(name), 'field': field.code_field})}",
        "hx-target": f"#{bound.auto_id}-choices", "aria-describedby": f"{bound.auto_id}-choices"})


def pick_region(form: forms.BaseForm, name: str) -> regions.Region | None:
    """The region the form's ``name`` field means, with its code (6 or 9 digits) in
    ``cleaned_data[field.code_field]``; None with an error on the field when there is none or
    there are several to choose from (then shown under the field)."""
    field = _region_field(form, name)
    text = str(form.cleaned_data.get(name) or "").strip()
    picked = str(form.data.get(form.add_prefix(field.code_field)) or "").strip()
    code = picked or (text if regions.clean_query(text).isdigit() else "")
    if code:
        try:
            info = validate_region_code(code)
        except ValidationError as exc:
            form.add_error(name, exc)
            return None
        found = regions.lookup(info.code[:6])
        if found is None or found.is_group or info.level not in ("province", "city", "district", "street"):
            form.add_error(name, ValidationError(_("Choose a province, city, district or township."),
                                                 code="region_level"))
            return None
        form.cleaned_data[field.code_field] = info.code
        field.chosen = info.code
        if len(info.code) == 6:  # shown again, ticked, if the form comes back for another field
            field.candidates = [found]
        return found
    if not text:
        if field.required:
            form.add_error(name, ValidationError(
                _("Type where it is: a city or district (e.g. 武汉 or 武汉市江岸区), or its 6-digit code."),
                code="required"))
        return None
    found, field.candidates = regions.resolve(text)
    if found is not None:
        form.cleaned_data[field.code_field] = found.code
        field.chosen, field.candidates = found.code, [found]
        return found
    if field.candidates:
        form.add_error(name, ValidationError(_("Several places match “%(text)s”: choose one below."),
                                             code="region_ambiguous", params={"text": text[:40]}))
    else:
        form.add_error(name, ValidationError(
            _("No province, city or district called “%(text)s” is in the national list (GB/T 2260); check the "
              "spelling, or type its 6-digit code."), code="region_unknown", params={"text": text[:40]}))
    return None


class DateField(forms.DateField):
    """A date typed into a form, refused outside Linli's bounds (``linli.core.dates``): the
    browser's date picker lets anyone pick the year 1 or 9999."""

    widget = IsoDateInput

    def validate(self, value: Any) -> None:
        super().validate(value)
        today = timezone.localdate()
        if value and not dates.within_bounds(value, today):
            raise ValidationError(
                _("%(date)s is not a plausible date here: dates from %(earliest)s to %(latest)s are accepted."),
                code="date_range", params={"date": value.isoformat(), "earliest": dates.EARLIEST.isoformat(),
                                           "latest": dates.latest(today).isoformat()})
