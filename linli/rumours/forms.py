"""Forms of the rumour pages; the actions check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.core.forms import StyledForm
from linli.notices.models import Category
from linli.places.models import Place
from linli.rumours.actions import MAX_BODY, MAX_EXPLANATION
from linli.rumours.models import Verdict


class ReportForm(StyledForm):
    community: forms.ModelChoiceField[Place] = forms.ModelChoiceField(
        label=_("Community"), queryset=Place.objects.none(), empty_label=None)
    text = forms.CharField(label=_("The message"), max_length=500, widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("Paste it as seen; phone and ID numbers are masked."))
    group = forms.CharField(label=_("Chat group"), max_length=100, required=False)

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["community"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows the type for mypy
        field.queryset = communities.order_by("code")


class FactForm(StyledForm):
    area: forms.ModelChoiceField[Place] = forms.ModelChoiceField(
        label=_("Kept by the office of"), queryset=Place.objects.none(), empty_label=None)
    claim = forms.CharField(label=_("Claim"), max_length=200,
                            help_text=_("As it circulates, e.g. 吃大剂量抗流感药能预防新冠病毒感染."))
    verdict = forms.ChoiceField(label=_("Verdict"), choices=Verdict.choices)
    explanation = forms.CharField(label=_("Explanation"), max_length=MAX_EXPLANATION,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    source = forms.CharField(label=_("Source"), max_length=200,
                             help_text=_("Who verified it: a health commission, the CDC, the water company …"))
    wordings = forms.CharField(label=_("Other wordings"), max_length=2000, required=False,
                               widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("Other ways the claim is put in group chats, one a line."))
    note = forms.CharField(label=_("Why it changed"), max_length=200, required=False)

    def __init__(self, *args: Any, areas: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["area"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        if areas is None:  # editing: the office stays
            del self.fields["area"]
        else:
            field.queryset = areas.order_by("path")
            del self.fields["note"]


class ClarificationForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=100)
    body = forms.CharField(label=_("Text"), max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 8}))


class ReleaseForm(StyledForm):
    category = forms.ChoiceField(label=_("Notice category"), choices=Category.choices, initial=Category.EPIDEMIC)
