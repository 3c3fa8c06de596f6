"""What makes a grid valid, checked when it is saved from a page or the API and by
``Grid.clean``: below the models, so that the model need not import the actions."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from linli.grids.geo import parse_polygon, polygon_inside
from linli.places.models import Level, Place

COVERABLE = (Level.COMPOUND, Level.BUILDING)


def check_grid(community: Place, polygon: Any, places: list[Place]) -> None:
    """A grid lies inside one community: its polygon within the community's boundary (when the
    community has one) and every covered place below the community."""
    errors: dict[str, list[ValidationError]] = {}
    if community.level != Level.COMMUNITY:
        errors["community"] = [ValidationError(_("A grid belongs to a community."), code="grid_community")]
    if polygon is not None:
        try:
            rings = parse_polygon(polygon)
            if community.boundary and not polygon_inside(rings, parse_polygon(community.boundary)):
                errors["polygon"] = [ValidationError(_("The grid's boundary goes outside its community."),
                                                     code="grid_outside")]
        except ValidationError as exc:
            errors["polygon"] = exc.error_list
    outside = [p.name for p in places if not p.path.startswith(community.path) or p.level not in COVERABLE]
    if outside:
        errors["places"] = [ValidationError(
            _("These places are not compounds or buildings of the community: %(names)s"),
            code="grid_places", params={"names": "、".join(outside)})]
    if errors:
        raise ValidationError(errors)
