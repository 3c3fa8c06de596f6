"""The three rates on a hand-computed example."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from linli.conftest import Street
from linli.tickets import rates
from linli.tickets.models import Rating, Status, Ticket
from linli.tickets.tests.helpers import file

pytestmark = pytest.mark.django_db


def make(street: Street, created: datetime.datetime, **state: object) -> Ticket:
    ticket = file(street.resident, street.resident.person.current_house)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=created, **state)
    return ticket


def test_three_rates_by_hand(street: Street) -> None:
    now = timezone.now()
    start, _end = rates.period("month")
    created = start + datetime.timedelta(seconds=1)
    past, future = created, now + datetime.timedelta(days=1)
    done = {"responded_at": created, "resolved_at": created}
    make(street, created, **done, status=Status.CLOSED, rating=Rating.SATISFIED, respond_by=past, resolve_by=past)
    make(street, created, **done, responded_late=True, status=Status.CLOSED, rating=Rating.UNSATISFIED,
         respond_by=past, resolve_by=past)
    make(street, created, **done, status=Status.CLOSED, rating=Rating.PARTLY, reopened=1, respond_by=past,
         resolve_by=past)
    make(street, created, **done, status=Status.RESOLVED, respond_by=past, resolve_by=past)
    make(street, created, status=Status.NEW, respond_by=past, resolve_by=future)  # overdue, not answered
    make(street, created, status=Status.NEW, respond_by=future, resolve_by=future)  # not due yet
    make(street, created, **done, closed_at=created, status=Status.UNRESOLVABLE, respond_by=past, resolve_by=past)
    before_start, _ = rates.period("month", 1)
    make(street, before_start + datetime.timedelta(days=1), responded_at=before_start, resolved_at=before_start,
         status=Status.CLOSED, rating=Rating.SATISFIED, respond_by=before_start, resolve_by=before_start)

    [row] = rates.three_rates(Ticket.objects.all(), "community", start, _end, now)
    assert row.name == street.community.name and row.filed == 7
    assert (row.response_n, row.response) == (6, 66.7)  # 4 of 6 answered in time; one not due yet
    assert (row.resolution_n, row.resolution) == (5, 60.0)  # 3 of 5: reopened and unfixed do not count
    assert row.resolution_by_residents == 33.3  # of 3 rated, only one both fine and never reopened
    assert row.satisfaction == 66.7  # satisfied or basically satisfied: 2 of 3
    assert row.rated_share == 60.0  # 3 of the 5 resolved were rated

    [(now_row, before)] = rates.with_previous(Ticket.objects.all(), "community", "month", now=now)
    assert before is not None and before.filed == 1 and before.response == 100.0
    assert rates.three_rates(Ticket.objects.all(), "all", start, _end, now)[0].filed == 7


def test_periods() -> None:
    start, end = rates.period("week", today=datetime.date(2026, 12, 3))
    assert (start.date(), end.date()) == (datetime.date(2026, 11, 30), datetime.date(2026, 12, 7))
    start, end = rates.period("month", 11, today=datetime.date(2026, 12, 3))
    assert (start.date(), end.date()) == (datetime.date(2026, 1, 1), datetime.date(2026, 2, 1))
    start, end = rates.period("month", 12, today=datetime.date(2026, 12, 3))
    assert (start.date(), end.date()) == (datetime.date(2025, 12, 1), datetime.date(2026, 1, 1))


def test_the_rates_page(street: Street) -> None:
    file(street.resident, street.resident.person.current_house)
    page = street.client_for(street.street_officer).get("/requests/rates/?group=grid&period=week&offset=x")
    assert page.status_code == 200 and "响应率" in page.content.decode()
    assert street.client_for(street.grid_worker).get("/requests/rates/").status_code == 403


def test_the_area_is_the_sum_of_its_communities(street: Street) -> None:
    file(street.resident, street.resident.person.current_house)
    file(street.street_officer, street.house_in(street.far_building), source="phone")
    start, end = rates.period("month")
    groups, total = rates.area_rates(Ticket.objects.all(), start, end)
    [whole] = rates.three_rates(Ticket.objects.all(), "all", start, end)
    assert len(groups) == 2 and total is not None
    assert (total.filed, total.response, total.resolution, total.satisfaction) == (
        whole.filed, whole.response, whole.resolution, whole.satisfaction)
