"""The server's check of what a gate sends: a scan names a pass that existed and was valid when
it was scanned, and the pass is its holder's; nothing is backdated beyond the sync window (staff
correct within a limited, audited window). A refused event is stored as refused, answered per
event and counted, and never becomes tracing material."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from linli.conftest import Street
from linli.core.models import AuditEvent
from linli.gates.models import GateEvent, Visitor
from linli.gates.tests.helpers import event, put_on_duty, read_pass
from linli.health import actions as health
from linli.health import keys
from linli.health.models import AccessRecord, IssuedPass
from linli.ledger import log
from linli.people.models import Person

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _fresh_ledger() -> Iterator[None]:
    log.forget_tree()  # confirming a case writes to the shared ledger
    yield
    log.forget_tree()


def post(client: Client, gate_id: int, events: list[dict[str, Any]]) -> Any:
    return client.post(f"/api/gates/{gate_id}/events", json.dumps({"events": events}),
                       content_type="application/json")


def residents(gate: Any, n: int) -> list[Person]:
    return list(Person.objects.filter(path__startswith=gate.place.path, is_active=True).order_by("pk")[:n])


def scan_of(code: str, at: datetime.datetime, **fields: Any) -> dict[str, Any]:
    """A green pass let in, as the gate sends it after reading ``code``."""
    subject, pass_ref = read_pass(code)
    return event(subject=subject, pass_ref=pass_ref, occurred_at=at.isoformat(), **fields)


def only_result(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    [result] = response.json()["results"]
    return result


def assert_rejected(response: Any, code: str) -> GateEvent:
    result = only_result(response)
    assert (result["status"], result["code"], result["duplicate"]) == ("rejected", code, False), result
    assert result["msg"] and result["msg_zh"] and result["msg"] != result["msg_zh"]
    assert (response.json()["accepted"], response.json()["rejected"]) == (0, 1)
    row = GateEvent.objects.get(client_id=result["client_id"])
    assert (row.status, row.rejection, row.person_id) == ("rejected", code, None)
    return row


def test_a_backdated_scan_of_an_unknown_pass_makes_nobody_a_contact(street: Street, gate: Any) -> None:
    """The finding: a secretary posted a scan dated three days back, with a resident's subject and a
    pass reference nobody issued. It became an access record and made the resident a secondary
    contact in a new trace."""
    case_person, contact, victim = residents(gate, 3)
    shop = street.grid_building
    started = timezone.now().replace(microsecond=0) - 3 * DAY
    # The case and a close contact were together somewhere; then the contact went through the gate.
    for person in (case_person, contact):
        AccessRecord.objects.create(person=person, place=shop, path=shop.path, entered_at=started,
                                    left_at=started + HOUR)
    AccessRecord.objects.create(person=contact, place=gate.place, path=gate.place.path,
                                entered_at=started + 2 * HOUR, left_at=started + 3 * HOUR)

    backdated = event(subject=keys.subject_id(victim.pk), pass_ref="ab" * 16,
                      occurred_at=(started + 2 * HOUR + 10 * datetime.timedelta(minutes=1)).isoformat())
    response = post(street.client_for(street.secretary), gate.pk, [backdated])

    assert not AccessRecord.objects.filter(person=victim).exists()
    case = health.do_confirm_case(case_person, acting_user=street.health_officer,
                                  confirmed_on=timezone.localdate(), onset_on=timezone.localdate() - DAY)
    trace = health.do_trace(case, acting_user=street.health_officer)
    found = {c["person"]: c["degree"] for c in trace.contacts}
    assert found.get(contact.pk) == 1  # the trace works: the real contact is found
    assert victim.pk not in found
    assert_rejected(response, "unknown_pass")  # refused, kept and said so


def test_a_scan_dated_before_its_pass_was_issued_is_rejected(street: Street, gate: Any) -> None:
    [victim] = residents(gate, 1)
    code, _issued = keys.issue_for(victim, "green", "default@3")  # issued now
    response = post(street.client_for(street.secretary), gate.pk, [scan_of(code, timezone.now() - 3 * DAY)])
    assert not AccessRecord.objects.filter(person=victim).exists()
    assert_rejected(response, "pass_not_issued")


def test_a_scan_within_the_passs_life_is_accepted_and_traced(street: Street, gate: Any) -> None:
    [person] = residents(gate, 1)
    issued_at = timezone.now() - 5 * HOUR
    code, _issued = keys.issue_for(person, "green", "default@3", now=issued_at)
    at = (issued_at + HOUR).replace(microsecond=0)
    response = post(street.client_for(street.secretary), gate.pk, [scan_of(code, at)])
    result = only_result(response)
    assert (result["status"], result["code"], result["msg"]) == ("accepted", "", "")
    assert GateEvent.objects.get(client_id=result["client_id"]).person == person
    assert AccessRecord.objects.get(person=person).entered_at == at


def test_a_pass_claimed_valid_after_it_expired_is_rejected(street: Street, gate: Any) -> None:
    first, second = residents(gate, 2)
    long_ago = timezone.now() - 2 * DAY
    codes = [keys.issue_for(person, "green", "default@3", now=long_ago)[0] for person in (first, second)]
    client = street.client_for(street.secretary)
    an_hour_ago = timezone.now() - HOUR
    assert_rejected(post(client, gate.pk, [scan_of(codes[0], an_hour_ago)]), "pass_expired")
    # The same pass refused as expired, as the gate does: a true record of someone turned away.
    turned_away = post(client, gate.pk, [scan_of(codes[1], an_hour_ago, verdict="deny", reason="expired", colour="")])
    assert only_result(turned_away)["status"] == "accepted"
    assert AccessRecord.objects.filter(person=second).count() == 1
    assert not AccessRecord.objects.filter(person=first).exists()


def test_a_pass_claimed_in_another_colour_is_rejected(street: Street, gate: Any) -> None:
    [person] = residents(gate, 1)
    code, _issued = keys.issue_for(person, "red", "default@3")
    response = post(street.client_for(street.secretary), gate.pk, [scan_of(code, timezone.now())])  # "green, let in"
    assert_rejected(response, "pass_colour")
    assert not AccessRecord.objects.filter(person=person).exists()


def test_a_pass_reference_must_belong_to_the_subject(street: Street, gate: Any) -> None:
    holder, other = residents(gate, 2)
    _code, issued = keys.issue_for(holder, "green", "default@3")
    client = street.client_for(street.secretary)
    response = post(client, gate.pk, [event(subject=keys.subject_id(other.pk), pass_ref=issued.revocation_id)])
    assert_rejected(response, "pass_subject")
    assert not AccessRecord.objects.exists()


@pytest.mark.parametrize("fields", [
    {"subject": "resident", "pass_ref": ""},  # a subject alone: no pass to check it against
    {"subject": "", "pass_ref": ""},  # "a valid green pass" that names no pass at all
])
def test_a_valid_pass_must_be_named(street: Street, gate: Any, fields: dict[str, str]) -> None:
    [person] = residents(gate, 1)
    if fields["subject"]:
        fields = {**fields, "subject": keys.subject_id(person.pk)}
    response = post(street.client_for(street.secretary), gate.pk, [event(**fields)])
    assert_rejected(response, "pass_missing")
    assert not AccessRecord.objects.exists()


def test_a_scan_of_a_pass_that_did_not_verify_needs_no_pass(street: Street, gate: Any) -> None:
    response = post(street.client_for(street.secretary), gate.pk,
                    [event(verdict="deny", reason="signature", colour="")])
    assert only_result(response)["status"] == "accepted"


def test_backdating_beyond_the_sync_window_is_refused(street: Street, gate: Any, settings: Any) -> None:
    settings.LINLI_GATE_SYNC_HOURS = 48
    now = timezone.now()
    put_on_duty(gate, street.volunteer, hours_ago=60, hours_left=-30)  # ended 30 hours ago
    client = street.client_for(street.volunteer)
    row = assert_rejected(post(client, gate.pk, [event("manual", occurred_at=(now - 50 * HOUR).isoformat())]), "late")
    assert row.recorded_by == street.volunteer and row.note  # kept as sent, for the office
    kept = post(client, gate.pk, [event("manual", occurred_at=(now - 40 * HOUR).isoformat())])
    assert only_result(kept)["status"] == "accepted"


def test_staff_correct_within_a_limited_audited_window(street: Street, gate: Any, settings: Any) -> None:
    settings.LINLI_GATE_SYNC_HOURS = 48
    settings.LINLI_GATE_CORRECTION_HOURS = 120
    now = timezone.now()
    client = street.client_for(street.secretary)
    correction = only_result(post(client, gate.pk, [event("manual", occurred_at=(now - 3 * DAY).isoformat())]))
    assert (correction["status"], correction["code"]) == ("correction", "")
    row = GateEvent.objects.get(client_id=correction["client_id"])
    audit = AuditEvent.objects.get(action="gate.correction", object_id=str(gate.pk))
    assert audit.actor == street.secretary and audit.detail["events"] == [row.pk]
    assert_rejected(post(client, gate.pk, [event("manual", occurred_at=(now - 6 * DAY).isoformat())]), "late")
    within_sync = only_result(post(client, gate.pk, [event("manual", occurred_at=(now - DAY).isoformat())]))
    assert within_sync["status"] == "accepted"
    assert AuditEvent.objects.filter(action="gate.correction").count() == 1


def test_times_the_gate_could_not_have_recorded_are_refused_and_kept(street: Street, gate: Any) -> None:
    put_on_duty(gate, street.volunteer, hours_ago=10, hours_left=-2)  # ended two hours ago
    client = street.client_for(street.volunteer)
    assert_rejected(post(client, gate.pk, [event("manual")]), "off_duty")
    assert_rejected(post(client, gate.pk, [event("manual", occurred_at="2099-01-01T00:00:00+08:00")]), "future")


def test_refused_events_are_answered_per_event_counted_and_kept_once(street: Street, gate: Any) -> None:
    [person] = residents(gate, 1)
    code, _issued = keys.issue_for(person, "green", "default@3")
    good = scan_of(code, timezone.now())
    bad = event(subject=keys.subject_id(person.pk), pass_ref="cd" * 16)
    visitor = event("visitor", occurred_at="2099-01-01T00:00:00+08:00")
    client = street.client_for(street.secretary)
    first = post(client, gate.pk, [good, bad, visitor])
    assert first.status_code == 200, first.content
    body = first.json()
    assert (body["accepted"], body["rejected"], body["duplicate"]) == (1, 2, 0)
    assert [(r["client_id"], r["status"], r["code"]) for r in body["results"]] == [
        (good["client_id"], "accepted", ""), (bad["client_id"], "rejected", "unknown_pass"),
        (visitor["client_id"], "rejected", "future")]
    assert body["today"]["rejected"] == 1 and body["today"]["pass"] == 1  # the future one is not today's
    # A refused visitor is kept for the office, but the phone is not a tracing key.
    kept = Visitor.objects.get(event__client_id=visitor["client_id"])
    assert (kept.name, kept.phone_hash) == ("访客甲", "")
    audit = AuditEvent.objects.filter(action="gate.sync").latest("seq")
    assert audit.detail["accepted"] == 1 and audit.detail["rejected"] == {"unknown_pass": 1, "future": 1}

    again = post(client, gate.pk, [good, bad, visitor]).json()
    assert (again["accepted"], again["rejected"], again["duplicate"]) == (0, 0, 3)
    assert [(r["status"], r["code"], r["duplicate"]) for r in again["results"]] == [
        ("accepted", "", True), ("rejected", "unknown_pass", True), ("rejected", "future", True)]
    assert GateEvent.objects.filter(gate=gate).count() == 3
    assert AccessRecord.objects.filter(person=person).count() == 1


def test_a_revoked_pass_the_gate_could_not_know_about_stays_on_record(street: Street, gate: Any) -> None:
    """A gate learns of a revoked pass with its next trust list (within a day, a pass's whole
    life): the person was there, so the record stands and feeds tracing."""
    [person] = residents(gate, 1)
    code, issued = keys.issue_for(person, "green", "default@3", now=timezone.now() - 3 * HOUR)
    IssuedPass.objects.filter(pk=issued.pk).update(revoked_at=timezone.now() - 2 * HOUR)
    response = post(street.client_for(street.secretary), gate.pk, [scan_of(code, timezone.now() - HOUR)])
    assert only_result(response)["status"] == "accepted"
    assert AccessRecord.objects.filter(person=person).exists()


def test_a_malformed_event_is_still_422_and_nothing_is_stored(street: Street, gate: Any) -> None:
    response = post(street.client_for(street.secretary), gate.pk,
                    [event("manual"), event(verdict="pass", reason="red", colour="red", client_id=str(uuid.uuid4()))])
    assert response.status_code == 422
    assert not GateEvent.objects.exists()


def test_a_batch_larger_than_the_limit_is_422_and_nothing_is_stored(street: Street, gate: Any) -> None:
    from linli.gates.actions import MAX_BATCH

    events = [event("manual", verdict="pass", reason="manual", note="值班员放行") for _ in range(MAX_BATCH + 1)]
    response = post(street.client_for(street.secretary), gate.pk, events)
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg_zh"]
    assert not GateEvent.objects.exists()
