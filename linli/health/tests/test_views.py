"""The epidemic pages: every page three ways (no permission, permission, outside the scope),
and what each page must let people do."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from linli.conftest import PASSWORD
from linli.core.models import AuditEvent, Role, RoleAssignment, User
from linli.health import actions
from linli.health.models import (
    AccessRecord,
    Arrival,
    Case,
    Channel,
    CheckIn,
    EpidemicMode,
    FollowUp,
    IssuedPass,
    MonitoringDevice,
    QuarantineOrder,
    RiskArea,
    RuleSet,
    Trace,
)
from linli.ledger import log
from linli.people.models import Person
from linli.places.models import Level, Place


@pytest.fixture(autouse=True)
def quiet(settings: Any) -> Any:
    settings.LINLI_CHECKIN_DEADLINE_HOUR = 24  # nobody is late unless a test says so
    log.forget_tree()
    yield
    log.forget_tree()


@pytest.fixture
def far_officer(street: Any) -> User:
    """A health officer of the other community: the first grid is outside her scope."""
    user = User.objects.create_user("far-health", password=PASSWORD)
    RoleAssignment.objects.create(user=user, role=Role.objects.get(code="health_officer"),
                                  place=street.other_community)
    return user


def _resident(street: Any, n: int = 0) -> Person:
    return Person.objects.filter(path__startswith=street.grid_building.path, is_active=True).order_by("pk")[n]


def _far(street: Any) -> Person:
    return Person.objects.filter(path__startswith=street.far_building.path, is_active=True).order_by("pk")[0]


def _epidemic(street: Any) -> None:
    EpidemicMode.objects.create(place=street.community.parent, active=True)


def _order(street: Any, n: int = 5) -> QuarantineOrder:
    return actions.do_order_quarantine(_resident(street, n), acting_user=street.health_officer,
                                       reason="close_contact", colour="red",
                                       last_exposure=timezone.localdate() - datetime.timedelta(days=2))


def _case_with_trace(street: Any) -> Trace:
    case, contact, second = _resident(street, 6), _resident(street, 7), _resident(street, 8)
    start = timezone.now() - datetime.timedelta(hours=6)
    place = street.grid_building
    for person, offset, minutes in ((case, 0, 60), (contact, 10, 40)):
        AccessRecord.objects.create(person=person, place=place, path=person.path,
                                    entered_at=start + datetime.timedelta(minutes=offset),
                                    left_at=start + datetime.timedelta(minutes=offset + minutes))
    later = start + datetime.timedelta(hours=2)
    for person in (contact, second):
        AccessRecord.objects.create(person=person, place=street.other_grid_building, path=person.path,
                                    entered_at=later, left_at=later + datetime.timedelta(minutes=30))
    confirmed = actions.do_confirm_case(case, acting_user=street.health_officer, confirmed_on=timezone.localdate())
    return actions.do_trace(confirmed, acting_user=street.health_officer)


# --- every page, three ways ------------------------------------------------------------------------

@dataclass
class Page:
    name: str
    url: Callable[[Any], str]
    denied: str  # persona without the right
    allowed: str  # persona with it
    outside: tuple[str, Callable[[Any], str]] | None = None  # (persona, url outside her scope)
    denied_status: int = 403


def _p(street: Any, n: int = 0) -> int:
    return _resident(street, n).pk


PAGES = [
    Page("mode", lambda s: "/health/mode/", "grid_worker", "health_officer"),
    Page("risk areas", lambda s: "/health/risk-areas/", "grid_worker", "health_officer"),
    Page("risk-area import", lambda s: "/health/risk-areas/import/", "grid_worker", "health_officer"),
    Page("arrivals", lambda s: "/health/arrivals/", "secretary", "grid_worker",
         ("grid_worker", lambda s: f"/health/arrivals/?compound={s.far_building.parent.parent_id}")),
    Page("compounds", lambda s: "/health/compounds/", "secretary", "grid_worker"),
    Page("people search", lambda s: "/health/people/?q=1", "secretary", "grid_worker"),
    Page("check-ins today", lambda s: "/health/checkins/", "secretary", "grid_worker"),
    Page("follow-ups", lambda s: "/health/follow-ups/", "secretary", "grid_worker"),
    Page("quarantine", lambda s: "/health/quarantine/", "secretary", "grid_worker"),
    Page("cases", lambda s: "/health/cases/", "grid_worker", "health_officer"),
    Page("rules", lambda s: "/health/rules/", "grid_worker", "health_officer"),
    Page("person", lambda s: f"/health/people/{_p(s)}/", "secretary", "grid_worker",
         ("grid_worker", lambda s: f"/health/people/{_far(s).pk}/"), 404),
    Page("register arrival", lambda s: f"/health/people/{_p(s)}/arrival/", "grid_worker", "health_officer",
         ("far_officer", lambda s: f"/health/people/{_p(s)}/arrival/"), 404),
    Page("record test", lambda s: f"/health/people/{_p(s)}/test/", "grid_worker", "health_officer",
         ("far_officer", lambda s: f"/health/people/{_p(s)}/test/"), 404),
    Page("record case", lambda s: f"/health/people/{_p(s)}/case/", "grid_worker", "health_officer",
         ("far_officer", lambda s: f"/health/people/{_p(s)}/case/"), 404),
    Page("check in on behalf", lambda s: f"/health/people/{_p(s)}/checkin/", "secretary", "grid_worker",
         ("grid_worker", lambda s: f"/health/people/{_far(s).pk}/checkin/"), 404),
    Page("paper pass", lambda s: f"/health/people/{_p(s)}/paper-pass/", "secretary", "grid_worker",
         ("grid_worker", lambda s: f"/health/people/{_far(s).pk}/paper-pass/"), 404),
    Page("building arrivals", lambda s: f"/health/buildings/{s.grid_building.pk}/arrivals/", "secretary",
         "grid_worker", ("grid_worker", lambda s: f"/health/buildings/{s.far_building.pk}/arrivals/"), 404),
    Page("my code", lambda s: "/health/me/", "outsider", "resident", None, 404),
    Page("my check-in", lambda s: "/health/me/checkin/", "outsider", "resident", None, 404),
    Page("my arrival", lambda s: "/health/me/arrival/", "outsider", "resident", None, 404),
]


def _user(street: Any, name: str, far_officer: User) -> User:
    return far_officer if name == "far_officer" else getattr(street, name)


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_each_page_three_ways(street, far_officer, page):
    _epidemic(street)
    url = page.url(street)
    denied = street.client_for(_user(street, page.denied, far_officer)).get(url)
    assert denied.status_code == page.denied_status, (page.name, denied.status_code)
    allowed = street.client_for(_user(street, page.allowed, far_officer)).get(url)
    assert allowed.status_code == 200, (page.name, allowed.status_code)
    if page.outside:
        persona, outside_url = page.outside
        outside = street.client_for(_user(street, persona, far_officer)).get(outside_url(street))
        assert outside.status_code == 404, (page.name, outside.status_code)
    assert street.client_for(street.outsider).get(url).status_code in (403, 404)


def test_object_pages_three_ways(street, far_officer):
    order = _order(street)
    trace = _case_with_trace(street)
    for url, denied, allowed in ((f"/health/quarantine/{order.pk}/", street.secretary, street.grid_worker),
                                 (f"/health/traces/{trace.pk}/", street.grid_worker, street.health_officer),
                                 (f"/health/quarantine/print/?order={order.pk}", street.grid_worker,
                                  street.health_officer)):
        assert street.client_for(denied).get(url).status_code in (403, 404), url
        assert street.client_for(allowed).get(url).status_code == 200, url
        assert street.client_for(far_officer).get(url).status_code == 404, url


def test_the_overview_tells_an_account_with_nothing_to_see(street):
    page = street.client_for(street.outsider).get("/health/")
    assert page.status_code == 200 and "暂无与您的账号相关的疫情防控页面" in page.content.decode()
    grid = street.client_for(street.grid_worker).get("/health/").content.decode()
    assert "暂无与您的账号相关的疫情防控页面" not in grid and 'href="/health/checkins/?missing=1"' in grid


def test_nothing_chosen_is_said_not_hidden(street):
    officer = street.client_for(street.health_officer)
    assert officer.get("/health/quarantine/print/").status_code == 200  # nothing ticked: nothing to print
    response = officer.post("/health/mode/", {"active": "1"})
    assert response.status_code == 302
    assert "请选择您辖区内的一个区域" in officer.get(response.url).content.decode()


def test_login_is_required(client):
    assert client.get("/health/").status_code == 302
    assert client.get("/health/me/").status_code == 302


# --- epidemic mode and the menu ----------------------------------------------------------------------------

def test_epidemic_mode_shows_the_menu_and_only_inside_the_scope(street, far_officer):
    grid = street.client_for(street.grid_worker)
    assert 'href="/health/"' not in grid.get("/").content.decode()
    officer = street.client_for(street.health_officer)
    # health staff see the menu in normal mode too: they are the ones who switch epidemic mode on
    assert 'href="/health/"' in officer.get("/").content.decode()
    page = officer.get("/health/mode/").content.decode()
    assert street.community.name in page
    done = officer.post("/health/mode/", {"place": street.community.pk, "active": "1"})
    assert done.status_code == 302
    assert EpidemicMode.objects.get(place=street.community).active
    assert AuditEvent.objects.filter(action="health.epidemic_mode").exists()
    assert 'href="/health/"' in grid.get("/").content.decode()
    resident = street.client_for(street.resident)
    assert 'href="/health/"' in resident.get("/").content.decode()
    # the secretary has no health role: no menu even in epidemic mode
    assert 'href="/health/"' not in street.client_for(street.secretary).get("/").content.decode()
    # the other community's officer cannot switch the first community
    far = street.client_for(far_officer)
    assert far.post("/health/mode/", {"place": street.community.pk, "active": "0"}).status_code == 404
    officer.post("/health/mode/", {"place": street.community.pk, "active": "0"})
    assert 'href="/health/"' not in street.client_for(street.grid_worker).get("/").content.decode()


# --- risk areas ------------------------------------------------------------------------------------------------

def _csv(text: str, encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile("areas.csv", text.encode(encoding), content_type="text/csv")


def test_a_risk_area_csv_with_a_bad_row_changes_nothing(street):
    officer = street.client_for(street.health_officer)
    before = RiskArea.objects.count()
    bad = "地区代码,名称,风险等级,开始日期,结束日期\n420100,武汉市,高,2026-11-01,\n4206,襄阳市,紧急,2026-13-01,\n"
    response = officer.post("/health/risk-areas/import/", {"file": _csv(bad)})
    assert response.status_code == 422
    assert RiskArea.objects.count() == before
    page = response.content.decode()
    assert "<th scope=\"row\" rowspan=\"3\">3</th>" in page  # row 3: three problems, in the reader's language
    assert "不是" in page and "not a date" not in page and 'lang="en"' not in page.split('id="main"')[1]
    officer.cookies["django_language"] = "en"
    english = officer.post("/health/risk-areas/import/", {"file": _csv(bad)}).content.decode()
    assert "not a date" in english
    officer.cookies["django_language"] = "zh-hans"
    good = "420100,武汉市,高,2026-11-01,\n420600,襄阳市,中,2026/11/5,2026-11-30\n"
    assert officer.post("/health/risk-areas/import/", {"file": _csv(good, "gb18030")}).status_code == 302
    assert RiskArea.objects.count() == before + 2
    assert RiskArea.objects.get(region_code="420600").valid_from == datetime.date(2026, 11, 5)


def test_a_risk_area_file_from_excels_unicode_text_is_read(street):
    """UTF-16 with a byte-order mark, tab-separated: once refused."""
    officer = street.client_for(street.health_officer)
    text = "地区代码\t名称\t风险等级\t开始日期\t结束日期\r\n420100\t\"武汉市, 全域\"\t高\t2026-11-01\t\r\n"
    response = officer.post("/health/risk-areas/import/", {"file": _csv(text, "utf-16")})
    assert response.status_code == 302
    assert RiskArea.objects.get(region_code="420100").name == "武汉市, 全域"


def test_risk_area_dates_must_be_plausible_in_the_form_and_the_file(street):
    """Years 1 and 9999 were stored."""
    officer = street.client_for(street.health_officer)
    form = officer.post("/health/risk-areas/", {"region_code": "420100", "level": "high", "valid_from": "2026-11-01",
                                               "valid_to": "9999-12-31"})
    assert form.status_code == 422 and "9999-12-31" in form.content.decode()
    upload = officer.post("/health/risk-areas/import/", {"file": _csv("420100,武汉市,高,0001-01-01,\n")})
    assert upload.status_code == 422 and "1900-01-01" in upload.content.decode()
    assert not RiskArea.objects.filter(region_code="420100").exists()


def test_a_risk_area_form_refuses_bad_input_with_a_form_error(street):
    officer = street.client_for(street.health_officer)
    response = officer.post("/health/risk-areas/", {"region": "Atlantis", "name": "武汉", "level": "high",
                                                    "valid_from": "2026-11-01"})
    assert response.status_code == 422 and 'role="alert"' in response.content.decode()
    ok = officer.post("/health/risk-areas/", {"region_code": "420100", "name": "武汉市", "level": "high",
                                              "valid_from": "2026-11-01"})
    assert ok.status_code == 302 and RiskArea.objects.filter(region_code="420100").exists()
    by_name = officer.post("/health/risk-areas/", {"region": "襄阳", "level": "medium", "valid_from": "2026-11-01"})
    assert by_name.status_code == 302
    assert RiskArea.objects.get(region_code="420600").name == "湖北省襄阳市"


# --- arrivals, compounds and the building view --------------------------------------------------------------------

def test_the_resident_reports_her_arrival_and_staff_register_one(street):
    RiskArea.objects.create(region_code="420100", name="武汉市", level="high", valid_from=timezone.localdate())
    resident = street.client_for(street.resident)
    future = resident.post("/health/me/arrival/", {"origin_code": "420100", "arrived_on": timezone.localdate() + datetime.timedelta(days=1)})
    assert future.status_code == 422
    done = resident.post("/health/me/arrival/", {"origin_code": "420100", "arrived_on": timezone.localdate(), "transport": "火车"})
    assert done.status_code == 302
    mine = Arrival.objects.get(person=street.resident.person)
    assert mine.channel == Channel.SELF and mine.origin_name == "湖北省武汉市"  # the name from the national list
    person = _resident(street, 3)
    officer = street.client_for(street.health_officer)
    unknown = officer.post(f"/health/people/{person.pk}/arrival/", {"origin_code": "119900", "arrived_on": timezone.localdate()})
    assert unknown.status_code == 422  # no such region
    ok = officer.post(f"/health/people/{person.pk}/arrival/", {"origin_code": "110105", "arrived_on": timezone.localdate()})
    assert ok.status_code == 302 and Arrival.objects.get(person=person).channel == Channel.STAFF
    assert Arrival.objects.get(person=person).origin_name == "北京市朝阳区"


@pytest.mark.parametrize("typed", ["武汉", "武汉市", "wuhan", "420100"])
def test_a_resident_types_where_she_came_from_instead_of_a_code(street, typed):
    """She had to type a 6-digit code on a number pad; 武汉 was refused. Sent without
    JavaScript, the typed name is resolved by the server."""
    page = street.client_for(street.resident).get("/health/me/arrival/").content.decode()
    assert 'inputmode="numeric"' not in page and "hx-get=\"/regions/?" in page
    done = street.client_for(street.resident).post("/health/me/arrival/", {"origin": typed, "arrived_on": timezone.localdate()})
    assert done.status_code == 302
    arrival = Arrival.objects.get(person=street.resident.person)
    assert (arrival.origin_code, arrival.origin_name) == ("420100", "湖北省武汉市")


def test_an_ambiguous_place_is_offered_as_choices_and_a_choice_is_kept(street):
    client = street.client_for(street.resident)
    page = client.post("/health/me/arrival/", {"origin": "朝阳", "arrived_on": timezone.localdate()})
    assert page.status_code == 422 and not Arrival.objects.filter(person=street.resident.person).exists()
    body = page.content.decode()
    assert "choose one below" in body or "请在下面选择" in body
    for code in ("110105", "211300", "220104"):  # 北京市朝阳区, 辽宁省朝阳市, 长春市朝阳区
        assert f'name="origin_code" id="origin_code-{code}" value="{code}"' in body
    chosen = client.post("/health/me/arrival/", {"origin": "朝阳", "origin_code": "220104", "arrived_on": timezone.localdate()})
    assert chosen.status_code == 302
    assert Arrival.objects.get(person=street.resident.person).origin_name == "吉林省长春市朝阳区"


def test_a_place_not_in_the_list_is_refused_with_a_reason(street):
    page = street.client_for(street.resident).post("/health/me/arrival/", {"origin": "火星基地", "arrived_on": timezone.localdate()})
    assert page.status_code == 422
    assert "GB/T 2260" in page.content.decode()


def test_the_live_search_answers_with_choices(street):
    client = street.client_for(street.resident)
    page = client.get("/regions/", {"from": "origin", "field": "origin_code", "origin": "江岸"}).content.decode()
    assert 'name="origin_code"' in page and "湖北省武汉市江岸区" in page and 'value="420102"' in page
    assert "<script" not in client.get("/regions/", {"from": "q", "q": "<script>"}).content.decode()


def test_compounds_are_coloured_by_their_arrivals(street, settings):
    settings.LINLI_ARRIVAL_COLOUR_THRESHOLDS = [("red", {"high": 2}), ("orange", {"high": 1}), ("blue", {"any": 1})]
    RiskArea.objects.create(region_code="420100", name="武汉市", level="high", valid_from=timezone.localdate())
    for n in range(2):
        Arrival.objects.create(person=_resident(street, n), path=_resident(street, n).path, origin_code="420106",
                               origin_name="武昌区", arrived_on=timezone.localdate())
    page = street.client_for(street.grid_worker).get("/health/compounds/").content.decode()
    compound = street.grid_building.parent
    row = page[page.index(f"?compound={compound.pk}") - 300:page.index(f"?compound={compound.pk}")]
    assert "cc-red" in row


def test_the_compound_overview_lists_the_compounds_each_persona_reaches(street, far_officer):
    from linli.core.scope import scope_for
    from linli.health import queries

    compounds = list(Place.objects.filter(level=Level.COMPOUND))
    for user in (street.grid_worker, street.health_officer, far_officer, street.secretary):
        scope = scope_for(user, "health.view")
        shown = {row.place.pk for row in queries.compound_overview(user, timezone.localdate())}
        assert shown == {c.pk for c in compounds if scope.reaches(c.path)}, user.username
    assert {row.place.pk for row in queries.compound_overview(street.grid_worker, timezone.localdate())}


def test_the_arrival_list_reads_addresses_in_a_fixed_number_of_queries(street):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    grid = street.client_for(street.grid_worker)

    def arrive(n: int) -> None:
        person = _resident(street, n)
        Arrival.objects.create(person=person, path=person.path, origin_code="110105", origin_name="朝阳区",
                               arrived_on=timezone.localdate())

    arrive(0)
    grid.get("/health/arrivals/")  # the first request of a session reads a few things once
    with CaptureQueriesContext(connection) as one:
        assert grid.get("/health/arrivals/").status_code == 200
    for n in range(1, 6):
        arrive(n)
    with CaptureQueriesContext(connection) as six:
        page = grid.get("/health/arrivals/").content.decode()
    assert _resident(street, 5).name in page
    assert len(six.captured_queries) == len(one.captured_queries)


def test_the_building_view_marks_arrivals_hollow_after_14_days(street):
    _epidemic(street)
    person, old = _resident(street, 0), _resident(street, 1)
    Arrival.objects.create(person=person, path=person.path, house=person.current_house, origin_code="420106",
                           origin_name="武昌区", arrived_on=timezone.localdate() - datetime.timedelta(days=2))
    Arrival.objects.create(person=old, path=old.path, house=old.current_house, origin_code="110105",
                           origin_name="朝阳区", arrived_on=timezone.localdate() - datetime.timedelta(days=20))
    grid = street.client_for(street.grid_worker)
    building = grid.get(f"/places/{street.grid_building.pk}/").content.decode()
    assert f"/health/buildings/{street.grid_building.pk}/arrivals/" in building  # loaded by htmx
    marks = grid.get(f"/health/buildings/{street.grid_building.pk}/arrivals/", HTTP_HX_REQUEST="true")
    text = marks.content.decode()
    assert f"beforeend:.building a[href='/places/{person.current_house_id}/']" in text
    assert "#ffffff" in text  # the hollow mark of the arrival 20 days ago
    assert AuditEvent.objects.filter(action="health.building_arrivals").exists()
    # the secretary sees the building, but no health data
    assert street.client_for(street.secretary).get(
        f"/health/buildings/{street.grid_building.pk}/arrivals/", HTTP_HX_REQUEST="true").content == b""


# --- check-ins ---------------------------------------------------------------------------------------------

def test_the_grid_worker_checks_in_on_behalf_of_an_elder(street):
    elder = _resident(street, 2)
    grid = street.client_for(street.grid_worker)
    bad = grid.post(f"/health/people/{elder.pk}/checkin/", {"temperature": "365", "whereabouts": "居家"})
    assert bad.status_code == 422 and not CheckIn.objects.filter(person=elder).exists()
    done = grid.post(f"/health/people/{elder.pk}/checkin/", {"temperature": "36.6", "symptoms": ["cough"],
                                                             "whereabouts": "居家"})
    assert done.status_code == 302
    checkin = CheckIn.objects.get(person=elder, day=timezone.localdate())
    assert checkin.channel == Channel.ON_BEHALF and checkin.recorded_by == street.grid_worker
    assert checkin.symptoms == ["cough"] and checkin.temperature == Decimal("36.6")


def test_the_resident_checks_in_herself(street):
    resident = street.client_for(street.resident)
    assert resident.post("/health/me/checkin/", {"temperature": "abc"}).status_code == 422
    assert resident.post("/health/me/checkin/", {"temperature": "36.4", "whereabouts": "居家"}).status_code == 302
    assert CheckIn.objects.get(person=street.resident.person).channel == Channel.SELF


def test_the_list_of_who_must_check_in_shows_who_has_not(street):
    officer = street.health_officer
    done, missing, outside = _resident(street, 3), _resident(street, 4), _far(street)
    for person in (done, missing, outside):
        actions.do_register_arrival(person, acting_user=officer, origin_code="420106", origin_name="武昌区",
                                    arrived_on=timezone.localdate() - datetime.timedelta(days=1))
    ordered = _order(street, 5)
    actions.do_check_in(done, acting_user=street.grid_worker, temperature=Decimal("36.5"), channel=Channel.ON_BEHALF)
    page = street.client_for(street.grid_worker).get("/health/checkins/?missing=1").content.decode()
    assert missing.name in page and ordered.person.name in page
    assert done.name not in page and outside.name not in page
    full = street.client_for(street.grid_worker).get("/health/checkins/")
    assert done.name in full.content.decode()
    assert (full.context["missing"], full.context["total"]) == (2, 3)
    assert AuditEvent.objects.filter(action="health.checkin_list").exists()


# --- the resident's code and the paper pass -------------------------------------------------------------------

def test_my_health_code_shows_the_colour_reasons_and_a_pass(street):
    resident = street.client_for(street.resident)
    response = resident.get("/health/me/")
    page = response.content.decode()
    assert response.status_code == 200 and "code-green" in page and "<svg" in page
    issued = IssuedPass.objects.filter(person=street.resident.person)
    assert issued.count() == 1 and not issued.get().printed
    assert AuditEvent.objects.filter(action="health.status_view", purpose="own health code").exists()


def test_the_grid_worker_prints_a_paper_pass(street):
    person = _resident(street, 1)
    page = street.client_for(street.grid_worker).get(f"/health/people/{person.pk}/paper-pass/").content.decode()
    assert "<svg" in page and "data-print" in page and person.name not in page  # the name is masked
    assert IssuedPass.objects.get(person=person).printed


# --- tests, cases, tracing, quarantine -----------------------------------------------------------------------------

def test_a_trace_puts_the_selected_contacts_in_quarantine_in_one_step(street):
    trace = _case_with_trace(street)
    officer = street.client_for(street.health_officer)
    assert officer.get("/health/cases/").status_code == 200
    started = officer.post(f"/health/cases/{trace.case_id}/trace/", {"min_overlap_minutes": "15", "hops": "2"})
    assert started.status_code == 302
    latest = Trace.objects.filter(case_id=trace.case_id).latest("pk")
    page = officer.get(f"/health/traces/{latest.pk}/").content.decode()
    contacts = {c["person"]: c["degree"] for c in latest.contacts}
    close = next(pk for pk, degree in contacts.items() if degree == 1)
    second = next(pk for pk, degree in contacts.items() if degree == 2)
    assert Person.objects.get(pk=close).name not in page  # masked in the review list
    nothing = officer.post(f"/health/traces/{latest.pk}/", {"kind": "home"})
    assert nothing.status_code == 422 and not QuarantineOrder.objects.exists()
    done = officer.post(f"/health/traces/{latest.pk}/", {"people": [close, second], "kind": "home"})
    assert done.status_code == 302
    orders = {o.person_id: o for o in QuarantineOrder.objects.filter(trace=latest)}
    assert set(orders) == {close, second}
    assert orders[close].colour == "red" and orders[second].colour == "yellow"
    printed = officer.get(f"/health/quarantine/print/?trace={latest.pk}")
    assert printed.status_code == 200 and printed.content.decode().count("print-page") == 2


def test_test_results_and_cases_are_recorded_by_health_staff(street):
    person = _resident(street, 9)
    officer = street.client_for(street.health_officer)
    future = officer.post(f"/health/people/{person.pk}/test/", {
        "kind": "nucleic", "sampled_on": timezone.localdate() + datetime.timedelta(days=1), "outcome": "positive"})
    assert future.status_code == 422
    assert officer.post(f"/health/people/{person.pk}/test/", {
        "kind": "nucleic", "sampled_on": timezone.localdate(), "outcome": "positive", "lab": "中心", "sample_ref": "A1"}
    ).status_code == 302
    assert officer.post(f"/health/people/{person.pk}/case/", {"confirmed_on": timezone.localdate()}).status_code == 302
    assert Case.objects.filter(person=person).exists()
    again = officer.post(f"/health/people/{person.pk}/case/", {"confirmed_on": timezone.localdate()})
    assert again.status_code == 422


def test_an_order_is_extended_and_ended_with_a_reason(street):
    order = _order(street)
    officer = street.client_for(street.health_officer)
    shorter = officer.post(f"/health/quarantine/{order.pk}/extend/", {"new_end": order.end_date - datetime.timedelta(days=1)})
    assert shorter.status_code == 422
    later = order.end_date + datetime.timedelta(days=2)
    assert officer.post(f"/health/quarantine/{order.pk}/extend/", {"new_end": later}).status_code == 302
    order.refresh_from_db()
    assert order.end_date == later
    no_reason = officer.post(f"/health/quarantine/{order.pk}/end/", {"status": "cancelled", "reason": ""})
    assert no_reason.status_code == 422
    assert officer.post(f"/health/quarantine/{order.pk}/end/", {"status": "cancelled", "reason": "误判"}).status_code == 302
    order.refresh_from_db()
    assert order.status == "cancelled" and order.end_reason == "误判"
    # the grid worker may see the order, not change it
    assert street.client_for(street.grid_worker).post(f"/health/quarantine/{order.pk}/extend/",
                                                      {"new_end": later}).status_code == 404


def test_the_daily_follow_up_is_recorded_once_per_day(street):
    order = _order(street)
    grid = street.client_for(street.grid_worker)
    page = grid.get("/health/follow-ups/").content.decode()
    assert order.person.name in page
    bad = grid.post(f"/health/follow-ups/{order.pk}/", {f"o{order.pk}-outcome": "missed",
                                                        f"o{order.pk}-temperature": "36.5"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422 and not FollowUp.objects.exists()
    ok = grid.post(f"/health/follow-ups/{order.pk}/", {f"o{order.pk}-outcome": "seen_ok",
                                                       f"o{order.pk}-temperature": "36.5"}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and f'id="order-{order.pk}"' in ok.content.decode()
    grid.post(f"/health/follow-ups/{order.pk}/", {f"o{order.pk}-outcome": "seen_not_ok"})
    follow_up = FollowUp.objects.get(order=order)
    assert follow_up.outcome == "seen_not_ok" and follow_up.recorded_by == street.grid_worker
    assert AuditEvent.objects.filter(action="health.follow_up").count() == 2
    with pytest.raises(actions.PermissionDenied):
        actions.do_record_follow_up(order, acting_user=street.secretary, outcome="seen_ok")


def test_a_device_needs_its_legal_basis_and_the_residents_consent(street):
    order = _order(street)
    officer = street.client_for(street.health_officer)
    refused = officer.post(f"/health/quarantine/{order.pk}/devices/", {"kind": "door_sensor", "legal_basis": "",
                                                                       "consent_by": ""})
    assert refused.status_code == 422 and not MonitoringDevice.objects.exists()
    with pytest.raises(ValidationError) as info:
        actions.do_attach_device(order, acting_user=street.health_officer, kind="door_sensor",
                                 legal_basis="传染病防治法第三十九条", consent_at=None, consent_by="")
    assert {"consent_at", "consent_by"} <= set(info.value.message_dict)
    assert not MonitoringDevice.objects.exists()
    ok = officer.post(f"/health/quarantine/{order.pk}/devices/", {
        "kind": "door_sensor", "legal_basis": "《传染病防治法》第三十九条",
        "consent_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "consent_by": "本人", "informed": "on"})
    assert ok.status_code == 302
    device = MonitoringDevice.objects.get(order=order)
    assert device.consent_by == "本人" and device.legal_basis


# --- the rules test bench ---------------------------------------------------------------------------------------

def test_the_rules_bench_shows_which_rule_fired(street):
    officer = street.client_for(street.health_officer)
    result = officer.get("/health/rules/", {"explain": "1", "days_since_close_contact": "3",
                                            "max_temperature_today": "36.5"}, HTTP_HX_REQUEST="true")
    text = result.content.decode()
    assert result.status_code == 200
    assert '<li class="fired-rule" data-rule="close_contact">14 天内是确诊病例的密切接触者 → 红码，需隔离 14 天</li>' in text
    assert 'data-rule="fever">' not in text.split("<table")[0]
    assert "days_since" not in text and "max_temperature_today" not in text  # the facts read, in words
    bad = officer.get("/health/rules/", {"explain": "1", "days_since_close_contact": "-3"})
    assert bad.status_code == 422


def test_the_rules_read_in_words_and_the_json_only_in_the_technical_details(street):
    """Health staff were shown `days|null` and the rules' JSON."""
    page = street.client_for(street.health_officer).get("/health/rules/").content.decode()
    main, technical = page.split('<details class="mb-4 technical"')
    assert "14 天内核酸检测阳性 → 红码，需隔离 14 天" in main
    assert "7 天内从中高风险地区来（返）本地 → 黄码，需隔离 7 天" in main
    assert "今日最高体温达到 37.3 °C 或以上 → 黄码" in main
    assert "连续正常打卡至少 3 天" in main and "最近一次核酸检测为阴性，且2 天内有核酸阴性结果" in main
    shown = re.sub(r"<[^>]+>", " ", main)  # what the page says (names of form fields are not shown)
    for raw in ("days|null", "°C|null", "days_since", "{&quot;", '{"', "close_contact"):
        assert raw not in shown, raw
    assert "技术细节" in technical and "days|null" in technical and "days_since_close_contact" in technical
    assert "<summary" in technical and not technical.startswith(" open")  # collapsed unless publishing
    assert 'name="document"' in technical  # the rule set's JSON, for its author


