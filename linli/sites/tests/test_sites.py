"""Field sites on the test street: the demo's points inside their compounds, the flood and
disinfection layers and counters against direct queries, today's route, who sees what, and
recording a disinfection (bad input refused, nothing half-written)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from shapely.geometry import Point, shape

from linli.conftest import Street
from linli.core.access import PermissionDenied
from linli.core.errors import Bilingual
from linli.core.models import AuditEvent
from linli.people.models import Person, SpecialGroup
from linli.places.models import Level, Place
from linli.sites import actions, queries
from linli.sites import route as solver
from linli.sites.access import RECORD, VIEW
from linli.sites.demo import prepare_demo_sites
from linli.sites.models import DisinfectionPoint, DisinfectionVisit, PointKind, PointState, Shelter

AT_RISK = {g.value for g in queries.AT_RISK_GROUPS}


@pytest.fixture
def sites(street: Street) -> Street:
    cache.clear()
    made = prepare_demo_sites(seed=7)
    assert made["points"] > 0 and made["shelters"] > 0
    return street


def _data(client: Client, place: Place, scenario: str) -> dict[str, Any]:
    response = client.get(f"/overview/{place.pk}/data.json", {"s": scenario})
    assert response.status_code == 200
    return response.json()


def _layer(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(la for la in data["layers"] if la["name"] == name)


def _counter(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in data["counters"] if c["name"] == name)


def _street(street: Street) -> Place:
    return Place.objects.get(level=Level.STREET)


# --- the demo --------------------------------------------------------------------------------------

def test_the_demo_puts_points_inside_their_compounds_with_a_history(sites):
    points = list(DisinfectionPoint.objects.select_related("place"))
    compounds = Place.objects.filter(level=Level.COMPOUND, boundary__isnull=False).count()
    assert len(points) >= 4 * compounds
    for point in points:
        assert shape(point.place.boundary).contains(Point(point.longitude, point.latitude)), point.name
    today = timezone.localdate()
    seen = {point.state(today) for point in points}
    assert {PointState.DONE, PointState.OVERDUE} <= seen
    overdue = {p.place_id for p in points if p.state(today) == PointState.OVERDUE}
    assert overdue == {p.place_id for p in points}  # every team has a route, whatever the day
    assert DisinfectionVisit.objects.count() > len(points)
    for point in points[:20]:  # the kept last day is the last visit's
        last = point.visits.order_by("-visited_at").first()
        assert point.last_visited_on == (timezone.localdate(last.visited_at) if last else None)
    assert Shelter.objects.filter(place__level=Level.COMMUNITY).count() == 2 * Place.objects.filter(
        level=Level.COMMUNITY).count()


# --- flood ---------------------------------------------------------------------------------------

def _at_risk_by_compound(place: Place) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    width = queries.prefix_length(Level.COMPOUND)
    for person in Person.objects.filter(path__startswith=place.path, is_active=True,
                                        current_house__isnull=False).select_related("current_house"):
        if person.current_house.floor is not None and person.current_house.floor <= 1 and \
                AT_RISK & set(person.special_groups):
            found.setdefault(person.current_house.path[:width], set()).add(person.current_house_id)
    return found


def test_flood_households_match_a_direct_count(sites):
    data = _data(sites.client_for(sites.secretary), sites.community, "flood")
    direct = _at_risk_by_compound(sites.community)
    assert _counter(data, "sites.flood_households")["value"] == sum(len(h) for h in direct.values()) > 0
    parts = {p["label"]: p["value"] for p in _counter(data, "sites.flood_households")["parts"]}
    infants = {p.current_house_id for p in Person.objects.filter(path__startswith=sites.community.path, is_active=True,
                                                                 current_house__floor__lte=1)
               if SpecialGroup.INFANT in p.special_groups}
    assert parts[str(SpecialGroup.INFANT.label)] == len(infants)
    layer = _layer(data, "sites.flood_compounds")
    assert layer["kind"] == "fill"
    by_place = {f["properties"]["place"]: f["properties"]["value"] for f in layer["features"]}
    for compound in Place.objects.filter(path__startswith=sites.community.path, level=Level.COMPOUND):
        assert by_place.get(compound.pk, 0) == len(direct.get(compound.path, set()))
    assert {e["key"] for e in layer["legend"]} >= {f["properties"]["colour"] for f in layer["features"]}


def test_flood_households_from_the_tallies_and_counted_live_agree(sites, monkeypatch):
    """Where the scope is whole buildings the households come from the buildings' tallies (a
    district's screen reads no people cold); a finer scope counts them live; both the same."""
    from linli.overview import tallies

    for place, user in ((sites.community, sites.secretary), (_street(sites), sites.street_officer)):
        for level in (Level.COMPOUND, Level.BUILDING):
            user.__dict__.pop("_linli_flood_households", None)
            kept = queries.at_risk_households(user, place, level)
            assert tallies.read(queries.FLOOD_TALLY, user, place, action=queries.GROUPS) is not None
            with monkeypatch.context() as patched:
                patched.setattr(tallies, "read", lambda *args, **kwargs: None)
                user.__dict__.pop("_linli_flood_households", None)
                assert queries.at_risk_households(user, place, level) == kept
            if level == Level.COMPOUND:
                direct = _at_risk_by_compound(place)
                assert {path: row["any"] for path, row in kept.items()} == {p: len(h) for p, h in direct.items()}


