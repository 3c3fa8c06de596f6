from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from linli.core.scope import scope_for
from linli.grids import actions
from linli.grids.geo import contains_point, parse_polygon
from linli.grids.models import Grid, GridMember


def square(lon, lat, half):
    return {"type": "Polygon", "coordinates": [[[lon - half, lat - half], [lon + half, lat - half],
                                                [lon + half, lat + half], [lon - half, lat + half],
                                                [lon - half, lat - half]]]}


@pytest.mark.parametrize("bad", [
    None, {}, {"type": "Point", "coordinates": [1, 2]}, {"type": "Polygon", "coordinates": []},
    {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]},
    {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},  # not closed
    {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]},  # no area
    {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 200], [0, 0]]]},
    {"type": "Polygon", "coordinates": [[["a", 0], [1, 0], [1, 1], ["a", 0]]]},
])
def test_bad_polygons_are_refused_with_a_reason(bad):
    with pytest.raises(ValidationError):
        parse_polygon(bad)


def test_point_in_polygon():
    ring = parse_polygon(square(0, 0, 1))[0]
    assert contains_point(ring, (0, 0)) and contains_point(ring, (1, 0))
    assert not contains_point(ring, (1.01, 0))


def grid_of(street, n=0):
    return Grid.objects.filter(community=street.community).order_by("code")[n]


def test_grid_must_stay_inside_its_community(street):
    grid = grid_of(street)
    community = street.community
    community.boundary = square(121.5, 31.2, 0.01)
    community.save()
    grid.community.refresh_from_db()
    inside = square(121.5, 31.2, 0.005)
    actions.do_save_grid(grid, acting_user=street.secretary, name="新网格", polygon=inside,
                         places=[street.grid_building])
    with pytest.raises(ValidationError) as info:
        actions.do_save_grid(grid, acting_user=street.secretary, name="新网格",
                             polygon=square(121.6, 31.2, 0.005), places=[street.grid_building])
    assert "polygon" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        actions.do_save_grid(grid, acting_user=street.secretary, name="新网格", polygon=inside,
                             places=[street.far_building])
    assert "places" in info.value.message_dict


def test_team_is_one_leader_plus_members_and_gives_scope(street):
    grid = grid_of(street, 1)
    actions.do_set_team(grid, acting_user=street.secretary, leader=street.grid_worker,
                        members=[street.volunteer, street.grid_worker])
    assert GridMember.objects.filter(grid=grid, role="leader").get().user == street.grid_worker
    assert list(GridMember.objects.filter(grid=grid, role="member").values_list("user", flat=True)) == [
        street.volunteer.pk]
    scope = scope_for(street.grid_worker, "people.view")
    assert scope.covers(street.other_grid_building.path)


def test_edit_page_for_secretary_only(street):
    grid = grid_of(street)
    assert street.client_for(street.grid_worker).get(f"/grids/{grid.pk}/edit/").status_code == 404
    client = street.client_for(street.secretary)
    assert client.get(f"/grids/{grid.pk}/edit/").status_code == 200
    response = client.post(f"/grids/{grid.pk}/edit/", {
        "name": "第一网格", "polygon": "{not json", "places": [street.grid_building.pk],
        "leader": street.grid_worker.pk})
    assert response.status_code == 422
    response = client.post(f"/grids/{grid.pk}/edit/", {
        "name": "第一网格", "polygon": json.dumps(grid.polygon), "places": [street.grid_building.pk],
        "leader": street.grid_worker.pk, "members": [street.volunteer.pk]})
    assert response.status_code == 302
    grid.refresh_from_db()
    assert grid.name == "第一网格" and list(grid.places.all()) == [street.grid_building]
