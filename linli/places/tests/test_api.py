"""The places API: one place with its breadcrumb, children, and the building view."""

from __future__ import annotations

from linli.conftest import Street
from linli.people.layout import Cell
from linli.people.models import Residence
from linli.people.place_api import HIDDEN_CELL_FIELDS, cell_out
from linli.places.models import Level, Place

PLACES = "/api/places"


def layout_url(building: Place) -> str:
    return f"{PLACES}/buildings/{building.pk}/layout"


def test_layout_draws_every_house_top_floor_first(street: Street) -> None:
    building = street.grid_building
    data = street.client_for(street.grid_worker).get(layout_url(building)).json()
    assert data["building"] == {"id": building.pk, "code": building.code, "name": building.name,
                                "floors": building.floors, "units_count": building.units_count,
                                "has_lift": building.has_lift}
    assert data["floors"] == sorted(data["floors"], reverse=True) and data["floors"][0] == building.floors
    assert [row["floor"] for row in data["rows"]] == data["floors"]
    columns = sum(len(unit["rooms"]) for unit in data["units"])
    assert all(len(row["cells"]) == columns for row in data["rows"])
    cells = [cell for row in data["rows"] for cell in row["cells"] if cell]
    houses = Place.objects.filter(path__startswith=building.path, level=Level.HOUSE)
    assert {cell["house_id"] for cell in cells} == set(houses.values_list("pk", flat=True))
    assert all(cell["visible"] for cell in cells)
    residents = Residence.objects.filter(house__in=houses, moved_out__isnull=True, person__is_active=True).count()
    assert data["totals"]["residents"] == sum(cell["residents"] for cell in cells) == residents
    assert data["totals"]["houses"] == data["totals"]["visible_houses"] == houses.count()


def test_layout_special_groups_only_with_the_right(street: Street) -> None:
    building = street.grid_building
    grid_worker = street.client_for(street.grid_worker).get(layout_url(building)).json()
    assert grid_worker["shows_groups"] is True
    assert any(cell["groups"] for row in grid_worker["rows"] for cell in row["cells"] if cell)
    health = street.client_for(street.health_officer).get(layout_url(building)).json()
    assert health["shows_groups"] is False
    cells = [cell for row in health["rows"] for cell in row["cells"] if cell]
    assert not any(cell["groups"] or cell["elders"] or cell["children"] for cell in cells)
    assert health["totals"]["residents"] == grid_worker["totals"]["residents"]


def test_layout_for_a_volunteer_shows_houses_not_people(street: Street) -> None:
    data = street.client_for(street.volunteer).get(layout_url(street.grid_building)).json()
    assert data["totals"]["houses"] > 0 and data["totals"]["residents"] == 0


def test_layout_is_only_for_buildings(street: Street) -> None:
    client = street.client_for(street.admin)
    for place in (street.community, street.house_in(street.grid_building)):
        assert client.get(layout_url(place)).status_code == 404


def test_cell_outside_the_scope_carries_only_its_position() -> None:
    hidden = Cell(house_id=7, number="301", floor=3, visible=False, usage="rented", residents=4)
    assert cell_out(hidden) == {"house_id": 7, "number": "301", "floor": 3, "visible": False}
    assert set(cell_out(hidden)) == set(HIDDEN_CELL_FIELDS)
    shown = Cell(house_id=8, number="302", floor=3, visible=True, usage="rented", residents=4)
    assert cell_out(shown)["residents"] == 4
    assert cell_out(None) is None


def test_place_detail_has_breadcrumb_and_children_count(street: Street) -> None:
    building = street.grid_building
    data = street.client_for(street.grid_worker).get(f"{PLACES}/{building.pk}").json()
    assert [crumb["level"] for crumb in data["ancestors"]] == [
        "province", "city", "district", "street", "community", "compound"]
    assert [crumb["id"] for crumb in data["ancestors"]] == [p.pk for p in building.ancestors()]
    assert not any(crumb["visible"] for crumb in data["ancestors"])  # her scope is the grid's buildings
    assert data["children_count"] == Place.objects.filter(parent=building).count() == building.units_count
    secretary = street.client_for(street.secretary).get(f"{PLACES}/{building.pk}").json()
    assert [c["visible"] for c in secretary["ancestors"]] == [False, False, False, False, True, True]


def test_house_detail(street: Street) -> None:
    house = street.house_in(street.grid_building)
    data = street.client_for(street.grid_worker).get(f"{PLACES}/{house.pk}").json()
    assert (data["level"], data["number"], data["floor"], data["usage"]) == (
        "house", house.number, house.floor, house.usage)
    assert data["area"] == float(house.area)
    assert data["children_count"] == 0


def test_list_without_parent_starts_at_the_top_of_the_scope(street: Street) -> None:
    def top(user: object) -> list[int]:
        return [item["id"] for item in street.client_for(user).get(PLACES).json()["items"]]

    assert top(street.grid_worker) == [street.grid_building.pk]
    assert top(street.secretary) == [street.community.pk]
    assert top(street.admin) == list(Place.objects.filter(parent=None).values_list("pk", flat=True))
    assert street.client_for(street.outsider).get(PLACES).status_code == 403


def test_list_children_of_a_community(street: Street) -> None:
    data = street.client_for(street.secretary).get(PLACES, {"parent": street.community.pk}).json()
    compounds = Place.objects.filter(parent=street.community).order_by("sort_key", "code")
    assert [item["id"] for item in data["items"]] == list(compounds.values_list("pk", flat=True))
    assert all(item["level"] == "compound" and item["children_count"] > 0 for item in data["items"])
    assert street.client_for(street.secretary).get(
        PLACES, {"parent": street.other_community.pk}).json() == {"items": [], "count": 0}


def test_list_of_a_unit_pages_through_its_houses(street: Street) -> None:
    unit = Place.objects.filter(parent=street.grid_building).order_by("path").first()
    client = street.client_for(street.grid_worker)
    first = client.get(PLACES, {"parent": unit.pk, "page_size": 5}).json()
    assert first["count"] == Place.objects.filter(parent=unit).count() and len(first["items"]) == 5
    assert all(item["level"] == "house" and item["parent_id"] == unit.pk for item in first["items"])
    second = client.get(PLACES, {"parent": unit.pk, "page_size": 5, "page": 2}).json()
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
