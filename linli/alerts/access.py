"""Who may do what with alerts.

- ``alerts.view``: the alerts of one's area and their timelines.
- ``alerts.respond``: acknowledge an alert, check in at the door, resolve it with an outcome.
- ``alerts.manage``: the community's escalation chains and on-call rota, and drills.
- ``alerts.report``: the response times against the 15-minute goal, per community and month.

Alerts go to teams: the grid's chain answers the grid's alerts (falls, SOS, smoke, a door not
opened), the health officers the quarantine ones (a door opened during home quarantine, a
fever). So beyond the place scope, a grid alert is seen by those who also see the grids there
(``grids.view``: grid workers and offices), a health alert by those who also change health
data there (``health.change``: health officers); the office that runs the chains
(``alerts.manage``) sees both. A person's details on an alert are for the roles in its chain
(``in_chain``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.alerts.models import (
    Alert,
    AlertEntry,
    EscalationChain,
    EscalationStep,
    Shift,
    SwapOffer,
    Team,
)
from linli.core.access import AnyOf, Author, PlaceScope, Policy, allows, declare, register_actions
from linli.core.scope import scope_for
from linli.places.models import Place

VIEW, RESPOND, MANAGE, REPORT = "alerts.view", "alerts.respond", "alerts.manage", "alerts.report"

register_actions({
    VIEW: _("see the alerts of one's area"),
    RESPOND: _("acknowledge, attend and resolve the alerts of one's area"),
    MANAGE: _("edit escalation chains and the on-call rota, and raise drills, in one's area"),
    REPORT: _("read alert response times against the 15-minute goal for one's area"),
})

# The action whose scope lets a team see its alerts, beside the office's ``alerts.manage``.
TEAM_ACTIONS = {Team.GRID: "grids.view", Team.HEALTH: "health.change"}


class TeamScope(Policy):
    """In the place scope of the action, and in the scope of the alert's team."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix

    def q(self, user: Any, action: str) -> Q:
        path = f"{self.prefix}path"
        scope = scope_for(user, action)
        if scope.everything:
            return Q()
        office = scope_for(user, MANAGE).q(path)
        teams = Q(pk__in=[])
        for team, team_action in TEAM_ACTIONS.items():
            teams |= Q(**{f"{self.prefix}team": team}) & (scope_for(user, team_action).q(path) | office)
        return scope.q(path) & teams

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        alert = obj.alert if self.prefix else obj
        path = alert.path
        if not path or not scope_for(user, action).covers(path):
            return False
        team_action = TEAM_ACTIONS.get(alert.team, MANAGE)
        return scope_for(user, team_action).covers(path) or scope_for(user, MANAGE).covers(path)

    def describe(self) -> str:
        return "place scope, and the alert's team (grid or health) or the office"


class OnCallScope(Policy):
    """Shifts (and their swap offers): in the place scope of the action, or of a grid the action
    is held for. A shift is filed under its community, which a grid worker's scope does not
    cover; her grid's shifts are hers to answer all the same."""

    def __init__(self, grid_field: str = "grid") -> None:
        self.grid_field = grid_field

    def q(self, user: Any, action: str) -> Q:
        scope = scope_for(user, action)
        if scope.everything:
            return Q()
        return scope.q("path") | Q(**{f"{self.grid_field}_id__in": sorted(scope.grid_ids)})

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        scope = scope_for(user, action)
        if scope.covers(obj.path):
            return True
        holder = obj
        for part in self.grid_field.split("__")[:-1]:
            holder = getattr(holder, part)
        return getattr(holder, f"{self.grid_field.split('__')[-1]}_id") in scope.grid_ids

    def describe(self) -> str:
        return "place scope, or a grid held for the action"


PLACE = PlaceScope()
TEAM = TeamScope()
ON_CALL = OnCallScope()

declare(Alert, {VIEW: TEAM, RESPOND: TEAM, MANAGE: PLACE, REPORT: PLACE})
declare(AlertEntry, {VIEW: TeamScope("alert__")})
declare(EscalationChain, {VIEW: PLACE, MANAGE: PLACE})
declare(EscalationStep, {VIEW: PlaceScope(field="chain__path"), MANAGE: PlaceScope(field="chain__path")})
declare(Shift, {VIEW: PLACE, MANAGE: PLACE, RESPOND: ON_CALL})
# A swap offer is answered by the colleague it is offered to and withdrawn by who offered it
# (each while she still answers alerts there); the office sees and cancels them.
declare(SwapOffer, {VIEW: PLACE,
                    RESPOND: AnyOf(Author("offered_to", place=OnCallScope("shift__grid")),
                                   Author("offered_by", place=OnCallScope("shift__grid"))),
                    MANAGE: PLACE})
# The communities whose chains and rota one edits, whose houses one raises drills for and whose
# buildings' QR stickers one prints; the houses whose door page (the sticker's) one may open.
declare(Place, {MANAGE: PLACE, RESPOND: PLACE})


def in_chain(user: Any, alert: Alert) -> bool:
    """The user is among those the alert's chain answers with: the office (``alerts.manage``),
    a member of the alert's grid team (grid alerts), a health officer (health alerts), or
    someone it paged."""
    if not allows(user, RESPOND, alert):
        return False
    if scope_for(user, MANAGE).covers(alert.path):
        return True
    if alert.team == Team.HEALTH:
        return scope_for(user, "health.change").covers(alert.path)
    from linli.grids.models import GridMember

    if alert.grid_id is not None and GridMember.objects.filter(grid_id=alert.grid_id, user=user).exists():
        return True
    return alert.entries.filter(data__users__contains=[user.pk]).exists() if _json_contains() else any(
        user.pk in (e.get("users") or []) for e in alert.entries.values_list("data", flat=True))


def _json_contains() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"
