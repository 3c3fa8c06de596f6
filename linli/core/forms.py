"""What the apps' forms share."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class ActionErrorsMixin(forms.BaseForm):
    """Show an action's ValidationError on the form: on its field when it names one of the
    form's fields, else above the form."""

    def add_action_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)


class StyledForm(ActionErrorsMixin, forms.Form):
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


class IsoDateInput(forms.DateInput):
    """A date field the browser's date picker can show: its value is always ISO (2026-12-03),
    whatever the language; the Chinese date format (2026/12/03) would leave it empty."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")
