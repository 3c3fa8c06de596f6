"""Answering alerts: permissions, states, the audit, the clock, the rota."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from linli.alerts import actions, roster
from linli.alerts.access import VIEW, in_chain
from linli.alerts.models import Alert, AlertEntry, EntryKind, Shift, State
from linli.alerts.tests.helpers import device, fall_in, feed
from linli.conftest import Street
from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent
from linli.grids.models import GridMember
from linli.tickets.tests.helpers import quarantined_neighbour

pytestmark = pytest.mark.django_db


def test_acknowledge_is_permission_checked_audited_and_harmless_twice(street: Street) -> None:
    alert = fall_in(street)
    for outsider in (street.outsider, street.resident, street.health_officer):
        with pytest.raises(PermissionDenied):
            actions.do_acknowledge(alert, acting_user=outsider)
    far = fall_in(street, street.far_building)
    with pytest.raises(PermissionDenied):
        actions.do_acknowledge(far, acting_user=street.grid_worker)
    actions.do_acknowledge(alert, acting_user=street.grid_worker)
    again = actions.do_acknowledge(alert, acting_user=street.secretary)
    assert (again.state, again.acknowledged_by, again.next_step_at) == (State.ACKNOWLEDGED, street.grid_worker, None)
    assert alert.entries.filter(kind=EntryKind.ACKNOWLEDGED).count() == 1
    assert AuditEvent.objects.filter(action="alert.acknowledge", object_id=str(alert.pk)).count() == 1


def test_on_site_by_sticker_location_or_confirmation(street: Street) -> None:
    alert = fall_in(street)
    with pytest.raises(ValidationError) as wrong:
        actions.do_check_in_on_site(alert, acting_user=street.grid_worker, method="qr", token="nope")
    assert "token" in wrong.value.message_dict
    alert.refresh_from_db()
    assert alert.state == State.NEW  # nothing half-written
    done = actions.do_check_in_on_site(alert, acting_user=street.grid_worker, method="qr",
                                       token=actions.sticker_token(alert.house).upper())
    assert done.state == State.ON_SITE and done.acknowledged_by == street.grid_worker
    assert done.on_site_at is not None and done.on_site_method == "qr"
    second = fall_in(street, street.other_grid_building)
    with pytest.raises(ValidationError):
        actions.do_check_in_on_site(second, acting_user=street.secretary, method="location", latitude="north")
    located = actions.do_check_in_on_site(second, acting_user=street.secretary, method="location",
                                          latitude="31.2", longitude="121.5")
    entry = located.entries.get(kind=EntryKind.ON_SITE)
    assert entry.data == {"method": "location", "latitude": 31.2, "longitude": 121.5}


def test_resolve_needs_an_outcome_and_a_closed_alert_says_so(street: Street) -> None:
    alert = fall_in(street)
    with pytest.raises(ValidationError):
        actions.do_resolve(alert, acting_user=street.grid_worker, outcome="vanished")
    with pytest.raises(ValidationError):
        actions.do_resolve(alert, acting_user=street.grid_worker, outcome="other", note="")
    actions.do_resolve(alert, acting_user=street.grid_worker, outcome="hospital", note="送往仁济医院")
    alert.refresh_from_db()
    assert (alert.state, alert.outcome, alert.note) == (State.RESOLVED, "hospital", "送往仁济医院")
    for again in (lambda: actions.do_resolve(alert, acting_user=street.grid_worker, outcome="helped"),
                  lambda: actions.do_acknowledge(alert, acting_user=street.grid_worker)):
        with pytest.raises(ValidationError) as closed:
            again()
        assert closed.value.message_dict and "state" in closed.value.message_dict
    # The house may raise the condition again once the alert is closed.
    assert fall_in(street).pk != alert.pk


def test_an_action_that_fails_leaves_nothing_behind(street: Street) -> None:
    alert = fall_in(street)
    entries = AlertEntry.objects.filter(alert=alert).count()
    with mock.patch("linli.alerts.actions.audit.record", side_effect=RuntimeError("audit down")), \
            pytest.raises(RuntimeError):
        actions.do_acknowledge(alert, acting_user=street.grid_worker)
    alert.refresh_from_db()
    assert alert.state == State.NEW and AlertEntry.objects.filter(alert=alert).count() == entries


def test_a_race_for_the_same_house_and_condition_attaches(street: Street) -> None:
    alert = fall_in(street)
    spec = actions.Raise(alert.house, "fall", "critical", timezone.now())
    real_filter = Alert.objects.filter

    def blind(*args: object, **kwargs: object) -> object:
        found = real_filter(*args, **kwargs)
        return found.none() if kwargs.get("condition") == "fall" and "house" in kwargs else found

    # The other raiser did not see the open alert yet: the database's constraint decides.
    with mock.patch.object(Alert.objects, "filter", side_effect=blind):
        winner, created = actions.do_raise(spec)
    assert not created and winner.pk == alert.pk
    alert.refresh_from_db()
    assert alert.event_count == 2
    with pytest.raises(IntegrityError):
        Alert.objects.create(house=alert.house, path=alert.path, condition="fall", severity="critical",
                             opened_at=timezone.now())


def test_the_clock_escalates_unacknowledged_alerts_and_stops_on_acknowledgement(street: Street) -> None:
    alert = fall_in(street)
    first = alert.entries.get(kind=EntryKind.PAGED)
    members = set(GridMember.objects.filter(grid=alert.grid, role="member").values_list("user_id", flat=True))
    assert set(first.data["users"]) == members and first.data["target"] == "grid_on_duty"
    later = alert.next_step_at + datetime.timedelta(seconds=1)
    assert actions.tick(alert.next_step_at - datetime.timedelta(seconds=1)) == 0
    assert actions.tick(later) == 1
    alert.refresh_from_db()
    escalated = alert.entries.get(kind=EntryKind.ESCALATED)
    assert alert.step == 1 and escalated.data["target"] == "grid_leader"
    assert AuditEvent.objects.filter(action="alert.escalate", object_id=str(alert.pk)).exists()
    actions.do_acknowledge(alert, acting_user=street.grid_worker)
    assert actions.tick(later + datetime.timedelta(hours=1)) == 0


def test_family_contacts_are_texted_with_masked_phones_on_the_timeline(street: Street) -> None:
    from linli.people.actions import PersonInput, do_create_person

    daughter = do_create_person(PersonInput(name="女儿", phone="13812345678"), acting_user=street.admin,
                                house=street.house_in(street.grid_building))
    alert = fall_in(street)
    with mock.patch("linli.alerts.actions.gateways.send_sms") as sms:
        now = alert.next_step_at
        for _ in range(3):
            now += datetime.timedelta(minutes=6)
            with mock.patch("linli.alerts.actions.timezone.now", return_value=now):
                actions.tick(now)
    family = roster.family_of(alert)
    notified = alert.entries.filter(kind=EntryKind.NOTIFIED)
    assert daughter.name in [r.name for r in family]
    assert notified.exists() and "138****5678" in notified.first().text
    assert sms.call_count == 0  # sent on commit: the test's transaction never commits


def test_drills_follow_the_chain_and_need_the_office(street: Street) -> None:
    house = street.house_in(street.grid_building)
    with pytest.raises(PermissionDenied):
        actions.do_raise_drill(house, acting_user=street.grid_worker)
    with pytest.raises(ValidationError):
        actions.do_raise_drill(street.grid_building, acting_user=street.secretary)
    drill = actions.do_raise_drill(house, acting_user=street.secretary, note="三月演练")
    assert drill.is_drill and drill.state == State.NEW and drill.entries.filter(kind=EntryKind.PAGED).exists()
    assert actions.do_raise_drill(house, acting_user=street.secretary).pk != drill.pk
    feed(device(house, "fall"), ("fall", None))
    assert Alert.objects.filter(house=house, condition="fall", is_drill=False).count() == 1


def test_health_alerts_are_seen_by_health_officers_and_grid_ones_by_the_grid(street: Street) -> None:
    fall = fall_in(street)
    person = quarantined_neighbour(street)
    feed(device(person.current_house, "wearable", person), ("temperature", 38.9))
    fever = Alert.objects.get(condition="fever")
    health = set(Alert.objects.restrict(street.health_officer, VIEW).values_list("pk", flat=True))
    grid = set(Alert.objects.restrict(street.grid_worker, VIEW).values_list("pk", flat=True))
    office = set(Alert.objects.restrict(street.secretary, VIEW).values_list("pk", flat=True))
    assert fever.pk in health and fall.pk not in health
    assert fall.pk in grid and fever.pk not in grid
    assert {fall.pk, fever.pk} <= office
    assert in_chain(street.health_officer, fever) and not in_chain(street.health_officer, fall)
    assert in_chain(street.grid_worker, fall) and in_chain(street.secretary, fall)
    assert not in_chain(street.resident, fall)
    actions.do_acknowledge(fever, acting_user=street.health_officer)


def test_notes_and_the_recorded_call_out(street: Street) -> None:
    alert = fall_in(street)
    with pytest.raises(ValidationError):
        actions.do_add_note(alert, acting_user=street.grid_worker, text="  ")
    entry = actions.do_add_note(alert, acting_user=street.secretary, text="已拨打120", call_out=True)
    assert entry.data == {"call_out": True} and entry.actor == street.secretary


def test_rota_pattern_night_shifts_and_swaps(street: Street) -> None:
    alert = fall_in(street)
    grid = alert.grid
    members = list(GridMember.objects.filter(grid=grid).select_related("user").order_by("pk"))
    day, night = members[0].user, members[-1].user
    monday = timezone.localdate() + datetime.timedelta(days=7 - timezone.localdate().weekday())
    with pytest.raises(PermissionDenied):
        actions.do_create_shifts(street.community, acting_user=street.grid_worker, grid=grid, first_day=monday,
                                 weeks=1, day={0: day}, night={})
    with pytest.raises(ValidationError):
        actions.do_create_shifts(street.community, acting_user=street.secretary, grid=grid, first_day=monday,
                                 weeks=1, day={0: street.health_officer}, night={})
    shifts = actions.do_create_shifts(street.community, acting_user=street.secretary, grid=grid, first_day=monday,
                                      weeks=2, day={d: day for d in range(7)}, night={d: night for d in range(7)})
    assert len(shifts) == 28
    tz = timezone.get_current_timezone()
    small_hours = datetime.datetime.combine(monday + datetime.timedelta(days=1), datetime.time(3), tz)
    who = roster.lookup_for(alert)
    assert [r.user for r in who("grid_on_duty", small_hours)] == [night]
    assert [r.user for r in who("grid_on_duty", small_hours.replace(hour=10))] == [day]
    # No shift covers tomorrow before the rota starts: the grid's members answer.
    before = datetime.datetime.combine(monday - datetime.timedelta(days=3), datetime.time(10), tz)
    assert {r.user.pk for r in who("grid_on_duty", before)} == {m.user_id for m in members if m.role == "member"}
    # Again for the same weeks replaces rather than doubles.
    actions.do_create_shifts(street.community, acting_user=street.secretary, grid=grid, first_day=monday, weeks=2,
                             day={d: day for d in range(7)}, night={d: night for d in range(7)})
    assert Shift.objects.filter(grid=grid).count() == 28
    shift = Shift.objects.filter(grid=grid, user=night).order_by("starts_at").first()
    with pytest.raises(ValidationError):
        actions.do_swap_shift(shift, acting_user=street.secretary, to=street.health_officer)
    swapped = actions.do_swap_shift(shift, acting_user=street.secretary, to=day)
    assert (swapped.user, swapped.swapped_from) == (day, night)
    assert AuditEvent.objects.filter(action="alert.swap").exists()


def test_chains_are_data_the_office_edits(street: Street) -> None:
    steps = [actions.StepInput("grid_leader", 1), actions.StepInput("community_duty", 4, True)]
    with pytest.raises(PermissionDenied):
        actions.do_save_chain(street.community, acting_user=street.grid_worker, severity="", steps=steps)
    with pytest.raises(ValidationError):
        actions.do_save_chain(street.community, acting_user=street.secretary, severity="",
                              steps=[actions.StepInput("mayor", 1)])
    actions.do_save_chain(street.community, acting_user=street.secretary, severity="critical", steps=steps)
    alert = fall_in(street)
    assert alert.chain is not None
    assert [s.target for s in actions.steps_of(alert)] == ["grid_leader", "community_duty"]
    assert alert.entries.get(kind=EntryKind.PAGED).data["target"] == "grid_leader"


def test_a_new_alert_reaches_the_live_screens_with_words_and_a_link(street: Street,
                                                                     django_capture_on_commit_callbacks) -> None:
    from linli.core.models import PushEvent

    with django_capture_on_commit_callbacks(execute=True):
        alert = fall_in(street)
    event = PushEvent.objects.filter(topic="alerts").latest("pk")
    assert event.action == VIEW and event.path == alert.path
    payload = event.payload
    assert payload["notify"] is True and payload["state"] == "new" and payload["condition"] == "fall"
    assert payload["title"] == "跌倒 · 紧急"  # the site's language, whoever's request raised it
    assert payload["body"] == actions.short_address(alert) and payload["url"] == f"/alerts/{alert.pk}/"
