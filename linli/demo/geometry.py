"""Plausible shapes for the demo street's map, drawn after its places and grids are written.

The builder lays compounds out on a grid of streets, each compound's buildings in rows inside
a wall (``builder._lay_out``). This module gives the rest of the map its shapes:

- each building a footprint: a slab of its stairwells side by side, or a tower's square,
  turned a few degrees as real compounds are;
- each grid the union of the areas of the places it covers: a whole compound's area, or for a
  building the part of its compound nearer to it than to any other building (a Voronoi cell
  clipped to the wall), drawn a few metres inside the wall. The grids of a compound then tile
  it without gaps or overlaps;
- each community the rounded outline around its compounds (the streets between them
  included), and the street the outline around its communities.

Everything is written with ``bulk_update``; a 250,000-resident street (about 4,000 buildings)
takes a second or two. Coordinates are WGS 84 longitude/latitude; the geometry is computed in
metres on a local flat projection, which is exact enough over a few kilometres.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from shapely import MultiPoint, Point, Polygon, unary_union, voronoi_polygons
from shapely.affinity import rotate
from shapely.geometry.polygon import orient

from linli.core import bulk
from linli.grids.geo import padded_outline
from linli.grids.models import Grid
from linli.places.models import Level, Place

METRES_PER_DEGREE = 111_320
GRID_INSET = 4.0  # metres between a grid's edge and its compound's wall
COMMUNITY_MARGIN, STREET_MARGIN = 40.0, 30.0


class Projection:
    """Longitude/latitude ↔ metres east/north of an origin."""

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0, self.lat0 = lon0, lat0
        self.k = math.cos(math.radians(lat0))

    def to_metres(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.lon0) * METRES_PER_DEGREE * self.k, (lat - self.lat0) * METRES_PER_DEGREE

    def to_degrees(self, x: float, y: float) -> tuple[float, float]:
        return self.lon0 + x / (METRES_PER_DEGREE * self.k), self.lat0 + y / METRES_PER_DEGREE

    def polygon(self, geojson: dict[str, Any]) -> Polygon:
        ring = [self.to_metres(lon, lat) for lon, lat in geojson["coordinates"][0]]
        return Polygon(ring)

    def geojson(self, polygon: Polygon) -> dict[str, Any]:
        ring = [[round(c, 6) for c in self.to_degrees(x, y)] for x, y in polygon.exterior.coords]
        return {"type": "Polygon", "coordinates": [ring]}


def footprint(building: Place, projection: Projection, rng: random.Random) -> dict[str, Any] | None:
    """A slab (about 14 m deep, 16 m a stairwell) or a tower (about 24 m square), turned a little."""
    if building.longitude is None or building.latitude is None:
        return None
    x, y = projection.to_metres(building.longitude, building.latitude)
    units = building.units_count or 2
    if building.has_lift and units <= 2:
        width, depth = 22.0 + 4 * units, 22.0
    else:
        width, depth = min(16.0 * units + 4, 56.0), 13.0
    box = Polygon([(x - width / 2, y - depth / 2), (x + width / 2, y - depth / 2), (x + width / 2, y + depth / 2),
                   (x - width / 2, y + depth / 2)])
    return projection.geojson(rotate(box, rng.uniform(-6, 6), origin=(x, y)))


def building_cells(wall: Polygon, points: list[tuple[float, float]]) -> list[Polygon]:
    """The part of the compound nearer to each building than to the others, in input order."""
    if len(points) == 1:
        return [wall]
    cells = list(voronoi_polygons(MultiPoint(points), extend_to=wall.buffer(200), ordered=True).geoms)
    if len(cells) != len(points):  # two buildings on one spot: find each one's cell
        cells = [next((c for c in cells if c.covers(Point(p))), wall) for p in points]
    return [cell.intersection(wall) for cell in cells]


def _largest(geometry: Any) -> Polygon | None:
    if geometry.is_empty:
        return None
    if geometry.geom_type == "Polygon":
        return geometry
    polygons = [g for g in getattr(geometry, "geoms", []) if g.geom_type == "Polygon"]
    return max(polygons, key=lambda g: g.area) if polygons else None


def _vertices(polygons: Iterable[dict[str, Any] | None]) -> list[tuple[float, float]]:
    return [(float(p[0]), float(p[1])) for poly in polygons if poly for p in poly["coordinates"][0]]


def draw(places: list[Place], grids: list[Grid], seed: int = 0) -> None:
    """Give the saved ``places`` and ``grids`` of a demo street their shapes, in the database."""
    compounds = [p for p in places if p.level == Level.COMPOUND and p.boundary]
    if not compounds:
        return
    projection = Projection(sum(c.longitude or 0 for c in compounds) / len(compounds),
                            sum(c.latitude or 0 for c in compounds) / len(compounds))
    rng = random.Random(f"{seed}-footprints")
    buildings_of: dict[int, list[Place]] = defaultdict(list)
    buildings = [p for p in places if p.level == Level.BUILDING and p.longitude is not None]
    for building in buildings:
        building.boundary = footprint(building, projection, rng)
        buildings_of[building.parent_id or 0].append(building)

    areas: dict[int, Polygon] = {}  # place id → its area in metres (compounds and buildings)
    for compound in compounds:
        wall = projection.polygon(compound.boundary)  # type: ignore[arg-type]
        areas[compound.pk] = wall
        inside = buildings_of.get(compound.pk, [])
        points = [projection.to_metres(b.longitude or 0, b.latitude or 0) for b in inside]
        if points:
            areas.update(zip((b.pk for b in inside), building_cells(wall, points), strict=True))

    covered: dict[int, list[int]] = defaultdict(list)
    links = Grid.places.through.objects.filter(grid_id__in=[g.pk for g in grids]).values_list("grid_id", "place_id")
    for grid_id, place_id in links.iterator(chunk_size=5000):
        covered[grid_id].append(place_id)
    changed_grids = []
    building_by_id = {b.id: b for b in buildings}
    for grid in grids:
        union = unary_union([areas[pk] for pk in covered[grid.pk] if pk in areas])
        outline = _largest(union.buffer(-GRID_INSET, join_style="mitre").simplify(0.5)) if not union.is_empty \
            else None
        mine = [building_by_id[pk] for pk in covered[grid.pk] if pk in building_by_id]  # not every building per grid
        if outline is not None and all(outline.contains(Point(projection.to_metres(b.longitude or 0, b.latitude or 0)))
                                       for b in mine):
            grid.polygon = projection.geojson(orient(outline, 1.0))  # counter-clockwise (RFC 7946)
            changed_grids.append(grid)

    communities = [p for p in places if p.level == Level.COMMUNITY]
    for community in communities:
        own = [c.boundary for c in compounds if c.parent_id == community.pk]
        if own:
            community.boundary = padded_outline(_vertices(own), COMMUNITY_MARGIN)
    streets = [p for p in places if p.level == Level.STREET]
    for street in streets:
        own = [c.boundary for c in communities if c.parent_id == street.pk]
        if any(own):
            street.boundary = padded_outline(_vertices(own), STREET_MARGIN)

    bulk.update(Place, buildings + communities + streets, ["boundary"])  # one UPDATE … FROM on PostgreSQL
    bulk.update(Grid, changed_grids, ["polygon"])
