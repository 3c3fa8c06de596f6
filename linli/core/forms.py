"""What the apps' forms share."""

from __future__ import annotations

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
