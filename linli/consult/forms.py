"""Forms of the consultation pages; the actions check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.consult.models import Outcome
from linli.core.forms import ActionErrorsMixin, CleanTextMixin
from linli.places.models import Level, Place

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}


def split_sections(text: str) -> list[tuple[str, str]]:
    """A line starting with "#" starts a section and names it; the lines below are its text."""
    sections: list[tuple[str, list[str]]] = []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        if line.lstrip().startswith("#"):
            sections.append((line.lstrip().lstrip("#").strip(), []))
        elif sections:
            sections[-1][1].append(line)
        elif line.strip():
            sections.append(("", [line]))
    return [(title, "\n".join(lines).strip()) for title, lines in sections]


def join_sections(sections: list[tuple[str, str]]) -> str:
    return "\n\n".join(f"# {title}\n{text}" for title, text in sections)


class AreaChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{Level(obj.level).label} · {obj.name}"


class ConsultationForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    summary = forms.CharField(label=_("What it is about"), max_length=5000,
                              widget=forms.Textarea(attrs={**TEXT, "rows": 4}))
    area = AreaChoice(label=_("Open to the residents of"), queryset=Place.objects.none(),
                      widget=forms.Select(attrs=SELECT))
    opens_on = forms.DateField(label=_("Opens on"), widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    closes_on = forms.DateField(label=_("Closes on"), widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    threshold = forms.IntegerField(label=_("Supports for an official answer"), min_value=1, max_value=100_000,
                                   initial=10, widget=forms.NumberInput(attrs=TEXT))
    sections = forms.CharField(label=_("Sections of the draft"), max_length=60_000,
                               widget=forms.Textarea(attrs={**TEXT, "rows": 12}),
                               help_text=_('Start each section with a line beginning with "#" and its title, '
                                           'e.g. "# 第一条 车位分配"; its text follows on the next lines.'))

    def __init__(self, *args: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area = self.fields["area"]
        assert isinstance(area, forms.ModelChoiceField)  # noqa: S101 - narrows the type for mypy
        area.queryset = areas.filter(level__in=[Level.STREET, Level.COMMUNITY, Level.COMPOUND]).order_by("path")


class ReasonForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("Reason shown in its place"), max_length=200,
                             widget=forms.TextInput(attrs={**TEXT, "class": "form-control form-control-sm"}))


class AnswerForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Answer"), choices=Outcome.choices, widget=forms.Select(attrs=SELECT))
    text = forms.CharField(label=_("What was done and why"), max_length=5000,
                           widget=forms.Textarea(attrs={**TEXT, "rows": 3}))


class AnnounceForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    text = forms.CharField(label=_("Final announcement"), max_length=5000,
                           widget=forms.Textarea(attrs={**TEXT, "rows": 5}))
    notice = forms.BooleanField(label=_("Also draft a notice to the area's households (reviewed as every notice)"),
                                required=False, initial=True)


class CommentForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    text = forms.CharField(label=_("Your comment"), max_length=1000,
                           widget=forms.Textarea(attrs={**TEXT, "rows": 3}))


class ProposalForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    title = forms.CharField(label=_("Your proposal in a few words"), max_length=80, widget=forms.TextInput(attrs=TEXT))
    text = forms.CharField(label=_("What you propose, and why"), max_length=1000,
                           widget=forms.Textarea(attrs={**TEXT, "rows": 3}))