def test_flood_buildings_add_up_to_the_community_and_stay_off_the_street(sites):
    data = _data(sites.client_for(sites.secretary), sites.community, "flood")
    layer = _layer(data, "sites.flood_buildings")
    direct = _at_risk_by_compound(sites.community)
    assert sum(f["properties"]["value"] for f in layer["features"]) == sum(len(h) for h in direct.values())
    assert all(f["geometry"]["type"] == "Point" for f in layer["features"])
    on_street = _data(sites.client_for(sites.street_officer), _street(sites), "flood")
    assert "sites.flood_buildings" not in {la["name"] for la in on_street["layers"]}


def test_flood_numbers_of_one_to_four_are_suppressed_on_the_street(sites):
    data = _data(sites.client_for(sites.street_officer), _street(sites), "flood")
    direct = _at_risk_by_compound(_street(sites))
    layer = _layer(data, "sites.flood_compounds")
    small = {c.pk for c in Place.objects.filter(level=Level.COMPOUND)
             if 0 < len(direct.get(c.path, set())) < 5}
    for feature in layer["features"]:
        if feature["properties"]["place"] in small:
            assert feature["properties"]["text"] == "< 5" and feature["properties"]["value"] is None
    # shelters are not people: their capacity is shown as it is
    shelters = _layer(data, "sites.shelters")
    assert len(shelters["features"]) == Shelter.objects.count()
    assert _counter(data, "sites.shelter_capacity")["value"] == sum(Shelter.objects.values_list("capacity", flat=True))


def test_flood_households_need_the_special_groups_right(sites):
    health = sites.client_for(sites.health_officer)
    response = health.get(f"/overview/{sites.community.pk}/data.json", {"s": "flood"})
    if response.status_code == 200:  # she may not open the screen at all, or sees no group numbers
        names = {c["name"] for c in response.json()["counters"]}
        assert "sites.flood_households" not in names


# --- disinfection --------------------------------------------------------------------------------

def test_disinfection_counters_and_colours_match_the_points(sites):
    today = timezone.localdate()
    data = _data(sites.client_for(sites.secretary), sites.community, "disinfection")
    points = list(DisinfectionPoint.objects.filter(path__startswith=sites.community.path, active=True))
    states = [p.state(today) for p in points]
    due = states.count(PointState.DUE) + states.count(PointState.OVERDUE)
    assert _counter(data, "sites.points_due")["value"] == due
    parts = {p["label"]: p["value"] for p in _counter(data, "sites.points_due")["parts"]}
    assert parts[str(PointState.OVERDUE.label)] == states.count(PointState.OVERDUE)
    layer = _layer(data, "sites.points")
    assert sorted(f["properties"]["colour"] for f in layer["features"]) == sorted(s.value for s in states)
    fill = _layer(data, "sites.due_compounds")
    width = queries.prefix_length(Level.COMPOUND)
    for feature in fill["features"]:
        compound = Place.objects.get(pk=feature["properties"]["place"])
        mine = [p.state(today) for p in points if p.path[:width] == compound.path]
        assert feature["properties"]["value"] == sum(s in (PointState.DUE, PointState.OVERDUE) for s in mine)


