"""Who may push tasks down, tick them off, plan and record visits.

An office (the street, a community) manages the tasks of its area (``tasks.manage``, on the
task's path). A task is seen by the staff of its area and by the workers of the grids it was
pushed down to (``PushedTo``); its items, plans, visits and photos lie at a house or place,
so a grid worker sees and ticks exactly her grid's share, and a community secretary her
community's. Visit plans name special groups: their reasons are shown only where the viewer
also holds ``people.view_groups`` (checked by the pages and the API).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.access import NOTHING, AnyOf, Author, PlaceScope, Policy, declare, register_actions
from linli.core.scope import scope_for
from linli.grids.access import GridScope
from linli.grids.models import Grid, GridMember
from linli.places.models import Place
from linli.tasks.models import CareLevel, Photo, Task, TaskItem, Visit, VisitPlan

VIEW, MANAGE, DO = "tasks.view", "tasks.manage", "tasks.do"
VISITS_VIEW, RECORD, PLAN = "visits.view", "visits.record", "visits.plan"

register_actions({
    VIEW: _("see the tasks pushed down in one's area or to one's grid, and their progress"),
    MANAGE: _("push tasks down to the grids of one's area, and close them"),
    DO: _("tick off the households and places of a task in one's grid"),
    VISITS_VIEW: _("see visit plans, visits due and workload in one's area"),
    RECORD: _("record visits to the households of one's grid"),
    PLAN: _("set how often each special group is visited in one's community"),
})


class PushedTo(Policy):
    """Tasks pushed down to a grid the user works in, or to a grid of her area."""

    def _grids(self, user: Any, action: str) -> Q | None:
        scope = scope_for(user, action)
        if scope.everything:
            return None
        if scope.empty:
            return NOTHING
        return scope.q("path") | Q(pk__in=sorted(scope.grid_ids))

    def q(self, user: Any, action: str) -> Q:
        grids = self._grids(user, action)
        if grids is None:
            return Q()
        through = Task.grids.through.objects.filter(grid__in=Grid.objects.filter(grids))
        return Q(pk__in=through.values("task_id"))

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        grids = self._grids(user, action)
        return grids is None or obj.grids.filter(grids).exists()

    def describe(self) -> str:
        return "pushed down to a grid of one's area, or one's grid"


PLACE = PlaceScope()

declare(Task, {VIEW: AnyOf(PLACE, PushedTo()), MANAGE: PLACE})
declare(TaskItem, {VIEW: PLACE, DO: PLACE, MANAGE: PlaceScope(field="task__path")})
declare(Photo, {VIEW: PLACE})
declare(CareLevel, {PLAN: PLACE})
declare(VisitPlan, {VISITS_VIEW: PLACE, RECORD: PLACE, PLAN: PLACE})
declare(Visit, {VISITS_VIEW: PLACE, RECORD: PLACE})
# The areas a task is pushed down to and the communities whose care levels one sets.
declare(Place, {MANAGE: PLACE, PLAN: PLACE})
# The grids a task may be limited to; the grids and teams of the progress and workload tables.
declare(Grid, {MANAGE: PLACE, VIEW: GridScope(), VISITS_VIEW: GridScope()})
# The workers of the workload page: an office's grids' teams (the grids of its community or
# street); a grid worker her own row only (her scope is her grid's buildings, never the
# community path a grid is filed under).
declare(GridMember, {VISITS_VIEW: AnyOf(PlaceScope("grid__path"), Author(field="user", place=GridScope("grid__")))})
