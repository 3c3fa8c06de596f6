"""Just enough planar geometry for grids: validate GeoJSON polygons, test containment.

Grids are a few hundred metres across, so treating longitude/latitude as planar coordinates
is accurate enough to decide whether a grid lies inside its community.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

Ring = list[tuple[float, float]]


def parse_polygon(value: Any) -> list[Ring]:
    """Rings of a GeoJSON Polygon (outer first), or a ValidationError saying what is wrong."""
    if not isinstance(value, dict) or value.get("type") != "Polygon":
        raise ValidationError(_("The boundary must be a GeoJSON Polygon."), code="polygon_type")
    coordinates = value.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        raise ValidationError(_("The polygon has no coordinates."), code="polygon_empty")
    rings = [_ring(raw, index) for index, raw in enumerate(coordinates)]
    if abs(signed_area(rings[0])) < 1e-12:
        raise ValidationError(_("The polygon has no area."), code="polygon_flat")
    return rings


def _ring(raw: Any, index: int) -> Ring:
    if not isinstance(raw, list) or len(raw) < 4:
        raise ValidationError(_("Ring %(n)d needs at least four points (the last repeats the first)."),
                              code="polygon_ring", params={"n": index + 1})
    points: Ring = []
    for point in raw:
        if (not isinstance(point, list | tuple) or len(point) < 2
                or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in point[:2])):
            raise ValidationError(_("Each point is [longitude, latitude]."), code="polygon_point")
        lon, lat = float(point[0]), float(point[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValidationError(_("A point lies outside the valid longitude/latitude range."),
                                  code="polygon_range")
        points.append((lon, lat))
    if points[0] != points[-1]:
        raise ValidationError(_("Ring %(n)d is not closed: its last point must repeat the first."),
                              code="polygon_open", params={"n": index + 1})
    return points


def signed_area(ring: Ring) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)) / 2


def contains_point(ring: Ring, point: tuple[float, float]) -> bool:
    """Ray casting; points on the boundary count as inside."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if _on_segment(x, y, x1, y1, x2, y2):
            return True
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _on_segment(x: float, y: float, x1: float, y1: float, x2: float, y2: float) -> bool:
    cross = (x - x1) * (y2 - y1) - (y - y1) * (x2 - x1)
    return abs(cross) < 1e-12 and min(x1, x2) - 1e-12 <= x <= max(x1, x2) + 1e-12 \
        and min(y1, y2) - 1e-12 <= y <= max(y1, y2) + 1e-12


def polygon_inside(inner: list[Ring], outer: list[Ring]) -> bool:
    """Every vertex of the inner outline lies within the outer outline (and not in its holes)."""
    return all(contains_point(outer[0], p) and not any(contains_point(h, p) for h in outer[1:])
               for p in inner[0])
