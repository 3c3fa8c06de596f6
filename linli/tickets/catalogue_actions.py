"""The street's changes to the request catalogue, its working-calendar corrections and the grid
roles' duty lists (三张清单). Each ``do_*`` checks ``tickets.catalogue`` itself, validates the row
as the model says (``clean()``: the admin site obeys the same rules), saves it and writes the
audit row in one transaction.

A category with requests is never deleted, only taken out of what residents are offered; its
new limits count for requests filed afterwards (a request's limits are set when it is filed,
``actions._limits``, and never recomputed). Calendar corrections and duty lines may be removed.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from linli.core import audit
from linli.core.access import PermissionDenied, area_of, may, require
from linli.places.models import Level as PlaceLevel
from linli.places.models import Place
from linli.tickets import workcal
from linli.tickets.access import CATALOGUE
from linli.tickets.actions import clean_words
from linli.tickets.models import (
    OPEN_STATUSES,
    CalendarDay,
    Category,
    DutyItem,
    DutyKind,
    GridRole,
    Level,
    Ticket,
)

LIMIT_FIELDS = ("respond_hours", "resolve_hours", "clock")
STREET = Q(level=PlaceLevel.STREET)


def _require_catalogue(user: Any, target: Any = None) -> None:
    if target is None:
        if not may(user, CATALOGUE):
            raise PermissionDenied(CATALOGUE)
    else:
        require(user, CATALOGUE, target)


def _record(action: str, user: Any, obj: Any, **detail: Any) -> None:
    # The catalogue and the calendar belong to no place: their changes are filed under the
    # editor's area, where the street's auditors read them.
    path = obj.path if isinstance(obj, DutyItem) else area_of(user, CATALOGUE)
    audit.record(action, actor=user, obj=obj, path=path, detail=detail)


def _save(obj: Any, duplicate: ValidationError) -> None:
    """Save a validated row; a twin saved at the same moment by someone else is refused like
    the one ``full_clean`` finds."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise duplicate from exc


def open_count(category: Category, rows: QuerySet[Ticket] | None = None) -> int:
    """Open requests of the category (among ``rows``: those the reader may count)."""
    rows = Ticket.objects.all() if rows is None else rows
    return rows.order_by().filter(category=category, status__in=OPEN_STATUSES).count()


def area_requests(user: Any) -> QuerySet[Ticket]:
    """The requests whose counts the editor reads: her area's (the catalogue itself is shared)."""
    return Ticket.objects.restrict(user, CATALOGUE)