def test_publishing_a_bad_rule_set_shows_errors_and_changes_nothing(street):
    officer = street.client_for(street.health_officer)
    current = actions.active_rule_set()
    before = RuleSet.objects.count()
    document = json.loads(json.dumps(current.document))
    document["rules"][0]["colour"] = "purple"
    document["rules"][1]["when"] = {"<=": [{"var": "days_since_nothing"}, 14]}
    response = officer.post("/health/rules/", {"document": json.dumps(document)})
    assert response.status_code == 422
    page = response.content.decode()
    assert "purple" in page and "days_since_nothing" in page
    not_json = officer.post("/health/rules/", {"document": "{not json"})
    assert not_json.status_code == 422 and "JSON" in not_json.content.decode()
    assert RuleSet.objects.count() == before and actions.active_rule_set() == current
    good = json.loads(json.dumps(current.document))
    good["rules"][-1]["reason_zh"] = "您今天还没有健康打卡，请尽快打卡。"
    assert officer.post("/health/rules/", {"document": json.dumps(good, ensure_ascii=False)}).status_code == 302
    assert actions.active_rule_set().version == current.version + 1


def test_staff_lists_are_audited_and_scoped(street):
    ordered = _order(street)
    far_person = _far(street)
    actions.do_order_quarantine(far_person, acting_user=street.health_officer, reason="arrival", colour="yellow")
    page = street.client_for(street.grid_worker).get("/health/quarantine/").content.decode()
    assert ordered.person.name in page and far_person.name not in page
    assert AuditEvent.objects.filter(action="health.quarantine_list", actor=street.grid_worker).exists()
    officer_page = street.client_for(street.health_officer).get("/health/quarantine/").content.decode()
    assert far_person.name in officer_page


