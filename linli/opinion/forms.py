from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.core.forms import CleanTextMixin, MultipleFileInput
from linli.places.models import Place


class ExportFilesField(forms.FileField):
    """Several export files of one input, as a list."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        files = [f for f in files if f]
        if not files:
            raise forms.ValidationError(_("Choose at least one export file."), code="no_files")
        return [super(ExportFilesField, self).clean(f, initial) for f in files]


class UploadForm(CleanTextMixin, forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Place.objects.none())
    exports = ExportFilesField(label=_("Chat exports (WeChat or QQ text export, CSV, xlsx)"))

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]
        self.fields["community"].widget.attrs["class"] = "form-select"


def parse_month(value: str | None) -> datetime.date | None:
    """``2026-11`` as its first day; None when it is not a month."""
    try:
        return datetime.datetime.strptime(str(value or ""), "%Y-%m").date()  # noqa: DTZ007 - a calendar month
    except ValueError:
        return None


class ReportForm(CleanTextMixin, forms.Form):
    place = forms.ModelChoiceField(label=_("Community or street"), queryset=Place.objects.none())
    month = forms.CharField(label=_("Month"), max_length=7, widget=forms.TextInput(attrs={"type": "month"}))

    def __init__(self, *args: Any, places: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places  # type: ignore[attr-defined]
        self.fields["place"].widget.attrs["class"] = "form-select"
        self.fields["month"].widget.attrs["class"] = "form-control"

    def clean_month(self) -> datetime.date:
        month = parse_month(self.cleaned_data.get("month"))
        if month is None:
            raise forms.ValidationError(_("Give the month as 2026-11."), code="month")
        return month