def _only(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``data`` (a form's cleaned data, an API body) that ``cls`` takes."""
    names = {f.name for f in fields(cls)}
    return {name: value for name, value in data.items() if name in names}


# --- the catalogue -----------------------------------------------------------------------------------

@dataclass
class CategoryInput:
    name: str
    respond_hours: int
    resolve_hours: int
    code: str = ""  # only when adding: a code never changes
    name_en: str = ""
    level: str = Level.GRID
    department: str = ""
    clock: str = "working"
    anonymous_allowed: bool = False
    delivery: bool = False
    sort_key: int | None = None


def category_input(data: Mapping[str, Any]) -> CategoryInput:
    """A category's input from the page's form or an API body, which name its fields alike."""
    return CategoryInput(**_only(CategoryInput, data))


def category_values(category: Category) -> dict[str, Any]:
    """What may be changed in a category, as it is: the change form's first values, and what an
    API change keeps of the fields it leaves out."""
    return {name: getattr(category, name) for name in _EDITABLE}


def _fill(category: Category, data: CategoryInput) -> None:
    category.name = clean_words(data.name, "name", limit=64)
    category.name_en = clean_words(data.name_en, "name_en", required=False, limit=64)
    category.level = data.level
    category.department = clean_words(data.department, "department", required=False, limit=64)
    if data.level != Level.DEPARTMENT:
        category.department = ""  # only a department-level category says who answers outside
    category.respond_hours = data.respond_hours
    category.resolve_hours = data.resolve_hours
    category.clock = data.clock
    category.anonymous_allowed = data.anonymous_allowed
    category.delivery = data.delivery
    if data.sort_key is not None:
        category.sort_key = data.sort_key


def _duplicate_code(code: str) -> ValidationError:
    return ValidationError({"code": [ValidationError(
        _("Another category already has the code “%(code)s”; choose another."), code="duplicate_code",
        params={"code": code})]})


@transaction.atomic
def do_add_category(data: CategoryInput, *, acting_user: Any) -> Category:
    """A new line of the catalogue, offered to residents at once, at the end of the list
    unless a place is given."""
    _require_catalogue(acting_user, Category())
    code = clean_words(data.code, "code", limit=40).lower()
    if Category.objects.filter(code=code).exists():
        raise _duplicate_code(code)
    category = Category(code=code, active=True)
    _fill(category, data)
    if data.sort_key is None:
        last = Category.objects.order_by("-sort_key").values_list("sort_key", flat=True).first() or 0
        category.sort_key = min(last + 10, 32767)
    category.full_clean()
    _save(category, _duplicate_code(code))
    _record("tickets.category_add", acting_user, category, code=code, respond_hours=category.respond_hours,
            resolve_hours=category.resolve_hours, clock=category.clock, level=category.level)
    return category


@dataclass
class CategoryChange:
    category: Category
    changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field → (before, after)
    open_requests: int = 0  # open requests that keep the limits they were filed with

    @property
    def limits_changed(self) -> bool:
        return any(name in self.changed for name in LIMIT_FIELDS)


@transaction.atomic
def do_change_category(category: Category, data: CategoryInput, *, acting_user: Any) -> CategoryChange:
    """Change a category's names, who answers it and its limits. Requests already filed keep
    their limits: only requests filed from now on count with the new ones."""
    category = Category.objects.select_for_update().get(pk=category.pk)
    _require_catalogue(acting_user, category)
    before = {f: getattr(category, f) for f in _EDITABLE}
    _fill(category, data)
    category.full_clean()
    category.save()
    change = CategoryChange(category, {f: (before[f], getattr(category, f)) for f in _EDITABLE
                                       if before[f] != getattr(category, f)})
    if change.limits_changed:
        change.open_requests = open_count(category)
    _record("tickets.category_change", acting_user, category, code=category.code,
            changed={k: list(v) for k, v in change.changed.items()}, open_requests=change.open_requests)
    return change


_EDITABLE = ("name", "name_en", "level", "department", "respond_hours", "resolve_hours", "clock",
             "anonymous_allowed", "delivery", "sort_key")


@transaction.atomic
def do_set_category_active(category: Category, active: bool, *, acting_user: Any) -> Category:
    """Offer a category to residents again, or stop offering it. Never a deletion: its
    requests, open or closed, keep it, and the open ones are still handled."""
    category = Category.objects.select_for_update().get(pk=category.pk)
    _require_catalogue(acting_user, category)
    if category.active == active:
        return category
    category.active = active
    category.save(update_fields=["active"])
    if active:
        _record("tickets.category_activate", acting_user, category, code=category.code)
    else:
        _record("tickets.category_deactivate", acting_user, category, code=category.code,
                open_requests=open_count(category))
    return category


# --- the working calendar -------------------------------------------------------------------------------

def national_working(day: datetime.date) -> bool:
    """Whether the national calendar alone makes ``day`` a working day."""
    return workcal.Calendar().is_working(day)


def _duplicate_date(day: datetime.date) -> ValidationError:
    return ValidationError({"date": [ValidationError(
        _("%(date)s is already corrected; change that correction instead of adding another."),
        code="date_corrected", params={"date": day.isoformat()})]})


def _fill_day(row: CalendarDay, day: datetime.date, working: bool, note: str) -> None:
    row.date = day
    row.working = bool(working)
    row.note = clean_words(note, "note", required=False, limit=100)


@transaction.atomic
def do_add_calendar_day(day: datetime.date, working: bool, *, acting_user: Any, note: str = "") -> CalendarDay:
    """Declare a make-up working day or a local day off. Limits of requests filed from now on
    count with it; requests already filed keep their due times."""
    _require_catalogue(acting_user, CalendarDay())
    if CalendarDay.objects.filter(date=day).exists():
        raise _duplicate_date(day)
    row = CalendarDay()
    _fill_day(row, day, working, note)
    row.full_clean()
    _save(row, _duplicate_date(day))
    _record("tickets.calendar_add", acting_user, row, date=day.isoformat(), working=row.working, note=row.note)
    return row


@transaction.atomic
def do_change_calendar_day(row: CalendarDay, day: datetime.date, working: bool, *, acting_user: Any,
                           note: str = "") -> CalendarDay:
    row = CalendarDay.objects.select_for_update().get(pk=row.pk)
    _require_catalogue(acting_user, row)
    before = {"date": row.date.isoformat(), "working": row.working, "note": row.note}
    if day != row.date and CalendarDay.objects.filter(date=day).exists():
        raise _duplicate_date(day)
    _fill_day(row, day, working, note)
    row.full_clean()
    _save(row, _duplicate_date(day))
    _record("tickets.calendar_change", acting_user, row, before=before,
            after={"date": row.date.isoformat(), "working": row.working, "note": row.note})
    return row


@transaction.atomic
def do_remove_calendar_day(row: CalendarDay, *, acting_user: Any) -> None:
    """The day follows the national calendar again."""
    row = CalendarDay.objects.select_for_update().get(pk=row.pk)
    _require_catalogue(acting_user, row)
    detail = {"date": row.date.isoformat(), "working": row.working, "note": row.note}
    pk = row.pk
    row.delete()
    row.pk = pk  # the audit row names what was removed
    _record("tickets.calendar_remove", acting_user, row, **detail)


# --- the duty lists (三张清单) --------------------------------------------------------------------------

@dataclass
class DutyInput:
    role: str
    kind: str
    text: str
    category: Category | None = None
    sort_key: int | None = None


def duty_input(data: Mapping[str, Any]) -> DutyInput:
    """A duty line's input from the page's form or an API body, which name its fields alike."""
    return DutyInput(**_only(DutyInput, data))


def duty_values(item: DutyItem) -> dict[str, Any]:
    """A duty line as it is: the change form's first values, and what an API change keeps."""
    return {"role": item.role, "kind": item.kind, "text": item.text, "category": item.category,
            "sort_key": item.sort_key}


def streets(user: Any) -> QuerySet[Place]:
    """The streets whose duty lists the user keeps."""
    return Place.objects.restrict(user, CATALOGUE).filter(STREET).order_by("path")


def street_of(user: Any, item: DutyItem) -> Place | None:
    """The street whose lists hold ``item``, if the user keeps them."""
    return streets(user).filter(path=item.path).first()


def duty_lines(user: Any, street: Place) -> QuerySet[DutyItem]:
    """The street's duty lines, as the user may edit them."""
    return DutyItem.objects.restrict(user, CATALOGUE).filter(path=street.path).select_related("category")


def _fill_duty(item: DutyItem, data: DutyInput) -> None:
    item.role = data.role
    item.kind = data.kind
    item.text = clean_words(data.text, "text", minimum=2, limit=300)
    item.category = data.category
    if data.sort_key is not None:
        item.sort_key = data.sort_key


def _duty_detail(item: DutyItem) -> dict[str, Any]:
    return {"role": item.role, "kind": item.kind, "text": item.text,
            "category": item.category.code if item.category is not None else None}


@transaction.atomic
def do_add_duty_item(street: Place, data: DutyInput, *, acting_user: Any) -> DutyItem:
    """A line of a grid role's lists in one street. A negative line naming a category keeps
    that category's requests away from the role from the next request on."""
    if street.level != PlaceLevel.STREET:
        raise ValidationError({"street": [ValidationError(_("Duty lists are kept by a street."), code="not_street")]})
    _require_catalogue(acting_user, street)
    item = DutyItem(path=street.path)
    _fill_duty(item, data)
    if data.sort_key is None:
        last = (DutyItem.objects.filter(path=street.path, role=item.role, kind=item.kind)
                .order_by("-sort_key").values_list("sort_key", flat=True).first() or 0)
        item.sort_key = min(last + 10, 32767)
    item.full_clean()
    item.save()
    _record("tickets.duty_add", acting_user, item, **_duty_detail(item))
    return item


@transaction.atomic
def do_change_duty_item(item: DutyItem, data: DutyInput, *, acting_user: Any) -> DutyItem:
    item = DutyItem.objects.select_for_update().get(pk=item.pk)
    _require_catalogue(acting_user, item)
    before = _duty_detail(item)
    _fill_duty(item, data)
    item.full_clean()
    item.save()
    _record("tickets.duty_change", acting_user, item, before=before, after=_duty_detail(item))
    return item


@transaction.atomic
def do_remove_duty_item(item: DutyItem, *, acting_user: Any) -> None:
    item = DutyItem.objects.select_for_update().get(pk=item.pk)
    _require_catalogue(acting_user, item)
    detail = _duty_detail(item)
    pk = item.pk
    item.delete()
    item.pk = pk
    _record("tickets.duty_remove", acting_user, item, **detail)


def duty_notices(item: DutyItem) -> list[str]:
    """What a saved line does, and does not do, in routing: said to the street after saving."""
    notices = []
    if item.kind == DutyKind.NEGATIVE and item.category_id is None:
        notices.append(str(_("This negative line names no request category: grid workers read it, but routing does "
                             "not change. Choose a category to keep its requests away from this role.")))
    if item.routes and item.category is not None:
        category = item.category
        if category.level != Level.GRID:
            notices.append(str(_("“%(category)s” is answered by the %(level)s, not by grids: this line changes nothing "
                                 "in routing while that stays so.") % {"category": category.name,
                                                                       "level": Level(category.level).label}))
        other = GridRole.MEMBER if item.role == GridRole.LEADER else GridRole.LEADER
        if DutyItem.objects.filter(path=item.path, role=other, kind=DutyKind.NEGATIVE, category=category).exists():
            notices.append(str(_("Both grid roles now have “%(category)s” on their negative list: its requests go to "
                                 "the community office.") % {"category": category.name}))
    return notices
