"""Grouped counts for the providers: one query per layer, never one per compound.

Every row carries its place path, and a level's path prefix has a fixed length (the code
segments are fixed-width), so "per compound" is a GROUP BY on the path's first characters.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import Substr

from linli.places.models import LEVELS, LOCATED, SEGMENT_WIDTH, Level, Place


def prefix_length(level: str) -> int:
    """Characters of a path down to ``level``: ``31/01/15/099/001/001/`` is 21 for a compound."""
    length = 0
    for lvl in LEVELS:
        length += SEGMENT_WIDTH[lvl] + 1
        if lvl == level:
            return length
    raise ValueError(level)


def count_by(rows: QuerySet[Any], level: str, field: str = "path") -> dict[str, int]:
    """path of the ``level`` place each row lies in → number of rows (rows above that level,
    whose path is shorter, are left out)."""
    n = prefix_length(level)
    grouped = (rows.annotate(_at=Substr(field, 1, n)).values("_at").annotate(_n=Count("pk")).order_by()
               .values_list("_at", "_n"))
    return {at: count for at, count in grouped if len(at) == n}


def places_at(paths: Iterable[str], level: str) -> dict[str, Place]:
    """The places of ``level`` with these paths (in chunks under SQLite's parameter limit)."""
    wanted = sorted(set(paths))
    found: dict[str, Place] = {}
    for i in range(0, len(wanted), 900):
        for place in Place.objects.filter(path__in=wanted[i:i + 900], level=level).only(
                "pk", "path", "name", "level", "longitude", "latitude"):
            found[place.path] = place
    return found


def points_at(paths: Iterable[str], level: str, under: str) -> dict[str, tuple[int, str, dict[str, Any]]]:
    """path → (id, name, GeoJSON point) of the places of ``level`` with these paths under the
    place ``under``, read as plain rows in one query (thousands of buildings in a few ms, where
    model instances take tens)."""
    keep = set(paths)
    rows = (Place.objects.filter(LOCATED, path__startswith=under, level=level)
            .values_list("path", "pk", "name", "longitude", "latitude"))
    return {path: (pk, name, {"type": "Point", "coordinates": [round(lon or 0, 6), round(lat or 0, 6)]})
            for path, pk, name, lon, lat in rows.iterator(chunk_size=2000) if path in keep}


def point_of(place: Place) -> dict[str, Any] | None:
    if place.longitude is None or place.latitude is None:
        return None
    return {"type": "Point", "coordinates": [round(place.longitude, 6), round(place.latitude, 6)]}


COMPOUND = Level.COMPOUND
BUILDING = Level.BUILDING


def marker_level(place: Place) -> str:
    """The places a points layer marks on ``place``'s screen: buildings on a street's or a
    community's, compounds on a district's. A district's map stops at the compounds, and a
    point per building of several streets would be megabytes on every refresh."""
    return COMPOUND if place.level == Level.DISTRICT else BUILDING


def rolled_up_rows(rows: dict[str, dict[str, int]], level: str) -> dict[str, dict[str, int]]:
    """:func:`rolled_up` for several counts per path (a tally's row): each summed by its key."""
    n = prefix_length(level)
    summed: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for path, row in rows.items():
        if len(path) >= n:
            summed[path[:n]].update(row)
    return {path: dict(counts) for path, counts in summed.items()}


def rolled_up(counts: dict[str, int], level: str) -> dict[str, int]:
    """Counts per place path summed up to the places of ``level`` (paths above it left out)."""
    n = prefix_length(level)
    summed: dict[str, int] = {}
    for path, count in counts.items():
        if len(path) >= n:
            summed[path[:n]] = summed.get(path[:n], 0) + count
    return summed
