"""The one-screen overview: each registered counter against direct counts on the test street,
who may open which screen, "< 5" on a street's screen, the GeoJSON of the base map and the
layers, the menu entry, and the registry itself."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from linli.conftest import Street
from linli.health import actions as health
from linli.health.models import CheckIn, RiskArea
from linli.overview import grouping, registry
from linli.people.models import Person, SpecialGroup
from linli.places.models import Level, Place
from linli.tasks.models import VisitPlan
from linli.tickets.tests.helpers import file


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """The registry's slow numbers are cached a minute; each test counts its own street."""
    from django.core.cache import cache

    cache.clear()


def _street(street: Street) -> Place:
    return Place.objects.get(level=Level.STREET)


def _data(client: Client, place: Place, scenario: str) -> dict[str, Any]:
    response = client.get(f"/overview/{place.pk}/data.json", {"s": scenario})
    assert response.status_code == 200
    return response.json()


def _counters(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in data["counters"]}


def _people(place: Place) -> list[Person]:
    return list(Person.objects.filter(path__startswith=place.path, is_active=True))


def _arrive(street: Street, people: list[Person], origin: str, day: datetime.date) -> None:
    for person in people:
        health.do_register_arrival(person, acting_user=street.health_officer, origin_code=origin,
                                   origin_name="", arrived_on=day)


# --- the counters against direct counts -----------------------------------------------------------

def test_people_counters_match_direct_counts(street):
    data = _data(street.client_for(street.secretary), street.community, "normal")
    counters = _counters(data)
    people = _people(street.community)
    assert counters["people.residents"]["value"] == len(people)
    in_groups = [p for p in people if p.special_groups]
    assert counters["people.special_groups"]["value"] == len(in_groups)
    parts = {part["label"]: part["value"] for part in counters["people.special_groups"]["parts"]}
    elders = sum(1 for p in people if SpecialGroup.ALONE_ELDER in p.special_groups)
    assert parts[str(SpecialGroup.ALONE_ELDER.label)] == elders
    assert parts[str(SpecialGroup.INFANT.label)] == sum(1 for p in people if SpecialGroup.INFANT in p.special_groups)
    # the elders' layer: one point per building with elders living alone, adding up to them
    layer = next(la for la in data["layers"] if la["name"] == "people.elders_alone")
    assert sum(f["properties"]["value"] for f in layer["features"]) == elders
    assert all(f["geometry"]["type"] == "Point" for f in layer["features"])


def test_health_counters_match_direct_counts(street):
    today = timezone.localdate()
    RiskArea.objects.create(region_code="420100", name="武汉市", level="high", valid_from=today)
    people = _people(street.community)
    _arrive(street, people[:2], "420100", today)  # high risk, today
    _arrive(street, people[2:3], "110101", today)  # elsewhere, today
    _arrive(street, people[3:4], "110101", today - datetime.timedelta(days=7))  # a week ago
    _arrive(street, people[4:5], "420100", today - datetime.timedelta(days=20))  # outside the 14 days
    _arrive(street, _people(street.other_community)[:1], "420100", today)  # another community
    health.do_order_quarantine(people[10], acting_user=street.health_officer, reason="close_contact",
                               colour="red", last_exposure=today - datetime.timedelta(days=2))
    CheckIn.objects.create(person=people[0], path=people[0].path, day=today, temperature=36.5)

    counters = _counters(_data(street.client_for(street.secretary), street.community, "epidemic"))
    assert counters["health.arrivals_today"]["value"] == 3
    assert counters["health.arrivals_today"]["last_week"] == 1
    # by the risk level of where they came from: high, medium, low, elsewhere
    assert [p["value"] for p in counters["health.arrivals_today"]["parts"]] == [2, 0, 0, 1]
    assert counters["health.arrivals_watched"]["value"] == 4
    assert counters["health.quarantine"]["value"] == 1
    # must check in: four arrivals in 14 days and one order (five people); one checked in
    assert counters["health.missing_checkins"]["value"] == 4
    assert "people.special_groups" not in counters  # not a counter of the epidemic scenario