def test_todays_route_goes_through_every_point_due_from_the_office(sites):
    today = timezone.localdate()
    data = _data(sites.client_for(sites.secretary), sites.community, "disinfection")
    route = _layer(data, "sites.route")
    (line,) = route["features"]
    coords = line["geometry"]["coordinates"]
    assert line["geometry"]["type"] == "LineString"
    office = [round(c, 6) for c in queries.depot_of(sites.community)[0]]
    assert coords[0] == coords[-1] == office
    due = {(round(p.longitude, 6), round(p.latitude, 6)) for p in DisinfectionPoint.objects.filter(
        path__startswith=sites.community.path, active=True) if p.state(today) in (PointState.DUE, PointState.OVERDUE)}
    assert {tuple(c) for c in coords[1:-1]} == due
    assert len(coords) - 2 == line["properties"]["value"] == len(due)
    # the line is the solver's tour, no longer than the points in the order of their paths
    trip = queries.todays_route(sites.secretary, sites.community, today)
    by_path = sorted((s.point for s in trip.stops), key=lambda p: (p.path, p.name))
    d = solver.distance_matrix([trip.depot, *((p.longitude, p.latitude) for p in by_path)])
    assert trip.metres <= solver.tour_length(list(range(len(d))), d) + 1e-6


def test_the_street_screen_has_a_route_per_community(sites):
    data = _data(sites.client_for(sites.street_officer), _street(sites), "disinfection")
    names = {f["properties"]["name"] for f in _layer(data, "sites.route")["features"]}
    assert names <= set(Place.objects.filter(level=Level.COMMUNITY).values_list("name", flat=True))
    assert len(names) >= 2


# --- access --------------------------------------------------------------------------------------

def test_a_secretary_sees_only_her_communitys_points(sites):
    mine = DisinfectionPoint.objects.restrict(sites.secretary, VIEW)
    assert mine.exists()
    assert all(p.path.startswith(sites.community.path) for p in mine)
    assert not mine.filter(path__startswith=sites.other_community.path).exists()
    data = _data(sites.client_for(sites.secretary), sites.community, "disinfection")
    inside = {(round(p.longitude, 6), round(p.latitude, 6)) for p in mine}
    assert {tuple(f["geometry"]["coordinates"]) for f in _layer(data, "sites.points")["features"]} <= inside
    response = sites.client_for(sites.secretary).get("/sites/")
    assert response.status_code == 200
    other = DisinfectionPoint.objects.filter(path__startswith=sites.other_community.path).first()
    assert other.name.encode() not in response.content or other.name in {p.name for p in mine}
    assert sites.client_for(sites.secretary).post(f"/sites/points/{other.pk}/visit/",
                                                  {"disinfectant": "x"}).status_code == 404


def test_a_grid_worker_reaches_the_points_of_her_grids_compounds_only(sites):
    width = queries.prefix_length(Level.COMPOUND)
    from linli.core.scope import scope_for

    scope = scope_for(sites.grid_worker, RECORD)
    compounds = {prefix[:width] for prefix in scope.prefixes}
    hers = DisinfectionPoint.objects.restrict(sites.grid_worker, RECORD)
    assert hers.exists()
    assert {p.path for p in hers} <= compounds
    assert set(DisinfectionPoint.objects.filter(path__in=compounds).values_list("pk", flat=True)) == \
        set(hers.values_list("pk", flat=True))
    with pytest.raises(PermissionDenied):  # she disinfects; the office keeps the list
        actions.do_add_point(Place.objects.get(path=sorted(compounds)[0]), actions.PointInput(
            "新垃圾房", PointKind.REFUSE, 121.5, 31.2), acting_user=sites.grid_worker)
    page = sites.client_for(sites.grid_worker).get("/sites/today/")
    assert page.status_code == 200
    assert all(stop.point.path in compounds for stop in page.context["stops"])


@pytest.mark.parametrize("persona", ["resident", "volunteer", "outsider", "health_officer"])
def test_others_may_not_open_the_team_page(sites, persona):
    response = sites.client_for(getattr(sites, persona)).get("/sites/today/")
    assert response.status_code in (403, 404)


# --- recording a disinfection ---------------------------------------------------------------------

def _due_point(street: Street) -> DisinfectionPoint:
    today = timezone.localdate()
    return next(p for p in DisinfectionPoint.objects.restrict(street.grid_worker, RECORD).order_by("pk")
                if p.state(today) in (PointState.DUE, PointState.OVERDUE))


