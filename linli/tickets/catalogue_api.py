"""The request catalogue, the working calendar and the grid roles' duty lists (三张清单) over the
API: what the street office's pages do (``catalogue_views``), through the same actions
(``catalogue_actions``), which check ``tickets.catalogue``, validate and audit.

Lists and additions answer 403 to whoever may not edit anywhere; a category, correction, line
or street outside the caller's reach is a 404, as on the pages. A change sends what changes: a
field left out (or null) keeps its value. Removing is a POST to ``…/remove``, like every other
move of the API. A code or a date already taken is a 422 naming the field, like any other
refusal.
"""

# No ``from __future__ import annotations``: ninja reads these annotations at import time.

import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from linli.core import dates
from linli.core.access import PermissionDenied, get_or_404, may, route
from linli.core.api_auth import ERRORS, Date, Id, api_user
from linli.places.models import Place
from linli.tickets import catalogue_actions as catalogue
from linli.tickets.access import CATALOGUE, SUBMIT, VIEW
from linli.tickets.actions import clean_words
from linli.tickets.models import (
    MAX_LIMIT_HOURS,
    CalendarDay,
    Category,
    DutyItem,
    DutyKind,
    GridRole,
)

router = Router()

Hours = Annotated[int, Field(ge=1, le=MAX_LIMIT_HOURS)]
SortKey = Annotated[int, Field(ge=0, le=32767, description="position in the list: smaller numbers come first")]
LevelName = Literal["grid", "community", "street", "department"]
ClockName = Literal["working", "round"]
RoleName = Literal["leader", "member"]
KindName = Literal["power", "responsibility", "negative"]


def _editor(request: HttpRequest) -> Any:
    """The caller, if she edits the catalogue somewhere (the pages' "denied" otherwise)."""
    user = api_user(request)
    if not may(user, CATALOGUE):
        raise PermissionDenied(CATALOGUE)
    return user


def _category_by_code(code: str, name: str = "category") -> Category:
    found = Category.objects.filter(code=clean_words(code, name, limit=40).lower()).first()
    if found is None:
        raise ValidationError({name: [ValidationError(_("Unknown category."), code="invalid_choice")]})
    return found


# --- the catalogue ------------------------------------------------------------------------------------

class CategoryOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    level: str
    department: str
    respond_hours: int
    resolve_hours: int
    clock: str
    anonymous_allowed: bool
    delivery: bool
    active: bool = Field(description="offered to residents; false: no longer offered (its requests keep it)")
    sort_key: int


class CategoryChangeOut(CategoryOut):
    changed: list[str] = Field(description="the fields that changed")
    open_requests: int = Field(description="open requests of the category in the caller's area: they keep the "
                                           "limits they were filed with")


class CategoryQuery(Schema):
    include_inactive: bool = Field(False, description="also the categories no longer offered to residents (for "
                                                      "those who edit the catalogue)")


class CategoryIn(Schema):
    code: str = Field(max_length=40, description="letters, digits and hyphens, e.g. lift-stuck; it never changes")
    name: str = Field(max_length=64, description="in Chinese")
    name_en: str = Field("", max_length=64)
    level: LevelName = Field("grid", description="who answers")
    department: str = Field("", max_length=64, description="the outside department, for level department")
    respond_hours: Hours = Field(description="hours to the first response")
    resolve_hours: Hours = Field(description="hours to resolution: not fewer than to the first response")
    clock: ClockName = Field("working", description="working: office hours of working days; round: every hour")
    anonymous_allowed: bool = False
    delivery: bool = Field(False, description="a delivery for a quarantined household")
    sort_key: SortKey | None = Field(None, description="default: at the end of the list")


class CategoryChangeIn(Schema):
    name: str | None = Field(None, max_length=64)
    name_en: str | None = Field(None, max_length=64)
    level: LevelName | None = None
    department: str | None = Field(None, max_length=64)
    respond_hours: Hours | None = None
    resolve_hours: Hours | None = None
    clock: ClockName | None = None
    anonymous_allowed: bool | None = None
    delivery: bool | None = None
    sort_key: SortKey | None = None


class ActiveIn(Schema):
    active: bool = Field(description="true: offer it to residents again; false: stop offering it (never a deletion)")


def _category(request: HttpRequest, category_id: int) -> tuple[Any, Category]:
    user = api_user(request)
    return user, get_or_404(Category.objects.all(), user, CATALOGUE, pk=category_id)


def _category_change(user: Any, category: Category, changed: list[str]) -> dict[str, Any]:
    return {**{name: getattr(category, name) for name in CategoryOut.model_fields}, "changed": changed,
            "open_requests": catalogue.open_count(category, catalogue.area_requests(user))}


