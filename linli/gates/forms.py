from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.forms import ActionErrorsMixin, CleanTextMixin
from linli.core.models import User

_DATETIME = {"type": "datetime-local", "class": "form-control"}


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.username})"


class ShiftForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    """One shift of the duty roster; the action checks the rest (length, overlap)."""

    user = UserChoiceField(label=_("Person on duty"), queryset=User.objects.none(),
                                  widget=forms.Select(attrs={"class": "form-select"}))
    starts_at = forms.DateTimeField(label=pgettext_lazy("duty shift", "From"), widget=forms.DateTimeInput(attrs=_DATETIME))
    ends_at = forms.DateTimeField(label=_("Until"), widget=forms.DateTimeInput(attrs=_DATETIME))

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, UserChoiceField)  # noqa: S101 - narrows the type for mypy
        field.queryset = candidates

