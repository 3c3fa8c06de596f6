"""Visit plans from the registry and the care levels, due dates on examples worked out by hand,
visit records, the grid worker's today list, workload and the home page's to-dos."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent
from linli.grids.models import Grid
from linli.people.models import Person
from linli.tasks import actions, plans, queries
from linli.tasks.models import CareLevel, VisitPlan
from linli.tasks.tests.helpers import codes, elder_in, item_in, plan_for, push_buildings
from linli.tasks.today import todos

DAY = datetime.timedelta(days=1)


def _day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def test_plans_follow_the_groups_and_the_community_levels(street):
    house = street.house_in(street.grid_building)
    disabled = elder_in(street, house, "甲", groups=("disabled",))
    plan = plan_for(house)
    assert (plan.interval_days, plan.person, plan.active) == (14, disabled, True)
    assert plan.reasons == ["disabled"] and plan.next_due_on == timezone.localdate()  # a new plan: due today
    assert plan.grid == Grid.objects.get(places=street.grid_building)
    elder = elder_in(street, house, "乙", groups=("alone_elder",))
    plan = plan_for(house)
    # the most frequent level wins, and the person to see is the one it is for
    assert (plan.interval_days, plan.person, plan.people_count, plan.reasons) == (7, elder, 2,
                                                                                 ["alone_elder", "disabled"])
    # the secretary makes disability monthly and elders alone not planned: the household goes monthly
    actions.do_set_care_levels(street.community, {"alone_elder": 0, "disabled": 30}, acting_user=street.secretary)
    plan.refresh_from_db()
    assert (plan.interval_days, plan.person, plan.reasons) == (30, disabled, ["disabled"])
    assert plans.levels_of(street.community)["alone_elder"] == 0
    assert plans.levels_of(street.other_community)["alone_elder"] == 7  # other communities keep theirs
    assert AuditEvent.objects.filter(action="visits.levels", path=street.community.path).exists()
    # nobody left in a group: off the plan, history kept
    for person in (disabled, elder):
        Person.objects.filter(pk=person.pk).update(is_active=False)
    plans.refresh_plans(street.community)
    assert not VisitPlan.objects.get(pk=plan.pk).active


def test_care_levels_are_the_communitys_own(street):
    with pytest.raises(PermissionDenied):
        actions.do_set_care_levels(street.community, {"alone_elder": 14}, acting_user=street.grid_worker)
    with pytest.raises(PermissionDenied):
        actions.do_set_care_levels(street.other_community, {"alone_elder": 14}, acting_user=street.secretary)
    with pytest.raises(ValidationError) as caught:
        actions.do_set_care_levels(street.community, {"alone_elder": 5}, acting_user=street.secretary)
    assert "interval" in codes(caught.value)
    with pytest.raises(ValidationError):
        actions.do_set_care_levels(street.community, {"martian": 7}, acting_user=street.secretary)
    assert not CareLevel.objects.exists()
    # the street office may set them for any community of the street
    actions.do_set_care_levels(street.other_community, {"alone_elder": 14}, acting_user=street.street_officer)
    assert CareLevel.objects.get().interval_days == 14


def _plan(street, interval: int = 7, started: int = -20) -> VisitPlan:
    house = street.house_in(street.grid_building)
    elder_in(street, house)
    plan = plan_for(house)
    VisitPlan.objects.filter(pk=plan.pk).update(starts_on=_day(started), next_due_on=_day(started),
                                                interval_days=interval)
    plan.refresh_from_db()
    return plan


def test_due_dates_follow_the_visits_that_count(street):
    """A weekly plan begun 20 days ago, visits recorded on days worked out by hand."""
    plan = _plan(street)
    worker = street.grid_worker

    def record(outcome: str, offset: int) -> VisitPlan:
        actions.do_record_visit(plan, outcome, acting_user=worker, visited_on=_day(offset))
        plan.refresh_from_db()
        return plan

    assert plan.next_due_on == _day(-20)  # never visited: overdue since its first day
    assert record("met", -6).next_due_on == _day(1)  # met 6 days ago: due tomorrow
    assert record("not_home", 0).next_due_on == _day(1)  # nobody home: still due tomorrow
    assert (plan.last_outcome, plan.last_attempt_on, plan.last_visit_on) == ("not_home", _day(0), _day(-6))
    assert record("refused", 0).next_due_on == _day(7)  # she said no: that counts, due in a week
    assert record("met", -3).next_due_on == _day(7)  # a visit recorded late does not move it back
    assert plan.last_outcome == "refused"  # nor does it change the last attempt
    assert AuditEvent.objects.filter(action="visit.record").count() == 4


def test_visit_records_are_checked(street):
    plan = _plan(street)
    for kwargs, code in [({"visited_on": _day(1)}, "visit_future"), ({"visited_on": _day(-8)}, "visit_too_old"),
                         ({"observations": "x" * 1001}, "too_long"), ({"observations": "a\x07b"}, "control_chars")]:
        with pytest.raises(ValidationError) as caught:
            actions.do_record_visit(plan, "met", acting_user=street.grid_worker, **kwargs)
        assert code in codes(caught.value)
    with pytest.raises(ValidationError):
        actions.do_record_visit(plan, "ghosted", acting_user=street.grid_worker)
    with pytest.raises(PermissionDenied):
        actions.do_record_visit(plan, "met", acting_user=street.secretary)  # the grid worker records
    assert not plan.visits.exists()


def test_a_grid_worker_sees_her_grid_only(street):
    mine = _plan(street)
    other_house = street.house_in(street.other_grid_building)
    elder_in(street, other_house)
    theirs = plan_for(other_house)
    due = queries.due_list(street.grid_worker)
    listed = due.overdue + due.today + due.soon
    assert mine in listed and theirs not in listed
    client = street.client_for(street.grid_worker)
    page = client.get("/visits/")
    assert page.status_code == 200 and mine.address in page.content.decode()
    assert theirs.address not in page.content.decode()
    assert client.get(f"/visits/plans/{theirs.pk}/").status_code == 404
    assert client.post(f"/visits/plans/{theirs.pk}/record/", {"outcome": "met", "visited_on": _day(0)}).status_code == 404
    assert not theirs.visits.exists()
    # the secretary sees both, with the reasons; she does not record
    secretary = queries.due_list(street.secretary)
    assert {mine, theirs} <= set(secretary.overdue + secretary.today + secretary.soon)
    assert queries.reasons_shown(street.secretary, mine) == ["独居老人"]
    assert street.client_for(street.secretary).get(f"/visits/plans/{mine.pk}/record/").status_code in (403, 404)


def test_reasons_are_hidden_without_the_right_to_see_groups(street):
    from linli.core.models import Role, RoleAssignment

    plan = _plan(street)
    role = Role.objects.create(code="visitor", name="visitor", actions=["visits.view", "visits.record"])
    RoleAssignment.objects.create(user=street.outsider, role=role, place=street.community)
    assert queries.reasons_shown(street.outsider, plan) == []
    response = street.client_for(street.outsider).get("/api/visits/due")
    row = next(r for r in response.json() if r["id"] == plan.pk)
    assert row["reasons"] == [] and row["address"] == plan.address


def test_recording_on_the_page_and_needs_found_open_the_request_form(street):
    plan = _plan(street)
    client = street.client_for(street.grid_worker)
    assert client.get(f"/visits/plans/{plan.pk}/record/").status_code == 200
    response = client.post(f"/visits/plans/{plan.pk}/record/", {
        "outcome": "met", "visited_on": _day(0).isoformat(), "observations": "腿脚不便，需要送药", "needs_found": "on"})
    assert response.status_code == 302
    assert response["Location"] == f"/requests/new/?house={plan.house_id}&person={plan.person_id}&source=visit"
    visit = plan.visits.get()
    assert visit.needs_found and visit.observations == "腿脚不便，需要送药" and visit.recorded_by == street.grid_worker
    response = client.post(f"/visits/plans/{plan.pk}/record/", {"outcome": "met", "visited_on": _day(3).isoformat()})
    assert response.status_code == 422 and plan.visits.count() == 1


def test_workload_counts_visits_against_what_the_plans_ask(street):
    plan = _plan(street, interval=7, started=-40)
    worker = street.grid_worker
    for offset in (-5, -2, 0):
        actions.do_record_visit(plan, "met" if offset else "not_home", acting_user=worker, visited_on=_day(offset))
    task = push_buildings(street.secretary, street.community)
    actions.do_tick_item(item_in(task, street.grid_building), "done", acting_user=worker)
    loads = {load.grid.pk: load for load in queries.workload(street.secretary, 30)}
    grid = Grid.objects.get(places=street.grid_building)
    load = loads[grid.pk]
    assert load.plans == VisitPlan.objects.filter(grid=grid, active=True).count()
    assert load.due >= 4  # the weekly plan alone asks for 4 in 30 days
    assert load.visits == 2  # met twice; not at home does not count
    mine = next(w for w in load.workers if w.user == worker)
    assert (mine.visits, mine.counted, mine.items_ticked) == (3, 2, 1)
    assert all(w.user != street.volunteer for w in load.workers)  # the team's volunteer records no visits
    # the grid worker sees her own grid's table only
    assert [load.grid.pk for load in queries.workload(worker, 30)] == [grid.pk]
    assert street.client_for(street.secretary).get("/visits/workload/").status_code == 200


def test_todos_for_the_home_pages(street):
    plan = _plan(street, started=-10)  # overdue
    task = push_buildings(street.secretary, street.community)
    mine = {t.label: t for t in todos(street.grid_worker)}
    overdue = next(t for t in mine.values() if t.overdue and t.url == "/visits/")
    assert overdue.count == queries.due_counts(street.grid_worker)[1] >= 1
    to_tick = next(t for t in mine.values() if t.url == "/tasks/" and not t.overdue)
    assert to_tick.count == task.items.filter(path__startswith=street.grid_building.path).count()
    assert list(todos(street.grid_worker))[0].overdue  # late first
    Task = type(task)
    Task.objects.filter(pk=task.pk).update(starts_on=_day(-7), due_on=_day(-1))
    secretary = todos(street.secretary)
    assert any(t.overdue and t.url == "/tasks/" and t.count == 1 for t in secretary)
    assert any(t.overdue and t.url == "/visits/" for t in secretary)
    actions.do_record_visit(plan, "met", acting_user=street.grid_worker)
    assert todos(street.volunteer) == [] and todos(street.resident) == []
