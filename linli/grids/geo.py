"""Just enough planar geometry for grids: validate GeoJSON polygons, test containment.

Grids are a few hundred metres across, so treating longitude/latitude as planar coordinates
is accurate enough to decide whether a grid lies inside its community.
"""

from __future__ import annotations

import math
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


# --- outlines from points (a grid's buildings) -------------------------------------------------

def _cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def convex_hull(points: list[tuple[float, float]]) -> Ring:
    """The convex hull, counter-clockwise, closed (Andrew's monotone chain); fewer than three
    distinct points give what there is."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return [*pts, pts[0]] if pts else []
    lower: Ring = []
    for p in pts:
        while len(lower) >= 2 and _cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: Ring = []
    for p in reversed(pts):
        while len(upper) >= 2 and _cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    hull = lower[:-1] + upper[:-1]
    return [*hull, hull[0]]


def padded_outline(points: list[tuple[float, float]], metres: float, corners: int = 8) -> dict[str, Any]:
    """A GeoJSON polygon around ``points`` (longitude, latitude) at ``metres`` from them: the
    hull of a small ``corners``-gon around each point, so a row of buildings gets a rounded
    strip and a cluster a rounded block, as a compound's wall or a grid's edge goes."""
    lat0 = sum(p[1] for p in points) / len(points)
    d_lat = metres / 111_320
    d_lon = metres / (111_320 * max(math.cos(math.radians(lat0)), 0.1))
    around = [(lon + d_lon * math.cos(2 * math.pi * k / corners), lat + d_lat * math.sin(2 * math.pi * k / corners))
              for lon, lat in points for k in range(corners)]
    ring = [[round(x, 6), round(y, 6)] for x, y in convex_hull(around)]
    return {"type": "Polygon", "coordinates": [ring]}