@router.get("/categories", response={200: list[CategoryOut], **ERRORS}, summary="The request categories")
@route(SUBMIT, VIEW, CATALOGUE)
def categories(request: HttpRequest, filters: Query[CategoryQuery]) -> Any:
    """Those offered to residents; with ``include_inactive``, the catalogue's editors also get
    those no longer offered."""
    user = _editor(request) if filters.include_inactive else api_user(request)
    held = next((action for action in (SUBMIT, VIEW, CATALOGUE) if may(user, action)), None)
    if held is None:
        raise PermissionDenied(SUBMIT)
    # An editor reads them all, also where she cannot change them (what every street shares).
    rows = Category.objects.restrict(user, held)
    return list(rows if filters.include_inactive else rows.filter(active=True))


@router.post("/categories", response={201: CategoryOut, **ERRORS},
             summary="Add a category, offered to residents at once")
@route(CATALOGUE, creates=Category)
def add_category(request: HttpRequest, payload: CategoryIn) -> Status:
    user = _editor(request)
    return Status(201, catalogue.do_add_category(catalogue.category_input(payload.model_dump()), acting_user=user))


@router.post("/categories/{category_id}", response={200: CategoryChangeOut, **ERRORS},
             summary="Change a category's names, who answers it or its limits (requests filed keep theirs)")
@route(CATALOGUE, model=Category, kwarg="category_id")
def change_category(request: HttpRequest, category_id: Id, payload: CategoryChangeIn) -> dict[str, Any]:
    user, category = _category(request, category_id)
    values = {**catalogue.category_values(category), **payload.model_dump(exclude_none=True)}
    change = catalogue.do_change_category(category, catalogue.category_input(values), acting_user=user)
    return _category_change(user, change.category, sorted(change.changed))


@router.post("/categories/{category_id}/active", response={200: CategoryChangeOut, **ERRORS},
             summary="Offer a category to residents again, or stop offering it")
@route(CATALOGUE, model=Category, kwarg="category_id")
def set_category_active(request: HttpRequest, category_id: Id, payload: ActiveIn) -> dict[str, Any]:
    user, category = _category(request, category_id)
    was = category.active
    category = catalogue.do_set_category_active(category, payload.active, acting_user=user)
    return _category_change(user, category, ["active"] if category.active != was else [])


# --- the working calendar ---------------------------------------------------------------------------------

class CalendarDayOut(Schema):
    id: int
    date: datetime.date
    working: bool = Field(description="true: a make-up working day; false: a day off")
    kind_text: str = Field(description="what the day is, in the caller's language")
    note: str
    national_working: bool = Field(description="what the national calendar alone says; equal to working: the "
                                               "correction only pins the day")


class CalendarQuery(Schema):
    year: int | None = Field(None, ge=dates.EARLIEST.year, le=9999, description="only this year's corrections")


class CalendarDayIn(Schema):
    date: Date
    working: bool = Field(description="true: a make-up working day; false: a day off")
    note: str = Field("", max_length=100)


class CalendarDayChangeIn(Schema):
    date: Date | None = None
    working: bool | None = None
    note: str | None = Field(None, max_length=100)


def _day_out(row: CalendarDay) -> dict[str, Any]:
    return {"id": row.pk, "date": row.date, "working": row.working, "kind_text": row.kind_label, "note": row.note,
            "national_working": catalogue.national_working(row.date)}


@router.get("/calendar", response={200: list[CalendarDayOut], **ERRORS},
            summary="The street's corrections to the national working calendar")
@route(CATALOGUE)
def calendar(request: HttpRequest, filters: Query[CalendarQuery]) -> list[dict[str, Any]]:
    user = _editor(request)
    rows = CalendarDay.objects.restrict(user, VIEW if may(user, VIEW) else CATALOGUE).order_by("date")
    if filters.year is not None:
        rows = rows.filter(date__year=filters.year)
    return [_day_out(row) for row in rows]


@router.post("/calendar", response={201: CalendarDayOut, **ERRORS},
             summary="Declare a make-up working day or a day off (limits of requests filed from now on count with it)")
@route(CATALOGUE, creates=CalendarDay)
def add_calendar_day(request: HttpRequest, payload: CalendarDayIn) -> Status:
    user = _editor(request)
    row = catalogue.do_add_calendar_day(payload.date, payload.working, note=payload.note, acting_user=user)
    return Status(201, _day_out(row))


@router.post("/calendar/{day_id}", response={200: CalendarDayOut, **ERRORS}, summary="Change a correction")
@route(CATALOGUE, model=CalendarDay, kwarg="day_id")
def change_calendar_day(request: HttpRequest, day_id: Id, payload: CalendarDayChangeIn) -> dict[str, Any]:
    user = api_user(request)
    row = get_or_404(CalendarDay.objects.all(), user, CATALOGUE, pk=day_id)
    row = catalogue.do_change_calendar_day(
        row, payload.date or row.date, row.working if payload.working is None else payload.working,
        note=row.note if payload.note is None else payload.note, acting_user=user)
    return _day_out(row)


@router.post("/calendar/{day_id}/remove", response={204: None, **ERRORS},
             summary="Remove a correction: the day follows the national calendar again")