def test_english_form_errors_through_the_language_switch(street, client):
    resident = street.client_for(street.resident)
    resident.cookies["django_language"] = "en"
    response = resident.post("/health/me/checkin/", {"temperature": "50"})
    assert response.status_code == 422 and "45" in response.content.decode()


def test_a_community_shows_epidemic_mode_switched_on_for_its_street(street, far_officer):
    _epidemic(street)  # the street, above the far officer's community
    response = street.client_for(far_officer).get("/health/mode/")
    assert street.other_community.pk in response.context["inherited"]
    assert street.other_community.pk not in response.context["on"]


def test_places_are_levels_the_mode_accepts(street):
    building = Place.objects.get(pk=street.grid_building.pk)
    assert building.level == Level.BUILDING
    with pytest.raises(ValidationError):
        actions.do_set_epidemic_mode(building, acting_user=street.health_officer, active=True)


def test_bad_input_is_never_a_server_error(street):
    officer = street.client_for(street.health_officer)
    huge = "9" * 30
    for url in (f"/health/people/{huge}/", f"/health/people/{huge}/checkin/", f"/health/quarantine/{huge}/",
                f"/health/traces/{huge}/", f"/health/buildings/{huge}/arrivals/", "/health/arrivals/?compound=abc",
                f"/health/quarantine/print/?order={huge}&order=x&trace=y"):
        assert officer.get(url).status_code == 404, url
    assert officer.post("/health/mode/", {"place": "x"}).status_code == 404
    deep = officer.post("/health/rules/", {"document": "[" * 50_000 + "]" * 50_000})
    assert deep.status_code == 422
    order = _order(street)
    trace = _case_with_trace(street)
    assert officer.post(f"/health/traces/{trace.pk}/", {"people": ["abc", huge], "kind": "home"}).status_code == 422
    assert officer.post(f"/health/quarantine/{order.pk}/devices/", {"consent_at": "yesterday"}).status_code == 422
    assert officer.post(f"/health/quarantine/{order.pk}/extend/", {"new_end": "2026-02-30"}).status_code == 422
    grid = street.client_for(street.grid_worker)
    assert grid.post(f"/health/follow-ups/{order.pk}/", {f"o{order.pk}-outcome": "maybe"}).status_code == 302
    assert not FollowUp.objects.exists()


