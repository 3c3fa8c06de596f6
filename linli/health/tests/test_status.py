"""Health status from the records: facts gathered in bulk, the default rules, what is stored."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.health import actions
from linli.health.facts import region_prefix
from linli.health.models import Channel, HealthStatus, IssuedPass, OrderStatus, StatusChange
from linli.ledger import log
from linli.ledger.models import LedgerEntry
from linli.people.models import Person


@pytest.fixture(autouse=True)
def fresh_ledger_caches(settings: Any) -> Any:
    settings.LINLI_CHECKIN_DEADLINE_HOUR = 24  # no check-in is late unless a test says so
    log.forget_tree()
    yield
    log.forget_tree()


def _resident(street: Any, n: int = 0) -> Person:
    return Person.objects.filter(path__startswith=street.grid_building.path).order_by("pk")[n]


def _colour(person: Person) -> str:
    row = HealthStatus.objects.filter(person=person).first()
    return row.colour if row else "green"


def ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.mark.parametrize(("code", "prefix"), [("310000", "31"), ("310115", "310115"), ("310115000", "310115"),
                                               ("420100", "4201"), ("420106003", "420106003")])
def test_region_prefixes(code, prefix):
    assert region_prefix(code) == prefix


def test_an_arrival_from_a_high_risk_area_is_yellow_and_a_low_risk_one_green(street, django_capture_on_commit_callbacks):
    officer, person, other = street.health_officer, _resident(street, 0), _resident(street, 1)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_add_risk_area(acting_user=officer, region_code="420100", name="武汉市", level="high",
                                 valid_from=ago(20))
        actions.do_add_risk_area(acting_user=officer, region_code="440300", name="深圳市", level="low",
                                 valid_from=ago(20))
        actions.do_register_arrival(person, acting_user=officer, origin_code="420106", origin_name="武汉市武昌区",
                                    arrived_on=ago(2))
        actions.do_register_arrival(other, acting_user=officer, origin_code="440304", origin_name="深圳市福田区",
                                    arrived_on=ago(2))
    status = actions.status_of(person, acting_user=officer)
    assert status.colour == "yellow" and "高风险" in status.reasons[0][0] and status.rule_set == "default@1"
    assert _colour(other) == "green"
    assert AuditEvent.objects.filter(action="health.status_view", object_id=str(person.pk)).exists()


def test_a_risk_area_added_later_recomputes_everyone(street, django_capture_on_commit_callbacks):
    officer, person = street.health_officer, _resident(street, 2)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_register_arrival(person, acting_user=officer, origin_code="420106", origin_name="武昌区",
                                    arrived_on=ago(1))
    assert _colour(person) == "green"
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_add_risk_area(acting_user=officer, region_code="420106", name="武昌区", level="high",
                                 valid_from=ago(5))
    assert _colour(person) == "yellow"
    assert StatusChange.objects.filter(person=person, colour="yellow").count() == 1


def test_a_confirmed_case_is_red_and_a_fever_yellow(street, django_capture_on_commit_callbacks):
    officer, case, fever = street.health_officer, _resident(street, 3), _resident(street, 4)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_confirm_case(case, acting_user=officer, confirmed_on=timezone.localdate())
        actions.do_check_in(fever, acting_user=street.grid_worker, temperature=Decimal("37.3"),
                            channel=Channel.ON_BEHALF)
    assert _colour(case) == "red" and _colour(fever) == "yellow"


def test_a_colour_change_revokes_the_persons_passes(street, django_capture_on_commit_callbacks):
    officer, person = street.health_officer, _resident(street, 5)
    now = timezone.now()
    IssuedPass.objects.create(person=person, path=person.path, revocation_id="ab" * 16, colour="green",
                              issued_at=now, expires_at=now + datetime.timedelta(hours=20))
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_confirm_case(person, acting_user=officer, confirmed_on=timezone.localdate())
    assert IssuedPass.objects.get(person=person).revoked_at is not None


def test_a_close_contact_is_red_until_released(street, django_capture_on_commit_callbacks):
    officer, person = street.health_officer, _resident(street, 6)
    with django_capture_on_commit_callbacks(execute=True):  # the ledger sequences on commit
        order = actions.do_order_quarantine(person, acting_user=officer, reason="close_contact", colour="red",
                                            last_exposure=ago(16))
    assert (order.start_date, order.start_basis, order.end_date) == (ago(16), "exposure", ago(2))
    actions.recompute([person.pk], now=timezone.now() - datetime.timedelta(days=15))  # the day after
    assert _colour(person) == "red"
    actions.recompute([person.pk])
    assert _colour(person) == "red"  # 16 days on, but the order is still active: held
    assert LedgerEntry.objects.filter(entry_type="quarantine_order").exists()

    with django_capture_on_commit_callbacks(execute=True):
        for day in (ago(2), ago(1), ago(0)):
            order.follow_ups.create(day=day, outcome="seen_ok", path=person.path)
            actions.do_check_in(person, acting_user=officer, temperature=Decimal("36.5"), channel=Channel.STAFF,
                                day=day)
        actions.do_end_order(order, acting_user=officer, status=OrderStatus.COMPLETED, reason="期满")
    status = actions.status_of(person, acting_user=officer)
    assert status.colour == "red" and status.held  # no negative test yet
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_record_test(person, acting_user=officer, kind="nucleic", sampled_on=ago(0), outcome="negative")
    assert _colour(person) == "green"


def test_an_order_is_never_shortened_and_completes_only_after_its_last_follow_up(street):
    officer, person = street.health_officer, _resident(street, 7)
    order = actions.do_order_quarantine(person, acting_user=officer, reason="arrival", colour="yellow")
    assert order.start_basis == "report" and order.end_date == timezone.localdate() + datetime.timedelta(days=7)
    with pytest.raises(ValidationError) as info:
        actions.do_extend_order(order, acting_user=officer, new_end=timezone.localdate() + datetime.timedelta(days=6))
    assert info.value.error_dict["end_date"][0].code == "shorter_than_standard"
    actions.do_extend_order(order, acting_user=officer, new_end=timezone.localdate() + datetime.timedelta(days=9))
    with pytest.raises(ValidationError) as early:
        actions.do_end_order(order, acting_user=officer, status=OrderStatus.COMPLETED, reason="")
    assert early.value.code == "too_early"


def test_outside_the_scope_is_refused(street):
    from linli.core.access import PermissionDenied

    far = Person.objects.filter(path__startswith=street.far_building.path).first()
    assert far is not None
    with pytest.raises(PermissionDenied):
        actions.status_of(far, acting_user=street.grid_worker)


def test_arrivals_who_miss_the_check_in_deadline_turn_yellow(street, settings, django_capture_on_commit_callbacks):
    officer, late, on_time, resident = street.health_officer, _resident(street, 8), _resident(street, 9), \
        _resident(street, 10)
    with django_capture_on_commit_callbacks(execute=True):
        for person in (late, on_time):
            actions.do_register_arrival(person, acting_user=officer, origin_code="440304", origin_name="福田区",
                                        arrived_on=ago(3))
        actions.do_check_in(on_time, acting_user=officer, temperature=Decimal("36.4"), channel=Channel.STAFF)
    assert _colour(late) == "green"  # before the deadline
    settings.LINLI_CHECKIN_DEADLINE_HOUR = 0
    actions.recompute(None)
    assert _colour(late) == "yellow" and _colour(on_time) == "green"
    assert _colour(resident) == "green"  # nobody asked her to check in