def test_compounds_are_coloured_by_their_arrivals(street):
    today = timezone.localdate()
    RiskArea.objects.create(region_code="420100", name="武汉市", level="high", valid_from=today)
    compound = street.grid_building.parent
    people = list(Person.objects.filter(path__startswith=compound.path, is_active=True)[:3])
    _arrive(street, people, "420100", today)
    data = _data(street.client_for(street.secretary), street.community, "epidemic")
    layer = next(la for la in data["layers"] if la["name"] == "health.arrivals")
    coloured = {f["properties"]["place"]: f["properties"] for f in layer["features"]}
    assert list(coloured) == [compound.pk]
    assert coloured[compound.pk]["colour"] == "red" and coloured[compound.pk]["value"] == 3  # 3 from high risk
    legend = {e["key"]: e["text"] for e in layer["legend"]}
    assert set(legend) == {"red", "orange", "yellow", "blue", ""} and all(legend.values())


def test_request_and_visit_counters_match_direct_counts(street):
    first = file(street.secretary, street.house_in(street.grid_building))
    file(street.secretary, street.house_in(street.other_grid_building))
    file(street.street_officer, street.house_in(street.far_building))  # another community
    type(first).objects.filter(pk=first.pk).update(overdue=True)
    data = _data(street.client_for(street.secretary), street.community, "normal")
    counters = _counters(data)
    assert counters["tickets.open"]["value"] == 2
    assert counters["tickets.overdue"]["value"] == 1
    assert counters["tickets.new_today"]["value"] == 2 and counters["tickets.new_today"]["last_week"] == 0
    layer = next(la for la in data["layers"] if la["name"] == "tickets.open")
    assert sum(f["properties"]["value"] for f in layer["features"]) == 2

    today = timezone.localdate()
    plans = VisitPlan.objects.filter(path__startswith=street.community.path, active=True)
    expected = plans.filter(next_due_on__lte=today).count()
    assert counters["tasks.visits_due"]["value"] == expected


# --- who sees which screen ----------------------------------------------------------------------------

def test_the_secretary_opens_her_community_only(street):
    client = street.client_for(street.secretary)
    response = client.get("/overview/?s=epidemic")
    assert response.status_code == 200 and response.context["place"] == street.community
    assert response.context["scenario"] == "epidemic"
    assert client.get(f"/overview/{street.community.pk}/").status_code == 200
    assert client.get(f"/overview/{street.other_community.pk}/").status_code == 404
    assert client.get(f"/overview/{street.other_community.pk}/data.json").status_code == 404
    assert client.get(f"/overview/{_street(street).pk}/map.geojson").status_code == 404
    features = client.get(f"/overview/{street.community.pk}/map.geojson").json()["features"]
    assert features and all(Place.objects.get(pk=f["id"]).path.startswith(street.community.path) for f in features)


def test_the_street_officer_opens_the_street_and_drills_down(street):
    client = street.client_for(street.street_officer)
    assert client.get("/overview/").context["place"] == _street(street)
    html = client.get(f"/overview/{_street(street).pk}/?s=flood").content.decode()
    assert f'href="/overview/{street.community.pk}/?scenario=flood"' in html  # down to a community, same scenario
    assert 'aria-current="page" data-scenario-link="flood"' in html
    community = client.get(f"/overview/{street.community.pk}/?s=flood").content.decode()
    assert f'href="/overview/{_street(street).pk}/?scenario=flood"' in community  # and back up


@pytest.mark.parametrize("persona", ["grid_worker", "health_officer", "resident", "volunteer", "outsider"])
def test_others_are_refused(street, persona):
    client = street.client_for(getattr(street, persona))
    assert client.get("/overview/").status_code == 403
    assert client.get(f"/overview/{street.community.pk}/").status_code == 404
    assert client.get(f"/overview/{street.community.pk}/data.json").status_code == 404


def _district_officer() -> Any:
    from linli.core.models import Role, RoleAssignment, User

    officer = User.objects.create(username="district-officer", display_name="区社区治理办")
    RoleAssignment.objects.create(user=officer, role=Role.objects.get(code="street_officer"),
                                  place=Place.objects.get(level=Level.DISTRICT))
    return officer


