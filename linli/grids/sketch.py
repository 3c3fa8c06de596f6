"""A grid drawn without a map: its boundary and its buildings as inline SVG, to scale.

Longitude and latitude are projected equirectangularly around the grid (a few hundred metres
across, so the error is nil): a degree of longitude is cos(latitude) of a degree of latitude,
and north is up. The drawing fits a 400-unit-wide box the page scales to the phone's width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from linli.grids.geo import padded_outline

WIDTH = 400.0
PAD = 28.0  # room for the labels of the outer buildings
MIN_HEIGHT, MAX_HEIGHT = 180.0, 460.0
METRES_PER_DEGREE = 111_320.0
SCALE_STEPS = (20, 50, 100, 200, 500, 1000, 2000, 5000)
APPROXIMATE_MARGIN = 30.0  # metres around the buildings when the grid has no boundary


MARK = 14.0  # a building's square, in drawing units


@dataclass
class Marker:
    label: str
    url: str
    x: float
    y: float

    @property
    def corner(self) -> tuple[float, float]:
        return round(self.x - MARK / 2, 1), round(self.y - MARK / 2, 1)


@dataclass
class Sketch:
    width: float
    height: float
    outline: str  # SVG points of the boundary
    approximate: bool  # drawn around the buildings: the grid has no boundary of its own
    markers: list[Marker] = field(default_factory=list)
    scale_px: float = 0.0
    scale_label: str = ""
    unplaced: int = 0  # buildings without a position, listed but not drawn

    @property
    def bottom(self) -> float:
        """Where the scale bar runs, near the bottom edge."""
        return round(self.height - 12, 1)

    @property
    def scale_end(self) -> float:
        return round(12 + self.scale_px, 1)

    @property
    def north_x(self) -> float:
        return round(self.width - 16, 1)


def _ring(polygon: Any) -> list[tuple[float, float]]:
    try:
        ring = polygon["coordinates"][0]
        return [(float(p[0]), float(p[1])) for p in ring]
    except (KeyError, IndexError, TypeError, ValueError):
        return []


def draw(polygon: Any, buildings: list[tuple[str, str, float | None, float | None]]) -> Sketch | None:
    """The grid's sketch from its GeoJSON polygon and its buildings (label, url, longitude,
    latitude); None when there is nothing with a position to draw."""
    placed = [(label, url, float(lon), float(lat)) for label, url, lon, lat in buildings
              if lon is not None and lat is not None]
    ring = _ring(polygon)
    approximate = False
    if len(ring) < 4 and placed:
        ring = _ring(padded_outline([(lon, lat) for _l, _u, lon, lat in placed], APPROXIMATE_MARGIN))
        approximate = True
    points = ring + [(lon, lat) for _l, _u, lon, lat in placed]
    if len(points) < 2:
        return None
    lat0 = sum(lat for _lon, lat in points) / len(points)
    kx = math.cos(math.radians(lat0))
    xs, ys = [lon * kx for lon, _lat in points], [lat for _lon, lat in points]
    span_x, span_y = (max(xs) - min(xs)) or 1e-4, (max(ys) - min(ys)) or 1e-4
    scale = (WIDTH - 2 * PAD) / span_x  # units per degree
    height = span_y * scale + 2 * PAD
    if height > MAX_HEIGHT:  # a tall grid: fit its height instead
        scale = (MAX_HEIGHT - 2 * PAD) / span_y
        height = MAX_HEIGHT
    height = max(height, MIN_HEIGHT)
    left = min(xs) - ((WIDTH - 2 * PAD) / scale - span_x) / 2  # centred across
    top = max(ys) + ((height - 2 * PAD) / scale - span_y) / 2  # and down

    def at(lon: float, lat: float) -> tuple[float, float]:
        return round(PAD + (lon * kx - left) * scale, 1), round(PAD + (top - lat) * scale, 1)

    outline = " ".join(f"{x},{y}" for x, y in (at(lon, lat) for lon, lat in ring))
    markers = [Marker(label, url, *at(lon, lat)) for label, url, lon, lat in placed]
    sketch = Sketch(WIDTH, round(height, 1), outline, approximate, markers, unplaced=len(buildings) - len(placed))
    _scale_bar(sketch, scale)
    return sketch


def _scale_bar(sketch: Sketch, units_per_degree: float) -> None:
    """The longest round distance that fits in a quarter of the width."""
    per_metre = units_per_degree / METRES_PER_DEGREE
    metres = next((m for m in reversed(SCALE_STEPS) if m * per_metre <= WIDTH / 4), SCALE_STEPS[0])
    sketch.scale_px = round(metres * per_metre, 1)
    sketch.scale_label = f"{metres // 1000} km" if metres >= 1000 else f"{metres} m"