def test_tapping_records_a_visit_and_takes_the_point_off_the_route(sites):
    point = _due_point(sites)
    client = sites.client_for(sites.grid_worker)
    response = client.post(f"/sites/points/{point.pk}/visit/", {"disinfectant": "含氯消毒液", "note": "已喷洒"})
    assert response.status_code == 302
    point.refresh_from_db()
    assert point.state(timezone.localdate()) == PointState.DONE
    visit = point.visits.order_by("-visited_at").first()
    assert visit.visited_by == sites.grid_worker and visit.note == "已喷洒"
    assert AuditEvent.objects.filter(action="sites.point.disinfect", object_id=str(visit.pk)).exists()
    page = client.get("/sites/today/")
    assert point.pk not in {s.point.pk for s in page.context["stops"]}


@pytest.mark.parametrize("body", [{"disinfectant": ""}, {"disinfectant": "   "}, {"disinfectant": "x" * 65},
                                  {"disinfectant": "含氯\x07消毒液"}, {"disinfectant": "含氯", "note": "n" * 201}])
def test_bad_visits_are_refused_and_nothing_is_written(sites, body):
    point = _due_point(sites)
    before = (DisinfectionVisit.objects.count(), point.last_visited_on)
    response = sites.client_for(sites.grid_worker).post(f"/sites/points/{point.pk}/visit/", body)
    assert response.status_code == 422
    assert b'role="alert"' in response.content
    point.refresh_from_db()
    assert (DisinfectionVisit.objects.count(), point.last_visited_on) == before


def test_action_errors_are_bilingual(sites):
    point = _due_point(sites)
    later = timezone.now() + datetime.timedelta(hours=2)
    with pytest.raises(ValidationError) as caught:
        actions.do_record_visit(point, acting_user=sites.grid_worker, disinfectant="酒精", at=later)
    text = Bilingual.of_error(caught.value)
    assert "day" in text.en and text.zh != text.en
    point.active = False
    point.save()
    with pytest.raises(ValidationError) as caught:
        actions.do_record_visit(point, acting_user=sites.grid_worker, disinfectant="酒精")
    assert Bilingual.of_error(caught.value).zh == "该点位已停用。"


def test_a_point_must_lie_inside_its_compound(sites):
    compound = Place.objects.filter(path__startswith=sites.community.path, level=Level.COMPOUND).first()
    far = Place.objects.filter(path__startswith=sites.other_community.path, level=Level.COMPOUND).first()
    with pytest.raises(ValidationError) as caught:
        actions.do_add_point(compound, actions.PointInput("错位点", PointKind.PUBLIC, far.longitude, far.latitude),
                             acting_user=sites.secretary)
    assert "outside" in Bilingual.of_error(caught.value).en
    point = actions.do_add_point(compound, actions.PointInput("新健身区", PointKind.PUBLIC, compound.longitude,
                                                              compound.latitude, 5), acting_user=sites.secretary)
    assert point.path == compound.path and point.state(timezone.localdate()) == PointState.OVERDUE
    assert AuditEvent.objects.filter(action="sites.point.add", object_id=str(point.pk)).exists()


def test_the_office_adds_points_and_shelters_through_the_pages(sites):
    client = sites.client_for(sites.secretary)
    compound = Place.objects.filter(path__startswith=sites.community.path, level=Level.COMPOUND).first()
    response = client.post("/sites/points/add/", {"compound": compound.pk, "name": "东门岗亭", "kind": "public",
                                                  "longitude": compound.longitude, "latitude": compound.latitude,
                                                  "interval_days": 3})
    assert response.status_code == 302
    assert DisinfectionPoint.objects.filter(name="东门岗亭", place=compound).exists()
    bad = client.post("/sites/points/add/", {"compound": compound.pk, "name": "东门岗亭", "kind": "public",
                                             "longitude": compound.longitude, "latitude": compound.latitude,
                                             "interval_days": 3})
    assert bad.status_code == 422  # the same name twice
    other = Place.objects.filter(path__startswith=sites.other_community.path, level=Level.COMPOUND).first()
    outside = client.post("/sites/points/add/", {"compound": other.pk, "name": "越界", "kind": "public",
                                                 "longitude": other.longitude, "latitude": other.latitude,
                                                 "interval_days": 3})
    assert outside.status_code == 422 and not DisinfectionPoint.objects.filter(name="越界").exists()
    response = client.post("/sites/shelters/add/", {"place": sites.community.pk, "name": "社区学校操场",
                                                    "capacity": 300, "contact": "值班 021-1234",
                                                    "longitude": queries.centre_of(sites.community)[0],
                                                    "latitude": queries.centre_of(sites.community)[1]})
    assert response.status_code == 302
    assert client.post("/sites/shelters/add/", {"place": sites.community.pk, "name": "x", "capacity": 0,
                                                "contact": "y", "longitude": 0, "latitude": 0}).status_code == 422
    assert client.get("/sites/shelters/").status_code == 200


