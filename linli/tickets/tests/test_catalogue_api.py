"""The catalogue, the working calendar and the duty lists over the API: the street office
changes them through the same actions as its pages (audited); everyone else is refused; bad
input is a bilingual 422 that writes nothing; another street's lines are not found."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from linli.conftest import Street
from linli.core.api_auth import create_token
from linli.core.models import AuditEvent
from linli.places.models import Level as PlaceLevel
from linli.places.models import Place
from linli.tickets import catalogue_actions
from linli.tickets.models import CalendarDay, Category, DutyItem, DutyKind, GridRole, Ticket
from linli.tickets.tests.helpers import category, file

pytestmark = pytest.mark.django_db

CATALOGUE_EVENTS = ("tickets.category_", "tickets.calendar_", "tickets.duty_")

def days_ahead(n: int) -> str:
    """A date ``n`` days from today, as the API takes it (dates too far ahead are refused)."""
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


LIFT = {"code": "lift-stuck", "name": "电梯困人", "name_en": "Someone stuck in a lift", "respond_hours": 1,
        "resolve_hours": 4, "clock": "round"}


class Caller:
    """One user's bearer-token client for ``/api/requests``."""

    def __init__(self, user: Any) -> None:
        self.client = Client(raise_request_exception=False)
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {create_token(user, 'test')}"}

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/requests{path}", **self.auth)

    def post(self, path: str, body: Any = None, *, raw: str | None = None) -> Any:
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(f"/api/requests{path}", data, content_type="application/json", **self.auth)


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def audit_since(seq: int) -> list[str]:
    """The catalogue's audit rows since ``seq`` (a token made, a request filed write their own)."""
    rows = AuditEvent.objects.filter(seq__gt=seq).order_by("seq").values_list("action", flat=True)
    return [action for action in rows if action.startswith(CATALOGUE_EVENTS)]


def street_of(street: Street) -> Place:
    return street.community.parent


def another_street(street: Street) -> Place:
    here = street_of(street)
    return Place.objects.create(parent=here.parent, level=PlaceLevel.STREET, element_type=here.element_type,
                                code="310115999", name="别的街道", sort_key=999)


def refused_in_both_languages(response: Any, field: str, code: str = "") -> dict[str, Any]:
    assert response.status_code == 422, response.content
    items = response.json()["detail"]
    item = next((i for i in items if i["loc"][-1] == field), None)
    assert item is not None, items
    assert item["msg"] and item["msg_zh"] and item["msg"] != item["msg_zh"]
    if code:
        assert item["code"] == code, item
    return item


# --- the catalogue -----------------------------------------------------------------------------------------