def test_the_district_officer_opens_the_district_and_drills_down_to_its_streets(street):
    client = street.client_for(_district_officer())
    district = Place.objects.get(level=Level.DISTRICT)
    page = client.get("/overview/?s=epidemic")
    assert page.status_code == 200 and page.context["place"] == district
    assert f'href="/overview/{_street(street).pk}/?scenario=epidemic"' in page.content.decode()  # down a street
    data = client.get(f"/overview/{district.pk}/data.json?scenario=epidemic").json()
    assert data["place"]["level"] == "district" and data["suppressed"] is True
    assert _counters(data)["people.residents"]["value"] == len(_people(district))
    features = client.get(f"/overview/{district.pk}/map.geojson").json()["features"]
    # streets, communities and compounds: a district's buildings are a street screen's business
    assert {f["properties"]["level"] for f in features} == {"street", "community", "compound"}
    assert client.get(f"/overview/{_street(street).pk}/").status_code == 200
    # a street officer still opens her street, and may not open the district above it
    officer = street.client_for(street.street_officer)
    assert officer.get("/overview/").context["place"] == _street(street)
    assert officer.get(f"/overview/{district.pk}/").status_code == 404


def test_a_district_screen_marks_compounds_not_buildings(street):
    from linli.alerts.tests.helpers import fall_in

    alert = fall_in(street)
    client = street.client_for(_district_officer())
    district = Place.objects.get(level=Level.DISTRICT)
    layers = {layer["name"]: layer for layer in _data(client, district, "normal")["layers"]}
    compound_of = grouping.prefix_length(Level.COMPOUND)
    elders = [p for p in _people(district) if SpecialGroup.ALONE_ELDER in p.special_groups]
    assert elders
    marked = {f["properties"]["place"] for f in layers["people.elders_alone"]["features"]}
    assert marked == set(Place.objects.filter(path__in={p.path[:compound_of] for p in elders},
                                              level=Level.COMPOUND).values_list("pk", flat=True))
    assert layers["people.elders_alone"]["title"] == "独居老人（按小区）"
    [feature] = layers["alerts.open"]["features"]
    assert feature["properties"]["place"] == Place.objects.get(path=alert.path[:compound_of]).pk
    assert feature["properties"]["colour"] == "critical"
    # disinfection: compounds coloured by their points, no point of their own, no route
    disinfection = {layer["name"] for layer in _data(client, district, "disinfection")["layers"]}
    assert "sites.points" not in disinfection and "sites.route" not in disinfection
    # the street below still marks buildings
    officer = _data(street.client_for(street.street_officer), _street(street), "normal")
    [feature] = next(layer for layer in officer["layers"] if layer["name"] == "alerts.open")["features"]
    assert Place.objects.get(pk=feature["properties"]["place"]).level == Level.BUILDING


def test_a_screen_is_for_a_street_or_a_community_only(street):
    client = street.client_for(street.street_officer)
    assert client.get(f"/overview/{street.grid_building.pk}/").status_code == 404


def test_the_menu_shows_the_screen_to_those_who_may_open_it(street):
    assert 'href="/overview/"' in street.client_for(street.street_officer).get("/").content.decode()
    assert 'href="/overview/"' not in street.client_for(street.grid_worker).get("/").content.decode()


# --- "< 5" on the street's screen ---------------------------------------------------------------------

def test_small_numbers_of_people_are_suppressed_on_the_street_screen(street):
    today = timezone.localdate()
    _arrive(street, _people(street.community)[:3], "110101", today)
    on_street = _counters(_data(street.client_for(street.street_officer), _street(street), "epidemic"))
    assert on_street["health.arrivals_today"]["value"] is None
    assert on_street["health.arrivals_today"]["text"] == "< 5"
    assert {p["text"] for p in on_street["health.arrivals_today"]["parts"]} <= {"0", "< 5"}
    assert on_street["people.residents"]["text"] == str(len(_people(_street(street))))  # large: shown
    in_community = _counters(_data(street.client_for(street.secretary), street.community, "epidemic"))
    assert in_community["health.arrivals_today"]["value"] == 3  # a community's screen shows them
    # the compound's arrivals on the street's map: "< 5" too
    data = _data(street.client_for(street.street_officer), _street(street), "epidemic")
    layer = next(la for la in data["layers"] if la["name"] == "health.arrivals")
    assert [f["properties"]["text"] for f in layer["features"]] == ["< 5"]
    assert all(f["properties"]["value"] is None for f in layer["features"])


