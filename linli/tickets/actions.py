"""Everything that changes a request. Each ``do_*`` checks its own permission, moves the
request through the state table (``machine``), writes the request's history and the audit log
in one transaction."""

from __future__ import annotations

import datetime
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit
from linli.core.access import PermissionDenied, allows, get_or_404, may, require, restricted
from linli.core.scope import scope_for
from linli.core.text import has_control_characters, strip_invisible
from linli.core.validators import validate_phone
from linli.grids.models import Grid
from linli.places.models import Level as PlaceLevel
from linli.places.models import Place
from linli.tickets import machine, routing, workcal
from linli.tickets.access import DISPATCH, FOLLOW, HANDLE, SUBMIT, VIEW
from linli.tickets.models import (
    OPEN_STATUSES,
    Category,
    Clock,
    EventKind,
    Level,
    Rating,
    Source,
    Status,
    Ticket,
    TicketEvent,
)

# Places a request may be about: a house, or a public place inside a compound.
REPORTABLE_LEVELS = (PlaceLevel.HOUSE, PlaceLevel.UNIT, PlaceLevel.BUILDING, PlaceLevel.COMPOUND)
STAFF_SOURCES = (Source.PHONE, Source.WALK_IN, Source.HOTLINE, Source.VISIT)
MIN_REASON = 4  # characters of a reason for a transfer, a return or a closure without a fix
# The level a request climbs to when it runs past its limit or is returned.
UP = {Level.GRID: Level.COMMUNITY, Level.COMMUNITY: Level.STREET, Level.DEPARTMENT: Level.STREET,
      Level.STREET: Level.STREET}


def _field_error(name: str, message: Any, code: str, **params: Any) -> ValidationError:
    return ValidationError({name: [ValidationError(message, code=code, params=params or None)]})


def clean_words(value: object, name: str, *, required: bool = True, minimum: int = 1,
                limit: int = 2000) -> str:
    # Not NFKC: free text keeps its full-width Chinese punctuation (，。！), only invisible and
    # direction-control characters go.
    text = unicodedata.normalize("NFC", strip_invisible(str(value or ""))).strip()
    if has_control_characters(text, allowed="\n\r\t"):
        raise _field_error(name, _("Remove the control characters from this text."), "control_characters")
    if required and len(text) < minimum:
        raise _field_error(name, _("Write at least %(n)s characters."), "too_short", n=minimum)
    if len(text) > limit:
        raise _field_error(name, _("Write at most %(n)s characters."), "too_long", n=limit)
    return text


def _event(ticket: Ticket, kind: str, actor: Any = None, note: str = "", *, public: bool = True,
           at: datetime.datetime | None = None, **detail: Any) -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, kind=kind, actor=actor if _is_user(actor) else None,
                                      note=note, public=public, at=at or timezone.now(), detail=detail)