def test_a_fever_checked_in_on_an_elders_behalf_stands_out_in_the_list(street):
    """Before, a 38.2 °C check-in showed the same green badge as everyone at 36 °C."""
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from linli.health import actions as health
    from linli.people.models import Person

    people = list(Person.objects.filter(path__startswith=street.grid_building.path, is_active=True)
                  .order_by("pk")[:2])
    today = timezone.localdate()
    for person in people:
        health.do_register_arrival(person, acting_user=street.health_officer, origin_code="420106",
                                   origin_name="武汉市武昌区", arrived_on=today - datetime.timedelta(days=2))
    health.do_check_in(people[0], acting_user=street.grid_worker, temperature=Decimal("36.4"), channel="on_behalf")
    health.do_check_in(people[1], acting_user=street.grid_worker, temperature=Decimal("38.2"),
                       symptoms=["cough"], channel="on_behalf")
    page = street.client_for(street.grid_worker).get("/health/checkins/")
    rows = page.context["rows"]
    assert rows[0].person == people[1] and rows[0].unwell and not next(r for r in rows if r.person == people[0]).unwell
    html = page.content.decode()
    assert "text-bg-danger" in html and "38.2" in html and page.context["unwell"] == 1


def test_the_check_in_list_says_plainly_when_nobody_has_to_check_in_or_everyone_has(street):
    page = street.client_for(street.grid_worker).get("/health/checkins/").content.decode()
    assert "还有 0 人" not in page and "未打卡" not in page.split('id="main"')[1].split("</h1>")[1]
    assert "本辖区今天没有须打卡的人员" in page
    person = street.person_in(street.grid_building)
    actions.do_register_arrival(person, acting_user=street.health_officer, origin_code="420106",
                                origin_name="武昌区", arrived_on=timezone.localdate() - datetime.timedelta(days=1))
    actions.do_check_in(person, acting_user=street.grid_worker, temperature=Decimal("36.5"), channel=Channel.ON_BEHALF)
    page = street.client_for(street.grid_worker).get("/health/checkins/?missing=1").content.decode()
    assert "还有 0 人" not in page and "都已打卡" in page and "本辖区今天没有须打卡的人员" not in page
