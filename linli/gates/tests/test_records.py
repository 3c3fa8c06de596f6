"""The gates' records for the office: the day's events and visitors with what the server refused,
for the compound's staff (their gates) and the person on duty (her gate, her shift); masked,
filtered, audited."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from linli.conftest import Street
from linli.core.errors import Bilingual
from linli.core.models import AuditEvent
from linli.gates.actions import REJECTIONS
from linli.gates.models import GateEvent
from linli.gates.tests.helpers import event, make_gate, put_on_duty, scan_of
from linli.health.models import IssuedPass
from linli.people.models import Person

HOUR = datetime.timedelta(hours=1)
URL = "/gates/records/"


def upload(client: Client, gate: Any, events: list[dict[str, Any]]) -> Any:
    response = client.post(f"/api/gates/{gate.pk}/events", json.dumps({"events": events}),
                           content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def day(street: Street, gate: Any) -> dict[str, Any]:
    """Today at the east gate: a green pass let in, a visitor, a refused scan (a pass nobody
    issued) and, at the south gate, a manual decision."""
    person = Person.objects.filter(path__startswith=gate.place.path, is_active=True).order_by("pk").first()
    south = make_gate(street, "南门")
    secretary = street.client_for(street.secretary)
    scan, visitor, refused = scan_of(person), event("visitor"), event(subject="x" * 22, pass_ref="ef" * 16)
    upload(secretary, gate, [scan, visitor, refused])
    upload(secretary, south, [event("manual")])
    return {"person": person, "south": south, "ids": {"scan": scan["client_id"], "visitor": visitor["client_id"],
                                                      "refused": refused["client_id"]}}


def items_text(text: str) -> list[tuple[str, str]]:
    return re.findall(r'<li class="list-group-item[^"]*" data-status="(\w+)" data-kind="(\w+)"', text)


def items(response: Any) -> list[tuple[str, str]]:
    return items_text(response.content.decode())


def test_the_secretary_reads_her_gates_records_with_the_refused_ones(street: Street, gate: Any,
                                                                     day: dict[str, Any]) -> None:
    client = street.client_for(street.secretary)
    response = client.get(URL)
    assert response.status_code == 200
    text = response.content.decode()
    assert sorted(items(response)) == sorted([("accepted", "scan"), ("accepted", "visitor"), ("rejected", "scan"),
                                              ("accepted", "manual")])
    assert "访客甲" in text and "139****5678" in text and "13912345678" not in text  # the phone masked
    assert day["person"].name not in text  # a resident behind a scan: masked
    assert str(Bilingual.of(REJECTIONS["unknown_pass"]).zh) in text  # why it was refused
    counts = re.search(r'id="records-counts">(.*?)</p>', text, re.S).group(1)
    assert "1" in re.search(r'id="records-refused">(.*?)</', counts, re.S).group(1)
    read = AuditEvent.objects.filter(action="gate.records").latest("seq")
    assert read.actor == street.secretary and read.detail["shown"] == 4 and read.detail["visitors"] == 1
    assert read.path and gate.path.startswith(read.path)


def test_filters(street: Street, gate: Any, day: dict[str, Any]) -> None:
    client = street.client_for(street.secretary)
    assert items(client.get(URL, {"status": "rejected"})) == [("rejected", "scan")]
    assert sorted(items(client.get(URL, {"gate": gate.pk}))) == sorted(
        [("accepted", "scan"), ("accepted", "visitor"), ("rejected", "scan")])
    assert items(client.get(URL, {"gate": day["south"].pk})) == [("accepted", "manual")]
    assert items(client.get(URL, {"kind": "visitor"})) == [("accepted", "visitor")]
    assert sorted(items(client.get(URL, {"verdict": "refer"}))) == [("accepted", "manual")]
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert items(client.get(URL, {"day": yesterday})) == []
    read = AuditEvent.objects.filter(action="gate.records").latest("seq")
    assert read.detail["day"] == yesterday


@pytest.mark.parametrize("query", [{"day": "yesterday"}, {"day": "0001-01-01"}, {"verdict": "maybe"},
                                   {"kind": "x"}, {"status": "all"}, {"page": "-3"}])
def test_a_filter_that_does_not_fit_is_shown_never_a_500(street: Street, gate: Any, day: dict[str, Any],
                                                          query: dict[str, str]) -> None:
    response = street.client_for(street.secretary).get(URL, query)
    assert response.status_code == 200
    assert len(items(response)) == 4  # the filter left out: today, everything
    if "page" not in query:
        assert "invalid-feedback" in response.content.decode()


def test_the_volunteer_on_duty_reads_her_gate_since_her_shift_began(street: Street, gate: Any,
                                                                     day: dict[str, Any]) -> None:
    put_on_duty(gate, street.volunteer, hours_ago=2)
    client = street.client_for(street.volunteer)
    response = client.get(URL)
    assert response.status_code == 200
    assert sorted(items(response)) == sorted([("accepted", "scan"), ("accepted", "visitor"), ("rejected", "scan")])
    text = response.content.decode()
    assert "访客甲" not in text and "访*甲" in text and "139****5678" in text  # names masked for her too
    assert client.get(URL, {"gate": day["south"].pk}).status_code == 404
    # Before her shift: not hers to read.
    GateEvent.objects.filter(gate=gate).update(occurred_at=timezone.now() - 3 * HOUR)
    assert items(client.get(URL)) == []
    read = AuditEvent.objects.filter(action="gate.records", actor=street.volunteer).latest("seq")
    assert read.path == gate.path


def test_a_shift_over_closes_the_records(street: Street, gate: Any, day: dict[str, Any]) -> None:
    put_on_duty(gate, street.volunteer, hours_ago=5, hours_left=-1)
    assert street.client_for(street.volunteer).get(URL).status_code == 404


@pytest.mark.parametrize("persona", ["grid_worker", "resident", "health_officer", "outsider"])
def test_others_cannot_read_the_records(street: Street, gate: Any, day: dict[str, Any], persona: str) -> None:
    client = street.client_for(getattr(street, persona))
    assert client.get(URL).status_code in (403, 404)
    assert client.get(URL, {"gate": gate.pk}).status_code in (403, 404)
    assert not AuditEvent.objects.filter(action="gate.records", actor=getattr(street, persona)).exists()


def test_the_street_officer_reads_the_street(street: Street, gate: Any, day: dict[str, Any]) -> None:
    response = street.client_for(street.street_officer).get(URL, {"status": "rejected"})
    assert items(response) == [("rejected", "scan")]


def test_the_gate_list_and_screen_lead_to_the_records(street: Street, gate: Any, day: dict[str, Any]) -> None:
    assert URL in street.client_for(street.secretary).get("/gates/").content.decode()
    screen = street.client_for(street.secretary).get(f"/gates/{gate.pk}/").content.decode()
    assert f"{URL}?gate={gate.pk}" in screen
    assert "1" in re.search(r'id="sync-refused"[^>]*>(.*?)<', screen, re.S).group(1)


def test_a_scan_on_a_pass_withdrawn_before_it_is_marked(street: Street, gate: Any) -> None:
    person = Person.objects.filter(path__startswith=gate.place.path, is_active=True).order_by("pk").first()
    scan = scan_of(person)
    IssuedPass.objects.filter(revocation_id=scan["pass_ref"]).update(revoked_at=timezone.now() - HOUR)
    upload(street.client_for(street.secretary), gate, [scan])
    text = street.client_for(street.secretary).get(URL).content.decode()
    assert items_text(text) == [("accepted", "scan")]
    with translation.override("zh-hans"):
        assert gettext("The pass had been withdrawn before this scan (the gate learns of it within a day): check "
                       "with the health office.") in text
