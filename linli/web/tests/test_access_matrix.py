"""The access matrix: every page and every API operation, as every persona.

Nothing here lists routes. The pages come from the URL resolver, the API operations from the
OpenAPI document, and what each one needs from the ``@route`` declaration beside its view
(``linli.core.access.route``). Each persona's expected answer follows from the declared
policies:

- anonymous: a page sends her to the login page, the API answers 401 (a public route lets
  her in);
- a persona without any of the route's actions: 403 or 404;
- a persona who may act on an object (the first row of ``Model.objects.restrict``): 200 for
  a GET; for a POST (an empty form, or the smallest body the OpenAPI schema accepts) anything
  but 401/403/404/5xx: the permission passed, validation may still refuse;
- the same persona asking for a row outside her scope (the first one, and the one nearest to
  her own rows, where policies and views tend to part): 404, never a hint that it exists;
- the superuser: never 401/403/404/5xx.

Disagreements known but not yet fixed would be listed in ``KNOWN`` as strict expected
failures, with what is due; there are none.

A new route without a declaration fails ``test_every_route_declares_its_access``; a new
object route whose model has no rows inside and outside some persona's scope fails
``test_every_object_route_has_rows_inside_and_outside`` until ``build_town`` makes some.

The test street and the rows made for it are built once for the module, inside a
transaction rolled back at the end; each test runs in a savepoint inside it.
"""

from __future__ import annotations

import datetime
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from hypothesis import HealthCheck, find
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from linli.conftest import Street, make_street, pass_second_factor
from linli.core.access import ACTIONS, Anywhere, RouteAccess, allows, may, policy_for, restricted
from linli.core.models import User
from linli.web.api import api
from linli.web.tests.inline import csp_problems

# ``city_officer``: a street officer's role held over both streets of the town (their city): the
# only persona who may change what every street shares (the request catalogue, the calendar).
PERSONAS = ("admin", "street_officer", "secretary", "grid_worker", "health_officer", "resident", "volunteer",
            "outsider", "city_officer")
ANONYMOUS = "anonymous"
SKIPPED_PREFIXES = ("admin/", "api/")  # Django's admin has its own permissions; the API is read from OpenAPI