def test_requests_are_not_people_and_are_never_suppressed(street):
    file(street.secretary, street.house_in(street.grid_building))
    counters = _counters(_data(street.client_for(street.street_officer), _street(street), "normal"))
    assert counters["tickets.open"]["text"] == "1"


# --- the GeoJSON --------------------------------------------------------------------------------------------

def _valid_geometry(geometry: dict[str, Any]) -> None:
    assert geometry["type"] in ("Point", "Polygon")
    points = [geometry["coordinates"]] if geometry["type"] == "Point" else geometry["coordinates"][0]
    if geometry["type"] == "Polygon":
        ring = geometry["coordinates"][0]
        assert len(ring) >= 4 and ring[0] == ring[-1]
    for lon, lat in points:
        assert -180 <= lon <= 180 and -90 <= lat <= 90


def test_the_base_map_is_valid_geojson_of_the_area(street):
    street_place = _street(street)
    response = street.client_for(street.street_officer).get(f"/overview/{street_place.pk}/map.geojson")
    assert response["Content-Type"].startswith("application/geo+json")
    collection = json.loads(response.content)
    assert collection["type"] == "FeatureCollection"
    levels = {f["properties"]["level"] for f in collection["features"]}
    assert levels == {"community", "compound", "building"}
    for feature in collection["features"]:
        assert feature["type"] == "Feature" and feature["id"] == feature["properties"]["id"]
        _valid_geometry(feature["geometry"])
        assert feature["properties"]["url"] == f"/places/{feature['id']}/"
    buildings = Place.objects.filter(level=Level.BUILDING, path__startswith=street_place.path).count()
    assert sum(1 for f in collection["features"] if f["properties"]["level"] == "building") == buildings
    # the demo's buildings have footprints and its communities more than a box
    assert all(f["geometry"]["type"] == "Polygon" for f in collection["features"])
    community = next(f for f in collection["features"] if f["properties"]["level"] == "community")
    assert len(community["geometry"]["coordinates"][0]) > 5


def test_the_grids_layer_is_valid_geojson_and_tiles_each_compound(street):
    from shapely.geometry import shape

    data = _data(street.client_for(street.secretary), street.community, "normal")
    layer = next(la for la in data["layers"] if la["name"] == "grids.outlines")
    assert len(layer["features"]) == 4  # two compounds of two grids
    shapes = []
    for feature in layer["features"]:
        _valid_geometry(feature["geometry"])
        shapes.append(shape(feature["geometry"]))
    assert all(s.is_valid for s in shapes)
    assert not any(a.overlaps(b) for i, a in enumerate(shapes) for b in shapes[i + 1:])


# --- the registry ----------------------------------------------------------------------------------------------

def test_a_new_module_plugs_in_without_touching_the_overview(street, monkeypatch):
    monkeypatch.setattr(registry, "_COUNTERS", dict(registry._COUNTERS))
    monkeypatch.setattr(registry, "_LAYERS", dict(registry._LAYERS))
    registry.register_counter("test.alerts", lambda user, place, today: registry.Count(2, last_week=5),
                              scenarios=(registry.FLOOD,), label="Active alerts", people=False)
    registry.register_layer("test.shelters", lambda user, place, today: registry.Layer(
        [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.5, 31.2]},
          "properties": {"icon": "shelter", "colour": "shelter", "value": 2}}],
        (registry.LegendEntry("shelter", "#0d6efd", "a shelter"),)), scenarios=(registry.FLOOD,),
        label="Shelters", kind=registry.POINTS)
    data = _data(street.client_for(street.street_officer), _street(street), "flood")
    alerts = _counters(data)["test.alerts"]
    assert (alerts["text"], alerts["last_week"], alerts["trend"]) == ("2", 5, "down")
    shelters = next(la for la in data["layers"] if la["name"] == "test.shelters")
    assert shelters["features"][0]["properties"]["text"] == "< 5"  # a count of people, on a street
    assert "test.alerts" not in _counters(_data(street.client_for(street.street_officer), _street(street), "normal"))


