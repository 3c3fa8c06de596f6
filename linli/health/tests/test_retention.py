"""After the emergency: purging old epidemic records keeps daily counts; the CLI commands."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from linli.health import actions, keys, passes, retention
from linli.health.models import Arrival, CheckIn, DailyFigure, EpidemicMode
from linli.ledger import log
from linli.people.models import Person


@pytest.fixture(autouse=True)
def quiet(settings: Any) -> Any:
    settings.LINLI_CHECKIN_DEADLINE_HOUR = 24
    log.forget_tree()
    yield
    log.forget_tree()


def _people(street: Any) -> list[Person]:
    return list(Person.objects.filter(path__startswith=street.grid_building.path).order_by("pk")[:3])


def test_purge_keeps_daily_counts_and_deletes_the_records(street):
    officer = street.health_officer
    old = timezone.localdate() - datetime.timedelta(days=200)
    for person in _people(street):
        actions.do_register_arrival(person, acting_user=officer, origin_code="420106", origin_name="武昌区",
                                    arrived_on=old)
        actions.do_check_in(person, acting_user=officer, temperature=Decimal("36.6"), channel="staff", day=old)
    recent = _people(street)[0]
    actions.do_check_in(recent, acting_user=officer, temperature=Decimal("36.6"), channel="staff")
    done = retention.purge(timezone.localdate() - datetime.timedelta(days=180))
    assert done.deleted["arrivals"] == 3 and done.deleted["checkins"] == 3
    assert not Arrival.objects.exists() and CheckIn.objects.count() == 1  # today's stays
    arrivals = DailyFigure.objects.get(measure="arrivals", day=old)
    assert arrivals.value == 3 and arrivals.community_path == street.community.path
    assert DailyFigure.objects.get(measure="checkins_staff", day=old).value == 3


def test_the_nightly_purge_waits_for_the_emergency_to_end(street):
    EpidemicMode.objects.create(place=street.community.parent)
    assert retention.purge_expired() is None
    EpidemicMode.objects.update(active=False)
    assert retention.purge_expired() is not None


def test_cli_verifies_a_pass_against_a_saved_trust_list(street, tmp_path, capsys):
    person = _people(street)[0]
    code, _issued = keys.issue_for(person, "green", "default@1")
    saved = tmp_path / "trust.json"
    call_command("health", "trust-list", "--out", str(saved))
    capsys.readouterr()
    # "=": a key starting with "-" (base64url) must not read as an option
    call_command("health", "verify", code, "--trust-list", str(saved), f"--root-key={keys.root_key().public_key}")
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["valid"] is True and verdict["colour"] == "green"
    tampered = code[:-3] + ("A" if code[-3] != "A" else "B") + code[-2:]
    with pytest.raises(SystemExit) as exit_:
        call_command("health", "verify", tampered, "--trust-list", str(saved))
    assert exit_.value.code != 0
    assert json.loads(capsys.readouterr().out)["valid"] is False


def test_the_first_pass_verifies_when_making_its_key_takes_a_second(street, monkeypatch):
    """The first pass creates the issuer key, trusted from its creation: the pass is dated after
    it, however long making the key took (a loaded server once dated it a second before)."""
    person = _people(street)[0]
    start, ticks = timezone.now(), iter(range(100))
    monkeypatch.setattr(keys.timezone, "now", lambda: start + datetime.timedelta(seconds=1.5 * next(ticks)))
    code, issued = keys.issue_for(person, "green", "default@1")
    trust = passes.load_trust_list(keys.trust_list(), keys.root_public(), issued.issued_at)
    verdict = passes.verify_pass(code, trust, issued.issued_at)
    assert (verdict.valid, verdict.reason, verdict.colour) == (True, "ok", "green")


def test_cli_purge_refuses_bad_dates(street):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("health", "purge", "--before", "yesterday")
    with pytest.raises(CommandError):
        call_command("health", "purge", "--before", str(timezone.localdate() + datetime.timedelta(days=1)))


def test_purge_takes_the_gate_registers_too(street):
    import uuid

    from linli.gates.models import GateEvent, Visitor
    from linli.gates.tests.helpers import make_gate

    gate = make_gate(street)
    old = timezone.now() - datetime.timedelta(days=200)
    event = GateEvent.objects.create(client_id=uuid.uuid4(), gate=gate, path=gate.path, kind="visitor",
                                     verdict="pass", reason="visitor", occurred_at=old, received_at=old)
    Visitor.objects.create(event=event, gate=gate, path=gate.path, name="访客", phone="13800000000",
                           purpose="探亲", occurred_at=old)
    done = retention.purge(timezone.localdate() - datetime.timedelta(days=180))
    assert done.deleted["gate_events"] == 2 and not Visitor.objects.exists()  # the event and its visitor
    assert DailyFigure.objects.get(measure="gate_visitor").value == 1
