"""Raising many alerts at once gives what raising them one by one gives: the same alerts, timeline
lines, pages, texts, audit entries and live events, in a handful of queries."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.alerts import actions, intake, raising
from linli.alerts.actions import Raise
from linli.alerts.models import Alert, AlertEntry, Severity, State, Team
from linli.alerts.tests.helpers import device, events
from linli.conftest import Street
from linli.core import push
from linli.core.models import AuditEvent, AuditHead
from linli.devices.models import Device
from linli.grids.models import Grid
from linli.places.models import Level, Place
from linli.tickets.tests.helpers import quarantined_neighbour

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


def _houses(building: Place, n: int) -> list[Place]:
    return list(Place.objects.filter(path__startswith=building.path, level=Level.HOUSE).order_by("path")[:n])


def _setting(street: Street) -> list[Raise]:
    """A chain of its own for minor alerts (the duty officer by phone, then the family), a day and
    night rota for one grid, a quarantined person, and specs across two communities: some for
    the same house and condition, one for an alert already open."""
    actions.do_save_chain(street.community, acting_user=street.admin, severity="minor", steps=[
        actions.StepInput("family", 2), actions.StepInput("community_duty", 5, by_phone=True)])
    grid = Grid.objects.filter(community=street.community).order_by("code").first()
    week = {d: street.grid_worker for d in range(7)}
    actions.do_create_shifts(street.community, acting_user=street.admin, grid=grid,
                             first_day=timezone.localdate() - datetime.timedelta(days=1), weeks=1, day=week, night=week)
    person = quarantined_neighbour(street, street.other_grid_building)
    at = timezone.now() - datetime.timedelta(minutes=1)
    mine, other, far = (_houses(street.grid_building, 3), _houses(street.other_grid_building, 2),
                        _houses(street.far_building, 1))
    already = device(mine[2], "fall")
    actions.do_raise(Raise(mine[2], "fall", Severity.CRITICAL, at, device_id=already.pk,
                           explanation={"rule": "fall", "reason_zh": "跌倒。"}))

    def spec(house: Place, condition: str, severity: str, *, team: str = Team.GRID, person_id: int | None = None,
             events: int = 1) -> Raise:
        made = device(house, "fall" if condition == "fall" else "wearable" if condition == "fever" else "smoke")
        return Raise(house, condition, severity, at, team=team, person_id=person_id, device_id=made.pk,
                     explanation={"rule": condition, "reason_zh": f"{condition} 告警。", "read": {"n": house.pk}},
                     events=events)

    return [
        spec(mine[0], "fall", Severity.CRITICAL),  # the grid's rota
        spec(mine[1], "silent", Severity.MINOR, events=0),  # the community's own minor chain: the family first
        spec(mine[0], "fall", Severity.CRITICAL),  # the same house and condition: attaches to the first
        spec(mine[2], "fall", Severity.CRITICAL),  # open before: attaches
        spec(other[0], "smoke", Severity.CRITICAL),  # another grid, no rota: its members
        spec(person.current_house, "fever", Severity.MAJOR, team=Team.HEALTH, person_id=person.pk),
        spec(far[0], "fall", Severity.CRITICAL),  # another community
        spec(other[1], "silent", Severity.MINOR, events=0),
    ]


def _masked(value: Any, now: datetime.datetime) -> Any:
    return "now" if value == now else value.isoformat() if isinstance(value, datetime.datetime) else value


def _outcome(run: Callable[[], list[tuple[Alert, bool]]], now: datetime.datetime, recorded: list[Any]) -> dict[str, Any]:
    """Run ``run`` and describe everything it wrote and queued, without database ids; undone after."""
    since_alert = Alert.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    since_entry = AlertEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    since_audit = AuditHead.objects.get(pk=1).seq
    queued = len(connection.run_on_commit)
    recorded.clear()
    outcome: dict[str, Any] = {}
    try:
        with transaction.atomic():
            results = run()
            touched = {a.pk for a, _created in results} | set(
                Alert.objects.filter(pk__gt=since_alert).values_list("pk", flat=True))
            rows = Alert.objects.filter(pk__in=touched).order_by("house_id", "condition")
            name = {a.pk: (a.house_id, a.condition) for a in rows}
            skip = {"id", "created_at", "updated_at"}
            outcome["results"] = [(name[a.pk], created) for a, created in results]
            outcome["alerts"] = [{f.attname: _masked(getattr(a, f.attname), now) for f in Alert._meta.concrete_fields
                                  if f.attname not in skip} for a in rows]
            outcome["entries"] = [(name[e.alert_id], e.kind, e.text, e.data, e.actor_id, e.path, _masked(e.at, now))
                                  for e in AlertEntry.objects.filter(pk__gt=since_entry).order_by("alert_id", "pk")]
            for entry in outcome["entries"]:
                entry[3].pop("users", None)  # compared below as names: ids of users are the same anyway
            outcome["audit"] = [(a.action, a.object_type, name[int(a.object_id)], a.detail, a.path, a.actor_id)
                                for a in AuditEvent.objects.filter(seq__gt=since_audit).order_by("seq")]
            for callback in [c[1] for c in connection.run_on_commit[queued:]]:
                if not isinstance(callback, partial):
                    callback()  # the live events: sent on commit, to the recording publish
            outcome["pushes"] = sorted((topic, name[payload["id"]], {k: v for k, v in payload.items() if k not in (
                "id", "url")}, path, action) for topic, payload, path, action in recorded)
            sent = []
            for callback in [c[1] for c in connection.run_on_commit[queued:]]:
                if isinstance(callback, partial):
                    args = [getattr(a, "pk", a) for a in callback.args]
                    sent.append((callback.func.__name__, args, {**callback.keywords, "purpose": name[int(
                        callback.keywords["purpose"].split(":")[1])]}))
            outcome["sent"] = sorted(sent, key=repr)
            raise _Undo
    except _Undo:
        pass
    return outcome


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    published: list[Any] = []
    monkeypatch.setattr(push, "publish", lambda topic, payload, *, path, action: published.append(
        (topic, dict(payload), path, action)))
    return published


def test_raising_together_gives_what_raising_one_by_one_gives(street: Street, recorded: list[Any],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    specs = _setting(street)
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    alone = _outcome(lambda: [actions.do_raise(spec) for spec in specs], now, recorded)
    together = _outcome(lambda: raising.raise_many(specs), now, recorded)
    assert together == alone
    # What was compared is what the setting meant to show.
    assert [created for _key, created in alone["results"]] == [True, True, False, False, True, True, True, True]
    assert len(alone["audit"]) == 6 and {a[0] for a in alone["audit"]} == {"alert.raise"}
    assert len(alone["pushes"]) == 6
    kinds = {(e[0][1], e[1], e[3].get("target")) for e in alone["entries"]}
    assert {("fall", "paged", "grid_on_duty"), ("silent", "paged", "family"), ("fever", "paged", "health"),
            ("fall", "event", None)} <= kinds
    assert any(s[0] == "place_call" for s in alone["sent"]) or any(e[1] == "notified" for e in alone["entries"])


def test_a_race_lost_to_another_consumer_falls_back_to_one_by_one(street: Street, recorded: list[Any],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    specs = _setting(street)
    first = specs[0]

    def create(specs: list[Raise]) -> dict[tuple[int, str], Alert]:
        # Another consumer raises the first one between the lookup and the INSERT.
        actions.do_raise(first)
        return original(specs)

    original = raising._create
    monkeypatch.setattr(raising, "_create", create)
    results = raising.raise_many(specs)
    assert Alert.objects.filter(house=first.house, condition="fall", state=State.NEW).count() == 1
    assert results[0][0] == results[2][0] == Alert.objects.get(house=first.house, condition="fall")
    # Nothing of the refused INSERT is left: six new alerts and the one open before, each once.
    assert Alert.objects.filter(pk__in=[a.pk for a, _ in results]).count() == 7
    assert [created for _alert, created in results] == [True, True, False, False, True, True, True, True]
    assert AlertEntry.objects.filter(alert=results[0][0], kind="raised").count() == 1


def test_many_silent_devices_cost_a_fixed_number_of_queries(street: Street, recorded: list[Any]) -> None:
    houses = list(Place.objects.filter(level=Level.HOUSE, path__startswith=street.community.path)[:40])
    made = [device(house, "smoke", last_seen_at=timezone.now() - datetime.timedelta(days=2)) for house in houses]
    silent = list(Device.objects.filter(pk__in=[d.pk for d in made]).select_related("kind", "house"))
    with CaptureQueriesContext(connection) as queries:
        intake.handle_silence(silent)
    assert Alert.objects.filter(condition="silent", device__in=made).count() == len(houses)
    # The audit chain's entries are written together: one INSERT of many rows (logged as "N times
    # INSERT …"), or on PostgreSQL one COPY, which the query log does not see …
    audit = [q for q in queries.captured_queries if 'INSERT INTO "core_auditevent"' in q["sql"]]
    assert len(audit) == (0 if connection.vendor == "postgresql" else 1)
    raised = AuditEvent.objects.filter(action="alert.raise",
                                       object_id__in=[str(a.pk) for a in Alert.objects.filter(device__in=made)])
    assert raised.count() == len(houses)  # … one per alert still
    # The lookups and writes are a handful, whatever the number of alerts.
    assert len(queries) <= 30, len(queries)


def test_a_burst_of_falls_in_one_batch_is_raised_together(street: Street, recorded: list[Any],
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          django_capture_on_commit_callbacks: Any) -> None:
    houses = _houses(street.grid_building, 4)
    stored = [e for house in houses for e in events(device(house, "fall"), ("fall", None), ("fall", None))]
    calls: list[int] = []
    original = raising.raise_many

    def counted(specs: list[Raise]) -> list[tuple[Alert, bool]]:
        calls.append(len(specs))
        return original(specs)

    monkeypatch.setattr(intake, "raise_many", counted)
    with django_capture_on_commit_callbacks(execute=True):
        intake.handle_events(sorted(stored, key=lambda e: (e.occurred_at, e.pk)))
    assert calls == [4]
    for house in houses:
        alert = Alert.objects.get(house=house, condition="fall")
        assert alert.event_count == 2 and alert.entries.filter(kind="event").count() == 1
    assert [p[1]["id"] for p in recorded] == list(Alert.objects.filter(house__in=houses).order_by("pk")
                                                  .values_list("pk", flat=True))
