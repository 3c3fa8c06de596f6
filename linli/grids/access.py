"""Who may see and edit grids. A grid belongs to its community's scope; a grid worker's scope
is her grid's places, which lie below the grid's own path, so she sees her grid by its id."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.access import PlaceScope, Policy, declare, register_actions
from linli.core.scope import scope_for
from linli.grids.models import Grid, GridMember

register_actions({
    "grids.view": _("see grids and their teams"),
    "grids.change": _("edit grids and their teams"),
})


class GridScope(Policy):
    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix  # "grid__" for rows that belong to a grid

    def q(self, user: Any, action: str) -> Q:
        scope = scope_for(user, action)
        if scope.everything:
            return Q()
        return scope.q(f"{self.prefix}path") | Q(**{f"{self.prefix}pk__in": sorted(scope.grid_ids)})

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        grid = getattr(obj, "grid", None) if self.prefix else obj
        scope = scope_for(user, action)
        return grid is not None and (scope.covers(grid.path) or grid.pk in scope.grid_ids)

    def describe(self) -> str:
        return "community scope, or the grid one works in"


declare(Grid, {"grids.view": GridScope(), "grids.change": PlaceScope()})
declare(GridMember, {"grids.view": GridScope("grid__"), "grids.change": PlaceScope("grid__path")})
