"""Rows of the field sites for the access matrix."""

from __future__ import annotations

from linli.conftest import Street
from linli.places.models import Level, Place
from linli.sites import actions, queries
from linli.sites.models import PointKind


def make_matrix_rows(street: Street, far: dict[str, Place]) -> None:
    """A disinfection point and a shelter in the grid worker's compound and in the far district,
    and a visit to each point."""
    width = queries.prefix_length(Level.COMPOUND)
    near = Place.objects.get(path=street.grid_building.path[:width])
    for compound in (near, far[Level.COMPOUND]):
        where = queries.centre_of(compound) or (121.5, 31.2)
        point = actions.do_add_point(compound, actions.PointInput("垃圾房", PointKind.REFUSE, *where, 2),
                                     acting_user=street.admin)
        actions.do_record_visit(point, acting_user=street.admin, disinfectant="含氯消毒液")
        actions.do_add_shelter(compound, actions.ShelterInput("避难点", *where, 200, "值班电话 021-1234"),
                               acting_user=street.admin)
