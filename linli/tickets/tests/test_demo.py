"""The demo's history of requests: whatever the hour of the week it is built, the street has
open requests past their limit for the supervision page, and none marked overdue early."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from linli.conftest import Street
from linli.tickets.demo import build_history
from linli.tickets.models import OPEN_STATUSES, Ticket

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("now", [
    datetime.datetime(2026, 12, 6, 19, 50, tzinfo=SHANGHAI),  # a Sunday evening
    datetime.datetime(2026, 12, 7, 8, 30, tzinfo=SHANGHAI),  # Monday, before opening
    datetime.datetime(2026, 10, 3, 12, 0, tzinfo=SHANGHAI),  # in the National Day holiday
], ids=["sunday-evening", "monday-morning", "holiday"])
def test_the_history_leaves_requests_overdue_at_any_hour(street: Street, now: datetime.datetime) -> None:
    assert build_history(days=60, per_day=5, seed=1, now=now) == 300
    history = Ticket.objects.all()
    assert not history.filter(created_at__gt=now).exists()
    open_ = history.filter(status__in=OPEN_STATUSES)
    overdue = list(open_.filter(overdue=True))
    assert len(overdue) >= 3
    for t in overdue:
        due = t.respond_by if t.responded_at is None else t.resolve_by
        assert due < now, t.number
    # open and not yet due are not marked
    assert not open_.filter(overdue=False, responded_at__isnull=True, respond_by__lt=now).exists()
    assert not open_.filter(overdue=False, responded_at__isnull=False, resolve_by__lt=now).exists()
    assert not history.exclude(status__in=OPEN_STATUSES).filter(overdue=True).exists()
