from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from linli.core.forms import ActionErrorsMixin, CleanTextMixin, DateField, StyledForm
from linli.core.models import User
from linli.gates.models import EventKind, Gate, Verdict
from linli.gates.records import KEPT_ONLY, REFUSED_ONLY

_DATETIME = {"type": "datetime-local", "class": "form-control"}


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return gettext("%(name)s (%(detail)s)") % {"name": obj, "detail": obj.username}


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



class RecordsFilter(StyledForm):
    """The records page's filters (a GET form): a value that does not fit is shown as an error
    and left out of the filter."""

    gate = forms.TypedChoiceField(label=_("Gate"), required=False, coerce=int, empty_value=None)
    day = DateField(label=_("Day"), required=False)
    verdict = forms.ChoiceField(label=_("Verdict"), required=False,
                                choices=[("", _("any verdict")), *Verdict.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("any kind")), *EventKind.choices])
    status = forms.ChoiceField(label=_("Server's check"), required=False, choices=[
        ("", _("all records")), (KEPT_ONLY, pgettext_lazy("gate record", "accepted")), (REFUSED_ONLY, _("refused only"))])

    def __init__(self, *args: Any, gates: list[Gate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["gate"]
        assert isinstance(field, forms.TypedChoiceField)  # noqa: S101 - narrows the type for mypy
        field.choices = [("", _("all my gates")), *((g.pk, f"{g.place.name} {g.name}") for g in gates)]

    def value(self, name: str) -> Any:
        """The cleaned value, or nothing when it did not fit."""
        return self.cleaned_data.get(name) if name not in self.errors else None
