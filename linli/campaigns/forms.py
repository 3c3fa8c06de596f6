"""Forms of the campaign pages; the actions check everything again. The answer form is built
from the questions, so the resident's link, her page and the grid worker's phone share it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.campaigns.models import Channel, Effect, Group, Kind, Question, QuestionKind
from linli.core.forms import ActionErrorsMixin, CleanTextMixin
from linli.grids.models import Grid
from linli.notices.forms import offer_audience
from linli.places.models import Place
from linli.tasks.forms import AreaField

SELECT = {"class": "form-select"}
TEXT = {"class": "form-control"}
QUESTION_ROWS = 6


class CampaignForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, widget=forms.RadioSelect, initial=Kind.SCREENING)
    title = forms.CharField(label=_("Title"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    intro = forms.CharField(label=_("Opening words of a call or a link"), max_length=300, required=False,
                            widget=forms.TextInput(attrs=TEXT))
    channels = forms.MultipleChoiceField(label=_("Channels"), choices=Channel.choices,
                                         widget=forms.CheckboxSelectMultiple,
                                         help_text=_("A screening campaign: calls, links, knocks. A survey: the "
                                                     "page, links, grid workers."))
    places = AreaField(label=_("Households of these areas"), required=False, queryset=Place.objects.none(),
                       widget=forms.SelectMultiple(attrs={**SELECT, "size": 6}))
    grids = forms.ModelMultipleChoiceField(label=_("Or of these grids"), required=False, queryset=Grid.objects.none(),
                                           widget=forms.SelectMultiple(attrs={**SELECT, "size": 4}))
    group = forms.ChoiceField(label=_("Who"), choices=Group.choices, required=False, widget=forms.Select(attrs=SELECT))
    max_calls = forms.IntegerField(label=_("Calls before a knock"), min_value=1, max_value=5, initial=2,
                                   widget=forms.NumberInput(attrs=TEXT))
    retry_minutes = forms.IntegerField(label=_("Minutes between calls"), min_value=10, max_value=1440, initial=120,
                                       widget=forms.NumberInput(attrs=TEXT))

    def __init__(self, *args: Any, areas: Any, grids: Any, show_groups: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_audience(self, areas, grids)
        group = self.fields["group"]
        assert isinstance(group, forms.ChoiceField)  # noqa: S101
        if not show_groups:  # lists by special group are for those who may see the groups
            group.choices = [c for c in Group.choices if c[0] in ("", Group.FLOATING, Group.ARRIVED)]
        for n in range(1, QUESTION_ROWS + 1):
            self.fields[f"q{n}_text"] = forms.CharField(label=_("Question %(n)d") % {"n": n}, max_length=200,
                                                        required=False, widget=forms.TextInput(attrs=TEXT))
            self.fields[f"q{n}_kind"] = forms.ChoiceField(label=_("Answer"), choices=QuestionKind.choices,
                                                          required=False, widget=forms.Select(attrs=SELECT))
            self.fields[f"q{n}_choices"] = forms.CharField(
                label=_("Choices (one per line; synonyms after |)"), required=False, max_length=600,
                widget=forms.Textarea(attrs={**TEXT, "rows": 2}))
            self.fields[f"q{n}_keywords"] = forms.CharField(label=_("Keywords (yes/no)"), required=False,
                                                            max_length=200, widget=forms.TextInput(attrs=TEXT))
            self.fields[f"q{n}_effect"] = forms.ChoiceField(label=_("What the answer does"), choices=Effect.choices,
                                                            required=False, widget=forms.Select(attrs=SELECT))
            self.fields[f"q{n}_category"] = forms.CharField(label=_("Request category code"), required=False,
                                                            max_length=40, widget=forms.TextInput(attrs=TEXT))

    def question_rows(self) -> list[list[Any]]:
        parts = ("text", "kind", "choices", "keywords", "effect", "category")
        return [[self[f"q{n}_{p}"] for p in parts] for n in range(1, QUESTION_ROWS + 1)]

    def main_fields(self) -> list[Any]:
        return [f for f in self if not f.name.startswith("q") or f.name in ("group",)]


def answer_field(question: Question) -> forms.Field:
    label = f"{question.number}. {question.text}"
    if question.kind == QuestionKind.YES_NO:
        return forms.ChoiceField(label=label, required=False, widget=forms.RadioSelect,
                                 choices=[("yes", _("yes")), ("no", _("no"))])
    if question.kind == QuestionKind.CHOICE:
        return forms.ChoiceField(label=label, required=False, widget=forms.RadioSelect,
                                 choices=[(c, c) for c in question.choice_names()])
    if question.kind in (QuestionKind.NUMBER, QuestionKind.TEMPERATURE):
        attrs = {**TEXT, "inputmode": "decimal"}
        if question.kind == QuestionKind.TEMPERATURE:
            attrs["placeholder"] = "36.5"
        return forms.CharField(label=label, required=False, max_length=20, widget=forms.TextInput(attrs=attrs))
    return forms.CharField(label=label, required=False, max_length=300, widget=forms.TextInput(attrs=TEXT))


class AnswerForm(CleanTextMixin, ActionErrorsMixin, forms.Form):
    """One field per question, named by its number; checked by ``linli.campaigns.answers``."""

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in questions:
            self.fields[f"q{question.number}"] = answer_field(question)

    def values(self) -> dict[str, Any]:
        return {name[1:]: value for name, value in self.cleaned_data.items() if name.startswith("q")}
