"""The grid page draws the grid's real boundary and its buildings (inline SVG, to scale), and
the demo gives grids boundaries around their buildings instead of their compound's square."""

from __future__ import annotations

import math
import re

from linli.grids.geo import contains_point, parse_polygon, polygon_inside
from linli.grids.models import Grid
from linli.grids.sketch import draw


def _grid(street) -> Grid:
    return Grid.objects.filter(community=street.community).order_by("code")[0]


def test_demo_grids_are_drawn_around_their_buildings_not_as_squares(street):
    grids = list(Grid.objects.filter(community=street.community).order_by("code"))
    for grid in grids:
        ring = parse_polygon(grid.polygon)[0]
        assert len(ring) > 5  # not a four-cornered square
        buildings = list(grid.places.all())
        assert buildings and all(b.latitude and b.longitude for b in buildings)
        assert all(contains_point(ring, (b.longitude, b.latitude)) for b in buildings)
        assert polygon_inside(parse_polygon(grid.polygon), parse_polygon(street.community.boundary))
        compound = buildings[0].parent
        assert polygon_inside(parse_polygon(grid.polygon), parse_polygon(compound.boundary))
    assert len({str(g.polygon) for g in grids}) == len(grids)  # two grids of a compound differ


def test_the_grid_page_draws_the_boundary_and_links_each_building(street):
    grid = _grid(street)
    html = street.client_for(street.grid_worker).get(f"/grids/{grid.pk}/").content.decode()
    svg = html.split('<svg class="grid-map"')[1].split("</svg>")[0]
    assert 'role="group"' in svg and "网格边界" in svg and " style=" not in svg
    outline = re.search(r'<polygon class="grid-area" points="([^"]+)"', svg).group(1)
    assert len(outline.split()) == len(grid.polygon["coordinates"][0])
    for building in grid.places.all():
        assert f'href="/places/{building.pk}/"' in svg and f">{building.name}</text>" in svg
    assert re.search(r"\d+ m</text>", svg)  # a scale bar
    width, height = map(float, re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg).groups())
    assert width == 400 and 180 <= height <= 460


def test_a_grid_without_a_boundary_is_drawn_around_its_buildings_dashed(street):
    grid = _grid(street)
    Grid.objects.filter(pk=grid.pk).update(polygon=None)
    html = street.client_for(street.grid_worker).get(f"/grids/{grid.pk}/").content.decode()
    assert "grid-area grid-area-approximate" in html and "尚未划定边界" in html


def test_the_sketch_keeps_the_shape_north_up():
    # 200 m east-west by 100 m north-south, at Shanghai's latitude
    lat, k = 31.2, math.cos(math.radians(31.2))
    d_lon, d_lat = 200 / (111_320 * k), 100 / 111_320
    ring = [[121.5, lat], [121.5 + d_lon, lat], [121.5 + d_lon, lat + d_lat], [121.5, lat + d_lat], [121.5, lat]]
    sketch = draw({"type": "Polygon", "coordinates": [ring]}, [("1号楼", "/places/1/", 121.5 + d_lon / 2, lat + d_lat)])
    xs = [float(p.split(",")[0]) for p in sketch.outline.split()]
    ys = [float(p.split(",")[1]) for p in sketch.outline.split()]
    assert abs((max(xs) - min(xs)) / (max(ys) - min(ys)) - 2) < 0.01  # not squeezed into a square
    assert sketch.markers[0].y == min(ys)  # the northern edge is at the top
    assert sketch.scale_label in ("50 m", "20 m")
    assert draw(None, [("1号楼", "/places/1/", None, None)]) is None
