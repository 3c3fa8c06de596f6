"""Forms of the task and visit pages; the actions check everything again."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core import photos
from linli.core.forms import ActionErrorsMixin, CleanTextMixin, FilePickerInput, IsoDateInput
from linli.grids.models import Grid
from linli.people.models import SpecialGroup
from linli.places.models import Level, Place, names_by_path
from linli.places.rules import ancestor_paths
from linli.tasks import plans
from linli.tasks.models import ItemStatus, Repeat, TargetKind, VisitOutcome

SELECT = {"class": "form-select"}
TEXT = {"class": "form-control"}
MANY_BUILDINGS = 400  # above this, buildings are chosen through their compound (or the API)


class AreaField(forms.ModelMultipleChoiceField):
    def __init__(self, *args: Any, names: dict[str, str] | None = None, **kwargs: Any) -> None:
        self.names = names or {}
        super().__init__(*args, **kwargs)

    def offer(self, areas: Any) -> None:
        """Offer the street, communities and compounds of ``areas``, and its buildings too while
        there are few enough to list (above MANY_BUILDINGS they are chosen by their compound)."""
        levels = [Level.STREET, Level.COMMUNITY, Level.COMPOUND]
        if areas.filter(level=Level.BUILDING).count() <= MANY_BUILDINGS:
            levels.append(Level.BUILDING)
        chosen = areas.filter(level__in=levels).order_by("path")
        self.queryset = chosen
        self.names = names_by_path(set(chosen.filter(level=Level.BUILDING).values_list("path", flat=True)))

    def label_from_instance(self, obj: Any) -> str:
        if obj.level == Level.BUILDING:
            return f"{Level(obj.level).label} · {self.names.get(ancestor_paths(obj.path)[-1], '')}{obj.name}"
        return f"{Level(obj.level).label} · {obj.name}"


class TaskForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    description = forms.CharField(label=_("What to do"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={**TEXT, "rows": 3}))
    checklist = forms.CharField(label=_("Checklist for each household or place"), required=False, max_length=2000,
                                help_text=_("One line for each thing to check, e.g. 燃气阀门已关好."),
                                widget=forms.Textarea(attrs={**TEXT, "rows": 3}))
    target_kind = forms.ChoiceField(label=_("Households or places"), choices=TargetKind.choices, initial=TargetKind.GROUP_HOUSEHOLDS,
                                    widget=forms.RadioSelect)
    groups = forms.MultipleChoiceField(label=_("Special groups"), required=False, choices=SpecialGroup.choices,
                                       widget=forms.CheckboxSelectMultiple,
                                       help_text=_("For households with someone in these groups."))
    areas = AreaField(label=_("In these areas"), queryset=Place.objects.none(),
                      widget=forms.SelectMultiple(attrs={**SELECT, "size": 8}),
                      help_text=_("Choose one or more; hold Ctrl (or Cmd) to choose several on a computer."))
    only_grids = forms.ModelMultipleChoiceField(
        label=_("Only these grids"), required=False, queryset=Grid.objects.none(),
        widget=forms.SelectMultiple(attrs={**SELECT, "size": 5}),
        help_text=_("Leave empty for every grid of the chosen areas."))
    due_on = forms.DateField(label=_("Deadline"), widget=IsoDateInput(attrs=TEXT))
    repeat = forms.ChoiceField(label=_("Repeats"), choices=Repeat.choices, required=False,
                               widget=forms.Select(attrs=SELECT))

    def __init__(self, *args: Any, areas: Any, grids: Any, show_groups: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area_field = self.fields["areas"]
        assert isinstance(area_field, AreaField)  # noqa: S101 - narrows the type for mypy
        area_field.offer(areas)
        grid_field = self.fields["only_grids"]
        assert isinstance(grid_field, forms.ModelMultipleChoiceField)  # noqa: S101
        grid_field.queryset = grids.order_by("code")
        if not show_groups:
            # Who is in a special group is not for everyone: without the right, no such lists.
            del self.fields["groups"]
            kind = self.fields["target_kind"]
            assert isinstance(kind, forms.ChoiceField)  # noqa: S101
            kind.choices = [c for c in TargetKind.choices if c[0] != TargetKind.GROUP_HOUSEHOLDS]
            kind.initial = TargetKind.HOUSEHOLDS
        self.fields["due_on"].initial = timezone.localdate() + datetime.timedelta(days=7)

    def checklist_lines(self) -> list[str]:
        return [line for line in self.cleaned_data.get("checklist", "").splitlines() if line.strip()]


class TickForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    status = forms.ChoiceField(label=_("Result"), choices=ItemStatus.choices, initial=ItemStatus.DONE,
                               widget=forms.RadioSelect)
    answers = forms.TypedMultipleChoiceField(label=_("Checklist"), required=False, coerce=int,
                                             widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("Note"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
                           help_text=_("Required when it could not be done: say why."))
    photo = forms.FileField(label=_("Photo (optional)"), required=False,
                            widget=FilePickerInput(attrs={**TEXT, "accept": "image/jpeg,image/png,image/webp"}))

    def __init__(self, *args: Any, checklist: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photo"].help_text = _("A JPEG, PNG or WebP picture of at most %(max)d MB.") % {
            "max": photos.MAX_UPLOAD_BYTES // 1024 // 1024}
        answers = self.fields["answers"]
        assert isinstance(answers, forms.TypedMultipleChoiceField)  # noqa: S101
        if checklist:
            answers.choices = list(enumerate(checklist))
        else:
            del self.fields["answers"]

    def answers_list(self, checklist: list[str]) -> list[bool]:
        if not checklist:
            return []
        ticked = set(self.cleaned_data.get("answers") or [])
        return [i in ticked for i in range(len(checklist))]


class VisitForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=VisitOutcome.choices, initial=VisitOutcome.MET,
                                widget=forms.RadioSelect)
    visited_on = forms.DateField(label=pgettext_lazy("visit", "Date"), widget=IsoDateInput(attrs=TEXT))
    observations = forms.CharField(label=_("Observations"), required=False, max_length=1000,
                                   widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
                                   help_text=_("How the household is: health, home, mood, anything to follow."))
    needs_found = forms.BooleanField(label=_("Needs found (a request will be opened)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].initial = timezone.localdate()


INTERVAL_LABELS = {7: _("every week"), 14: _("every two weeks"), 30: _("every month"), 90: _("every three months"),
                   0: _("no planned visits")}


class LevelsForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    def __init__(self, *args: Any, levels: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(days, INTERVAL_LABELS[days]) for days in plans.INTERVAL_CHOICES]
        for group, label in SpecialGroup.choices:
            self.fields[group] = forms.TypedChoiceField(label=label, choices=choices, coerce=int,
                                                        initial=levels.get(group, 0), widget=forms.Select(attrs=SELECT))

    def levels(self) -> dict[str, int]:
        return {group: self.cleaned_data[group] for group in SpecialGroup.values}