def test_the_home_page_counts_the_points_to_do_today(sites):
    """The grid worker's 今日待办 names the round: the points she may record that are due or
    overdue, linking to today's route; one disinfected comes off the count."""
    from linli.sites.today import items

    today = timezone.localdate()
    mine = list(DisinfectionPoint.objects.restrict(sites.grid_worker, RECORD).filter(active=True))
    to_do = [p for p in mine if p.state(today) in (PointState.DUE, PointState.OVERDUE)]
    overdue = [p for p in to_do if p.state(today) == PointState.OVERDUE]
    assert to_do and overdue  # the demo's playgrounds are always overdue
    [item] = list(items(sites.grid_worker, today))
    assert item.count == len(to_do) and item.url == "/sites/today/"
    home = sites.client_for(sites.grid_worker).get("/").content.decode()
    assert f"消杀：今日 {len(to_do)} 个点位待消杀（{len(overdue)} 个逾期）" in home
    actions.do_record_visit(to_do[0], acting_user=sites.grid_worker, disinfectant="含氯消毒液")
    assert next(iter(items(sites.grid_worker, today))).count == len(to_do) - 1
    assert list(items(sites.resident, today)) == [] and list(items(sites.health_officer, today)) == []


# --- changing points and shelters -----------------------------------------------------------------

def _compound_point(street: Street) -> DisinfectionPoint:
    return DisinfectionPoint.objects.filter(path__startswith=street.community.path).order_by("pk").first()


def test_the_office_changes_a_point_and_takes_it_out_of_use(sites):
    point = _compound_point(sites)
    client = sites.client_for(sites.secretary)
    page = client.get(f"/sites/points/{point.pk}/")
    assert page.status_code == 200 and point.name.encode() in page.content
    response = client.post(f"/sites/points/{point.pk}/", {
        "name": "改名垃圾房", "kind": point.kind, "longitude": point.longitude, "latitude": point.latitude,
        "interval_days": 3})  # "active" unticked: out of use
    assert response.status_code == 302
    point.refresh_from_db()
    assert (point.name, point.interval_days, point.active) == ("改名垃圾房", 3, False)
    event = AuditEvent.objects.get(action="sites.point.change", object_id=str(point.pk))
    assert event.detail["name"] == "改名垃圾房" and event.detail["active"] is False
    # out of use: off today's route and the team's count, shown as such on the list
    assert point.pk not in {s.point.pk for s in client.get("/sites/today/").context["stops"]}
    assert "已停用".encode() in client.get("/sites/", HTTP_ACCEPT_LANGUAGE="zh-hans").content or \
        b"not in use" in client.get("/sites/").content


def test_changing_a_point_checks_like_adding_one(sites):
    point = _compound_point(sites)
    sibling = DisinfectionPoint.objects.create(place=point.place, path=point.path, name="另一个点", kind=point.kind,
                                              longitude=point.longitude, latitude=point.latitude)
    far = Place.objects.filter(path__startswith=sites.other_community.path, level=Level.COMPOUND).first()
    before = (point.name, point.longitude, point.interval_days)
    for data, field in [({"name": "另一个点"}, "name"), ({"longitude": far.longitude, "latitude": far.latitude}, "longitude"),
                        ({"interval_days": 0}, "interval_days"), ({"kind": "nonsense"}, "kind")]:
        fields = {"name": point.name, "kind": point.kind, "longitude": point.longitude, "latitude": point.latitude,
                  "interval_days": point.interval_days, **data}
        with pytest.raises(ValidationError) as caught:
            actions.do_change_point(point, actions.PointInput(**fields), active=True, acting_user=sites.secretary)
        assert field in caught.value.message_dict
    point.refresh_from_db()
    assert (point.name, point.longitude, point.interval_days) == before
    assert not AuditEvent.objects.filter(action="sites.point.change").exists()
    assert sibling.name == "另一个点"


