"""The epidemic-mode API: records, status with reasons, passes, traces; scope and bad input."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.health import keys, passes
from linli.health.models import AccessRecord, Arrival, Case
from linli.ledger import log
from linli.people.models import Person
from linli.places.models import Place


@pytest.fixture(autouse=True)
def quiet(settings: Any) -> Any:
    settings.LINLI_CHECKIN_DEADLINE_HOUR = 24
    log.forget_tree()
    yield
    log.forget_tree()


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body, default=str), content_type="application/json")


PURPOSE = "核查确诊病例的健康码"


def _resident(street: Any, n: int = 0) -> Person:
    return Person.objects.filter(path__startswith=street.grid_building.path).order_by("pk")[n]


def test_a_case_is_red_with_reasons_and_its_pass_verifies_offline(street):
    client = street.client_for(street.health_officer)
    person = _resident(street)
    created = _post(client, "/api/health/cases", {"person_id": person.pk, "confirmed_on": timezone.localdate()})
    assert created.status_code == 201 and created.json()["colour"] == "red"
    # Staff say why they read someone's health data; the purpose is audited.
    unsaid = client.get(f"/api/health/persons/{person.pk}/status")
    assert unsaid.status_code == 422 and unsaid.json()["detail"][0]["code"] == "required"
    assert AuditEvent.objects.filter(action="health.status_view", outcome="denied", object_id=str(person.pk),
                                     detail__reason="purpose").exists()
    status = client.get(f"/api/health/persons/{person.pk}/status", {"purpose_code": "epidemic_control"}).json()
    assert status["colour"] == "red" and status["rule_set"] == "default@1"
    assert "确诊" in status["reasons"][0]["zh"] and status["reasons"][0]["en"]
    read = AuditEvent.objects.filter(action="health.status_view", object_id=str(person.pk)).latest("seq")
    assert (read.purpose, read.detail["purpose_code"]) == ("疫情防控", "epidemic_control")

    issued = client.get(f"/api/health/persons/{person.pk}/pass", {"purpose": PURPOSE}).json()
    assert issued["code"].startswith("LL1:") and issued["qr_svg"].startswith("<?xml") or "<svg" in issued["qr_svg"]
    doc = Client().get("/api/health/trust-list").json()
    trust = passes.load_trust_list(doc, keys.root_public(), timezone.now())
    verdict = passes.verify_pass(issued["code"], trust, timezone.now())
    assert verdict.valid and verdict.colour == "red"


def test_the_grid_worker_checks_in_for_an_elder_and_sees_her_status(street):
    client = street.client_for(street.grid_worker)
    person = _resident(street, 1)
    done = _post(client, "/api/health/checkins", {"person_id": person.pk, "temperature": "37.6"})
    assert done.status_code == 201 and done.json()["colour"] == "yellow"
    assert client.get(f"/api/health/persons/{person.pk}/status", {"purpose": PURPOSE}).json()["colour"] == "yellow"
    # a case is for health staff only
    assert _post(client, "/api/health/cases", {"person_id": person.pk, "confirmed_on": timezone.localdate()}).status_code == 404


def test_outside_the_scope_is_not_found(street):
    far = Person.objects.filter(path__startswith=street.far_building.path).first()
    assert far is not None
    grid = street.client_for(street.grid_worker)
    assert grid.get(f"/api/health/persons/{far.pk}/status").status_code == 404
    assert _post(grid, "/api/health/checkins", {"person_id": far.pk, "temperature": "36.5"}).status_code == 404
    # the street officer and the secretary manage people, but health data is for health roles
    # and the person's own grid worker (PIPL art. 28)
    mine = _resident(street)
    for user in (street.street_officer, street.secretary, street.volunteer):
        assert street.client_for(user).get(f"/api/health/persons/{mine.pk}/status").status_code == 404
    assert Client().get(f"/api/health/persons/{far.pk}/status").status_code == 401


@pytest.mark.parametrize("body", [
    {"temperature": "36.5"},
    {"person_id": 0, "temperature": "36.5"},
    {"person_id": 1, "temperature": "52"},
    {"person_id": 1, "temperature": "hot"},
    {"person_id": 1, "temperature": "36.5", "symptoms": ["x" * 100]},
])
def test_bad_check_ins_are_422_in_both_languages(street, body):
    response = _post(street.client_for(street.grid_worker), "/api/health/checkins", body)
    assert response.status_code == 422
    assert all(e["msg"] and e["msg_zh"] for e in response.json()["detail"])


def test_arrivals_need_a_region_code_and_a_date_not_in_the_future(street):
    client = street.client_for(street.health_officer)
    person = _resident(street, 2)
    bad = _post(client, "/api/health/arrivals", {"person_id": person.pk, "origin_code": "Wuhan",
                                                 "origin_name": "武汉", "arrived_on": timezone.localdate()})
    assert bad.status_code == 422
    future = _post(client, "/api/health/arrivals", {"person_id": person.pk, "origin_code": "420106",
                                                    "origin_name": "武昌区",
                                                    "arrived_on": timezone.localdate() + datetime.timedelta(days=3)})
    assert future.status_code == 422 and future.json()["detail"][0]["loc"] == ["body", "arrived_on"]
    ok = _post(client, "/api/health/arrivals", {"person_id": person.pk, "origin_code": "420106",
                                                "origin_name": "武昌区", "arrived_on": timezone.localdate()})
    assert ok.status_code == 201


@pytest.mark.parametrize(("code", "error"), [("000000", "region_province"), ("119900", "region_unknown"),
                                             ("110103", "region_retired")])
def test_an_arrival_from_a_region_not_in_the_list_is_refused(street, code, error):
    """000000 was accepted."""
    response = _post(street.client_for(street.health_officer), "/api/health/arrivals",
                     {"person_id": _resident(street, 2).pk, "origin_code": code, "arrived_on": timezone.localdate()})
    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert (item["loc"], item["code"]) == (["body", "origin_code"], error) and item["msg_zh"]


def test_an_arrival_takes_its_name_from_the_list_and_regions_are_searched(street):
    client = street.client_for(street.resident)
    found = client.get("/api/regions", {"q": "wuhan", "limit": 3}).json()
    assert found[0] == {"code": "420100", "name": "武汉市", "full_name": "湖北省武汉市", "level": "city"}
    response = _post(client, "/api/health/arrivals", {"person_id": street.resident.person.pk, "origin_code": "420102",
                                                      "arrived_on": timezone.localdate()})
    assert response.status_code == 201
    assert Arrival.objects.get(pk=response.json()["id"]).origin_name == "湖北省武汉市江岸区"


def test_a_trace_finds_who_shared_a_place_with_the_case(street):
    client = street.client_for(street.health_officer)
    case, contact, passer_by = _resident(street, 3), _resident(street, 4), _resident(street, 5)
    gate = Place.objects.get(pk=street.grid_building.pk)
    now = timezone.now()
    start = now - datetime.timedelta(hours=5)
    for person, minutes in ((case, 60), (contact, 30), (passer_by, 5)):
        AccessRecord.objects.create(person=person, place=gate, path=gate.path, entered_at=start,
                                    left_at=start + datetime.timedelta(minutes=minutes))
    _post(client, "/api/health/cases", {"person_id": case.pk, "confirmed_on": timezone.localdate()})
    traced = _post(client, "/api/health/traces", {"person_id": case.pk})
    assert traced.status_code == 201, traced.content
    contacts = {c["person"]: c for c in traced.json()["contacts"]}
    assert set(contacts) == {contact.pk} and contacts[contact.pk]["degree"] == 1
    assert contacts[contact.pk]["overlap_minutes"] == 30 and contacts[contact.pk]["place"] == gate.name
    assert Case.objects.filter(person=case).exists()
    not_a_case = _post(client, "/api/health/traces", {"person_id": contact.pk})
    assert not_a_case.status_code == 404


def test_orders_from_a_trace_count_from_the_last_exposure(street):
    from linli.health import actions

    officer = street.health_officer
    case_person, contact = _resident(street, 6), _resident(street, 7)
    place = Place.objects.get(pk=street.grid_building.pk)
    now = timezone.now()
    for days_ago in (3, 1):  # together twice: the quarantine starts from the second time
        start = now - datetime.timedelta(days=days_ago)
        for person in (case_person, contact):
            AccessRecord.objects.create(person=person, place=place, path=place.path, entered_at=start,
                                        left_at=start + datetime.timedelta(minutes=40))
    case = actions.do_confirm_case(case_person, acting_user=officer, confirmed_on=timezone.localdate(),
                                   onset_on=timezone.localdate() - datetime.timedelta(days=2))
    trace = actions.do_trace(case, acting_user=officer)
    found = {c["person"]: c for c in trace.contacts}
    assert found[contact.pk]["first_exposure"] < found[contact.pk]["last_exposure"]
    order = actions.do_order_contacts(trace, [contact.pk], acting_user=officer)[0]
    last = timezone.localtime(now - datetime.timedelta(days=1) + datetime.timedelta(minutes=40)).date()
    assert (order.start_date, order.start_basis, order.colour) == (last, "exposure", "red")
