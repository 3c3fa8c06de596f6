from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from linli.core.forms import CleanTextMixin, FilePickerInput
from linli.imports.fields import MAPPING_LABELS, PEOPLE_FIELDS
from linli.imports.headers import SheetLayout
from linli.imports.models import OnMatch
from linli.imports.reading import max_bytes
from linli.places.models import Place


def _place_label(place: Place) -> str:
    return gettext("%(name)s (%(detail)s)") % {"name": place.name, "detail": place.get_level_display()}


class UploadForm(CleanTextMixin, forms.Form):
    area = forms.ModelChoiceField(queryset=Place.objects.none(), label=_("Import into"),
                                  help_text=_("Only houses in this area (and in your own area) are accepted."))
    file = forms.FileField(label=_("Spreadsheet"), help_text=_("Excel (.xlsx, .xls) or CSV (UTF-8, GB18030 or Unicode text)."),
                           widget=FilePickerInput(attrs={"accept": ".xlsx,.xls,.xlsm,.csv,.txt"}))

    def __init__(self, *args: Any, places: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area = self.fields["area"]
        assert isinstance(area, forms.ModelChoiceField)  # noqa: S101 - declared above
        area.queryset = places
        area.label_from_instance = _place_label  # type: ignore[method-assign,assignment]
        area.widget.attrs["class"] = "form-select"
        self.fields["file"].widget.attrs["class"] = "form-control"

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > max_bytes():
            raise forms.ValidationError(_("The file is larger than %(mb)d MB; split it into several files."),
                                        code="file_too_large", params={"mb": max_bytes() // (1024 * 1024)})
        return upload


FIELD_CHOICES = [("", _("— do not import —")), *((f.code, MAPPING_LABELS.get(f.code, f.label)) for f in PEOPLE_FIELDS)]


def column_name(sheet: int, column: int) -> str:
    return f"s{sheet}-c{column}"


class MappingForm(CleanTextMixin, forms.Form):
    """One select per column of every sheet that has a header row."""

    def __init__(self, *args: Any, layouts: list[SheetLayout], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.layouts = layouts
        for s, layout in enumerate(layouts):
            for c, header in enumerate(layout.headers):
                self.fields[column_name(s, c)] = forms.ChoiceField(
                    choices=FIELD_CHOICES, required=False, label=header or _("(no header)"),
                    initial=layout.mapping.get(c, ""), widget=forms.Select(attrs={"class": "form-select"}))

    def sheets(self) -> list[tuple[SheetLayout, list[Any]]]:
        return [(layout, [self[column_name(s, c)] for c in range(len(layout.headers))])
                for s, layout in enumerate(self.layouts)]

    def mappings(self) -> dict[str, dict[int, str]]:
        result: dict[str, dict[int, str]] = {}
        for s, layout in enumerate(self.layouts):
            chosen = {c: self.cleaned_data.get(column_name(s, c), "") for c in range(len(layout.headers))}
            result[layout.name] = {c: f for c, f in chosen.items() if f}
        return result


class DecisionForm(CleanTextMixin, forms.Form):
    on_match = forms.ChoiceField(choices=OnMatch.choices, required=False, widget=forms.RadioSelect,
                                 label=_("People already registered"))
    allow_rejected = forms.BooleanField(required=False, label=_("I understand that the rejected rows will not be imported."))
