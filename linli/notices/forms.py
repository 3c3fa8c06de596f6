"""Forms of the notice pages; the actions check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.core.forms import ActionErrorsMixin, CleanTextMixin
from linli.grids.models import Grid
from linli.notices.models import AudienceGroup, Category, Outcome, Urgency
from linli.places.models import Place
from linli.tasks.forms import AreaField

SELECT = {"class": "form-select"}
TEXT = {"class": "form-control"}


def offer_audience(form: forms.Form, areas: Any, grids: Any) -> None:
    """Offer the areas and grids the user may address (the form's ``places`` and ``grids``)."""
    area_field = form.fields["places"]
    assert isinstance(area_field, AreaField)  # noqa: S101 - narrows the type for mypy
    area_field.offer(areas)
    grid_field = form.fields["grids"]
    assert isinstance(grid_field, forms.ModelMultipleChoiceField)  # noqa: S101
    grid_field.queryset = grids.order_by("code")


class NoticeForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    body = forms.CharField(label=_("Text"), max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 8}),
                           help_text=_("Plain text; an empty line starts a new paragraph."))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices, widget=forms.Select(attrs=SELECT))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, widget=forms.RadioSelect,
                                initial=Urgency.NORMAL)
    deadline = forms.DateTimeField(label=_("Read by"), required=False,
                                   widget=forms.DateTimeInput(attrs={**TEXT, "type": "datetime-local"},
                                                              format="%Y-%m-%dT%H:%M"),
                                   help_text=_("After this time the grid workers get the households not yet reached."))
    places = AreaField(label=_("To these areas"), required=False, queryset=Place.objects.none(),
                       widget=forms.SelectMultiple(attrs={**SELECT, "size": 8}),
                       help_text=_("Choose one or more; hold Ctrl (or Cmd) to choose several on a computer."))
    grids = forms.ModelMultipleChoiceField(label=_("Or to these grids"), required=False, queryset=Grid.objects.none(),
                                           widget=forms.SelectMultiple(attrs={**SELECT, "size": 5}))
    group = forms.ChoiceField(label=_("Who"), choices=AudienceGroup.choices, required=False,
                              widget=forms.Select(attrs=SELECT))

    def __init__(self, *args: Any, areas: Any, grids: Any, show_groups: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_audience(self, areas, grids)
        if not show_groups:
            # Lists by special group are for those who may see the groups.
            group = self.fields["group"]
            assert isinstance(group, forms.ChoiceField)  # noqa: S101
            group.choices = [c for c in AudienceGroup.choices if c[0] in ("", AudienceGroup.FLOATING)]


class CommentForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=500,
                              widget=forms.Textarea(attrs={**TEXT, "rows": 2}))


class EditForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    body = forms.CharField(label=_("Text"), max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 8}))
    comment = forms.CharField(label=_("Comment"), required=False, max_length=500,
                              widget=forms.TextInput(attrs=TEXT))


class CorrectForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    body = forms.CharField(label=_("Corrected text"), max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 6}))
    reason = forms.CharField(label=_("What was wrong"), max_length=200, widget=forms.TextInput(attrs=TEXT))


class ReasonForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("Why it is withdrawn"), max_length=200, widget=forms.TextInput(attrs=TEXT))


class AttemptForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    via = forms.ChoiceField(label=_("How"), choices=[("knock", _("door-knock")), ("call", _("phone call"))],
                            widget=forms.Select(attrs={**SELECT, "class": "form-select form-select-sm"}))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices,
                                widget=forms.Select(attrs={**SELECT, "class": "form-select form-select-sm"}))
    note = forms.CharField(label=_("Note"), required=False, max_length=200,
                           widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))
