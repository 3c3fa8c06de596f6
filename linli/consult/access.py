"""Who runs consultations, who takes part, and who reads the summaries.

Offices (``consult.view``, ``consult.manage``, ``consult.moderate``) act on the consultations
of their area by place scope: a community's secretary runs her community's, the street
officer sees every community's consultations and their summary reports (what "goes upward").

A resident (``consult.take_part``, held by the resident role) opens the consultations whose
area holds the house the registry says she lives in now (``LivesInArea``). Whether she may
speak is decided again by the actions (``linli.consult.actions.voter``): an active resident
of the area, not one of the staff who run it, one voice per person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.consult.models import (
    Comment,
    Consultation,
    Participant,
    Proposal,
    ProposalVote,
    Section,
    SectionVote,
    Theme,
)
from linli.core.access import NOTHING, PlaceScope, Policy, declare, register_actions
from linli.core.scope import scope_for
from linli.places.models import Place

VIEW, MANAGE, MODERATE, TAKE_PART = "consult.view", "consult.manage", "consult.moderate", "consult.take_part"

register_actions({
    VIEW: _("see the consultations of one's area, their comments and summary reports"),
    MANAGE: _("draft, open and close consultations, answer proposals and announce the result"),
    MODERATE: _("hide abusive comments and proposals, with a public reason"),
    TAKE_PART: _("take part in the consultations of the area one lives in"),
})


def home_path(user: Any) -> str:
    """The path of the house the registry says the user's resident record lives in now."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "person_id", None) is None:
        return ""
    cache = user.__dict__.setdefault("_linli_consult_home", {})
    if "path" not in cache:
        from linli.people.models import Person

        person = Person.objects.filter(pk=user.person_id, is_active=True, current_house__isnull=False).first()
        cache["path"] = person.path if person is not None else ""
    return str(cache["path"])


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


@dataclass(frozen=True)
class LivesInArea(Policy):
    """The row's area holds the house the user lives in (by the registry), and she holds the
    action; a superuser reaches every row (to see what residents see)."""

    field: str = "path"

    def q(self, user: Any, action: str) -> Q:
        scope = scope_for(user, action)
        if scope.everything:
            return Q()
        home = home_path(user)
        if scope.empty or not home:
            return NOTHING
        return Q(**{f"{self.field}__in": _ancestors(home)})

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        scope = scope_for(user, action)
        if scope.everything:
            return True
        home = home_path(user)
        path = getattr(obj, self.field, "")
        return not scope.empty and bool(home) and bool(path) and home.startswith(path)

    def describe(self) -> str:
        return "lives in the area (registry)"


PLACE = PlaceScope()
RESIDENT = LivesInArea()


declare(Consultation, {VIEW: PLACE, MANAGE: PLACE, MODERATE: PLACE, TAKE_PART: RESIDENT})
declare(Section, {VIEW: PLACE, MANAGE: PLACE, TAKE_PART: RESIDENT})
declare(Proposal, {VIEW: PLACE, MANAGE: PLACE, MODERATE: PLACE, TAKE_PART: RESIDENT})
declare(Comment, {VIEW: PLACE, MODERATE: PLACE})
declare(Theme, {VIEW: PLACE, MANAGE: PLACE})
for model in (Participant, SectionVote, ProposalVote):
    declare(model, {VIEW: PLACE})
# The area a consultation is opened to.
declare(Place, {MANAGE: PLACE})