def test_only_the_office_of_the_area_changes_points_and_shelters(sites):
    point = _compound_point(sites)
    shelter = Shelter.objects.filter(path__startswith=sites.community.path).first()
    fields = actions.PointInput(point.name, point.kind, point.longitude, point.latitude, point.interval_days)
    with pytest.raises(PermissionDenied):  # she disinfects; the office keeps the list
        actions.do_change_point(point, fields, active=False, acting_user=sites.grid_worker)
    assert sites.client_for(sites.grid_worker).get(f"/sites/points/{point.pk}/").status_code in (403, 404)
    with pytest.raises(PermissionDenied):
        actions.do_change_shelter(shelter, actions.ShelterInput(shelter.name, shelter.longitude, shelter.latitude, 1,
                                                                shelter.contact), active=False,
                                  acting_user=sites.grid_worker)
    assert b"/sites/points/%d/" % point.pk not in sites.client_for(sites.grid_worker).get("/sites/").content
    other = DisinfectionPoint.objects.filter(path__startswith=sites.other_community.path).first()
    assert sites.client_for(sites.secretary).get(f"/sites/points/{other.pk}/").status_code == 404
    other_shelter = Shelter.objects.filter(path__startswith=sites.other_community.path).first()
    if other_shelter is not None:
        assert sites.client_for(sites.secretary).get(f"/sites/shelters/{other_shelter.pk}/").status_code == 404
    point.refresh_from_db()
    assert point.active


def test_the_office_closes_a_shelter_and_bad_input_changes_nothing(sites):
    shelter = Shelter.objects.filter(path__startswith=sites.community.path).first()
    client = sites.client_for(sites.secretary)
    body = {"name": shelter.name, "capacity": 0, "contact": shelter.contact, "longitude": shelter.longitude,
            "latitude": shelter.latitude, "active": "on"}
    response = client.post(f"/sites/shelters/{shelter.pk}/", body)
    assert response.status_code == 422 and b'role="alert"' in response.content
    shelter.refresh_from_db()
    assert shelter.capacity > 0 and shelter.active
    body.update(capacity=450)
    del body["active"]
    assert client.post(f"/sites/shelters/{shelter.pk}/", body).status_code == 302
    shelter.refresh_from_db()
    assert (shelter.capacity, shelter.active) == (450, False)
    assert AuditEvent.objects.filter(action="sites.shelter.change", object_id=str(shelter.pk)).exists()


# --- the API --------------------------------------------------------------------------------------

def test_the_api_lists_a_grid_workers_points_and_records_a_visit(sites):
    client = sites.client_for(sites.grid_worker)
    listed = client.get("/api/sites/points?page_size=100").json()
    hers = set(DisinfectionPoint.objects.restrict(sites.grid_worker, VIEW).values_list("pk", flat=True))
    assert {p["id"] for p in listed["items"]} <= hers and listed["count"] == len(hers)
    today = timezone.localdate()
    point = _due_point(sites)
    row = next(p for p in listed["items"] if p["id"] == point.pk)
    assert row["state"] == point.state(today).value
    created = client.post(f"/api/sites/points/{point.pk}/visits", {"disinfectant": "含氯消毒液", "note": "API"},
                          content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["note"] == "API"
    point.refresh_from_db()
    assert point.state(today) == PointState.DONE
    visits = client.get(f"/api/sites/points/{point.pk}/visits").json()["items"]
    assert visits[0]["id"] == created.json()["id"]


def test_the_api_refuses_bad_visits_in_both_languages_and_hides_other_areas(sites):
    client = sites.client_for(sites.grid_worker)
    point = _due_point(sites)
    count = DisinfectionVisit.objects.count()
    later = (timezone.now() + datetime.timedelta(hours=3)).isoformat()
    response = client.post(f"/api/sites/points/{point.pk}/visits", {"disinfectant": "酒精", "visited_at": later},
                           content_type="application/json")
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["msg"] and detail["msg_zh"] and detail["msg"] != detail["msg_zh"]
    assert client.post(f"/api/sites/points/{point.pk}/visits", {"disinfectant": ""},
                       content_type="application/json").status_code == 422
    other = DisinfectionPoint.objects.exclude(pk__in=DisinfectionPoint.objects.restrict(sites.grid_worker, VIEW)).first()
    assert client.post(f"/api/sites/points/{other.pk}/visits", {"disinfectant": "酒精"},
                       content_type="application/json").status_code == 404
    assert DisinfectionVisit.objects.count() == count
    shelters = sites.client_for(sites.secretary).get("/api/sites/shelters").json()["items"]
    assert shelters and all(Shelter.objects.get(pk=s["id"]).path.startswith(sites.community.path) for s in shelters)
