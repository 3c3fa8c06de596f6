"""The gates API: who may sync, idempotent batches, bilingual 422s, access records for tracing."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from linli.conftest import Street
from linli.core.api_auth import create_token
from linli.core.models import AuditEvent
from linli.gates.models import GateEvent, Visitor
from linli.gates.tests.helpers import event, make_gate, put_on_duty, read_pass, scan_of
from linli.health import keys
from linli.health.models import AccessRecord
from linli.people.models import Person


def post(client: Client, gate_id: int, events: list[dict[str, Any]], **headers: str) -> Any:
    return client.post(f"/api/gates/{gate_id}/events", json.dumps({"events": events}),
                       content_type="application/json", headers=headers)


def street_people(gate: Any, n: int) -> list[Person]:
    return list(Person.objects.filter(path__startswith=gate.place.path, is_active=True).order_by("pk")[:n])


@pytest.fixture
def volunteer(street: Street, gate: Any) -> Client:
    put_on_duty(gate, street.volunteer)
    return street.client_for(street.volunteer)


def test_the_same_batch_twice_is_stored_once(street: Street, gate: Any, volunteer: Client) -> None:
    green, yellow, feverish = street_people(gate, 3)
    batch = [scan_of(green), event("visitor"), event("manual"),
             event(verdict="deny", reason="expired", colour=""),
             scan_of(yellow, "yellow", temperature=36.6),
             scan_of(feverish, verdict="deny", reason="fever", temperature=38.0)]
    first = post(volunteer, gate.pk, batch)
    assert first.status_code == 200, first.content
    assert (first.json()["accepted"], first.json()["rejected"], first.json()["duplicate"]) == (6, 0, 0)
    today = first.json()["today"]  # the screen's "uploaded today" line, without a reload
    assert today["visitors"] == 1 and today["pass"] + today["deny"] + today["refer"] == 6 and today["deny"] == 2
    assert today["rejected"] == 0
    again = post(volunteer, gate.pk, batch)
    assert again.status_code == 200
    assert (again.json()["accepted"], again.json()["duplicate"]) == (0, 6)
    assert {(r["status"], r["duplicate"]) for r in again.json()["results"]} == {("accepted", True)}
    assert GateEvent.objects.filter(gate=gate).count() == 6
    visitor = Visitor.objects.get(gate=gate)
    assert (visitor.name, visitor.phone, visitor.path) == ("访客甲", "+8613912345678", gate.path)
    assert visitor.phone_hash
    fever = GateEvent.objects.get(reason="fever")
    assert (fever.verdict, str(fever.temperature), fever.recorded_by) == ("deny", "38.0", street.volunteer)
    assert GateEvent.objects.get(kind="manual").note == "老人无手机，已电话核实"
    assert AuditEvent.objects.filter(action="gate.sync", object_id=str(gate.pk)).count() == 2


def test_a_repeated_event_inside_one_batch_counts_once(gate: Any, volunteer: Client) -> None:
    one = event("manual")
    response = post(volunteer, gate.pk, [one, one])
    assert (response.json()["accepted"], response.json()["duplicate"]) == (1, 1)
    assert [r["duplicate"] for r in response.json()["results"]] == [False, True]


def test_sealed_visitor_details(gate: Any, volunteer: Client) -> None:
    from django.db import connection

    post(volunteer, gate.pk, [event("visitor")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone FROM gates_visitor")
        name, phone = cursor.fetchone()
    assert "访客甲" not in name and "13912345678" not in phone


def test_a_resident_scan_becomes_an_access_record(street: Street, gate: Any, volunteer: Client) -> None:
    person = street.person_in(street.grid_building)
    code, _issued = keys.issue_for(person, "green", "default@3")
    subject, pass_ref = read_pass(code)
    at = timezone.now().replace(microsecond=0)
    response = post(volunteer, gate.pk, [event(subject=subject, pass_ref=pass_ref, occurred_at=at.isoformat())])
    assert response.status_code == 200, response.content
    row = GateEvent.objects.get(gate=gate)
    assert row.person == person and row.subject == subject
    record = AccessRecord.objects.get(person=person)
    assert record.place == gate.place and record.path == person.path and record.source == "gate"
    assert record.entered_at == at and record.left_at == at + datetime.timedelta(hours=1)


def test_a_red_pass_turned_away_is_a_short_stay(street: Street, gate: Any, volunteer: Client) -> None:
    person = street.person_in(street.grid_building)
    post(volunteer, gate.pk, [scan_of(person, "red")])
    assert GateEvent.objects.get(gate=gate).person == person
    record = AccessRecord.objects.get(person=person)
    assert record.left_at - record.entered_at == datetime.timedelta(minutes=5)  # turned away


def test_a_subject_that_does_not_match_the_pass_reference_is_not_trusted(street: Street, gate: Any,
                                                                        volunteer: Client) -> None:
    person = street.person_in(street.grid_building)
    _code, issued = keys.issue_for(person, "green", "default@3")
    response = post(volunteer, gate.pk, [event(subject="someone-else", pass_ref=issued.revocation_id)])
    assert response.json()["results"][0]["code"] == "pass_subject"
    assert GateEvent.objects.get(gate=gate).person is None
    assert not AccessRecord.objects.filter(person=person).exists()


@pytest.mark.parametrize("bad", [
    {"client_id": "not-a-uuid"}, {"kind": "walk"}, {"verdict": "maybe"}, {"occurred_at": "yesterday"},
    {"occurred_at": "2026-01-01T08:00:00"}, {"temperature": 50}, {"temperature": 36.55}, {"temperature": "hot"},
    {"subject": "x" * 23}, {"subject": "名字"}, {"pass_ref": "XYZ"}, {"colour": "blue"}, {"reason": "x" * 40},
    {"note": "a\x00b"}, {"visitor": {"name": "x"}},
])
def test_malformed_events_are_422(gate: Any, volunteer: Client, bad: dict[str, Any]) -> None:
    response = post(volunteer, gate.pk, [event(), event(**bad)])
    assert response.status_code == 422, response.content
    problem = response.json()["detail"][0]
    assert problem["loc"][:3] == ["body", "events", 1] and problem["msg"] and problem["msg_zh"]
    assert not GateEvent.objects.exists()


@pytest.mark.parametrize(("bad", "field", "code"), [
    ({"reason": "nonsense"}, "reason", "invalid_choice"),
    ({"verdict": "pass", "reason": "red", "colour": "red"}, "verdict", "verdict_mismatch"),
    ({"colour": "red"}, "colour", "colour_mismatch"),
    ({"temperature": 38.2}, "temperature", "temperature_mismatch"),
    ({"kind": "visitor", "visitor": None}, "visitor", "visitor"),
    ({"kind": "scan", "visitor": {"name": "x", "phone": "13912345678", "purpose": "y", "visiting": "z"}},
     "visitor", "visitor"),
    ({"subject": "abc", "kind": "manual", "reason": "manual", "colour": "", "verdict": "deny"}, "subject",
     "unexpected"),
])
def test_inconsistent_events_are_422_naming_the_event(gate: Any, volunteer: Client, bad: dict[str, Any],
                                                      field: str, code: str) -> None:
    response = post(volunteer, gate.pk, [event(), event(**bad)])
    assert response.status_code == 422, response.content
    problems = response.json()["detail"]
    assert {"loc": ["body", "events", 1, field], "code": code} in [
        {"loc": p["loc"], "code": p["code"]} for p in problems]
    assert all(p["msg"] and p["msg_zh"] for p in problems)
    assert not GateEvent.objects.exists()


def test_bad_visitor_details_name_the_field(gate: Any, volunteer: Client) -> None:
    visitor = {"name": " ", "phone": "12345", "purpose": "探亲", "visiting": "x" * 101}
    response = post(volunteer, gate.pk, [event("visitor", visitor=visitor)])
    assert response.status_code == 422
    locs = {tuple(p["loc"]) for p in response.json()["detail"]}
    assert locs == {("body", "events", 0, "visitor", "name"), ("body", "events", 0, "visitor", "phone"),
                    ("body", "events", 0, "visitor", "visiting")}


@pytest.mark.parametrize("body", ["{bad", "[]", "{}", '{"events": []}', '{"events": null}',
                                  json.dumps({"events": [event() for _ in range(201)]})],
                         ids=["not-json", "a-list", "no-events", "empty", "null", "201-events"])
def test_malformed_batches_are_422_never_500(gate: Any, volunteer: Client, body: str) -> None:
    response = volunteer.post(f"/api/gates/{gate.pk}/events", body, content_type="application/json")
    assert response.status_code in (400, 422)
    assert "detail" in response.json()


def test_not_on_duty_is_404(street: Street, gate: Any) -> None:
    # No shift: the volunteer, the grid worker (her grid is below the compound) and a stranger.
    for user in (street.volunteer, street.grid_worker, street.outsider, street.health_officer):
        response = post(street.client_for(user), gate.pk, [event()])
        assert response.status_code == 404, user
        assert response.json() == {"detail": "Not found", "detail_zh": "未找到"}
    assert post(Client(), gate.pk, [event()]).status_code == 401
    assert post(street.client_for(street.admin), 987654321, [event()]).status_code == 404


def test_a_shift_at_another_gate_does_not_open_this_one(street: Street, gate: Any) -> None:
    other = make_gate(street, "南门")
    put_on_duty(other, street.volunteer)
    assert post(street.client_for(street.volunteer), gate.pk, [event()]).status_code == 404


def test_staff_may_sync_with_a_token(street: Street, gate: Any) -> None:
    token = create_token(street.secretary, "gate")
    response = post(Client(enforce_csrf_checks=True), gate.pk, [event()], Authorization=f"Bearer {token}")
    assert response.status_code == 200, response.content


def test_the_browser_session_needs_the_csrf_token(street: Street, gate: Any) -> None:
    put_on_duty(gate, street.volunteer)
    client = Client(enforce_csrf_checks=True)
    client.force_login(street.volunteer)
    assert post(client, gate.pk, [event()]).status_code == 403


def test_events_sync_after_the_shift_but_only_from_its_hours(street: Street, gate: Any) -> None:
    put_on_duty(gate, street.volunteer, hours_ago=10, hours_left=-2)  # ended two hours ago
    client = street.client_for(street.volunteer)
    during = (timezone.now() - datetime.timedelta(hours=5)).isoformat()
    assert post(client, gate.pk, [event("manual", occurred_at=during)]).json()["results"][0]["status"] == "accepted"
    response = post(client, gate.pk, [event("manual")])  # now: after the shift
    assert response.status_code == 200 and response.json()["results"][0]["code"] == "off_duty"


def test_a_shift_long_over_closes_the_gate(street: Street, gate: Any) -> None:
    put_on_duty(gate, street.volunteer, hours_ago=100, hours_left=-90)
    assert post(street.client_for(street.volunteer), gate.pk, [event()]).status_code == 404


def test_list_of_gates(street: Street, gate: Any, volunteer: Client) -> None:
    data = volunteer.get("/api/gates").json()
    assert [(g["id"], g["staff"]) for g in data] == [(gate.pk, False)] and data[0]["on_duty_until"]
    # her shift ends in 7 hours, before LINLI_GATE_OFFLINE_HOURS: the screen works offline until then
    assert data[0]["offline_until"] == data[0]["on_duty_until"]
    staff = street.client_for(street.secretary).get("/api/gates").json()
    assert gate.pk in {g["id"] for g in staff} and all(g["staff"] for g in staff)
    assert street.client_for(street.outsider).get("/api/gates").json() == []
    assert Client().get("/api/gates").status_code == 401