def test_the_street_adds_changes_and_deactivates_a_category(street: Street) -> None:
    officer = Caller(street.street_officer)
    before = last_seq()
    added = officer.post("/categories", LIFT)
    assert added.status_code == 201, added.content
    body = added.json()
    lift = Category.objects.get(code="lift-stuck")
    assert body["id"] == lift.pk and body["active"] and (lift.respond_hours, lift.clock) == (1, "round")
    assert lift.sort_key > Category.objects.exclude(pk=lift.pk).order_by("-sort_key").first().sort_key
    resident = Caller(street.resident)
    assert "lift-stuck" in {c["code"] for c in resident.get("/categories").json()}  # offered at once

    # A change sends only what changes; the open requests keep the limits they were filed with.
    filed = file(street.resident, street.resident.person.current_house, "lift-stuck")
    changed = officer.post(f"/categories/{lift.pk}", {"resolve_hours": 8, "name_en": "Lift stuck"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["changed"] == ["name_en", "resolve_hours"] and changed.json()["open_requests"] == 1
    lift.refresh_from_db()
    assert (lift.name, lift.resolve_hours, lift.respond_hours, lift.clock) == ("电梯困人", 8, 1, "round")
    assert Ticket.objects.get(pk=filed.pk).resolve_by == filed.resolve_by

    # Stopped, not deleted: residents no longer get it; its editors still do, when they ask.
    stopped = officer.post(f"/categories/{lift.pk}/active", {"active": False})
    assert stopped.status_code == 200 and stopped.json()["active"] is False and stopped.json()["changed"] == ["active"]
    assert "lift-stuck" not in {c["code"] for c in resident.get("/categories").json()}
    assert "lift-stuck" not in {c["code"] for c in officer.get("/categories").json()}
    listed = {c["code"]: c for c in officer.get("/categories?include_inactive=true").json()}
    assert listed["lift-stuck"]["active"] is False and listed["repair-water"]["active"] is True
    assert resident.get("/categories?include_inactive=true").status_code == 403
    again = officer.post(f"/categories/{lift.pk}/active", {"active": False})
    assert again.status_code == 200 and again.json()["changed"] == []  # already so: nothing written
    assert officer.post(f"/categories/{lift.pk}/active", {"active": True}).json()["active"] is True

    assert audit_since(before) == ["tickets.category_add", "tickets.category_change", "tickets.category_deactivate",
                                   "tickets.category_activate"]
    event = AuditEvent.objects.get(seq__gt=before, action="tickets.category_change")
    assert event.actor == street.street_officer and event.detail["changed"]["resolve_hours"] == [4, 8]


@pytest.mark.parametrize(("body", "field", "code"), [
    ({**LIFT, "code": "repair-water"}, "code", "duplicate_code"),
    ({**LIFT, "code": "REPAIR-WATER "}, "code", "duplicate_code"),
    ({**LIFT, "code": "电梯"}, "code", "invalid"),
    ({**LIFT, "code": ""}, "code", "too_short"),
    ({**LIFT, "respond_hours": 8, "resolve_hours": 4}, "resolve_hours", "resolve_before_respond"),
    ({**LIFT, "level": "department", "department": "  "}, "department", "department_required"),
    ({**LIFT, "level": "district"}, "level", "literal_error"),
    ({**LIFT, "respond_hours": 0}, "respond_hours", "greater_than_equal"),
    ({**LIFT, "resolve_hours": 10**30}, "resolve_hours", "less_than_equal"),
    ({**LIFT, "sort_key": -1}, "sort_key", "greater_than_equal"),
    ({**LIFT, "name": "\u200b"}, "name", "too_short"),
    ({**LIFT, "name": "电梯\u0000困人"}, "name", "control_characters"),
    ({**LIFT, "name": "长" * 65}, "name", "string_too_long"),
    ({**LIFT, "delivery": "maybe"}, "delivery", "bool_parsing"),
    ({k: v for k, v in LIFT.items() if k != "resolve_hours"}, "resolve_hours", "missing"),
])
def test_a_bad_category_is_a_bilingual_422_that_writes_nothing(street: Street, body: dict[str, Any], field: str,
                                                                code: str) -> None:
    count, before = Category.objects.count(), last_seq()
    refused_in_both_languages(Caller(street.street_officer).post("/categories", body), field, code)
    assert Category.objects.count() == count and audit_since(before) == []


def test_a_bad_change_leaves_the_category_as_it_was(street: Street) -> None:
    officer = Caller(street.street_officer)
    water = category()
    before = last_seq()
    refused_in_both_languages(officer.post(f"/categories/{water.pk}", {"respond_hours": 100}), "resolve_hours",
                              "resolve_before_respond")
    refused_in_both_languages(officer.post(f"/categories/{water.pk}", {"level": "department"}), "department",
                              "department_required")
    refused_in_both_languages(officer.post(f"/categories/{water.pk}/active", {}), "active", "missing")
    assert officer.post(f"/categories/{water.pk}", raw="{not json").status_code == 400
    assert officer.post("/categories", raw="[1, 2]").status_code == 422
    assert officer.post("/categories/99999999", {"name": "无"}).status_code == 404
    assert officer.post("/categories/0", {"name": "无"}).status_code == 422
    assert officer.post(f"/categories/{2**63}", {"name": "无"}).status_code == 422
    water.refresh_from_db()
    assert (water.respond_hours, water.level, water.active) == (2, "grid", True) and audit_since(before) == []


def test_only_the_street_office_edits_the_catalogue(street: Street) -> None:
    water = category()
    Caller(street.street_officer).post("/calendar", {"date": days_ahead(100), "working": True})
    day = CalendarDay.objects.get(date=datetime.date.fromisoformat(days_ahead(100)))
    line = catalogue_actions.do_add_duty_item(street_of(street), catalogue_actions.DutyInput(
        GridRole.MEMBER, DutyKind.POWER, "协调邻里小事"), acting_user=street.street_officer)
    before = last_seq()
    for user in (street.grid_worker, street.resident, street.secretary, street.volunteer, street.outsider):
        caller = Caller(user)
        # No way in at all: 403, as the pages' lists and forms answer.
        for path, body in (("/categories", LIFT), ("/calendar", {"date": days_ahead(101), "working": False}),
                           ("/duties", {"street_id": street_of(street).pk, "role": "leader", "kind": "power",
                                        "text": "组织议事协商"})):
            assert caller.post(path, body).status_code == 403, (user, path)
        for path in ("/calendar", f"/duties?street_id={street_of(street).pk}", "/categories?include_inactive=1"):
            assert caller.get(path).status_code == 403, (user, path)
        # An object she may not edit is not found, as on the pages.
        for path, body in ((f"/categories/{water.pk}", {"name": "改名"}), (f"/categories/{water.pk}/active",
                                                                          {"active": False}),
                           (f"/calendar/{day.pk}", {"working": False}), (f"/calendar/{day.pk}/remove", None),
                           (f"/duties/{line.pk}", {"text": "改一改"}), (f"/duties/{line.pk}/remove", None)):
            assert caller.post(path, body).status_code == 404, (user, path)
    water.refresh_from_db()
    day.refresh_from_db()
    line.refresh_from_db()
    assert (water.name, water.active, day.working, line.text) == ("漏水、水管维修", True, True, "协调邻里小事")
    assert not Category.objects.filter(code="lift-stuck").exists() and audit_since(before) == []
    # Those who file or handle requests still read what is offered.
    for user in (street.grid_worker, street.resident, street.secretary):
        assert Caller(user).get("/categories").status_code == 200
    assert Caller(street.volunteer).get("/categories").status_code == 403


# --- the working calendar -----------------------------------------------------------------------------------

def test_calendar_corrections_over_the_api(street: Street) -> None:
    officer = Caller(street.street_officer)
    saturday = timezone.localdate() + datetime.timedelta(days=30)
    while saturday.weekday() != 5:
        saturday += datetime.timedelta(days=1)
    before = last_seq()
    added = officer.post("/calendar", {"date": saturday.isoformat(), "working": True, "note": "调休上班"})
    assert added.status_code == 201, added.content
    row = added.json()
    assert (row["working"], row["note"], row["national_working"]) == (True, "调休上班", False) and row["kind_text"]
    twice = officer.post("/calendar", {"date": saturday.isoformat(), "working": False})
    refused_in_both_languages(twice, "date", "date_corrected")
    assert CalendarDay.objects.filter(date=saturday).count() == 1

    other = officer.post("/calendar", {"date": days_ahead(400), "working": False}).json()
    assert [d["date"] for d in officer.get(f"/calendar?year={saturday.year}").json()] == [saturday.isoformat()]
    assert {d["date"] for d in officer.get("/calendar").json()} == {saturday.isoformat(), days_ahead(400)}
    assert officer.get("/calendar?year=1").status_code == 422

    # A change keeps what it leaves out; moving onto a corrected date is refused.
    changed = officer.post(f"/calendar/{row['id']}", {"working": False})
    assert changed.status_code == 200 and (changed.json()["working"], changed.json()["note"]) == (False, "调休上班")
    refused_in_both_languages(officer.post(f"/calendar/{row['id']}", {"date": days_ahead(400)}), "date",
                              "date_corrected")
    assert CalendarDay.objects.get(pk=row["id"]).date == saturday

    removed = officer.post(f"/calendar/{other['id']}/remove")
    assert removed.status_code == 204 and removed.content == b""
    assert not CalendarDay.objects.filter(pk=other["id"]).exists()
    assert officer.post(f"/calendar/{other['id']}/remove").status_code == 404
    assert audit_since(before) == ["tickets.calendar_add", "tickets.calendar_add", "tickets.calendar_change",
                                   "tickets.calendar_remove"]


@pytest.mark.parametrize(("body", "field", "code"), [
    ({"date": "2027-13-01", "working": True}, "date", ""),
    ({"date": "0", "working": True}, "date", "date_format"),
    ({"date": 0, "working": True}, "date", "date_format"),
    ({"date": "1800-01-01", "working": True}, "date", "date_range"),
    ({"date": days_ahead(100)}, "working", "missing"),
    ({"date": days_ahead(100), "working": True, "note": "长" * 101}, "note", "string_too_long"),
    ({"date": days_ahead(100), "working": True, "note": "台风\u0007"}, "note", "control_characters"),
])
def test_a_bad_calendar_day_is_a_bilingual_422(street: Street, body: dict[str, Any], field: str, code: str) -> None:
    count, before = CalendarDay.objects.count(), last_seq()
    refused_in_both_languages(Caller(street.street_officer).post("/calendar", body), field, code)
    assert CalendarDay.objects.count() == count and audit_since(before) == []


# --- the duty lists ------------------------------------------------------------------------------------------

def test_duty_lines_over_the_api(street: Street) -> None:
    officer = Caller(street.street_officer)
    here = street_of(street)
    before = last_seq()
    added = officer.post("/duties", {"street_id": here.pk, "role": "leader", "kind": "negative",
                                     "text": "噪声执法不是网格长的事", "category": "noise"})
    assert added.status_code == 201, added.content
    line = added.json()
    assert (line["category"], line["routes"], line["street_id"]) == ("noise", True, here.pk)
    assert line["notices"] == []  # a grid category, the member still takes it
    kept = DutyItem.objects.get(pk=line["id"])
    assert kept.path == here.path and kept.category == category("noise")
    # The requests of the category no longer go to the grid leader.
    assert file(street.resident, street.resident.person.current_house, "noise").handler != street.grid_worker

    plain = officer.post("/duties", {"street_id": here.pk, "role": "member", "kind": "power", "text": "协调邻里小事"})
    assert plain.status_code == 201 and plain.json()["notices"] == []
    listed = officer.get(f"/duties?street_id={here.pk}").json()
    assert {d["id"] for d in listed} >= {line["id"], plain.json()["id"]}
    only = officer.get(f"/duties?street_id={here.pk}&role=leader&kind=negative").json()
    assert [d["id"] for d in only] == [line["id"]]

    # Taking the category off a negative line: kept for grid workers to read, said not to route.
    changed = officer.post(f"/duties/{line['id']}", {"category": ""})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["category"], changed.json()["routes"], changed.json()["text"]) == (
        None, False, "噪声执法不是网格长的事")
    assert changed.json()["notices"], "the answer says the line does not route"
    assert officer.post(f"/duties/{line['id']}", {"text": "不处理噪声执法", "sort_key": 5}).json()["sort_key"] == 5
    removed = officer.post(f"/duties/{plain.json()['id']}/remove")
    assert removed.status_code == 204
    assert not DutyItem.objects.filter(pk=plain.json()["id"]).exists()
    assert audit_since(before) == ["tickets.duty_add", "tickets.duty_add", "tickets.duty_change",
                                   "tickets.duty_change", "tickets.duty_remove"]
    change = AuditEvent.objects.filter(seq__gt=before, action="tickets.duty_change").order_by("seq").first()
    assert change.detail["before"]["category"] == "noise" and change.detail["after"]["category"] is None


@pytest.mark.parametrize(("body", "field", "code"), [
    ({"role": "leader", "kind": "power", "text": "负责噪声", "category": "noise"}, "category",
     "category_not_negative"),
    ({"role": "leader", "kind": "negative", "text": "不处理", "category": "no-such-thing"}, "category",
     "invalid_choice"),
    ({"role": "leader", "kind": "negative", "text": "x"}, "text", "string_too_short"),
    ({"role": "leader", "kind": "negative", "text": "   "}, "text", "too_short"),
    ({"role": "leader", "kind": "negative", "text": "不处理", "category": "noise\u0000"}, "category",
     "control_characters"),
    ({"role": "chief", "kind": "power", "text": "决定一切"}, "role", "literal_error"),
    ({"role": "leader", "kind": "power", "text": "长" * 301}, "text", "string_too_long"),
    ({"role": "leader", "kind": "power"}, "text", "missing"),
])
def test_a_bad_duty_line_is_a_bilingual_422(street: Street, body: dict[str, Any], field: str, code: str) -> None:
    count, before = DutyItem.objects.count(), last_seq()
    response = Caller(street.street_officer).post("/duties", {"street_id": street_of(street).pk, **body})
    refused_in_both_languages(response, field, code)
    assert DutyItem.objects.count() == count and audit_since(before) == []


def test_the_same_category_twice_on_a_negative_list_is_refused(street: Street) -> None:
    officer = Caller(street.street_officer)
    body = {"street_id": street_of(street).pk, "role": "member", "kind": "negative", "category": "noise"}
    assert officer.post("/duties", {**body, "text": "不处理噪声"}).status_code == 201
    twice = refused_in_both_languages(officer.post("/duties", {**body, "text": "再一次"}), "category",
                                      "duplicate_negative")
    assert "不处理噪声" in twice["msg_zh"]


def test_another_streets_lines_are_not_found(street: Street) -> None:
    far = another_street(street)
    far_line = catalogue_actions.do_add_duty_item(
        far, catalogue_actions.DutyInput(GridRole.LEADER, DutyKind.POWER, "别处的一行"), acting_user=street.admin)
    officer = Caller(street.street_officer)
    before = last_seq()
    assert officer.get(f"/duties?street_id={far.pk}").status_code == 404
    assert officer.post("/duties", {"street_id": far.pk, "role": "leader", "kind": "power",
                                    "text": "越界的一行"}).status_code == 404
    assert officer.post(f"/duties/{far_line.pk}", {"text": "改别处的"}).status_code == 404
    assert officer.post(f"/duties/{far_line.pk}/remove").status_code == 404
    # A community is not a street: its lists do not exist.
    assert officer.get(f"/duties?street_id={street.community.pk}").status_code == 404
    assert officer.get("/duties").status_code == 422  # which street: required
    far_line.refresh_from_db()
    assert far_line.text == "别处的一行" and audit_since(before) == []
    # The administrator reaches every street.
    assert [d["id"] for d in Caller(street.admin).get(f"/duties?street_id={far.pk}").json()] == [far_line.pk]


def test_with_two_streets_a_street_officer_reads_but_does_not_change_what_they_share(street: Street) -> None:
    water = category()
    Place.objects.create(parent=street.community.parent.parent, level=PlaceLevel.STREET,
                         element_type=street.community.parent.element_type, code="310115998", name="邻近街道",
                         sort_key=998)
    officer = Caller(street.street_officer)
    listed = officer.get("/categories?include_inactive=true")
    assert listed.status_code == 200 and water.code in {c["code"] for c in listed.json()}
    before = last_seq()
    assert officer.post("/categories", LIFT).status_code == 403
    assert officer.post(f"/categories/{water.pk}", {"name": "改名"}).status_code == 404
    assert officer.post("/calendar", {"date": days_ahead(30), "working": False}).status_code == 403
    assert not Category.objects.filter(code="lift-stuck").exists() and not CalendarDay.objects.exists()
    assert audit_since(before) == []


def test_a_correction_removed_meanwhile_is_not_found_not_a_server_error(street: Street, monkeypatch: Any) -> None:
    """Two removals of one day at the same moment: the second found the row, then read it again
    under its lock after the first had removed it. It answered 500."""
    from linli.tickets import catalogue_api

    day = CalendarDay.objects.create(date=timezone.localdate() + datetime.timedelta(days=500), working=False)
    found = catalogue_api.get_or_404

    def found_then_removed(*args: Any, **kwargs: Any) -> Any:
        row = found(*args, **kwargs)
        CalendarDay.objects.filter(pk=row.pk).delete()  # the other request's removal
        return row

    monkeypatch.setattr(catalogue_api, "get_or_404", found_then_removed)
    before = last_seq()
    answer = Caller(street.street_officer).post(f"/calendar/{day.pk}/remove")
    assert answer.status_code == 404, answer.content
    assert answer.json()["detail"] and answer.json()["detail_zh"]
    assert audit_since(before) == []  # nothing recorded for a removal that did not happen here