def test_the_registry_refuses_unknown_scenarios_and_kinds():
    with pytest.raises(ValueError):
        registry.register_counter("x.y", lambda *a: None, scenarios=("war",), label="x")
    with pytest.raises(ValueError):
        registry.register_layer("x.y", lambda *a: None, label="x", kind="heatmap")


def test_an_unknown_scenario_is_the_normal_one(street):
    data = _data(street.client_for(street.secretary), street.community, "<script>")
    assert data["scenario"] == "normal"


def test_slow_numbers_are_cached_and_never_older_than_the_bound(street):
    from django.core.cache import cache

    from linli.overview import tallies
    from linli.overview.models import TallyRun
    from linli.overview.tasks import refresh_overview_tallies

    client = street.client_for(street.secretary)
    before = _counters(_data(client, street.community, "normal"))["people.residents"]["value"]
    Person.objects.filter(pk=_people(street.community)[0].pk).update(is_active=False)  # a bulk write, no signal
    assert _counters(_data(client, street.community, "normal"))["people.residents"]["value"] == before
    # the worker's minute: the summary is recomputed, and the next uncached poll shows it
    refresh_overview_tallies.call_local()
    cache.clear()
    assert _counters(_data(client, street.community, "normal"))["people.residents"]["value"] == before - 1
    # no worker: a summary older than the bound is recomputed by the read itself
    Person.objects.filter(pk=_people(street.community)[0].pk).update(is_active=False)
    TallyRun.objects.update(computed_at=timezone.now() - datetime.timedelta(seconds=tallies.MAX_AGE + 1))
    cache.clear()
    assert _counters(_data(client, street.community, "normal"))["people.residents"]["value"] == before - 2


def test_shown_suppresses_one_to_four():
    assert registry.shown(0, suppress=True) == (0, "0")
    assert registry.shown(4, suppress=True) == (None, "< 5")
    assert registry.shown(5, suppress=True) == (5, "5")
    assert registry.shown(3, suppress=False) == (3, "3")


def test_open_alerts_are_counted_and_placed_on_the_map(street):
    from linli.alerts.models import Alert
    from linli.alerts.tests.helpers import fall_in

    alert = fall_in(street)
    place = _street(street)
    data = _data(street.client_for(street.street_officer), place, "epidemic")
    counter = _counters(data)["alerts.open"]
    assert counter["value"] == Alert.objects.filter(state="new", is_drill=False).count() == 1
    layer = next(layer for layer in data["layers"] if layer["name"] == "alerts.open")
    [feature] = layer["features"]
    assert feature["properties"]["colour"] == "critical"
    building = Place.objects.get(path=alert.path[:grouping.prefix_length(Level.BUILDING)])
    assert building.level == Level.BUILDING and feature["properties"]["place"] == building.pk


def test_the_summary_matches_live_counts_and_steps_aside_for_a_finer_scope(street, monkeypatch):
    from linli.core.scope import Scope
    from linli.overview import tallies
    from linli.people import overview as people_overview

    user = street.secretary
    user.is_verified = lambda: True  # type: ignore[attr-defined]
    today = timezone.localdate()
    live = {k: v for k, v in people_overview._by_building(
        Person.objects.filter(path__startswith=street.community.path, is_active=True)).items() if v["any"]}
    assert people_overview._groups_by_building(user, street.community) == live
    kept = tallies.read("people", user, street.community)
    assert kept is not None and sum(r["all"] for r in kept.values()) == len(_people(street.community))
    # one house only: the summary cannot tell her people apart from the building's, so the live count
    house = street.house_in(street.grid_building)
    monkeypatch.setattr(tallies, "scope_for", lambda u, action: Scope(prefixes=(house.path,)))
    assert tallies.read("people", user, street.community) is None
    monkeypatch.setattr(people_overview, "may", lambda u, action: True)
    monkeypatch.setattr(people_overview.Person.objects, "restrict", lambda u, action: Person.objects.filter(
        path__startswith=house.path))
    assert people_overview.residents(user, street.community, today).value == len(_people(house))