# --- the routes ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    id: str  # "/people/<int:pk>/" for a page, "POST /api/people/persons" for an API operation
    path: str  # the URL with its parameters: "<int:pk>" in a page, "{person_id}" in the API
    view: Any
    method: str = ""  # an API operation's method
    operation: dict[str, Any] | None = None  # the operation in the OpenAPI document

    @property
    def access(self) -> RouteAccess | None:
        return getattr(self.view, "linli_access", None)

    @property
    def is_api(self) -> bool:
        return self.operation is not None

    def parameters(self) -> list[tuple[str, str]]:
        """(name, converter) of the URL's path parameters."""
        if self.is_api:
            return [(name, "") for name in re.findall(r"{(\w+)}", self.path)]
        return [(name, converter or "str") for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", self.path)]


PURPOSE = "核对访问控制"

def _page_patterns(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(pattern, URLResolver):
            yield from _page_patterns(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def _api_views() -> dict[str, Any]:
    """Every ninja handler by its OpenAPI operation id (hidden ones under their own names)."""
    views = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                views[api.get_openapi_operation_id(operation)] = operation.view_func
    return views


def collect_routes() -> list[Route]:
    routes = [Route("/" + route, "/" + route, view) for route, view in _page_patterns(get_resolver().url_patterns)]
    views = _api_views()
    for path, operations in SCHEMA["paths"].items():
        for method, operation in operations.items():
            routes.append(Route(f"{method.upper()} {path}", path, views[operation["operationId"]], method.upper(),
                                operation))
    return routes


SCHEMA = api.get_openapi_schema()
ROUTES = collect_routes()


# --- request bodies from the OpenAPI schema -------------------------------------------------------------

def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


_PATTERN_SAMPLES: dict[str, str] = {}


def _matching(pattern: str) -> str:
    """The simplest text matching ``pattern`` (hypothesis shrinks to it)."""
    if pattern not in _PATTERN_SAMPLES:
        _PATTERN_SAMPLES[pattern] = find(st.from_regex(pattern, fullmatch=True), lambda _: True,
                                         settings=hypothesis_settings(database=None, max_examples=200,
                                                                      suppress_health_check=list(HealthCheck)))
    return _PATTERN_SAMPLES[pattern]


def sample(schema: dict[str, Any]) -> Any:
    """A plausible value of ``schema``: for an object its required properties only."""
    schema = _resolve(schema)
    if "anyOf" in schema:
        return sample(next(s for s in schema["anyOf"] if _resolve(s).get("type") != "null"))
    if "enum" in schema:
        return next((v for v in schema["enum"] if v not in ("", None)), schema["enum"][0])
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: sample(properties[name]) for name in schema.get("required", [])}
    if kind == "array":
        return [sample(schema.get("items", {})) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "number":
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            return float(Decimal(str((low + high) / 2)).quantize(Decimal("0.1")))
        return low if low is not None else 1
    if kind == "boolean":
        return False
    if kind == "string":
        return _text(schema)
    raise AssertionError(f"no sample for the schema {schema}")


def _text(schema: dict[str, Any]) -> Any:
    form = schema.get("format")
    if form == "date":
        return timezone.localdate().isoformat()
    if form == "date-time":
        return timezone.now().isoformat()
    if form == "uuid":
        return str(uuid.uuid4())
    if form == "binary":
        return SimpleUploadedFile("matrix.csv", b"name\n", content_type="text/csv")
    if "pattern" in schema:
        return _matching(schema["pattern"])
    return "x" * max(schema.get("minLength", 1), 1)


def body_schema(route: Route) -> tuple[str, dict[str, Any]] | None:
    """(content type, schema) of the operation's request body."""
    content = ((route.operation or {}).get("requestBody") or {}).get("content") or {}
    for content_type, media in content.items():
        return content_type, _resolve(media["schema"])
    return None


# --- the town: the test street, rows for every model, and a client per persona ------------------------

@dataclass
class Town:
    street: Street
    users: dict[str, User]
    sessions: dict[str, str] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    methods: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def client(self, persona: str) -> Client:
        """The persona's client with nothing but her session: cookies a request set (a
        language, a message, a logout) do not reach the next one."""
        client = self.clients[persona]
        client.cookies = SimpleCookie()
        if persona in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[persona]
        return client


def _far_branch(admin: User) -> tuple[dict[str, Any], Any]:
    """A house in a neighbouring district, with a resident: outside every persona's scope
    (the street officer's street, the health officer's district), so that every object route
    has a row outside the scope of whoever holds its action."""
    from linli.people.actions import PersonInput, do_create_person
    from linli.places.models import ElementType, Level, Place, Usage

    city = Place.objects.get(level=Level.CITY)
    chain = [(Level.DISTRICT, ElementType.DISTRICT, "310104", "徐汇区", {}),
             (Level.STREET, ElementType.SUBDISTRICT, "310104003", "远方街道", {}),
             (Level.COMMUNITY, ElementType.RESIDENTS_COMMITTEE, "310104003001", "远方居民区", {}),
             (Level.COMPOUND, ElementType.COMPOUND, "310104003001001", "远方小区", {}),
             (Level.BUILDING, ElementType.BUILDING, "310104003001001001", "1号楼",
              {"floors": 6, "units_count": 1, "has_lift": False}),
             (Level.UNIT, ElementType.UNIT, "31010400300100100101", "1单元", {}),
             (Level.HOUSE, ElementType.HOUSE, "310104003001001001010101", "101室",
              {"floor": 1, "number": "101", "usage": Usage.OWNER_OCCUPIED})]
    places, place = {}, city
    for level, element, code, name, extra in chain:
        place = places[level] = Place.objects.create(parent=place, level=level, element_type=element, code=code,
                                                     name=name, sort_key=int(code[-4:]), **extra)
    return places, do_create_person(PersonInput(name="远方居民"), acting_user=admin, house=place)


def build_town(monkeypatch: pytest.MonkeyPatch) -> Town:
    """Rows of every model a route names, made through the apps' own actions: inside the test
    street's first community (in the grid worker's grid where it matters) and in the far
    district."""
    from linli.exchange import actions as exchange
    from linli.gates import actions as gates
    from linli.gates.tests.helpers import compound_of, put_on_duty
    from linli.health import actions as health
    from linli.imports import actions as imports
    from linli.imports.tests.helpers import address_of, make_id, person_row, xlsx_bytes
    from linli.ledger import keys as ledger_keys
    from linli.ledger import log
    from linli.ledger.note import Signer
    from linli.people.models import Person
    from linli.places.models import Level, Place
    from linli.tasks.tests.helpers import make_matrix_rows as make_task_rows

    street = make_street()
    if not street.admin.is_superuser:
        street.admin.is_superuser = True
        street.admin.save(update_fields=["is_superuser"])
    admin, officer = street.admin, street.health_officer
    far, far_person = _far_branch(admin)
    far_community = far[Level.COMMUNITY]
    today = timezone.localdate()
    near = [p for p in Person.objects.filter(path__under=street.grid_building.path, is_active=True).order_by("pk")
            if p.pk != street.resident.person_id]

    # Import batches: each importer's own, in her area.
    houses = Place.objects.filter(path__under=street.grid_building.path, level=Level.HOUSE).order_by("path")
    for n, (user, area) in enumerate([(street.street_officer, street.community.parent),
                                      (street.secretary, street.community), (street.grid_worker, street.community)]):
        data = xlsx_bytes([person_row(1, "导入甲", make_id(seq=901 + 2 * n), "", address_of(houses[0]))])
        imports.do_upload(acting_user=user, area=area, file_name="roster.xlsx", data=data)

    # Gates: one at the grid's compound with the volunteer on duty (she works it by her shift,
    # not by a role), one in the far district with a shift of its own.
    gate = gates.do_create_gate(compound_of(street), "东门", acting_user=street.secretary)
    put_on_duty(gate, street.volunteer)
    far_gate = gates.do_create_gate(far[Level.COMPOUND], "东门", acting_user=admin)
    put_on_duty(far_gate, admin)

    # Quarantine orders, cases and their traces.
    for person, actor in ((near[0], officer), (far_person, admin)):
        health.do_order_quarantine(person, acting_user=actor, reason="close_contact", colour="red",
                                   last_exposure=today - datetime.timedelta(days=2))
    for person, actor in ((near[1], officer), (far_person, admin)):
        case = health.do_confirm_case(person, acting_user=actor, confirmed_on=today)
        health.do_trace(case, acting_user=actor)

    # The shared ledger: an entry filed under the community, one under the far district.
    log.forget_tree()
    party = ledger_keys.ensure_managed_party("test.linli/street", "街道", "street", ["report_submitted"])
    for ref, place in (("matrix:inside", street.community), ("matrix:outside", far_community)):
        log.append("report_submitted", party=party, subject_ref=ref, payload={"n": 1}, path=place.path)
    log.request_sequencing()

    # The exchange: this office is the city's, above both districts; files from the first
    # community and from the far one.
    city = Place.objects.get(level=Level.CITY)
    monkeypatch.setenv("LINLI_EXCHANGE_KEY", Signer.generate(city.code).encode())
    for community, importer in ((street.community, street.street_officer), (far_community, admin)):
        key = Signer.generate(community.code)
        exchange.do_trust_office(key.verifier().encode(), community.code, acting_user=admin)
        sent = exchange.do_export(community, acting_user=admin, signer=key)
        exchange.do_import(sent.content, acting_user=importer)

    # Requests: the resident's own about her house, one the grid worker filed for a caller in
    # her grid, one the secretary filed elsewhere in the community, one in the far district;
    # each with a photo.
    from linli.tasks.tests.helpers import jpeg
    from linli.tickets import actions as tickets
    from linli.tickets.models import Category, Source

    water = Category.objects.get(code="repair-water")
    resident_house = street.resident.person.current_house
    for user, place, source in (
            (street.resident, resident_house, Source.APP),
            (street.grid_worker, street.house_in(street.grid_building), Source.PHONE),
            (street.secretary, street.house_in(street.other_grid_building), Source.WALK_IN),
            (admin, far[Level.HOUSE], Source.PHONE)):
        tickets.do_submit(tickets.NewTicket(category=water, place=place, description="厨房水管漏水，楼下渗水",
                                            source=source, photos=[jpeg()]), acting_user=user)
    # Deliveries for quarantined households: at the door with a photo (the volunteer's, in the grid
    # worker's grid), waiting for a volunteer in another grid of the community, and far away.
    from linli.people.models import Person as Resident
    from linli.tasks.tests.helpers import jpeg
    from linli.tickets.tests.helpers import deliver_to_door, quarantine

    groceries = Category.objects.get(code="quarantine-groceries")
    neighbour = Resident.objects.filter(path__under=street.other_grid_building.path, is_active=True,
                                        current_house__isnull=False).order_by("pk").first()
    quarantine(street, neighbour)
    for user, person, volunteer in ((street.grid_worker, near[0], street.volunteer), (street.secretary, neighbour, None),
                                    (admin, far_person, admin)):
        ticket = tickets.do_submit(tickets.NewTicket(category=groceries, place=person.current_house, person=person,
                                                     description="需要代买大米和青菜", source=Source.PHONE),
                                   acting_user=user)
        if volunteer is not None:
            deliver_to_door(ticket.deliveries.get(), volunteer, photo=jpeg())
    # The street's calendar correction and a duty line in the test street and in the far one.
    from linli.tickets import catalogue_actions as catalogue
    from linli.tickets.models import DutyKind, GridRole

    catalogue.do_add_calendar_day(today + datetime.timedelta(days=40), True, acting_user=admin)
    for place in (street.community.parent, far[Level.STREET]):
        catalogue.do_add_duty_item(place, catalogue.DutyInput(GridRole.MEMBER, DutyKind.NEGATIVE, "不得代替执法部门执法"),
                                   acting_user=admin)
    # Hotline imports: the street officer's (columns to confirm), the secretary's (checked, ready
    # to import), and one in the far district.
    from linli.tickets import hotline_actions as hotline
    from linli.tickets.tests.hotline_helpers import order, where, xlsx_export

    export = xlsx_export([order(1, where(street.house_in(street.grid_building)).address())])
    hotline.do_hotline_upload(acting_user=street.street_officer, street=street.community.parent,
                              file_name="工单.xlsx", data=export)
    checked = hotline.do_hotline_upload(acting_user=street.secretary, street=street.community.parent,
                                        file_name="工单.xlsx", data=export)
    hotline.do_hotline_set_mapping(checked, acting_user=street.secretary, columns=hotline.columns_of(checked),
                                   categories={"城乡建设-房屋漏水": water})
    hotline.do_hotline_upload(acting_user=admin, street=far[Level.STREET], file_name="工单.xlsx", data=export)
    # Tasks pushed down, their items and photos, visit plans: in the grid worker's grid and far away.
    make_task_rows(street, far)
    # Alerts: a fall in the grid worker's grid, a fever under quarantine in the community, a fall in the
    # far district; a chain and a week of shifts.
    from linli.alerts.tests.helpers import make_matrix_rows as make_alert_rows

    make_alert_rows(street, far)
    # Devices (active, with an event): in the grid worker's grid and far away.
    from linli.devices.tests.helpers import make_matrix_rows as make_device_rows

    make_device_rows(street, far[Level.HOUSE])
    # Notices: one published to the grid worker's building, one in the far district.
    from linli.notices.tests.helpers import make_matrix_rows as make_notice_rows

    make_notice_rows(street, far)
    # Consultations: one open in the first community (a comment, a proposal), one closed with its
    # themes, and one in the far district.
    from linli.consult.tests.helpers import make_matrix_rows as make_consult_rows

    make_consult_rows(street, far)
    # Disinfection points (with a visit) and shelters: in the grid worker's compound and far away.
    from linli.sites.tests.helpers import make_matrix_rows as make_site_rows

    make_site_rows(street, far)
    # Emergency materials: a point with stock and a stock-taking in the community and far away.
    from linli.supplies.tests.helpers import make_matrix_rows as make_supply_rows

    make_supply_rows(street, far)
    # Rumours: the seed facts, a clarification signed by three parties in the secretary's community,
    # and a fact, a suspect and a clarification in the far district.
    from linli.rumours.tests.helpers import make_matrix_rows as make_rumour_rows

    make_rumour_rows(street, far)
    # Suppliers (with a checked licence), a purchase order and a donation: in the community and far away.
    from linli.suppliers.tests.helpers import make_matrix_rows as make_supplier_rows

    make_supplier_rows(street, far)
    # Reservation rounds: one in the community (with the resident's reservation), one far away.
    from linli.handout.tests.helpers import make_matrix_rows as make_handout_rows

    make_handout_rows(street, far)
    # Campaigns: one running in the grid worker's building (with an answer to check), one far away.
    from linli.campaigns.tests.helpers import make_matrix_rows as make_campaign_rows

    make_campaign_rows(street, far)
    # Opinion: an analysed upload with its demands and a month's report, in the community and far away.
    from linli.opinion.tests.helpers import make_matrix_rows as make_opinion_rows

    make_opinion_rows(street, far)

    # Files made for download (made at once: tasks run immediately): the street officer's list of
    # the first community, and one of the far district's.
    from linli.downloads.actions import do_request_download

    for user, place in ((street.street_officer, street.community), (admin, far_community)):
        do_request_download("people_list", scope=place, params={"kind": "houses", "format": "csv"}, acting_user=user)
    # Files with full values waiting for a second person's approval (decision 0023): one in the far
    # district, and the secretary's of her community (the street officer may approve it), made last
    # so that the superuser, who tries the newest row, tries one that is not his own.
    from django.test import override_settings

    with override_settings(LINLI_EXPORT_APPROVAL_THRESHOLD=0):
        # and a department's report with full ID numbers: the street officer's police list of the community
        do_request_download("report", scope=street.community, acting_user=street.street_officer,
                            params={"template": "police-floating-population", "purpose_code": "authority_request"})
        for user, place in ((admin, far_community), (street.secretary, street.community)):
            do_request_download("people_list", scope=place, acting_user=user,
                                params={"kind": "people", "format": "csv", "purpose_code": "care_visit"})
    # API tokens: each is its owner's alone.
    from linli.core.api_auth import create_token

    for user in (street.grid_worker, street.secretary, street.resident):
        create_token(user, "matrix")

    from linli.core.models import Role, RoleAssignment

    city = street.community.parent.parent.parent
    assert far[Level.STREET].path.startswith(city.path)
    city_officer = User.objects.create_user("matrix-city", password="x-matrix-city-x")  # noqa: S106 - test account
    RoleAssignment.objects.create(user=city_officer, role=Role.objects.get(code="street_officer"), place=city)
    users = {name: getattr(street, name) for name in PERSONAS if name != "city_officer"}
    users["city_officer"] = city_officer
    town = Town(street, users)
    for name, user in users.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        pass_second_factor(client, user)  # as after typing her code: the matrix tests rights, not sign-in
        town.sessions[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
        town.clients[name] = client
    town.clients[ANONYMOUS] = Client(raise_request_exception=False)
    return town


@pytest.fixture(scope="module")
def town(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Town]:
    from linli.ledger import log

    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as monkeypatch, transaction.atomic():
        try:
            yield build_town(monkeypatch)
        finally:
            transaction.set_rollback(True)
            log.forget_tree()


@pytest.fixture(autouse=True)
def fresh_ledger_caches() -> Iterator[None]:
    # Each test's rows roll back; the ledger's process-wide tree must not outlive them.
    from linli.ledger import log

    log.forget_tree()
    yield
    log.forget_tree()


# --- who gets what --------------------------------------------------------------------------------------

def _to_login(response: Any) -> bool:
    """Sent to the login page to come back afterwards: what a page that needs a signed-in
    user answers (signing out also ends on the login page, without coming back)."""
    if response.status_code != 302:
        return False
    location = urlsplit(response["Location"])
    return location.path == resolve_url(settings.LOGIN_URL) and "next" in parse_qs(location.query)


def _passed(response: Any) -> bool:
    return response.status_code < 500 and response.status_code not in (401, 403, 404, 405) and \
        not _to_login(response)


@dataclass(frozen=True)
class Expect:
    text: str
    accepts: Callable[[Any], bool]

    def problem(self, response: Any) -> str | None:
        if self.accepts(response):
            return None
        return f"expected {self.text}, got {response.status_code}{_detail(response)}"


def _detail(response: Any) -> str:
    if response.status_code in (301, 302, 303):
        return f" to {response['Location']}"
    exc = getattr(response, "exc_info", None)
    if exc:
        return f": {exc[0].__name__}: {exc[1]}"
    if response.status_code < 400:
        return ""
    text = response.content.decode(errors="replace")
    title = re.search(r"<title>(.*?)</title>", text, re.S)
    return f": {(title.group(1).strip() if title else text)[:300]}"


LOGIN = Expect("the login page (302)", _to_login)
UNAUTHENTICATED = Expect("401", lambda r: r.status_code == 401)
OK = Expect("200", lambda r: r.status_code == 200)
PASSED = Expect("the permission to pass (not 401/403/404/405/5xx)", _passed)
HIDDEN = Expect("404", lambda r: r.status_code == 404)
REFUSED = Expect("403 or 404", lambda r: r.status_code in (403, 404))
# Her own pages (the resident's health code) have nothing to show a user with no resident record.
OWN_MISSING = Expect("200, or 404 without a resident record of her own", lambda r: r.status_code in (200, 404))
OWN_MISSING_POST = Expect("404 without a resident record of her own, or the permission to pass",
                          lambda r: r.status_code == 404 or _passed(r))


@dataclass(frozen=True)
class Check:
    method: str
    obj: Model | None
    expect: Expect
    why: str


def _rows(access: RouteAccess) -> QuerySet[Any]:
    assert access.model is not None
    rows = access.model._default_manager.all()
    return rows.filter(access.where) if access.where is not None else rows


def _allowed(access: RouteAccess, user: User) -> QuerySet[Any]:
    condition = Q(pk__in=[])
    for action in access.actions:
        condition |= Q(pk__in=restricted(_rows(access), user, action).values("pk"))
    return _rows(access).filter(condition)


def inside_row(access: RouteAccess, user: User) -> Model | None:
    return _allowed(access, user).first()


def outside_rows(access: RouteAccess, user: User) -> list[Model]:
    """The first row outside the user's scope and, for rows with a place path, the one
    nearest to her first row inside it (in the same building, compound …): where a policy
    and a view disagree, it is at the edge of the scope."""
    outside = _rows(access).exclude(pk__in=_allowed(access, user).values("pk"))
    rows = [row for row in [outside.first()] if row is not None]
    inside = inside_row(access, user)
    path = getattr(inside, "path", None)
    if rows and isinstance(path, str) and any(f.name == "path" for f in access.model._meta.concrete_fields):
        parts = path.strip("/").split("/")
        for depth in range(len(parts), 0, -1):
            near = outside.filter(path__startswith="/".join(parts[:depth]) + "/").first()
            if near is not None:
                if near.pk != rows[0].pk:
                    rows.append(near)
                break
    return rows


def holds(access: RouteAccess, user: User) -> bool:
    if access.creates is not None:
        return any(allows(user, action, access.creates()) for action in access.actions)
    return any(may(user, action) for action in access.actions)


def checks(town: Town, route: Route, persona: str) -> list[Check]:
    access = route.access
    assert access is not None, f"{route.id} declares no access"
    methods = town.methods[route.id]
    reference = _rows(access).first() if access.model else None

    def each(obj: Model | None, get: Expect, post: Expect, why: str) -> list[Check]:
        return [Check(m, obj, get if m == "GET" else post, why) for m in methods]

    if access.public and _signed_by_device(route):
        # A device signs what it posts with its own secret; nobody's session or token stands in for it.
        return each(reference, UNAUTHENTICATED, UNAUTHENTICATED, "signed by a device, and not signed here")
    if persona == ANONYMOUS:
        if access.public:
            return each(reference, PASSED, PASSED, "a public route")
        signed_out = UNAUTHENTICATED if route.is_api else LOGIN
        return each(reference, signed_out, signed_out, "not signed in")
    user = town.users[persona]
    if access.public:
        return each(reference, PASSED, PASSED, "a public route")
    if access.signed_in:
        if user.person_id is None:
            return each(reference, OWN_MISSING, OWN_MISSING_POST, "her own pages, with no resident record")
        return each(reference, OK, PASSED, "her own pages")
    if user.is_superuser:
        return each(reference, PASSED, PASSED, "the superuser")
    if access.model is None:
        if holds(access, user):
            return each(None, OK, PASSED, "holds the action")
        return each(None, REFUSED, REFUSED, "does not hold the action")
    inside = inside_row(access, user)
    if inside is None and not holds(access, user):
        return each(reference, REFUSED, REFUSED, "does not hold the action")
    found = []
    if inside is not None:
        found += each(inside, OK, PASSED, f"{_name(inside)} inside her scope")
    for outside in outside_rows(access, user):
        found += each(outside, HIDDEN, HIDDEN, f"{_name(outside)} outside her scope")
    return found


def _signed_by_device(route: Route) -> bool:
    from linli.devices.wire import SIGNATURE_HEADER

    return any(p.get("in") == "header" and p.get("name") == SIGNATURE_HEADER
               for p in (route.operation or {}).get("parameters", []))


def _name(obj: Model) -> str:
    return f"{obj._meta.label} {obj.pk}"


# --- sending the request ----------------------------------------------------------------------------------

def _value(obj: Model, attribute: str) -> Any:
    value: Any = obj
    for part in attribute.split("__"):
        value = getattr(value, part)
    return value


def request_for(route: Route, method: str, obj: Model | None) -> tuple[str, dict[str, Any]]:
    """The URL and the client keyword arguments for one request."""
    access = route.access
    assert access is not None
    named: dict[str, Any] = {}
    if access.model is not None and obj is not None:
        named[access.kwarg] = _value(obj, access.field)
        named.update({name: _value(obj, attribute) for name, attribute in access.also})
    url = route.path
    for name, converter in route.parameters():
        if name in named:
            value = named.pop(name)
        elif converter == "str":
            value = "x"  # a free word (the field to reveal): the view answers for it
        else:
            raise AssertionError(f"{route.id}: the parameter {name!r} names an object; declare it with @route")
        text = str(value)
        url = url.replace(f"{{{name}}}", text) if route.is_api else re.sub(rf"<(?:\w+:)?{name}>", text, url)
    if not route.is_api:
        query = "?" + "&".join(f"{k}={v}" for k, v in named.items()) if named else ""
        return url + query, {"data": {}} if method == "POST" else {}
    query_values = {p["name"]: sample(p["schema"]) for p in route.operation.get("parameters", [])  # type: ignore[union-attr]
                    if p["in"] == "query" and p.get("required")}
    for p in route.operation.get("parameters", []):  # type: ignore[union-attr]
        if p["in"] == "query" and p["name"] in named:
            query_values[p["name"]] = named.pop(p["name"])
        elif p["in"] == "query" and p["name"] == "purpose":
            query_values["purpose"] = quote(PURPOSE)  # staff say why they read someone's health data
        elif p["in"] == "query" and p["name"] == "purpose_code":
            query_values["purpose_code"] = "epidemic_control"  # a lawful purpose from the list (0023)
    if query_values:
        url += "?" + "&".join(f"{k}={v}" for k, v in query_values.items())
    body = body_schema(route)
    if body is None:
        assert not named, f"{route.id}: {sorted(named)} is neither a parameter nor in the request body"
        return url, {}
    content_type, schema = body
    data = sample(schema)
    for name, value in named.items():
        assert name in schema.get("properties", {}), f"{route.id}: {name!r} is not in the request body"
        data[name] = value
    if content_type == "application/json":
        return url, {"data": json.dumps(data, default=str), "content_type": content_type}
    return url, {"data": data}


def send(town: Town, route: Route, persona: str, method: str, obj: Model | None) -> Any:
    url, kwargs = request_for(route, method, obj)
    client = town.client(persona)
    return client.get(url, **kwargs) if method == "GET" else client.post(url, **kwargs)


def learn_methods(town: Town, route: Route) -> None:
    """Which methods a page answers (a view under ``require_POST`` refuses a GET with 405):
    asked as the superuser, once per route."""
    if route.id in town.methods:
        return
    if route.is_api:
        town.methods[route.id] = (route.method,)
        return
    access = route.access
    assert access is not None
    obj = _rows(access).first() if access.model else None
    with transaction.atomic():  # what the probe changed (a shift removed …) must not reach the checks
        methods = tuple(m for m in ("GET", "POST") if send(town, route, "admin", m, obj).status_code != 405)
        transaction.set_rollback(True)
    town.methods[route.id] = methods or ("GET", "POST")


# --- the tests -------------------------------------------------------------------------------------------------

def test_every_route_declares_its_access() -> None:
    problems = []
    handlers = [Route(f"(handler) {v.__module__}.{v.__name__}", "", v) for v in set(_api_views().values())]
    for route in ROUTES + handlers:
        access = route.access
        if access is None:
            problems.append(f"{route.id}: no @route declaration")
            continue
        for action in access.actions:
            if action not in ACTIONS:
                problems.append(f"{route.id}: {action!r} is not a registered action")
            elif access.model is not None:
                try:
                    policy_for(access.model, action)
                except Exception as exc:  # ImproperlyConfigured: no declared policy
                    problems.append(f"{route.id}: {exc}")
        if route.path and access.model is not None:
            names = {name for name, _ in route.parameters()}
            if not route.is_api and not access.query and access.kwarg not in names:
                problems.append(f"{route.id}: {access.kwarg!r} is not a parameter of the URL")
            missing = {name for name, _ in access.also} - names
            if missing:
                problems.append(f"{route.id}: {sorted(missing)} are not parameters of the URL")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_every_object_route_has_rows_inside_and_outside(town: Town) -> None:
    """Every object route is tried on a row inside and a row outside the scope of someone who
    holds its action (unless the action reaches every row wherever it is held: the whole
    ledger for its auditors): a model without rows here must get some in ``build_town``."""
    problems = []
    for route in ROUTES:
        access = route.access
        if access is None or access.model is None or access.public:
            continue  # a public route (Open311's) answers for any row: there is no scope to cross
        staff = [u for u in town.users.values() if not u.is_superuser]
        if not any(inside_row(access, u) is not None for u in staff):
            problems.append(f"{route.id}: no persona has a {access.model._meta.label} inside her scope")
        everywhere = all(isinstance(policy_for(access.model, a), Anywhere) for a in access.actions)
        if not everywhere and not any(outside_rows(access, u) and (holds(access, u) or inside_row(access, u))
                                      for u in staff):
            problems.append(f"{route.id}: no {access.model._meta.label} lies outside the scope of someone "
                            f"who holds {' or '.join(access.actions)}")
    assert not problems, "\n".join(problems)


# Disagreements known but not yet fixed, described with what is due: each is a strict xfail, so
# fixing the route makes the test fail until its entry goes. Empty: every route agrees.
KNOWN: dict[tuple[str, str], str] = {}


def _cases() -> Iterator[Any]:
    for route in ROUTES:
        for persona in (ANONYMOUS, *PERSONAS):
            marks = []
            if (route.id, persona) in KNOWN:
                marks.append(pytest.mark.xfail(strict=True, reason=KNOWN[(route.id, persona)]))
            yield pytest.param(route, persona, id=f"{route.id} as {persona}", marks=marks)


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "persona"), list(_cases()))
def test_route_as_persona(town: Town, route: Route, persona: str) -> None:
    access = route.access
    assert access is not None, f"{route.id}: no @route declaration"
    if access.model is not None and not _rows(access).exists():
        pytest.fail(f"{route.id}: the test street has no {access.model._meta.label} to try; make one in build_town")
    learn_methods(town, route)
    failures = []
    for check in checks(town, route, persona):
        response = send(town, route, persona, check.method, check.obj)
        problem = check.expect.problem(response)
        if problem:
            failures.append(f"{check.method} as {persona} ({check.why}): {problem}")
        # every page it renders also runs under the Content-Security-Policy (decision 0014)
        failures += [f"{check.method} as {persona}: {p}" for p in csp_problems(response)]
    assert not failures, f"{route.id}\n" + "\n".join(failures)
