"""Filing, routing, handling, bouncing, escalating, merging, rating and reopening requests."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.conftest import Street
from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent
from linli.grids.models import Grid, GridMember
from linli.places.models import Level as PlaceLevel
from linli.places.models import Place
from linli.tickets import actions
from linli.tickets.models import DutyItem, DutyKind, EventKind, Level, Source, Status, Ticket
from linli.tickets.tests.helpers import category, file

pytestmark = pytest.mark.django_db


def resident_house(street: Street) -> Place:
    return street.resident.person.current_house


def first_grid(street: Street) -> Grid:
    return Grid.objects.filter(places=street.grid_building).get()


# --- filing and routing ------------------------------------------------------------------------------

def test_a_residents_request_goes_to_her_houses_grid_worker(street: Street) -> None:
    ticket = file(street.resident, resident_house(street))
    assert ticket.level == Level.GRID
    assert ticket.grid == first_grid(street)
    assert ticket.handler == street.grid_worker  # the grid leader
    assert ticket.routing["code"] == "house_grid"
    assert ticket.person == street.resident.person
    assert ticket.number.endswith(f"-{ticket.pk:06d}")
    assert ticket.status == Status.NEW
    assert ticket.respond_by < ticket.resolve_by
    assert list(ticket.events.values_list("kind", flat=True)) == [EventKind.SUBMITTED, EventKind.ROUTED]
    assert AuditEvent.objects.filter(action="tickets.submit", object_id=str(ticket.pk)).exists()


def test_a_resident_reports_her_buildings_public_places_not_other_houses(street: Street) -> None:
    house = resident_house(street)
    building = Place.objects.get(path="/".join(house.path.split("/")[:7]) + "/")
    assert file(street.resident, building).place == building
    neighbour = Place.objects.filter(parent=house.parent, level=PlaceLevel.HOUSE).exclude(pk=house.pk).first()
    with pytest.raises(PermissionDenied):
        file(street.resident, neighbour)
    with pytest.raises(PermissionDenied):  # a resident cannot pose as the office's phone line
        file(street.resident, house, source=Source.PHONE)


def test_a_compound_shared_by_grids_goes_to_the_grid_covering_most_of_it(street: Street) -> None:
    compound = Place.objects.get(path="/".join(street.grid_building.path.split("/")[:6]) + "/")
    ticket = file(street.secretary, compound, "environment", source=Source.PHONE)
    assert ticket.level == Level.GRID
    assert ticket.routing["code"] == "shared_place_grid"
    assert ticket.grid.places.filter(path__startswith=compound.path).exists()


def test_department_and_office_categories_go_by_the_catalogue(street: Street) -> None:
    house = resident_house(street)
    ticket = file(street.resident, house, "utilities")
    assert (ticket.level, ticket.department, ticket.handler) == (Level.DEPARTMENT, "供水、供电、燃气企业", None)
    assert ticket.routing["code"] == "department"
    assert file(street.resident, house, "policy").level == Level.COMMUNITY
    assert file(street.resident, house, "illegal-building").level == Level.STREET


def test_a_negative_list_keeps_a_category_away_from_a_role(street: Street) -> None:
    house = resident_house(street)
    DutyItem.objects.create(role=GridMember.Role.LEADER, kind=DutyKind.NEGATIVE, category=category("noise"),
                            text="噪声执法不是网格长的事", path=routing_street(house))
    ticket = file(street.resident, house, "noise")
    # The leader is excluded; the other member (a volunteer) may not handle requests: the community answers.
    assert ticket.level == Level.COMMUNITY
    assert ticket.routing["code"] == "negative_list"
    assert ticket.handler is None


def routing_street(place: Place) -> str:
    from linli.tickets.routing import street_path

    return street_path(place.path)


def test_anonymous_only_where_the_catalogue_allows(street: Street) -> None:
    house = resident_house(street)
    with pytest.raises(ValidationError) as refused:
        file(street.resident, house, "repair-water", anonymous=True)
    assert "anonymous" in refused.value.message_dict
    ticket = file(street.resident, house, "noise", anonymous=True, contact_phone="13800138000")
    assert ticket.anonymous and ticket.person is None and ticket.contact_phone == ""
    # The office's history does not name who filed it.
    assert ticket.events.get(kind="submitted").actor is None


def test_bad_input_writes_nothing(street: Street) -> None:
    before = Ticket.objects.count()
    for bad in ({"description": "漏"}, {"contact_phone": "12345"}, {"description": "漏水\x00漏水漏水"}):
        with pytest.raises(ValidationError):
            file(street.resident, resident_house(street), **bad)
    assert Ticket.objects.count() == before


# --- handling --------------------------------------------------------------------------------------------

def test_accepting_is_the_first_response(street: Street) -> None:
    ticket = actions.do_accept(file(street.resident, resident_house(street)), acting_user=street.grid_worker)
    assert ticket.status == Status.ACCEPTED and ticket.responded_at is not None and not ticket.responded_late
    assert ticket.due_at == ticket.resolve_by


def test_a_grid_worker_handles_only_her_grids_requests(street: Street) -> None:
    ticket = file(street.resident, resident_house(street), "policy")  # the community answers
    with pytest.raises(PermissionDenied):
        actions.do_accept(ticket, acting_user=street.grid_worker)
    other = file(street.secretary, street.house_in(street.other_grid_building), source=Source.PHONE)
    with pytest.raises(PermissionDenied):
        actions.do_accept(other, acting_user=street.grid_worker)
    assert actions.do_accept(ticket, acting_user=street.secretary).handler == street.secretary


def test_passed_on_more_than_twice_goes_to_the_secretary(street: Street) -> None:
    ticket = file(street.resident, resident_house(street))
    other_grid = Grid.objects.filter(places=street.other_grid_building).get()
    ticket = actions.do_transfer(ticket, acting_user=street.grid_worker, reason="不在本网格", grid=other_grid)
    assert (ticket.grid, ticket.bounces, ticket.level) == (other_grid, 1, Level.GRID)
    ticket = actions.do_assign(ticket, acting_user=street.secretary, level=Level.GRID, grid=first_grid(street))
    assert not ticket.assigned_by_street  # the community assigned it
    ticket = actions.do_return(ticket, acting_user=street.grid_worker, reason="这是物业的事")
    assert (ticket.bounces, ticket.level) == (2, Level.COMMUNITY)
    ticket = actions.do_assign(ticket, acting_user=street.secretary, level=Level.GRID, grid=first_grid(street))
    ticket = actions.do_transfer(ticket, acting_user=street.grid_worker, reason="还是不归我们", grid=other_grid)
    assert ticket.bounces == 3
    assert ticket.level == Level.COMMUNITY and ticket.handler is None
    assert ticket.routing["code"] == "bounced"


def test_bounced_between_departments_the_street_closes_the_loop(street: Street) -> None:
    ticket = file(street.resident, resident_house(street), "property")
    ticket = actions.do_transfer(ticket, acting_user=street.secretary, reason="物业说是供水问题",
                                 department="供水公司")
    assert ticket.level == Level.DEPARTMENT and ticket.department == "供水公司"
    ticket = actions.do_transfer(ticket, acting_user=street.secretary, reason="供水公司说是物业问题",
                                 department="小区物业")
    assert ticket.level == Level.STREET and ticket.routing["code"] == "department_bounced"
    ticket = actions.do_assign(ticket, acting_user=street.street_officer, level=Level.GRID,
                               grid=first_grid(street), handler=street.grid_worker)
    assert ticket.assigned_by_street
    with pytest.raises(ValidationError) as refused:
        actions.do_return(ticket, acting_user=street.grid_worker, reason="不归我们")
    assert refused.value.message_dict["reason"]
    with pytest.raises(ValidationError):
        actions.do_transfer(ticket, acting_user=street.grid_worker, reason="不归我们", department="物业")
    assert actions.do_accept(ticket, acting_user=street.grid_worker).status == Status.ACCEPTED


def test_closing_without_a_fix_needs_a_reason_the_resident_reads(street: Street) -> None:
    ticket = file(street.resident, resident_house(street))
    with pytest.raises(ValidationError):
        actions.do_close_unfixed(ticket, acting_user=street.grid_worker, reason="不行")
    ticket = actions.do_close_unfixed(ticket, acting_user=street.grid_worker,
                                      reason="管道属于市政主管，已告知供水公司，请拨打962888")
    assert ticket.status == Status.UNRESOLVABLE
    assert ticket.events.filter(kind=EventKind.UNRESOLVABLE, public=True).exists()


# --- supervision ------------------------------------------------------------------------------------------

def test_sweep_warns_then_escalates_once(street: Street) -> None:
    ticket = file(street.resident, resident_house(street))
    assert actions.sweep(ticket.warn_at - datetime.timedelta(minutes=1)).warned == 0
    assert actions.sweep(ticket.warn_at).warned == 1
    assert actions.sweep(ticket.warn_at).warned == 0  # once
    result = actions.sweep(ticket.respond_by + datetime.timedelta(minutes=1))
    assert result.escalated == 1
    ticket.refresh_from_db()
    assert ticket.overdue and ticket.level == Level.COMMUNITY and ticket.escalations == 1
    assert ticket.handler == street.grid_worker  # still on it, now watched from above
    assert actions.sweep(ticket.respond_by + datetime.timedelta(hours=1)).escalated == 0


def test_accepted_late_the_clock_moves_on_to_the_resolution(street: Street) -> None:
    ticket = file(street.resident, resident_house(street))
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(respond_by=now - datetime.timedelta(hours=1),
                                               resolve_by=now + datetime.timedelta(hours=8))
    assert actions.sweep(now).escalated == 1
    ticket = actions.do_accept(ticket, acting_user=street.grid_worker)
    assert ticket.responded_late and not ticket.overdue
    assert ticket.warned_at is None and now < ticket.warn_at < ticket.resolve_by
    assert actions.sweep(ticket.resolve_by).escalated == 1  # late again, for the resolution
    ticket.refresh_from_db()
    assert ticket.overdue and ticket.level == Level.STREET and ticket.escalations == 2


def test_sweep_closes_resolved_requests_nobody_rated(street: Street, settings) -> None:  # type: ignore[no-untyped-def]
    ticket = actions.do_accept(file(street.resident, resident_house(street)), acting_user=street.grid_worker)
    ticket = actions.do_resolve(ticket, acting_user=street.grid_worker, outcome="已更换水管接头")
    later = ticket.resolved_at + datetime.timedelta(days=settings.LINLI_TICKET_REOPEN_DAYS, minutes=1)
    assert actions.sweep(later).closed == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and not ticket.rating


# --- the resident's side ---------------------------------------------------------------------------------

def test_rate_once_and_reopen_keeps_history(street: Street) -> None:
    ticket = actions.do_accept(file(street.resident, resident_house(street)), acting_user=street.grid_worker)
    ticket = actions.do_resolve(ticket, acting_user=street.grid_worker, outcome="已更换水管接头")
    ticket = actions.do_rate(ticket, acting_user=street.resident, rating="unsatisfied", comment="又漏了")
    assert ticket.status == Status.CLOSED
    with pytest.raises(ValidationError):
        actions.do_rate(ticket, acting_user=street.resident, rating="satisfied")
    ticket = actions.do_reopen(ticket, acting_user=street.resident, reason="第二天又开始漏水")
    assert (ticket.status, ticket.reopened, ticket.rating, ticket.responded_at) == (Status.NEW, 1, "", None)
    assert ticket.grid == first_grid(street)
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds[-1] == EventKind.REOPENED and EventKind.RATED in kinds and EventKind.RESOLVED in kinds


def test_reopening_is_limited_to_the_window(street: Street, settings) -> None:  # type: ignore[no-untyped-def]
    ticket = actions.do_accept(file(street.resident, resident_house(street)), acting_user=street.grid_worker)
    ticket = actions.do_resolve(ticket, acting_user=street.grid_worker, outcome="已更换水管接头")
    Ticket.objects.filter(pk=ticket.pk).update(
        resolved_at=timezone.now() - datetime.timedelta(days=settings.LINLI_TICKET_REOPEN_DAYS + 1))
    with pytest.raises(ValidationError) as refused:
        actions.do_reopen(ticket, acting_user=street.resident, reason="又漏了")
    assert refused.value.message_dict["reason"]


def test_only_the_resident_rates_her_request(street: Street) -> None:
    ticket = actions.do_accept(file(street.resident, resident_house(street)), acting_user=street.grid_worker)
    ticket = actions.do_resolve(ticket, acting_user=street.grid_worker, outcome="已更换水管接头")
    with pytest.raises(PermissionDenied):
        actions.do_rate(ticket, acting_user=street.grid_worker, rating="satisfied")


# --- duplicates ---------------------------------------------------------------------------------------------

def test_three_households_report_the_same_leak(street: Street) -> None:
    building = street.grid_building
    houses = list(Place.objects.filter(path__startswith=building.path, level=PlaceLevel.HOUSE).order_by("path")[:3])
    first = file(street.grid_worker, building, source=Source.PHONE, description="3号楼地下室水管爆裂")
    later = [file(street.grid_worker, house, source=Source.PHONE, description="楼道里全是水") for house in houses]
    assert first in actions.possible_duplicates(later[0])
    for ticket in later:
        actions.do_merge(ticket, acting_user=street.grid_worker, into=first)
    first = actions.do_accept(first, acting_user=street.grid_worker)
    actions.do_resolve(first, acting_user=street.grid_worker, outcome="已关闭总阀并更换爆裂水管")
    for ticket in later:
        ticket.refresh_from_db()
        assert ticket.status == Status.MERGED and ticket.outcome == "已关闭总阀并更换爆裂水管"
        assert ticket.events.filter(kind=EventKind.RESOLVED, public=True).exists()


def test_merging_refuses_other_categories(street: Street) -> None:
    house = resident_house(street)
    a = file(street.resident, house, "repair-water")
    b = file(street.resident, house, "noise")
    with pytest.raises(ValidationError):
        actions.do_merge(b, acting_user=street.grid_worker, into=a)
