"""Workload and evaluation per grid worker: visits beside the requests she handled, on an
example worked out by hand, and who sees whose figures."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.conftest import Street
from linli.core.models import User
from linli.grids.models import Grid
from linli.tasks import queries
from linli.tickets import actions
from linli.tickets.models import Level, Ticket
from linli.tickets.tests.helpers import file, grid_member

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


def _past(ticket: Ticket, **fields: datetime.datetime) -> Ticket:
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
    return Ticket.objects.get(pk=ticket.pk)


def build_example(street: Street) -> tuple[User, User]:
    """Six requests of the resident, five of them routed to the grid leader (the demo grid
    worker), one assigned to a member of her team:

    A  accepted and resolved in time, rated satisfied;
    B  accepted in time, resolved after its limit, rated not satisfied;
    C  never answered, past its first-response limit: overdue now (escalated, still hers);
    D  answered after its first-response limit, resolved in time, not rated;
    E  answered, resolved and rated 40 days ago: outside the 30 days;
    F  assigned by the secretary to the member, who accepts and resolves it; rated basically satisfied.

    Leader over 30 days: handled 3 (A B D), 1 resolved late (B), 1 overdue now (C), first
    responses 2 of 3 in time (A B; D late), ratings 1 satisfied, 0 basically, 1 not; 2 of 3 rated (67%).
    Member: handled 1, first responses 1 of 1, 1 basically satisfied, 1 of 1 rated (100%).
    """
    leader, resident, house = street.grid_worker, street.resident, street.resident.person.current_house
    member = grid_member(street)
    now = timezone.now()
    a, b, c, d, e, f = (file(resident, house) for _ in range(6))
    assert all(t.handler == leader for t in (a, b, c, d, e, f))
    for ticket in (a, b, e):
        actions.do_accept(ticket, acting_user=leader)
    actions.do_resolve(a, acting_user=leader, outcome="已上门修好")
    actions.do_rate(a, acting_user=resident, rating="satisfied")
    b = _past(b, resolve_by=now - HOUR)
    actions.do_resolve(b, acting_user=leader, outcome="已上门修好")
    actions.do_rate(b, acting_user=resident, rating="unsatisfied")
    _past(c, respond_by=now - HOUR, warn_at=now - 2 * HOUR)
    d = _past(d, respond_by=now - HOUR)
    actions.do_accept(d, acting_user=leader)
    actions.do_resolve(d, acting_user=leader, outcome="已上门修好")
    actions.do_resolve(e, acting_user=leader, outcome="已上门修好")
    actions.do_rate(e, acting_user=resident, rating="partly")
    long_ago = now - datetime.timedelta(days=40)
    _past(e, responded_at=long_ago, resolved_at=long_ago, rated_at=long_ago)
    grid = Grid.objects.get(places=street.grid_building)
    actions.do_assign(f, acting_user=street.secretary, level=Level.GRID, grid=grid, handler=member)
    actions.do_accept(f, acting_user=member)
    actions.do_resolve(f, acting_user=member, outcome="已联系物业处理")
    actions.do_rate(f, acting_user=resident, rating="partly")
    actions.sweep()
    c = Ticket.objects.get(pk=c.pk)
    assert c.overdue and c.handler == leader and c.level == Level.COMMUNITY
    return leader, member


def _workers(user: User) -> dict[int, queries.WorkerLoad]:
    return {w.user.pk: w for load in queries.workload(user, 30) for w in load.workers}


def test_requests_handled_beside_visits_on_an_example_worked_out_by_hand(street: Street) -> None:
    leader, member = build_example(street)
    workers = _workers(street.secretary)
    mine = workers[leader.pk].requests
    assert mine is not None
    assert (mine.handled, mine.resolved_late, mine.overdue_now) == (3, 1, 1)
    assert (mine.responses, mine.responses_in_time, mine.response_share) == (3, 2, 67)
    assert (mine.satisfied, mine.partly, mine.unsatisfied, mine.rated, mine.rated_share) == (1, 0, 1, 2, 67)
    theirs = workers[member.pk].requests
    assert theirs is not None
    assert (theirs.handled, theirs.resolved_late, theirs.overdue_now, theirs.responses, theirs.responses_in_time) \
        == (1, 0, 0, 1, 1)
    assert (theirs.satisfied, theirs.partly, theirs.unsatisfied, theirs.rated_share) == (0, 1, 0, 100)
    assert (workers[leader.pk].role, workers[member.pk].role) == ("leader", "member")
    # the street sees the same figures
    assert _workers(street.street_officer)[leader.pk].requests == mine


def test_each_viewer_sees_whose_figures_she_may(street: Street) -> None:
    leader, member = build_example(street)
    assert set(_workers(leader)) == {leader.pk}  # a grid worker: herself only
    assert set(_workers(member)) == {member.pk}
    assert {leader.pk, member.pk} <= set(_workers(street.secretary))
    seen = {load.grid.pk for load in queries.workload(street.secretary, 30)}
    assert not Grid.objects.filter(pk__in=seen).exclude(community=street.community).exists()
    page = street.client_for(leader).get("/visits/workload/")
    assert page.status_code == 200
    text = page.content.decode()
    assert str(leader) in text and "网格员 李芳" not in text and "超时办结" in text
    secretary_page = street.client_for(street.secretary).get("/visits/workload/?days=7").content.decode()
    assert "网格员 李芳" in secretary_page and "近 7 天" in secretary_page
    for user in (street.resident, street.volunteer, street.health_officer, street.outsider):
        assert street.client_for(user).get("/visits/workload/").status_code == 403
    api = street.client_for(street.secretary).get("/api/visits/workload?days=30").json()
    row = next(w for load in api for w in load["workers"] if w["user_id"] == leader.pk)
    assert row["requests"]["handled"] == 3 and row["requests"]["rated_share"] == 67 and row["role"] == "leader"
    own = street.client_for(leader).get("/api/visits/workload?days=30").json()
    assert [w["user_id"] for load in own for w in load["workers"]] == [leader.pk]


def test_the_figures_take_the_same_queries_for_any_number_of_workers(street: Street) -> None:
    build_example(street)

    def count() -> int:
        viewer = User.objects.get(pk=street.street_officer.pk)  # no scope cached from before
        with CaptureQueriesContext(connection) as queries_run:
            queries.workload(viewer, 30)
        return len(queries_run)

    before = count()
    for n in range(3):
        grid_member(street, f"extra-worker-{n}", f"网格员 {n}")
    assert count() == before
