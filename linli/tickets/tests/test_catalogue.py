"""The street office's pages for the catalogue, the working calendar and the duty lists; what the
admin site may still change there; and the duty lists on a grid worker's home page."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from linli.conftest import Street
from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent
from linli.places.models import Level as PlaceLevel
from linli.places.models import Place
from linli.tickets import actions, catalogue_actions, workcal
from linli.tickets.models import CalendarDay, Category, DutyItem, DutyKind, GridRole, Level, Ticket
from linli.tickets.routing import street_path
from linli.tickets.tests.helpers import category, file, grid_member

pytestmark = pytest.mark.django_db

PAGES = ("tickets:catalogue", "tickets:category_new", "tickets:calendar", "tickets:duties")


def resident_house(street: Street) -> Place:
    return street.resident.person.current_house


def street_of(street: Street) -> Place:
    return street.community.parent


def category_form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {"code": "lift-stuck", "name": "电梯困人", "name_en": "Someone stuck in a lift",
                               "level": "grid", "department": "", "respond_hours": 1, "resolve_hours": 4,
                               "clock": "round", "sort_key": ""}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def audit_actions(since: int) -> list[str]:
    return list(AuditEvent.objects.filter(seq__gt=since).order_by("seq").values_list("action", flat=True))


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


# --- who may ----------------------------------------------------------------------------------------------

def test_only_the_street_office_edits_the_catalogue(street: Street) -> None:
    officer = street.client_for(street.street_officer)
    for name in PAGES:
        assert officer.get(reverse(name)).status_code == 200
    water = category()
    for user in (street.secretary, street.grid_worker, street.resident, street.outsider):
        client = street.client_for(user)
        for name in PAGES:
            assert client.get(reverse(name)).status_code in (403, 404), (user, name)
        assert client.post(reverse("tickets:category_edit", args=[water.pk]),
                           category_form(name="改名")).status_code in (403, 404)
        assert client.post(reverse("tickets:category_active", args=[water.pk]), {"active": "0"}).status_code in (403, 404)
    water.refresh_from_db()
    assert water.name == "漏水、水管维修" and water.active
    with pytest.raises(PermissionDenied):
        catalogue_actions.do_set_category_active(water, False, acting_user=street.secretary)
    with pytest.raises(PermissionDenied):
        catalogue_actions.do_add_calendar_day(datetime.date(2030, 1, 2), False, acting_user=street.grid_worker)
    # The queue shows the way in to the street office only.
    assert reverse("tickets:catalogue") in officer.get(reverse("tickets:list")).content.decode()
    assert reverse("tickets:catalogue") not in street.client_for(street.secretary).get(
        reverse("tickets:list")).content.decode()


def test_another_streets_duty_lines_are_not_found(street: Street) -> None:
    far_street = Place.objects.create(parent=street_of(street).parent, level=PlaceLevel.STREET,
                                      element_type=street_of(street).element_type, code="310115999",
                                      name="别的街道", sort_key=999)
    far_line = catalogue_actions.do_add_duty_item(
        far_street, catalogue_actions.DutyInput(GridRole.LEADER, DutyKind.POWER, "别处的一行"), acting_user=street.admin)
    officer = street.client_for(street.street_officer)
    assert officer.get(reverse("tickets:duty_edit", args=[far_line.pk])).status_code == 404
    assert officer.post(reverse("tickets:duty_remove", args=[far_line.pk])).status_code == 404
    assert officer.get(reverse("tickets:duties") + f"?street={far_street.pk}").status_code == 404
    with pytest.raises(PermissionDenied):
        catalogue_actions.do_add_duty_item(
            far_street, catalogue_actions.DutyInput(GridRole.LEADER, DutyKind.POWER, "越界"),
            acting_user=street.street_officer)
    assert DutyItem.objects.filter(pk=far_line.pk).exists()


def test_with_two_streets_only_the_district_changes_the_shared_catalogue_and_calendar(street: Street) -> None:
    """The catalogue and the calendar count for every street of the installation: once a second
    street is served, its neighbour's officer reads them but cannot change them; an officer
    above both streets can."""
    from linli.core.models import Role, RoleAssignment, User

    water = category()
    officer = street.client_for(street.street_officer)
    assert officer.get(reverse("tickets:category_edit", args=[water.pk])).status_code == 200
    Place.objects.create(parent=street_of(street).parent, level=PlaceLevel.STREET,
                         element_type=street_of(street).element_type, code="310115998", name="邻近街道", sort_key=998)
    officer = street.client_for(street.street_officer)  # a new request: scopes are read again
    page = officer.get(reverse("tickets:catalogue")).content.decode()
    assert "shared-note" in page and reverse("tickets:category_new") not in page and "漏水" in page
    assert "shared-note" in officer.get(reverse("tickets:calendar")).content.decode()
    assert officer.get(reverse("tickets:category_edit", args=[water.pk])).status_code == 404
    assert officer.post(reverse("tickets:category_new"), category_form()).status_code == 403
    assert not Category.objects.filter(code="lift-stuck").exists()
    with pytest.raises(PermissionDenied):
        catalogue_actions.do_add_calendar_day(datetime.date(2030, 1, 2), False, acting_user=street.street_officer)
    with pytest.raises(PermissionDenied):
        catalogue_actions.do_set_category_active(water, False, acting_user=street.street_officer)
    # her own street's duty lists stay hers
    catalogue_actions.do_add_duty_item(street_of(street), catalogue_actions.DutyInput(
        GridRole.LEADER, DutyKind.POWER, "本街道的一行"), acting_user=street.street_officer)
    district = User.objects.create_user("district-officer", password="x-district-x")  # noqa: S106 - a test account
    RoleAssignment.objects.create(user=district, role=Role.objects.get(code="street_officer"),
                                  place=street_of(street).parent)
    added = catalogue_actions.do_add_calendar_day(datetime.date(2030, 1, 2), False, acting_user=district)
    assert added.pk and not added.working


# --- the catalogue -----------------------------------------------------------------------------------------

def test_adding_a_category_is_audited_and_offered_at_once(street: Street) -> None:
    officer = street.client_for(street.street_officer)
    before = last_seq()
    response = officer.post(reverse("tickets:category_new"), category_form())
    assert response.status_code == 302
    lift = Category.objects.get(code="lift-stuck")
    assert (lift.respond_hours, lift.resolve_hours, lift.clock, lift.active) == (1, 4, "round", True)
    assert lift.sort_key > Category.objects.exclude(pk=lift.pk).order_by("-sort_key").first().sort_key
    event = AuditEvent.objects.get(seq__gt=before, action="tickets.category_add")
    assert event.actor == street.street_officer and event.path == street_of(street).path
    assert event.detail["code"] == "lift-stuck"
    assert "电梯困人" in street.client_for(street.resident).get(reverse("tickets:new")).content.decode()


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"respond_hours": 0}, "respond_hours", "1"),
    ({"respond_hours": 8, "resolve_hours": 4}, "resolve_hours", "不能短于"),
    ({"resolve_hours": 5000}, "resolve_hours", "2000"),
    ({"level": "department", "department": " "}, "department", "部门"),
    ({"code": "repair-water"}, "code", "已有"),
    ({"code": "电梯"}, "code", ""),
    ({"name": ""}, "name", ""),
])
def test_a_bad_category_is_refused_with_a_clear_message(street: Street, changes: dict[str, object], field: str,
                                                        words: str) -> None:
    officer = street.client_for(street.street_officer)
    before, count = last_seq(), Category.objects.count()
    response = officer.post(reverse("tickets:category_new"), category_form(**changes))
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert field in errors, errors
    assert words in " ".join(errors[field])
    assert Category.objects.count() == count and audit_actions(before) == []


def test_the_action_says_why_in_both_languages(street: Street) -> None:
    data = catalogue_actions.CategoryInput(code="x-late", name="测试", respond_hours=10, resolve_hours=2)
    with pytest.raises(ValidationError) as refused:
        catalogue_actions.do_add_category(data, acting_user=street.street_officer)
    error = refused.value.error_dict["resolve_hours"][0]
    assert error.code == "resolve_before_respond"
    from django.utils import translation

    with translation.override("en"):
        assert "cannot be shorter than the time to the first response (10 hours)" in str(error.message % error.params)
    with translation.override("zh-hans"):
        assert "不能短于" in str(error.message % error.params)


def test_changed_limits_count_for_new_requests_only(street: Street) -> None:
    water = category()
    house = resident_house(street)
    old = file(street.resident, house)
    officer = street.client_for(street.street_officer)
    page = officer.get(reverse("tickets:category_edit", args=[water.pk])).content.decode()
    assert "1 条该类诉求正在办理" in page or "1 request of this category is open" in page
    before = last_seq()
    response = officer.post(reverse("tickets:category_edit", args=[water.pk]),
                            category_form(code=None, name="漏水、水管维修", respond_hours=1, resolve_hours=8,
                                          clock="working", sort_key=water.sort_key), follow=True)
    assert response.status_code == 200
    said = " ".join(str(m) for m in response.context["messages"])
    assert "1" in said and ("新时限" in said or "new limits" in said)
    water.refresh_from_db()
    assert (water.respond_hours, water.resolve_hours, water.code) == (1, 8, "repair-water")
    kept = Ticket.objects.get(pk=old.pk)
    assert (kept.respond_by, kept.resolve_by) == (old.respond_by, old.resolve_by)  # never recomputed
    new = file(street.resident, house)
    expected = workcal.add_hours(new.created_at, 1)
    assert abs((new.respond_by - expected).total_seconds()) < 1
    event = AuditEvent.objects.get(seq__gt=before, action="tickets.category_change")
    assert event.detail["changed"]["resolve_hours"] == [24, 8] and event.detail["open_requests"] == 1


def test_a_category_with_requests_is_deactivated_never_deleted(street: Street) -> None:
    noise = category("noise")
    ticket = file(street.resident, resident_house(street), "noise")
    officer = street.client_for(street.street_officer)
    before = last_seq()
    response = officer.post(reverse("tickets:category_active", args=[noise.pk]), {"active": "0"}, follow=True)
    assert response.status_code == 200
    noise.refresh_from_db()
    assert not noise.active
    assert audit_actions(before) == ["tickets.category_deactivate"]
    listing = officer.get(reverse("tickets:catalogue")).content.decode()
    inactive = listing.split('id="inactive-categories"')[1]
    assert "噪声扰民" in inactive
    assert "噪声扰民" not in street.client_for(street.resident).get(reverse("tickets:new")).content.decode()
    # its open request is still handled
    actions.do_accept(Ticket.objects.get(pk=ticket.pk), acting_user=street.grid_worker)
    officer.post(reverse("tickets:category_active", args=[noise.pk]), {"active": "1"})
    noise.refresh_from_db()
    assert noise.active
    before = last_seq()
    assert officer.post(reverse("tickets:category_active", args=[noise.pk])).status_code == 302  # says neither
    noise.refresh_from_db()
    assert noise.active and audit_actions(before) == []


def test_the_catalogue_counts_open_requests_of_the_area(street: Street) -> None:
    house = resident_house(street)
    for _ in range(2):
        file(street.resident, house, "environment")
    done = file(street.resident, house, "environment")
    actions.do_accept(done, acting_user=street.grid_worker)
    actions.do_resolve(done, acting_user=street.grid_worker, outcome="已清运完毕")
    page = street.client_for(street.street_officer).get(reverse("tickets:catalogue"))
    row = next(r for r in page.context["active"] if r["category"].code == "environment")
    assert row["open"] == 2 and row["overdue"] == 0
    assert 'id="category-environment"' in page.content.decode()


# --- the working calendar -------------------------------------------------------------------------------

def test_calendar_corrections_are_added_refused_twice_and_removed(street: Street) -> None:
    officer = street.client_for(street.street_officer)
    day = timezone.localdate() + datetime.timedelta(days=30)
    while day.weekday() != 5:  # a Saturday made a working day
        day += datetime.timedelta(days=1)
    before = last_seq()
    response = officer.post(reverse("tickets:calendar"), {"date": day.isoformat(), "working": "1", "note": "调休上班"})
    assert response.status_code == 302
    row = CalendarDay.objects.get(date=day)
    assert row.working and row.note == "调休上班"
    assert workcal.Calendar.load(day).is_working(day)
    again = officer.post(reverse("tickets:calendar"), {"date": day.isoformat(), "working": "0"})
    assert again.status_code == 422
    assert "已经更正" in " ".join(again.context["form"].errors["date"]) or \
        "already corrected" in " ".join(again.context["form"].errors["date"])
    assert CalendarDay.objects.filter(date=day).count() == 1
    edited = officer.post(reverse("tickets:calendar_edit", args=[row.pk]),
                          {"date": day.isoformat(), "working": "0", "note": "台风停工"})
    assert edited.status_code == 302
    row.refresh_from_db()
    assert not row.working
    officer.post(reverse("tickets:calendar_remove", args=[row.pk]))
    assert not CalendarDay.objects.filter(date=day).exists()
    assert audit_actions(before) == ["tickets.calendar_add", "tickets.calendar_change", "tickets.calendar_remove"]
    removed = AuditEvent.objects.get(seq__gt=before, action="tickets.calendar_remove")
    assert removed.detail["date"] == day.isoformat() and removed.object_id == str(row.pk)


def test_moving_a_correction_onto_a_corrected_date_is_refused(street: Street) -> None:
    a = catalogue_actions.do_add_calendar_day(datetime.date(2031, 3, 3), False, acting_user=street.street_officer)
    catalogue_actions.do_add_calendar_day(datetime.date(2031, 3, 4), False, acting_user=street.street_officer)
    with pytest.raises(ValidationError) as refused:
        catalogue_actions.do_change_calendar_day(a, datetime.date(2031, 3, 4), True,
                                                 acting_user=street.street_officer)
    assert refused.value.error_dict["date"][0].code == "date_corrected"
    a.refresh_from_db()
    assert a.date == datetime.date(2031, 3, 3) and not a.working


# --- the duty lists -------------------------------------------------------------------------------------

def add_line(client, **data: object):  # type: ignore[no-untyped-def]
    return client.post(reverse("tickets:duties"), data, follow=True)


def test_a_negative_line_added_on_the_page_keeps_requests_away_from_the_role(street: Street) -> None:
    officer = street.client_for(street.street_officer)
    house = resident_house(street)
    assert file(street.resident, house, "noise").handler == street.grid_worker  # the leader, before
    before = last_seq()
    response = add_line(officer, role="leader", kind="negative", text="噪声执法不是网格长的事",
                        category=category("noise").pk)
    assert response.status_code == 200
    line = DutyItem.objects.get(text="噪声执法不是网格长的事")
    assert line.path == street_path(house.path) and line.routes
    assert audit_actions(before) == ["tickets.duty_add"]
    ticket = file(street.resident, house, "noise")
    # The leader is excluded; the other member (a volunteer) may not handle requests: the community answers.
    assert (ticket.level, ticket.handler, ticket.routing["code"]) == (Level.COMMUNITY, None, "negative_list")
    assert file(street.resident, house, "repair-water").handler == street.grid_worker  # other categories still come


def test_a_negative_line_for_the_leader_passes_requests_to_a_member(street: Street) -> None:
    member = grid_member(street)
    officer = street.client_for(street.street_officer)
    add_line(officer, role="leader", kind="negative", text="噪声执法不是网格长的事", category=category("noise").pk)
    ticket = file(street.resident, resident_house(street), "noise")
    assert (ticket.level, ticket.handler) == (Level.GRID, member)
    # and the member's own negative line: both roles excluded, the page says where it goes now
    response = add_line(officer, role="member", kind="negative", text="噪声问题交城管", category=category("noise").pk)
    said = " ".join(str(m) for m in response.context["messages"])
    assert "社区" in said or "community office" in said
    assert file(street.resident, resident_house(street), "noise").level == Level.COMMUNITY


@pytest.mark.parametrize(("data", "field", "code"), [
    ({"role": "leader", "kind": "responsibility", "text": "负责噪声", "category": "noise"}, "category",
     "category_not_negative"),
    ({"role": "leader", "kind": "negative", "text": "x", "category": ""}, "text", ""),
    ({"role": "chief", "kind": "power", "text": "决定一切"}, "role", ""),
])
def test_bad_duty_lines_are_refused(street: Street, data: dict[str, str], field: str, code: str) -> None:
    if data.get("category"):
        data = {**data, "category": str(category(data["category"]).pk)}
    officer = street.client_for(street.street_officer)
    count, before = DutyItem.objects.count(), last_seq()
    response = officer.post(reverse("tickets:duties"), data)
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert DutyItem.objects.count() == count and audit_actions(before) == []
    if code:
        with pytest.raises(ValidationError) as refused:
            catalogue_actions.do_add_duty_item(street_of(street), catalogue_actions.DutyInput(
                data["role"], data["kind"], data["text"], category=Category.objects.get(pk=data["category"])),
                acting_user=street.street_officer)
        assert refused.value.error_dict[field][0].code == code


def test_the_same_category_twice_on_a_negative_list_is_refused(street: Street) -> None:
    officer = street.client_for(street.street_officer)
    noise = category("noise").pk
    add_line(officer, role="member", kind="negative", text="不处理噪声", category=noise)
    response = officer.post(reverse("tickets:duties"), {"role": "member", "kind": "negative", "text": "再一次",
                                                        "category": noise})
    assert response.status_code == 422
    assert "不处理噪声" in " ".join(response.context["form"].errors["category"])


def test_a_negative_line_without_a_category_is_kept_and_said_not_to_route(street: Street) -> None:
    officer = street.client_for(street.street_officer)
    response = add_line(officer, role="member", kind="negative", text="不得代替执法部门执法")
    said = " ".join(str(m) for m in response.context["messages"])
    assert "不改变诉求的派发" in said or "routing does not change" in said
    line = DutyItem.objects.get(text="不得代替执法部门执法")
    assert not line.routes
    assert "不参与派发" in response.content.decode() or "not used in routing" in response.content.decode()


def test_duty_lines_are_edited_and_removed_with_audit_rows(street: Street) -> None:
    officer = street.client_for(street.street_officer)
    add_line(officer, role="member", kind="power", text="协调邻里小事")
    line = DutyItem.objects.get(text="协调邻里小事")
    before = last_seq()
    response = officer.post(reverse("tickets:duty_edit", args=[line.pk]),
                            {"role": "member", "kind": "power", "text": "协调邻里之间的小矛盾", "sort_key": "5"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.text, line.sort_key) == ("协调邻里之间的小矛盾", 5)
    officer.post(reverse("tickets:duty_remove", args=[line.pk]))
    assert not DutyItem.objects.filter(pk=line.pk).exists()
    assert audit_actions(before) == ["tickets.duty_change", "tickets.duty_remove"]
    change = AuditEvent.objects.get(seq__gt=before, action="tickets.duty_change")
    assert change.detail["before"]["text"] == "协调邻里小事" and change.path == line.path


# --- the admin site obeys the same rules ------------------------------------------------------------------

def test_the_admin_site_cannot_bypass_the_rules(street: Street) -> None:
    admin = street.client_for(street.admin)
    count = Category.objects.count()
    response = admin.post("/admin/tickets/category/add/", {
        "code": "admin-bad", "name": "坏", "level": "department", "department": "", "respond_hours": 8,
        "resolve_hours": 2, "clock": "working", "sort_key": 0, "active": "on"})
    assert response.status_code == 200  # the form again, with the errors
    errors = response.context["adminform"].form.errors
    assert {"resolve_hours", "department"} <= set(errors)
    assert Category.objects.count() == count
    noise = category("noise")
    response = admin.post("/admin/tickets/dutyitem/add/", {
        "role": "leader", "kind": "power", "text": "噪声", "category": noise.pk, "sort_key": 0})
    assert response.status_code == 200 and "category" in response.context["adminform"].form.errors
    before = last_seq()
    response = admin.post("/admin/tickets/dutyitem/add/", {
        "role": "leader", "kind": "negative", "text": "噪声执法", "category": noise.pk, "sort_key": 0})
    assert response.status_code == 302
    line = DutyItem.objects.get(text="噪声执法")
    assert line.path == street_of(street).path
    assert audit_actions(before) == ["tickets.duty_add"]
    response = admin.post("/admin/tickets/dutyitem/add/", {
        "role": "leader", "kind": "negative", "text": "又一次", "category": noise.pk, "sort_key": 0})
    assert response.status_code == 200 and "category" in response.context["adminform"].form.errors
    response = admin.post("/admin/tickets/calendarday/add/", {"date": "2031-05-06", "working": "on"})
    assert response.status_code == 302
    response = admin.post("/admin/tickets/calendarday/add/", {"date": "2031-05-06"})
    assert response.status_code == 200 and "date" in response.context["adminform"].form.errors


# --- a grid worker reads her role's lists ------------------------------------------------------------------

def test_the_grid_worker_reads_her_roles_lists_on_her_home_page(street: Street) -> None:
    place = street_of(street)
    for role, kind, text, code in (
            (GridRole.LEADER, DutyKind.POWER, "组织网格内的议事协商", None),
            (GridRole.LEADER, DutyKind.RESPONSIBILITY, "每月走访重点人群", None),
            (GridRole.LEADER, DutyKind.NEGATIVE, "不处理违法搭建执法", "illegal-building"),
            (GridRole.MEMBER, DutyKind.RESPONSIBILITY, "协助网格长巡查", None)):
        catalogue_actions.do_add_duty_item(place, catalogue_actions.DutyInput(
            role, kind, text, category=category(code) if code else None), acting_user=street.street_officer)
    home = street.client_for(street.grid_worker).get(reverse("home")).content.decode()
    section = home.split('id="duties"')[1].split("</section>")[0]
    assert "<details" in section and "<details open" not in section  # folded
    assert "组织网格内的议事协商" in section and "每月走访重点人群" in section and "不处理违法搭建执法" in section
    assert "协助网格长巡查" not in section  # the member's list is not hers
    member = grid_member(street)
    theirs = street.client_for(member).get(reverse("home")).content.decode()
    assert "协助网格长巡查" in theirs and "组织网格内的议事协商" not in theirs
    for user in (street.secretary, street.resident, street.volunteer):
        assert 'id="duties"' not in street.client_for(user).get(reverse("home")).content.decode()



def test_the_demo_street_gets_duty_lists_once(street: Street) -> None:
    from linli.tickets.demo import DEMO_DUTIES, prepare_demo_duties

    assert prepare_demo_duties() == len(DEMO_DUTIES)
    assert prepare_demo_duties() == 0
    routed = DutyItem.objects.filter(path=street_of(street).path, kind=DutyKind.NEGATIVE, category__isnull=False)
    assert [line.role for line in routed] == [GridRole.MEMBER]  # the leader still takes every grid request


def test_a_page_removing_a_correction_removed_meanwhile_answers_not_found(street: Street, monkeypatch) -> None:
    """The page's removal raced another: the row was found, then gone when read again under the
    action's lock. The page answers 404, as it would a moment later, not a server error."""
    from django.test import Client

    from linli.tickets import catalogue_views

    day = CalendarDay.objects.create(date=timezone.localdate() + datetime.timedelta(days=500), working=False)
    found = catalogue_views.get_or_404

    def found_then_removed(*args, **kwargs):
        row = found(*args, **kwargs)
        CalendarDay.objects.filter(pk=row.pk).delete()
        return row

    monkeypatch.setattr(catalogue_views, "get_or_404", found_then_removed)
    officer = street.client_for(street.street_officer)
    quiet = Client(raise_request_exception=False)
    quiet.cookies = officer.cookies
    answer = quiet.post(reverse("tickets:calendar_remove", args=[day.pk]))
    assert answer.status_code == 404
    assert not AuditEvent.objects.filter(action="tickets.calendar_remove").exists()
