"""The grids API: boundary, covered places and the team, by display name only."""

from __future__ import annotations

from linli.conftest import Street
from linli.grids.models import Grid, GridMember


def _grid(street: Street, index: int = 0) -> Grid:
    return Grid.objects.filter(community=street.community).order_by("code")[index]


def test_grid_with_places_and_team(street: Street) -> None:
    grid = _grid(street)
    data = street.client_for(street.grid_worker).get(f"/api/grids/{grid.pk}").json()
    assert (data["id"], data["code"], data["name"], data["community_id"]) == (
        grid.pk, grid.code, grid.name, street.community.pk)
    assert data["polygon"]["type"] == "Polygon"
    assert [p["id"] for p in data["places"]] == list(grid.places.order_by("path").values_list("pk", flat=True))
    assert data["leader"] == {"display_name": str(street.grid_worker), "role": "leader", "duty": "网格长"}
    assert [m["display_name"] for m in data["members"]] == [str(street.volunteer)]


def test_team_is_names_only(street: Street) -> None:
    grid = _grid(street, 1)
    response = street.client_for(street.secretary).get(f"/api/grids/{grid.pk}")
    assert response.status_code == 200
    team = GridMember.objects.filter(grid=grid).select_related("user")
    assert len(response.json()["members"]) == team.count() - 1
    text = response.content.decode()
    for member in team:
        assert member.user.username not in text  # display names only, no logins
        assert str(member.user) in text
    assert "email" not in text and "password" not in text


def test_volunteer_sees_her_grid_health_officer_none(street: Street) -> None:
    grid = _grid(street)
    assert street.client_for(street.volunteer).get(f"/api/grids/{grid.pk}").status_code == 200
    # District health officers see residents, not grids.
    assert street.client_for(street.health_officer).get(f"/api/grids/{grid.pk}").status_code == 404