def _is_user(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _limits(category: Category, start: datetime.datetime,
            calendar: workcal.Calendar | None = None) -> tuple[datetime.datetime, datetime.datetime,
                                                               datetime.datetime]:
    """(first response due, resolution due, warning for the first response)."""
    working = category.clock == Clock.WORKING
    share = settings.LINLI_TICKET_WARN_SHARE
    respond = workcal.add_hours(start, category.respond_hours, working=working, calendar=calendar)
    resolve = workcal.add_hours(start, category.resolve_hours, working=working, calendar=calendar)
    warn = workcal.add_hours(start, category.respond_hours * share, working=working, calendar=calendar)
    return respond, resolve, warn


def _resolve_warning(ticket: Ticket, start: datetime.datetime) -> datetime.datetime:
    """The warning moment of the resolution limit, a share of the way from ``start``."""
    share = settings.LINLI_TICKET_WARN_SHARE
    return start + (ticket.resolve_by - start) * share if ticket.resolve_by > start else ticket.resolve_by


def _apply(ticket: Ticket, destination: routing.Destination) -> None:
    ticket.level = destination.level
    ticket.grid = destination.grid if destination.level == Level.GRID else ticket.grid
    ticket.handler = destination.handler
    ticket.department = destination.department
    ticket.routing = destination.reason


# --- filing a request --------------------------------------------------------------------------

@dataclass
class NewTicket:
    category: Category
    place: Place
    description: str
    source: str = Source.APP
    person: Any = None
    contact_name: str = ""
    contact_phone: str = ""
    anonymous: bool = False
    external_ref: str = ""
    created_at: datetime.datetime | None = None  # a hotline order's own time; now otherwise
    due_by: datetime.datetime | None = None  # the hotline's own deadline, when earlier than the catalogue's
    unmatched_address: str = ""  # the caller's address, when it names no house of the registry


def under_home_quarantine(place: Place) -> bool:
    """Someone in this house is under an active home quarantine order."""
    from linli.health.models import OrderKind, OrderStatus, QuarantineOrder

    return place.level == PlaceLevel.HOUSE and QuarantineOrder.objects.filter(
        path=place.path, kind=OrderKind.HOME, status=OrderStatus.ACTIVE).exists()


def check_new(data: NewTicket, acting_user: Any) -> None:
    """Everything that can be wrong with a new request, before anything is written."""
    if not data.category.active:
        raise _field_error("category", _("This category is no longer offered; choose another."), "inactive")
    if data.category.delivery and not under_home_quarantine(data.place):
        raise _field_error("category", _("Deliveries of groceries and medicine are for households under home "
                                         "quarantine; choose another category."), "not_quarantined")
    if data.place.level not in REPORTABLE_LEVELS:
        raise _field_error("place", _("A request is about a house, or a building or compound of the community."),
                           "place_level")
    if not allows(acting_user, SUBMIT, data.place):
        raise PermissionDenied(SUBMIT)
    staff = allows(acting_user, "tickets.view", data.place.path)
    if data.source in STAFF_SOURCES and not staff:
        raise PermissionDenied(SUBMIT)
    if data.anonymous and not data.category.anonymous_allowed:
        raise _field_error("anonymous", _("Requests of this category cannot be anonymous: the office must be "
                                          "able to call back."), "anonymous")
    if data.person is not None and not allows(acting_user, "people.view", data.person):
        raise _field_error("person", _("This resident is not in your area."), "person_scope")
    data.description = clean_words(data.description, "description", minimum=5)
    data.contact_name = clean_words(data.contact_name, "contact_name", required=False, limit=64)
    if data.contact_phone:
        try:
            data.contact_phone = validate_phone(data.contact_phone).e164
        except ValidationError as exc:
            raise ValidationError({"contact_phone": exc.error_list}) from exc
    data.external_ref = clean_words(data.external_ref, "external_ref", required=False, limit=64)
    if data.created_at is not None and data.created_at > timezone.now() + datetime.timedelta(minutes=5):
        raise _field_error("created_at", _("The time lies in the future."), "future")
    if data.due_by is not None and data.due_by < (data.created_at or timezone.now()):
        raise _field_error("due_by", _("The deadline lies before the request was made."), "due_before")


@transaction.atomic
def do_submit(data: NewTicket, *, acting_user: Any, calendar: workcal.Calendar | None = None,
              router: routing.Router | None = None) -> Ticket:
    """File a request: check it, route it by its place, set its limits, and tell the resident
    its number. ``calendar`` and ``router`` serve many requests filed in one transaction."""
    check_new(data, acting_user)
    if data.external_ref and Ticket.objects.filter(external_ref=data.external_ref).exists():
        raise _field_error("external_ref", _("This hotline order is already registered."), "duplicate_order")
    start = data.created_at or timezone.now()
    router = router or routing.Router()
    destination = router.route(data.category, data.place, unmatched_address=data.unmatched_address)
    respond_by, resolve_by, warn_at = _limits(data.category, start, calendar)
    if data.due_by is not None and data.due_by < resolve_by:
        # The hotline holds the street to its own deadline: the earlier promise counts.
        resolve_by = data.due_by
        if respond_by > resolve_by:
            respond_by = resolve_by
            warn_at = start + (respond_by - start) * settings.LINLI_TICKET_WARN_SHARE
    person = data.person
    if person is None and data.source == Source.APP and getattr(acting_user, "person_id", None):
        person = acting_user.person
    ticket = Ticket(
        number=f"T{secrets.token_hex(8)}", token=secrets.token_urlsafe(18)[:24], category=data.category,
        place=data.place, community_id=router.community_id(data.place), path=data.place.path,
        description=data.description, source=data.source, external_ref=data.external_ref,
        submitted_by=acting_user if _is_user(acting_user) else None, person=None if data.anonymous else person,
        contact_name="" if data.anonymous else data.contact_name,
        contact_phone="" if data.anonymous else data.contact_phone, anonymous=data.anonymous,
        respond_by=respond_by, resolve_by=resolve_by, warn_at=warn_at, level=Level.GRID,
    )
    _apply(ticket, destination)
    ticket.save()
    ticket.number = f"{timezone.localtime(start):%Y%m%d}-{ticket.pk:06d}"
    if data.created_at is not None:  # the hotline's time of the call, not the moment it was typed in
        ticket.created_at = start
        Ticket.objects.filter(pk=ticket.pk).update(number=ticket.number, created_at=start)
    else:
        Ticket.objects.filter(pk=ticket.pk).update(number=ticket.number)
    hotline_due: dict[str, Any] = {"due_by": data.due_by.isoformat()} if data.due_by is not None else {}
    _event(ticket, EventKind.SUBMITTED, acting_user, at=start, source=data.source, **hotline_due)
    _event(ticket, EventKind.ROUTED, None, at=start, level=ticket.level, grid=ticket.grid_id,
           handler=ticket.handler_id, reason=destination.reason)
    audit.record("tickets.submit", actor=acting_user, obj=ticket,
                 detail={"category": data.category.code, "source": data.source, "level": ticket.level})
    return ticket


# --- who may handle ------------------------------------------------------------------------------

def may_handle(user: Any, ticket: Ticket) -> bool:
    """Handlers work the requests assigned to them or to their grid; the community and the
    street (who dispatch) may act on any request of their area."""
    if allows(user, DISPATCH, ticket):
        return True
    if not allows(user, HANDLE, ticket):
        return False
    if ticket.handler_id == user.pk:
        return True
    return ticket.level == Level.GRID and ticket.grid_id in scope_for(user, HANDLE).grid_ids


def for_me(user: Any) -> Q:
    """Requests waiting for this handler: assigned to her, or to her grid with nobody named."""
    grid_ids = sorted(scope_for(user, HANDLE).grid_ids)
    return Q(handler=user) | Q(level=Level.GRID, grid_id__in=grid_ids, handler__isnull=True)


def find_ticket(user: Any, rows: QuerySet[Ticket], pk: int) -> tuple[Ticket, bool]:
    """The request, and whether the user reads it as the office (else as its resident, who
    sees its public history only); "not found" either way when she may do neither."""
    if may(user, VIEW):
        found = restricted(rows, user, VIEW).filter(pk=pk).first()
        if found is not None:
            return found, True
    return get_or_404(rows, user, FOLLOW, pk=pk), False


def handled_ticket(user: Any, rows: QuerySet[Ticket], pk: int) -> Ticket:
    """A request the user may act on as a handler or a dispatcher (one query); whether this
    handler may make a move on it is ``may_handle``'s to say."""
    try:
        return (restricted(rows, user, HANDLE) | restricted(rows, user, DISPATCH)).get(pk=pk)
    except (Ticket.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc


def history(ticket: Ticket, office: bool) -> QuerySet[TicketEvent]:
    events = ticket.events.select_related("actor").order_by("at", "pk")
    return events if office else events.filter(public=True)


def _require_handler(user: Any, ticket: Ticket) -> None:
    if not may_handle(user, ticket):
        raise PermissionDenied(HANDLE)


def _locked(ticket_id: int) -> Ticket:
    return Ticket.objects.select_for_update().select_related("category").get(pk=ticket_id)


def _responded(ticket: Ticket, now: datetime.datetime) -> None:
    """The first response of this round: the clock moves on to the resolution limit."""
    if ticket.responded_at is not None:
        return
    ticket.responded_at = now
    ticket.responded_late = now > ticket.respond_by
    ticket.warn_at = _resolve_warning(ticket, now)
    ticket.warned_at = None
    ticket.overdue = now > ticket.resolve_by


def _save(ticket: Ticket, action: str, actor: Any, **detail: Any) -> Ticket:
    ticket.save()
    audit.record(f"tickets.{action}", actor=actor, obj=ticket, detail={"status": ticket.status, **detail})
    return ticket


# --- the handler's moves --------------------------------------------------------------------------

@transaction.atomic
def do_accept(ticket: Ticket, *, acting_user: Any) -> Ticket:
    ticket = _locked(ticket.pk)
    _require_handler(acting_user, ticket)
    ticket.status = machine.check("accept", ticket.status)
    now = timezone.now()
    ticket.handler = acting_user
    _responded(ticket, now)
    _event(ticket, EventKind.ACCEPTED, acting_user, at=now)
    return _save(ticket, "accept", acting_user)


@transaction.atomic
def do_note(ticket: Ticket, *, acting_user: Any, note: str, public: bool = True) -> Ticket:
    """A progress note; a public one is the resident's first response if none came before."""
    ticket = _locked(ticket.pk)
    _require_handler(acting_user, ticket)
    machine.check("note", ticket.status)
    note = clean_words(note, "note", minimum=2)
    now = timezone.now()
    if public:
        _responded(ticket, now)
    _event(ticket, EventKind.NOTE, acting_user, note, public=public, at=now)
    return _save(ticket, "note", acting_user, public=public)


def _refuse_if_settled(ticket: Ticket) -> None:
    if ticket.assigned_by_street:
        raise _field_error("reason", _("The street office assigned this request: it stays with you until it is "
                                       "resolved or closed."), "assigned_by_street")


def _bounce(ticket: Ticket, *, department_move: bool) -> bool:
    """Count a transfer or return; True when the request must now be settled above."""
    ticket.bounces += 1
    if department_move:
        ticket.department_bounces += 1
    return ticket.bounces > 2 or ticket.department_bounces >= 2


def _settle_above(ticket: Ticket) -> None:
    if ticket.department_bounces >= 2:
        ticket.level, reason = Level.STREET, {"code": "department_bounced"}
    else:
        ticket.level, reason = Level.COMMUNITY, {"code": "bounced"}
    ticket.handler = None
    ticket.department = ""
    ticket.routing = reason


@transaction.atomic
def do_transfer(ticket: Ticket, *, acting_user: Any, reason: str, grid: Grid | None = None,
                handler: Any = None, department: str = "") -> Ticket:
    """Pass a request on: to another grid (or someone in it), or to a department outside the
    community. A request passed on more than twice goes to the community secretary; one passed
    between departments goes to the street."""
    ticket = _locked(ticket.pk)
    _require_handler(acting_user, ticket)
    ticket.status = machine.check("transfer", ticket.status)
    reason = clean_words(reason, "reason", minimum=MIN_REASON, limit=500)
    _refuse_if_settled(ticket)
    department = clean_words(department, "department", required=False, limit=64)
    if grid is None and handler is None and not department:
        raise _field_error("grid", _("Choose the grid, the person or the department it goes to."), "required")
    if grid is not None and grid.community_id != ticket.community_id:
        raise _field_error("grid", _("Choose a grid of this request's community."), "grid_scope")
    if handler is not None and not allows(handler, HANDLE, ticket.path):
        raise _field_error("handler", _("This person may not handle requests at this place."), "handler_scope")
    department_move = bool(department) and ticket.level == Level.DEPARTMENT
    previous = {"level": ticket.level, "grid": ticket.grid_id, "handler": ticket.handler_id,
                "department": ticket.department}
    if _bounce(ticket, department_move=department_move):
        _settle_above(ticket)
    elif department:
        ticket.level, ticket.department, ticket.handler = Level.DEPARTMENT, department, None
        ticket.routing = {"code": "transferred", "by": str(acting_user)}
    else:
        ticket.level, ticket.department = Level.GRID, ""
        ticket.grid = grid or ticket.grid
        ticket.handler = handler
        ticket.routing = {"code": "transferred", "by": str(acting_user)}
    now = timezone.now()
    _event(ticket, EventKind.TRANSFERRED, acting_user, reason, at=now, previous=previous,
           level=ticket.level, grid=ticket.grid_id, handler=ticket.handler_id, department=ticket.department)
    return _save(ticket, "transfer", acting_user, bounces=ticket.bounces)


@transaction.atomic
def do_return(ticket: Ticket, *, acting_user: Any, reason: str) -> Ticket:
    """退单: "not ours", with the reason; the request goes up to whoever dispatches it."""
    ticket = _locked(ticket.pk)
    _require_handler(acting_user, ticket)
    ticket.status = machine.check("return", ticket.status)
    reason = clean_words(reason, "reason", minimum=MIN_REASON, limit=500)
    _refuse_if_settled(ticket)
    previous_level = ticket.level
    if _bounce(ticket, department_move=False):
        _settle_above(ticket)
    else:
        ticket.level = UP[Level(previous_level)] if previous_level != Level.GRID else Level.COMMUNITY
        ticket.handler, ticket.department = None, ""
        ticket.routing = {"code": "returned", "by": str(acting_user)}
    _event(ticket, EventKind.RETURNED, acting_user, reason, public=False, previous_level=previous_level,
           level=ticket.level)
    return _save(ticket, "return", acting_user, bounces=ticket.bounces)


@transaction.atomic
def do_assign(ticket: Ticket, *, acting_user: Any, level: str, grid: Grid | None = None, handler: Any = None,
              department: str = "") -> Ticket:
    """The community or the street decides who answers. The street's assignment closes the
    loop: its handler may no longer return or transfer the request."""
    ticket = _locked(ticket.pk)
    require(acting_user, DISPATCH, ticket)
    ticket.status = machine.check("assign", ticket.status)
    if level not in Level.values:
        raise _field_error("level", _("Choose who answers."), "invalid_choice")
    department = clean_words(department, "department", required=(level == Level.DEPARTMENT), limit=64)
    if level == Level.GRID:
        if grid is None or grid.community_id != ticket.community_id:
            raise _field_error("grid", _("Choose a grid of this request's community."), "grid_scope")
        ticket.grid = grid
    if handler is not None and not allows(handler, HANDLE, ticket.path):
        raise _field_error("handler", _("This person may not handle requests at this place."), "handler_scope")
    ticket.level, ticket.handler, ticket.department = level, handler, department if level == Level.DEPARTMENT else ""
    ticket.assigned_by_street = allows(acting_user, DISPATCH, routing.street_path(ticket.path))
    ticket.routing = {"code": "assigned", "by": str(acting_user)}
    _event(ticket, EventKind.ASSIGNED, acting_user, level=level, grid=ticket.grid_id, handler=ticket.handler_id,
           department=ticket.department, by_street=ticket.assigned_by_street)
    return _save(ticket, "assign", acting_user, level=level)


@transaction.atomic
def do_resolve(ticket: Ticket, *, acting_user: Any, outcome: str) -> Ticket:
    """Resolved: the outcome in plain words for the resident, who may rate it or reopen it;
    requests merged into this one share the outcome."""
    ticket = _locked(ticket.pk)
    _require_handler(acting_user, ticket)
    ticket.status = machine.check("resolve", ticket.status)
    ticket.outcome = clean_words(outcome, "outcome", minimum=MIN_REASON)
    now = timezone.now()
    _responded(ticket, now)
    ticket.resolved_at = now
    ticket.resolved_late = now > ticket.resolve_by
    ticket.overdue = False
    ticket.warn_at = None
    _event(ticket, EventKind.RESOLVED, acting_user, ticket.outcome, at=now)
    _share_outcome(ticket, acting_user, now)
    return _save(ticket, "resolve", acting_user, late=ticket.resolved_late)


@transaction.atomic
def do_close_unfixed(ticket: Ticket, *, acting_user: Any, reason: str) -> Ticket:
    """Closed without a fix ("not ours", "not possible"): allowed, with a reason the resident
    reads (at least ten characters: a reason, not a shrug)."""
    ticket = _locked(ticket.pk)
    _require_handler(acting_user, ticket)
    ticket.status = machine.check("close_unfixed", ticket.status)
    ticket.outcome = clean_words(reason, "reason", minimum=10)
    now = timezone.now()
    _responded(ticket, now)
    ticket.closed_at = now
    ticket.resolved_at = now
    ticket.overdue = False
    ticket.warn_at = None
    _event(ticket, EventKind.UNRESOLVABLE, acting_user, ticket.outcome, at=now)
    _share_outcome(ticket, acting_user, now)
    return _save(ticket, "close_unfixed", acting_user)


def _share_outcome(ticket: Ticket, actor: Any, now: datetime.datetime) -> None:
    for follower in ticket.merged.select_for_update():
        machine.check("follow_resolved", follower.status)
        follower.outcome = ticket.outcome
        follower.resolved_at = follower.resolved_at or now
        follower.save(update_fields=["outcome", "resolved_at", "updated_at"])
        _event(follower, EventKind.RESOLVED, actor, ticket.outcome, at=now, via=ticket.number)


@transaction.atomic
def do_merge(ticket: Ticket, *, acting_user: Any, into: Ticket) -> Ticket:
    """Three households reported the same leak: the later requests follow the first one and
    are told its outcome."""
    ticket = _locked(ticket.pk)
    into = _locked(into.pk)
    _require_handler(acting_user, ticket)
    _require_handler(acting_user, into)
    if into.pk == ticket.pk or into.status not in OPEN_STATUSES or into.merged_into_id:
        raise _field_error("into", _("Merge into another request that is still open."), "merge_target")
    if into.category_id != ticket.category_id or into.community_id != ticket.community_id:
        raise _field_error("into", _("Only requests of the same category in the same community can be merged."),
                           "merge_target")
    ticket.status = machine.check("merge", ticket.status)
    ticket.merged_into = into
    ticket.overdue = False
    ticket.warn_at = None
    now = timezone.now()
    for follower in ticket.merged.all():  # its own followers follow the new main request
        follower.merged_into = into
        follower.save(update_fields=["merged_into", "updated_at"])
    _event(ticket, EventKind.MERGED, acting_user, at=now, into=into.number)
    _event(into, EventKind.MERGED, acting_user, at=now, public=False, merged=ticket.number)
    return _save(ticket, "merge", acting_user, into=into.number)


# --- the resident's moves --------------------------------------------------------------------------

def _within_days(ticket: Ticket, now: datetime.datetime) -> bool:
    since = ticket.resolved_at or ticket.closed_at
    return since is not None and now - since <= datetime.timedelta(days=settings.LINLI_TICKET_REOPEN_DAYS)


@transaction.atomic
def do_rate(ticket: Ticket, *, acting_user: Any, rating: str, comment: str = "") -> Ticket:
    ticket = _locked(ticket.pk)
    require(acting_user, FOLLOW, ticket)
    if ticket.rating:
        raise _field_error("rating", _("You have already rated this request."), "rated")
    ticket.status = machine.check("rate", ticket.status)
    if rating not in Rating.values:
        raise _field_error("rating", _("Choose satisfied, basically satisfied or not satisfied."), "invalid_choice")
    now = timezone.now()
    if not _within_days(ticket, now):
        raise _field_error("rating", _("Requests can be rated for %(days)s days after they are resolved."),
                           "too_late", days=settings.LINLI_TICKET_REOPEN_DAYS)
    ticket.rating = rating
    ticket.rating_comment = clean_words(comment, "comment", required=False, limit=500)
    ticket.rated_at = now
    ticket.closed_at = ticket.closed_at or now
    _event(ticket, EventKind.RATED, acting_user, ticket.rating_comment, at=now, rating=rating)
    return _save(ticket, "rate", acting_user, rating=rating)


@transaction.atomic
def do_reopen(ticket: Ticket, *, acting_user: Any, reason: str) -> Ticket:
    """Not fixed after all: back to the same grid and handler, with fresh limits and its whole
    history kept."""
    ticket = _locked(ticket.pk)
    require(acting_user, FOLLOW, ticket)
    ticket.status = machine.check("reopen", ticket.status)
    reason = clean_words(reason, "reason", minimum=MIN_REASON, limit=500)
    now = timezone.now()
    if not _within_days(ticket, now):
        raise _field_error("reason", _("Requests can be reopened for %(days)s days after they are resolved; "
                                       "file a new request instead."), "too_late",
                           days=settings.LINLI_TICKET_REOPEN_DAYS)
    ticket.reopened += 1
    ticket.respond_by, ticket.resolve_by, ticket.warn_at = _limits(ticket.category, now)
    ticket.responded_at = ticket.resolved_at = ticket.closed_at = ticket.warned_at = None
    ticket.overdue = False
    ticket.rating, ticket.rating_comment, ticket.rated_at = "", "", None
    _event(ticket, EventKind.REOPENED, acting_user, reason, at=now)
    return _save(ticket, "reopen", acting_user, times=ticket.reopened)


# --- supervision -------------------------------------------------------------------------------------

@dataclass
class SweepResult:
    warned: int = 0
    escalated: int = 0
    closed: int = 0


def open_tickets() -> QuerySet[Ticket]:
    # Unordered: the default newest-first order would have the planner walk a year of requests
    # by date instead of the few open ones by status.
    return Ticket.objects.filter(status__in=OPEN_STATUSES).order_by()


@transaction.atomic
def sweep(now: datetime.datetime | None = None) -> SweepResult:
    """Warn handlers of limits near, escalate what is past its limit one level up with a red
    mark, close resolved requests nobody rated in time. Set-based: a few statements whatever
    the number of open requests."""
    now = now or timezone.now()
    result = SweepResult()
    warn = open_tickets().filter(warn_at__lte=now, warned_at__isnull=True, overdue=False)
    warned_ids = list(warn.values_list("pk", flat=True))
    Ticket.objects.filter(pk__in=warned_ids).update(warned_at=now)
    _bulk_events(warned_ids, EventKind.WARNED, now, public=False)
    result.warned = len(warned_ids)

    late = open_tickets().filter(overdue=False).filter(
        Q(responded_at__isnull=True, respond_by__lte=now) | Q(responded_at__isnull=False, resolve_by__lte=now))
    late_rows = list(late.values_list("pk", "level"))
    for level, up in UP.items():
        ids = [pk for pk, lvl in late_rows if lvl == level]
        if ids:
            Ticket.objects.filter(pk__in=ids).update(
                overdue=True, level=up, escalations=F("escalations") + 1,
                routing={"code": "escalated", "level": up}, warned_at=now)
            _bulk_events(ids, EventKind.ESCALATED, now, public=False, level=up)
    result.escalated = len(late_rows)

    expired = Ticket.objects.order_by().filter(status=Status.RESOLVED,
                                    resolved_at__lte=now - datetime.timedelta(days=settings.LINLI_TICKET_REOPEN_DAYS))
    closed_ids = list(expired.values_list("pk", flat=True))
    Ticket.objects.filter(pk__in=closed_ids).update(status=Status.CLOSED, closed_at=now)
    _bulk_events(closed_ids, EventKind.CLOSED, now, public=True)
    result.closed = len(closed_ids)
    if result.warned or result.escalated or result.closed:
        audit.record("tickets.sweep", detail={"warned": result.warned, "escalated": result.escalated,
                                              "closed": result.closed})
    return result


def _bulk_events(ids: Iterable[int], kind: str, at: datetime.datetime, *, public: bool, **detail: Any) -> None:
    TicketEvent.objects.bulk_create(
        [TicketEvent(ticket_id=pk, kind=kind, at=at, public=public, detail=detail) for pk in ids], batch_size=2000)


# --- duplicates ------------------------------------------------------------------------------------------

def possible_duplicates(ticket: Ticket) -> QuerySet[Ticket]:
    """Open requests of the same category at the same place, or in the same building for a
    public place, filed within the duplicate window before this one."""
    since = ticket.created_at - datetime.timedelta(hours=settings.LINLI_TICKET_DUPLICATE_HOURS)
    near = Q(place_id=ticket.place_id)
    if ticket.place.level != PlaceLevel.HOUSE:
        near |= Q(path__startswith=ticket.place.path)
    else:
        building = "/".join(ticket.path.split("/")[:7]) + "/"
        near |= Q(path__startswith=building) & ~Q(place__level=PlaceLevel.HOUSE)
    return (Ticket.objects.filter(near, category_id=ticket.category_id, status__in=OPEN_STATUSES,
                                  created_at__gte=since, created_at__lte=ticket.created_at, merged_into__isnull=True)
            .exclude(pk=ticket.pk).order_by("created_at"))
