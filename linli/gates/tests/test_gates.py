"""Gates and the roster: who may set them up, who may open a gate screen, the demo gates."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from linli.conftest import Street
from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent, User
from linli.gates import actions, verdicts
from linli.gates.demo import prepare_demo_gates
from linli.gates.models import DutyShift, Gate
from linli.gates.tests.helpers import compound_of, make_gate, put_on_duty
from linli.health import passes
from linli.places.models import Level, Place

# --- setting up gates and the roster ---------------------------------------------------------

def test_the_secretary_sets_up_a_gate(street: Street, gate: Gate) -> None:
    assert gate.path == compound_of(street).path and gate.created_by == street.secretary
    assert AuditEvent.objects.filter(action="gate.create", object_id=str(gate.pk)).exists()
    with pytest.raises(ValidationError) as info:
        make_gate(street)  # the same name twice
    assert "name" in info.value.message_dict
    with pytest.raises(ValidationError):
        actions.do_create_gate(street.grid_building, "楼门", acting_user=street.secretary)


@pytest.mark.parametrize("persona", ["grid_worker", "volunteer", "health_officer", "outsider"])
def test_others_cannot_set_up_gates_or_shifts(street: Street, gate: Gate, persona: str) -> None:
    user = getattr(street, persona)
    with pytest.raises(PermissionDenied):
        actions.do_create_gate(compound_of(street), "北门", acting_user=user)
    now = timezone.now()
    with pytest.raises(PermissionDenied):
        actions.do_add_shift(gate, user, now, now + datetime.timedelta(hours=8), acting_user=user)


def test_shift_rules(street: Street, gate: Gate) -> None:
    now = timezone.now()
    add = actions.do_add_shift
    shift = add(gate, street.volunteer, now, now + datetime.timedelta(hours=8), acting_user=street.secretary)
    assert shift.path == gate.path
    for start, end, field in [(now, now, "ends_at"), (now, now + datetime.timedelta(hours=25), "ends_at"),
                              (now + datetime.timedelta(hours=7), now + datetime.timedelta(hours=9), "starts_at")]:
        with pytest.raises(ValidationError) as info:
            add(gate, street.volunteer, start, end, acting_user=street.secretary)
        assert field in info.value.message_dict
    actions.do_remove_shift(shift, acting_user=street.secretary)
    assert not DutyShift.objects.filter(pk=shift.pk).exists()
    assert AuditEvent.objects.filter(action__in=["gate.shift_add", "gate.shift_remove"]).count() == 2


def test_roster_candidates_are_the_community_people(street: Street, gate: Gate) -> None:
    names = set(actions.roster_candidates(gate).values_list("username", flat=True))
    assert {"demo-grid", "demo-volunteer", "demo-community"} <= names
    assert "outsider" not in names and "demo-health" not in names
    now = timezone.now()
    with pytest.raises(ValidationError) as info:  # the form's list is not the only guard
        actions.do_add_shift(gate, street.outsider, now, now + datetime.timedelta(hours=2),
                             acting_user=street.secretary)
    assert "user" in info.value.message_dict


# --- who may open which gate ------------------------------------------------------------------

def test_usable_gates(street: Street, gate: Gate) -> None:
    assert list(actions.usable_gates(street.volunteer)) == []
    put_on_duty(gate, street.volunteer)
    assert list(actions.usable_gates(street.volunteer)) == [gate]
    assert gate in actions.usable_gates(street.secretary)  # staff of the compound
    assert gate not in actions.usable_gates(street.grid_worker)  # her grid is part of the compound only
    put_on_duty(gate, street.grid_worker, hours_ago=-1, hours_left=8)  # starts in an hour
    assert gate not in actions.usable_gates(street.grid_worker)
    gate.active = False
    gate.save()
    assert list(actions.usable_gates(street.volunteer)) == []


def test_gate_screen(street: Street, gate: Gate) -> None:
    put_on_duty(gate, street.volunteer)
    response = street.client_for(street.volunteer).get(f"/gates/{gate.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    config = json.loads(re.search(r'<script id="gate-config" type="application/json">(.*?)</script>', html).group(1))
    assert config["gate"] == gate.pk and config["events_url"] == f"/api/gates/{gate.pk}/events"
    assert len(passes._b64u_decode(config["root_public_key"], 32)) == 32
    assert set(config["table"]["rules"]) == verdicts.REASONS - {"manual"}
    assert 'aria-live="assertive"' in html and 'for="scan-input"' in html
    assert not re.search(r"<script[^>]*html5-qrcode", html)  # loaded when the camera is asked for
    assert config["session_url"] == "/api/gates"
    # the screen shows times on the street's clock, not the phone's zone
    assert config["time_zone"] == "Asia/Shanghai" and config["language"].startswith("zh")


def screen_config(client: Any, gate: Gate) -> dict[str, Any]:
    html = client.get(f"/gates/{gate.pk}/").content.decode()
    return json.loads(re.search(r'<script id="gate-config" type="application/json">(.*?)</script>', html).group(1))


def test_the_screen_works_offline_for_hours_and_never_past_the_shift(street: Street, gate: Gate,
                                                                      settings: Any) -> None:
    settings.LINLI_GATE_OFFLINE_HOURS = 12
    shift = put_on_duty(gate, street.volunteer, hours_left=2)  # ends before the 12 hours
    before = timezone.now()
    volunteer = screen_config(street.client_for(street.volunteer), gate)
    staff = screen_config(street.client_for(street.secretary), gate)
    after = timezone.now()
    assert volunteer["offline_until"] == int(shift.ends_at.timestamp())
    twelve = datetime.timedelta(hours=12)
    assert int((before + twelve).timestamp()) <= staff["offline_until"] <= int((after + twelve).timestamp())
    shift.ends_at = after + datetime.timedelta(hours=20)
    shift.save()
    before = timezone.now()
    later = screen_config(street.client_for(street.volunteer), gate)["offline_until"]
    # the hours, when the shift runs longer
    assert int((before + twelve).timestamp()) <= later <= int((timezone.now() + twelve).timestamp())


def test_back_to_back_shifts_keep_the_screen_working_through_the_hand_over(street: Street, gate: Gate,
                                                                           settings: Any) -> None:
    """A volunteer rostered today and tomorrow (the demo's day-long shifts) opened the screen
    a minute before midnight, and it stopped at midnight with her records still waiting."""
    settings.LINLI_GATE_OFFLINE_HOURS = 12
    shift = put_on_duty(gate, street.volunteer, hours_left=2)
    DutyShift.objects.create(gate=gate, user=street.volunteer, starts_at=shift.ends_at,
                             ends_at=shift.ends_at + datetime.timedelta(hours=3))
    other_gate = Gate.objects.create(place=gate.place, name="西门")
    # at another gate the next shift is not hers until an hour after this one ends: no carrying on
    other = put_on_duty(other_gate, street.volunteer, hours_left=2)
    DutyShift.objects.create(gate=other_gate, user=street.volunteer, starts_at=other.ends_at + datetime.timedelta(hours=1),
                             ends_at=other.ends_at + datetime.timedelta(hours=9))
    # a shift that starts later at a gate where she is not on duty now makes nothing of it
    later_gate = Gate.objects.create(place=gate.place, name="北门")
    DutyShift.objects.create(gate=later_gate, user=street.volunteer, starts_at=shift.ends_at,
                             ends_at=shift.ends_at + datetime.timedelta(hours=4))
    until = actions.on_duty_until(street.volunteer)
    assert until == {gate.pk: shift.ends_at + datetime.timedelta(hours=3), other_gate.pk: other.ends_at}
    assert screen_config(street.client_for(street.volunteer), gate)["offline_until"] == int(until[gate.pk].timestamp())
    # a third shift carries on further, and the offline hours still cap the screen
    DutyShift.objects.create(gate=gate, user=street.volunteer, starts_at=until[gate.pk],
                             ends_at=until[gate.pk] + datetime.timedelta(hours=24))
    before = timezone.now()
    assert actions.on_duty_until(street.volunteer)[gate.pk] == until[gate.pk] + datetime.timedelta(hours=24)
    offline = screen_config(street.client_for(street.volunteer), gate)["offline_until"]
    twelve = datetime.timedelta(hours=12)
    assert int((before + twelve).timestamp()) <= offline <= int((timezone.now() + twelve).timestamp())
    assert actions.on_duty_until(street.outsider) == {}


@pytest.mark.parametrize("persona", ["grid_worker", "outsider", "health_officer", "volunteer"])
def test_gate_screen_is_404_off_duty(street: Street, gate: Gate, persona: str) -> None:
    response = street.client_for(getattr(street, persona)).get(f"/gates/{gate.pk}/")
    assert response.status_code == 404


def test_gate_list(street: Street, gate: Gate) -> None:
    put_on_duty(gate, street.volunteer)
    page = street.client_for(street.volunteer).get("/gates/").content.decode()
    # on duty: she opens the gate and reads its roster (decision 0020)
    assert f"/gates/{gate.pk}/" in page and f"/gates/{gate.pk}/roster/" in page
    page = street.client_for(street.secretary).get("/gates/").content.decode()
    assert f"/gates/{gate.pk}/roster/" in page
    assert f"/gates/{gate.pk}/" not in street.client_for(street.outsider).get("/gates/").content.decode()
    assert Client().get("/gates/").status_code == 302


def test_roster_page(street: Street, gate: Gate) -> None:
    client = street.client_for(street.secretary)
    assert client.get(f"/gates/{gate.pk}/roster/").status_code == 200
    local = timezone.localtime()
    form = {"user": street.volunteer.pk, "starts_at": local.strftime("%Y-%m-%dT08:00"),
            "ends_at": local.strftime("%Y-%m-%dT20:00")}
    assert client.post(f"/gates/{gate.pk}/roster/add/", form).status_code == 302
    shift = DutyShift.objects.get(gate=gate)
    assert timezone.localtime(shift.starts_at).hour == 8
    refused = client.post(f"/gates/{gate.pk}/roster/add/", {**form, "ends_at": form["starts_at"]})
    assert refused.status_code == 422
    assert client.post(f"/gates/{gate.pk}/roster/{shift.pk}/remove/").status_code == 302
    assert not DutyShift.objects.exists()
    for user in (street.grid_worker, street.volunteer, street.outsider):
        assert street.client_for(user).get(f"/gates/{gate.pk}/roster/").status_code == 404


def test_service_worker(street: Street) -> None:
    response = street.client_for(street.volunteer).get("/gates/sw.js")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    assert "/static/gates/gate.js" in response.content.decode()
    assert response["Service-Worker-Allowed"] == "/gates/"


# --- the rule table ------------------------------------------------------------------------

def test_every_reason_has_a_rule_and_two_messages() -> None:
    assert set(verdicts.RULES) == verdicts.REASONS - {"manual"}
    for reason, (zh, en) in verdicts.MESSAGES.items():
        assert zh and en and zh != en, reason
    assert verdicts.RULES["fever"] == ("deny", "yellow")


@pytest.mark.parametrize(("check", "colour", "temperature", "reason"), [
    ("ok", "green", None, "ok"), ("ok", "green", "37.2", "ok"), ("ok", "green", "37.3", "fever"),
    ("ok", "yellow", None, "yellow"), ("ok", "yellow", "38.0", "fever"), ("ok", "red", "38.0", "red"),
    ("expired", None, "38.0", "expired"),
])
def test_scan_reason(check: str, colour: str | None, temperature: str | None, reason: str) -> None:
    value = None if temperature is None else Decimal(temperature)
    assert verdicts.scan_reason(check, colour, value) == reason


# --- the demo ------------------------------------------------------------------------------

def test_demo_gates(street: Street) -> None:
    gates = prepare_demo_gates()
    compounds = Place.objects.filter(parent=street.community, level=Level.COMPOUND)
    assert len(gates) == 2 * compounds.count()
    assert {g.name for g in gates} == {"东门", "南门"}
    first = compounds.order_by("code")[0]
    for name in ("demo-grid", "demo-volunteer"):
        user = User.objects.get(username=name)
        on_duty = set(actions.usable_gates(user))
        assert on_duty == set(Gate.objects.filter(place=first))
    assert prepare_demo_gates() == gates  # again: nothing new
    assert DutyShift.objects.count() == 2 * 2 * 7


def test_an_all_day_shift_ends_at_24_00(street: Street) -> None:
    """The demo's shifts run from midnight to midnight: the gate says until 24:00 (00:00 read as
    the start of the day)."""
    gate = prepare_demo_gates()[0]
    client = street.client_for(User.objects.get(username="demo-volunteer"))
    html = client.get(f"/gates/{gate.pk}/").content.decode()
    assert "值守至 24:00" in html and "00:00–24:00" in html and "–00:00" not in html
    assert "值守至 24:00" in client.get("/gates/").content.decode()


def test_whoever_is_on_the_roster_reads_it_and_only_managers_change_it(street: Street, gate: Gate) -> None:
    """demo-grid, on duty at a gate of a compound outside her grid, got 404 for its roster."""
    put_on_duty(gate, street.grid_worker)
    later = put_on_duty(gate, street.volunteer, hours_ago=-24, hours_left=32)  # tomorrow's shift
    for user in (street.grid_worker, street.volunteer):
        client = street.client_for(user)
        response = client.get(f"/gates/{gate.pk}/roster/")
        html = response.content.decode()
        assert response.status_code == 200
        assert str(street.grid_worker) in html and str(street.volunteer) in html  # names and hours only
        assert "shift_remove" not in html and "/remove/" not in html and 'name="starts_at"' not in html
        assert client.post(f"/gates/{gate.pk}/roster/add/", {"user": user.pk}).status_code == 404
        assert client.post(f"/gates/{gate.pk}/roster/{later.pk}/remove/").status_code == 404
        assert f"/gates/{gate.pk}/roster/" in client.get("/gates/").content.decode()
    assert f"/gates/{gate.pk}/roster/" in street.client_for(street.grid_worker).get(f"/gates/{gate.pk}/").content.decode()
    assert street.client_for(street.outsider).get(f"/gates/{gate.pk}/roster/").status_code == 404
    manager = street.client_for(street.secretary).get(f"/gates/{gate.pk}/roster/").content.decode()
    assert "/remove/" in manager and 'name="starts_at"' in manager


def test_a_shift_that_ended_before_today_gives_no_roster(street: Street, gate: Gate) -> None:
    shift = put_on_duty(gate, street.volunteer, hours_ago=60, hours_left=-50)
    assert shift.ends_at < timezone.now() - datetime.timedelta(hours=24)
    assert street.client_for(street.volunteer).get(f"/gates/{gate.pk}/roster/").status_code == 404


def test_the_demo_grid_worker_reads_the_roster_of_the_gates_she_is_on_duty_at(street: Street) -> None:
    gates = prepare_demo_gates()
    client = street.client_for(street.grid_worker)
    mine = [g for g in gates if DutyShift.objects.filter(gate=g, user=street.grid_worker).exists()]
    assert mine
    for gate in gates:
        expected = 200 if gate in mine else 404
        assert client.get(f"/gates/{gate.pk}/roster/").status_code == expected
