"""Read-side helpers for grids, shared by the grid page and the home page."""

from __future__ import annotations

from linli.core.scope import Scope
from linli.grids.models import Grid
from linli.people.models import Residence
from linli.places.models import Level, Place


def grid_counts(grid: Grid, places: list[Place] | None = None) -> tuple[int, int]:
    """Residents living in the grid's places and its houses: the grid page's numbers."""
    places = list(grid.places.order_by("path")) if places is None else places
    if not places:
        return 0, 0
    covered = Scope(prefixes=tuple(p.path for p in places))
    residents = Residence.objects.filter(covered.q("path"), moved_out__isnull=True).count()
    houses = Place.objects.filter(covered.q("path"), level=Level.HOUSE).count()
    return residents, houses