@route(CATALOGUE, model=CalendarDay, kwarg="day_id")
def remove_calendar_day(request: HttpRequest, day_id: Id) -> Status:
    user = api_user(request)
    catalogue.do_remove_calendar_day(get_or_404(CalendarDay.objects.all(), user, CATALOGUE, pk=day_id),
                                     acting_user=user)
    return Status(204, None)


# --- the duty lists (三张清单) -----------------------------------------------------------------------------

class DutyItemOut(Schema):
    id: int
    street_id: int
    role: RoleName
    role_text: str
    kind: KindName = Field(description="power (权力清单), responsibility (责任清单) or negative (负面清单)")
    kind_text: str
    text: str
    category: str | None = Field(description="the request category's code (negative lines only)")
    sort_key: int
    routes: bool = Field(description="keeps the category's requests away from the role in routing")


class DutyItemSaved(DutyItemOut):
    notices: list[str] = Field(description="what the line does, or does not do, in routing (caller's language)")


class DutyQuery(Schema):
    street_id: Id = Field(description="the street whose lists these are")
    role: RoleName | Literal[""] = ""
    kind: KindName | Literal[""] = ""


class DutyItemIn(Schema):
    street_id: Id = Field(description="the street whose lists these are")
    role: RoleName
    kind: KindName
    text: str = Field(min_length=2, max_length=300, description="the line, as grid workers read it")
    category: str | None = Field(None, max_length=40, description="a category code, on a negative line: keeps "
                                                                  "its requests away from the role")
    sort_key: SortKey | None = Field(None, description="default: at the end of its list")


class DutyItemChangeIn(Schema):
    role: RoleName | None = None
    kind: KindName | None = None
    text: str | None = Field(None, min_length=2, max_length=300)
    category: str | None = Field(None, max_length=40, description="a category code; \"\" takes it off the line")
    sort_key: SortKey | None = None


def _duty_out(item: DutyItem, street: Place) -> dict[str, Any]:
    return {"id": item.pk, "street_id": street.pk, "role": item.role, "role_text": str(GridRole(item.role).label),
            "kind": item.kind, "kind_text": str(DutyKind(item.kind).label), "text": item.text,
            "category": item.category.code if item.category is not None else None, "sort_key": item.sort_key,
            "routes": item.routes}


def _saved(item: DutyItem, street: Place) -> dict[str, Any]:
    return {**_duty_out(item, street), "notices": catalogue.duty_notices(item)}


def _street(user: Any, street_id: int) -> Place:
    return get_or_404(catalogue.streets(user), user, CATALOGUE, pk=street_id)


def _line(user: Any, item_id: int) -> tuple[DutyItem, Place]:
    item = get_or_404(DutyItem.objects.select_related("category"), user, CATALOGUE, pk=item_id)
    street = catalogue.street_of(user, item)
    if street is None:  # not on the lists of a street she keeps
        raise Http404
    return item, street


@router.get("/duties", response={200: list[DutyItemOut], **ERRORS},
            summary="A street's duty lists (三张清单) of the grid leader and grid members")
@route(CATALOGUE, model=Place, kwarg="street_id", query=True, where=catalogue.STREET)
def duties(request: HttpRequest, filters: Query[DutyQuery]) -> list[dict[str, Any]]:
    user = _editor(request)
    street = _street(user, filters.street_id)
    rows = catalogue.duty_lines(user, street)
    if filters.role:
        rows = rows.filter(role=filters.role)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    return [_duty_out(item, street) for item in rows]


@router.post("/duties", response={201: DutyItemSaved, **ERRORS}, summary="Add a line to a grid role's list")
@route(CATALOGUE, model=Place, kwarg="street_id", where=catalogue.STREET)
def add_duty_item(request: HttpRequest, payload: DutyItemIn) -> Status:
    user = _editor(request)
    street = _street(user, payload.street_id)
    values = {**payload.model_dump(), "category": _category_by_code(payload.category) if payload.category else None}
    item = catalogue.do_add_duty_item(street, catalogue.duty_input(values), acting_user=user)
    return Status(201, _saved(item, street))


@router.post("/duties/{item_id}", response={200: DutyItemSaved, **ERRORS}, summary="Change a line of the lists")
@route(CATALOGUE, model=DutyItem, kwarg="item_id")
def change_duty_item(request: HttpRequest, item_id: Id, payload: DutyItemChangeIn) -> dict[str, Any]:
    user = api_user(request)
    item, street = _line(user, item_id)
    values = {**catalogue.duty_values(item), **payload.model_dump(exclude_none=True)}
    if payload.category is not None:
        values["category"] = _category_by_code(payload.category) if payload.category.strip() else None
    item = catalogue.do_change_duty_item(item, catalogue.duty_input(values), acting_user=user)
    return _saved(item, street)


@router.post("/duties/{item_id}/remove", response={204: None, **ERRORS}, summary="Remove a line of the lists")
@route(CATALOGUE, model=DutyItem, kwarg="item_id")
def remove_duty_item(request: HttpRequest, item_id: Id) -> Status:
    user = api_user(request)
    item = _line(user, item_id)[0]
    catalogue.do_remove_duty_item(item, acting_user=user)
    return Status(204, None)
