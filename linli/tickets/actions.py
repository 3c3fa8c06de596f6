"""Everything that changes a request. Each ``do_*`` checks its own permission, moves the
request through the state table (``machine``), writes the request's history and the audit log
in one transaction."""

from __future__ import annotations

import datetime
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from linli.core import audit
from linli.core.access import PermissionDenied, allows, get_or_404, may, require, restricted
from linli.core.models import Role, RoleAssignment, User
from linli.core.photos import FIELD as PHOTO_FIELD
from linli.core.photos import CleanPhoto, clean_photos
from linli.core.scope import scope_for
from linli.core.text import has_control_characters, strip_invisible
from linli.core.validators import validate_phone
from linli.grids.models import Grid
from linli.places.models import Level as PlaceLevel
from linli.places.models import Place
from linli.tickets import machine, routing, workcal
from linli.tickets.access import DELIVER, DISPATCH, FOLLOW, HANDLE, SUBMIT, VIEW
from linli.tickets.addresses import short_addresses
from linli.tickets.models import (
    MAX_PHOTOS,
    OPEN_STATUSES,
    UNFINISHED_DELIVERY,
    Category,
    Clock,
    Delivery,
    DeliveryStatus,
    EventKind,
    Level,
    PhotoStage,
    Rating,
    Source,
    Status,
    Ticket,
    TicketEvent,
    TicketPhoto,
)

# Places a request may be about: a house, or a public place inside a compound.
REPORTABLE_LEVELS = (PlaceLevel.HOUSE, PlaceLevel.UNIT, PlaceLevel.BUILDING, PlaceLevel.COMPOUND)
STAFF_SOURCES = (Source.PHONE, Source.WALK_IN, Source.HOTLINE, Source.VISIT)
MIN_REASON = 4  # characters of a reason for a transfer, a return or a closure without a fix
MAX_ITEMS = 30  # lines of a shopping list
ITEM_LENGTH = 60
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
    if working and calendar is None:  # read the street's corrections once for the three limits
        calendar = workcal.Calendar.load(timezone.localtime(start).date())
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
    photos: Sequence[bytes] = field(default_factory=list)  # as uploaded: checked and re-encoded here
    media_url: str = ""  # a link to a photo an Open311 client sent: kept as text, never opened
    items: list[str] = field(default_factory=list)  # a shopping list, for a delivery
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
    data.items = clean_items(data.items)
    if data.items and not data.category.delivery:
        raise _field_error("items", _("A shopping list goes with a delivery of groceries or medicine."), "not_delivery")
    if data.created_at is not None and data.created_at > timezone.now() + datetime.timedelta(minutes=5):
        raise _field_error("created_at", _("The time lies in the future."), "future")
    if data.due_by is not None and data.due_by < (data.created_at or timezone.now()):
        raise _field_error("due_by", _("The deadline lies before the request was made."), "due_before")
    data.media_url = _media_url(data.media_url)


MAX_MEDIA_URL = 500


def _media_url(value: str) -> str:
    """A photo link sent by an Open311 client, as text for the history. Linli never opens it:
    fetching a URL a client names would let the client make the server call any address
    (server-side request forgery), and the server has no outside network anyway."""
    url = strip_invisible(str(value or "")).strip()
    if not url:
        return ""
    if len(url) > MAX_MEDIA_URL or not url.lower().startswith(("http://", "https://")) or any(
            c.isspace() for c in url) or has_control_characters(url):
        raise _field_error("media_url", _("media_url is a link starting with http:// or https://, of at most "
                                          "%(n)s characters."), "media_url", n=MAX_MEDIA_URL)
    return url


def _attach(ticket: Ticket, event: TicketEvent, pictures: Sequence[CleanPhoto], *, stage: str,
            uploader: Any) -> int:
    """Keep checked photos with a request, sealed, each tied to the history line it came with."""
    for picture in pictures:
        TicketPhoto.objects.create(ticket=ticket, event=event, stage=stage, public=event.public, path=ticket.path,
                                   uploaded_by=uploader if _is_user(uploader) else None, **picture.sealed_fields())
    return len(pictures)


def _fix_photos(ticket: Ticket, uploads: Sequence[bytes]) -> list[CleanPhoto]:
    """The handler's photos of the work: at most ``MAX_PHOTOS`` over the request's life."""
    if not uploads:
        return []
    kept = TicketPhoto.objects.filter(ticket=ticket, stage=PhotoStage.FIX).count()
    if kept and kept + len(uploads) > MAX_PHOTOS:
        raise _field_error(PHOTO_FIELD, _("This request already has %(n)s photos of the work; at most %(max)s."),
                           "too_many_photos", n=kept, max=MAX_PHOTOS)
    return clean_photos(uploads, limit=MAX_PHOTOS)


def do_submit(data: NewTicket, *, acting_user: Any, calendar: workcal.Calendar | None = None,
              router: routing.Router | None = None) -> Ticket:
    """File a request: check it, route it by its place, set its limits, and tell the resident
    its number. ``calendar`` and ``router`` serve many requests filed in one transaction.
    Everything is checked and read before the writing transaction opens, so its write lock (on
    SQLite, the whole database's) is held for the writes alone."""
    check_new(data, acting_user)
    pictures = clean_photos(data.photos, limit=MAX_PHOTOS)  # before anything is written
    start = data.created_at or timezone.now()
    router = router or routing.Router(batch=False)
    destination = router.route(data.category, data.place, unmatched_address=data.unmatched_address)
    respond_by, resolve_by, warn_at = _limits(data.category, start, calendar)
    if data.due_by is not None and data.due_by < resolve_by:
        # The hotline holds the street to its own deadline: the earlier promise counts.
        resolve_by = data.due_by
        if respond_by > resolve_by:
            respond_by = resolve_by
            warn_at = start + (respond_by - start) * settings.LINLI_TICKET_WARN_SHARE
    person_id = data.person.pk if data.person is not None else None
    if person_id is None and data.source == Source.APP:
        person_id = getattr(acting_user, "person_id", None)
    community_id = router.community_id(data.place)
    with transaction.atomic():
        return _write_new(data, acting_user, pictures, destination, (respond_by, resolve_by, warn_at), start,
                          person_id, community_id)


def _write_new(data: NewTicket, acting_user: Any, pictures: list[CleanPhoto], destination: routing.Destination,
               limits: tuple[datetime.datetime, datetime.datetime, datetime.datetime], start: datetime.datetime,
               person_id: int | None, community_id: int) -> Ticket:
    if data.external_ref and Ticket.with_hotline_order().filter(external_ref=data.external_ref).exists():
        raise _field_error("external_ref", _("This hotline order is already registered."), "duplicate_order")
    respond_by, resolve_by, warn_at = limits
    ticket = Ticket(
        number=f"T{secrets.token_hex(8)}", token=secrets.token_urlsafe(18)[:24], category=data.category,
        place=data.place, community_id=community_id, path=data.place.path,
        description=data.description, source=data.source, external_ref=data.external_ref,
        submitted_by=acting_user if _is_user(acting_user) else None, person_id=None if data.anonymous else person_id,
        contact_name="" if data.anonymous else data.contact_name,
        contact_phone="" if data.anonymous else data.contact_phone, anonymous=data.anonymous,
        respond_by=respond_by, resolve_by=resolve_by, warn_at=warn_at, level=Level.GRID,
    )
    _apply(ticket, destination)
    ticket.save()
    # The number shows the filing day and the row; a hotline order keeps its own filing time.
    ticket.number = f"{timezone.localtime(start):%Y%m%d}-{ticket.pk:06d}"
    ticket.created_at = start if data.created_at is not None else ticket.created_at
    Ticket.objects.filter(pk=ticket.pk).update(number=ticket.number, created_at=ticket.created_at)
    actor = acting_user if _is_user(acting_user) and not data.anonymous else None  # anonymous: no name in the history
    hotline_due: dict[str, Any] = {"due_by": data.due_by.isoformat()} if data.due_by is not None else {}
    submitted = TicketEvent(ticket=ticket, kind=EventKind.SUBMITTED, actor=actor, at=start,
                            detail={"source": data.source, **hotline_due})
    lines = [submitted]
    if data.media_url:
        # Kept as text for the office, never fetched (see _media_url).
        lines.append(TicketEvent(ticket=ticket, kind=EventKind.NOTE, note=data.media_url, public=False, at=start,
                                 detail={"media_url": True}))
    lines.append(TicketEvent(ticket=ticket, kind=EventKind.ROUTED, at=start,
                             detail={"level": ticket.level, "grid": ticket.grid_id, "handler": ticket.handler_id,
                                     "reason": destination.reason}))
    TicketEvent.objects.bulk_create(lines)  # sets their keys (RETURNING on SQLite and PostgreSQL)
    # The photos of an anonymous request do not say who took them.
    _attach(ticket, submitted, pictures, stage=PhotoStage.REPORT, uploader=None if data.anonymous else acting_user)
    audit.record("tickets.submit", actor=acting_user, obj=ticket,
                 detail={"category": data.category.code, "source": data.source, "level": ticket.level,
                         "photos": len(pictures), "media_url": bool(data.media_url)})
    if data.category.delivery:
        _offer_delivery(ticket, ticket.description, data.items, start)
    else:
        ticket.just_filed = (lines, len(pictures))
    return ticket


def clean_items(lines: Iterable[object]) -> list[str]:
    """A shopping list: one thing a line, empty lines dropped."""
    items = [clean_words(line, "items", required=False, limit=ITEM_LENGTH) for line in lines]
    items = [" ".join(item.split()) for item in items if item]
    if len(items) > MAX_ITEMS:
        raise _field_error("items", _("At most %(n)s lines in the shopping list."), "too_many_items", n=MAX_ITEMS)
    return items


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


def find_photo(user: Any, pk: int) -> TicketPhoto:
    """A request's photo where the user reads the request: as the office (every photo), or as
    its resident (the photos of its public history); "not found" either way otherwise."""
    rows = TicketPhoto.objects.select_related("ticket")
    if may(user, VIEW):
        found = restricted(rows, user, VIEW).filter(pk=pk).first()
        if found is not None:
            return found
    return get_or_404(rows, user, FOLLOW, pk=pk)


def photos_of(user: Any, ticket: Ticket, office: bool) -> QuerySet[TicketPhoto]:
    """The photos of a request the user may see, without their image data (served one by one)."""
    rows = TicketPhoto.objects.filter(ticket=ticket).defer("data").order_by("pk")
    return restricted(rows, user, VIEW if office else FOLLOW)


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
def do_note(ticket: Ticket, *, acting_user: Any, note: str, public: bool = True,
            photos: Sequence[bytes] = ()) -> Ticket:
    """A progress note, with photos of the work if any; a public one is the resident's first
    response if none came before (and she sees its photos)."""
    ticket = _locked(ticket.pk)
    _require_handler(acting_user, ticket)
    machine.check("note", ticket.status)
    note = clean_words(note, "note", minimum=2)
    pictures = _fix_photos(ticket, photos)
    now = timezone.now()
    if public:
        _responded(ticket, now)
    event = _event(ticket, EventKind.NOTE, acting_user, note, public=public, at=now)
    added = _attach(ticket, event, pictures, stage=PhotoStage.FIX, uploader=acting_user)
    return _save(ticket, "note", acting_user, public=public, photos=added)


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
def do_resolve(ticket: Ticket, *, acting_user: Any, outcome: str, photos: Sequence[bytes] = ()) -> Ticket:
    """Resolved: the outcome in plain words for the resident (with photos of the fix if any),
    who may rate it or reopen it; requests merged into this one share the outcome."""
    ticket = _locked(ticket.pk)
    _require_handler(acting_user, ticket)
    ticket.status = machine.check("resolve", ticket.status)
    ticket.outcome = clean_words(outcome, "outcome", minimum=MIN_REASON)
    pictures = _fix_photos(ticket, photos)
    _refuse_if_delivering(ticket)
    _cancel_delivery(ticket, acting_user, "resolved")  # nobody took it: the office saw to it itself
    now = timezone.now()
    _responded(ticket, now)
    ticket.resolved_at = now
    ticket.resolved_late = now > ticket.resolve_by
    ticket.overdue = False
    ticket.warn_at = None
    event = _event(ticket, EventKind.RESOLVED, acting_user, ticket.outcome, at=now)
    added = _attach(ticket, event, pictures, stage=PhotoStage.FIX, uploader=acting_user)
    _share_outcome(ticket, acting_user, now)
    return _save(ticket, "resolve", acting_user, late=ticket.resolved_late, photos=added)


@transaction.atomic
def do_close_unfixed(ticket: Ticket, *, acting_user: Any, reason: str) -> Ticket:
    """Closed without a fix ("not ours", "not possible"): allowed, with a reason the resident
    reads (at least ten characters: a reason, not a shrug)."""
    ticket = _locked(ticket.pk)
    _require_handler(acting_user, ticket)
    ticket.status = machine.check("close_unfixed", ticket.status)
    ticket.outcome = clean_words(reason, "reason", minimum=10)
    _cancel_delivery(ticket, acting_user, "closed_unfixed")
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
    _cancel_delivery(ticket, acting_user, "merged")  # the main request's delivery brings it
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
    if ticket.category.delivery and under_home_quarantine(ticket.place):
        _offer_delivery(ticket, reason, [], now)  # what was missing or wrong, delivered again
    return _save(ticket, "reopen", acting_user, times=ticket.reopened)


# --- deliveries for quarantined households ---------------------------------------------------------

def volunteers_on_duty(community_path: str) -> QuerySet[Any]:
    """The users offered a community's deliveries now: a current role holding ``tickets.deliver``
    in the community (on a grid or a place of it) or above it (decision 0018)."""
    roles = [role.pk for role in Role.objects.all() if DELIVER in role.actions]
    above = [community_path[: i + 1] for i, c in enumerate(community_path) if c == "/"]
    held = (RoleAssignment.objects.current().filter(role__in=roles)
            .filter(Q(path__startswith=community_path) | Q(path__in=above)))
    return User.objects.filter(is_active=True, pk__in=held.values("user_id"))


def _offer_delivery(ticket: Ticket, words: str, items: list[str], at: datetime.datetime) -> Delivery:
    """A delivery job for the volunteers on duty in the request's community."""
    delivery = Delivery.objects.create(ticket=ticket, path=ticket.path, words=words, items=items,
                                       address=short_addresses([ticket.place])[ticket.place_id])
    offered = volunteers_on_duty(routing.community_path(ticket.path)).count()
    _event(ticket, EventKind.OFFERED, None, at=at, delivery=delivery.pk, volunteers=offered)
    audit.record("tickets.delivery.offer", obj=delivery, detail={"ticket": ticket.pk, "volunteers": offered,
                                                                 "items": len(items)})
    return delivery


def current_delivery(ticket: Ticket) -> Delivery | None:
    """The request's latest delivery (a reopened request has one per round)."""
    return ticket.deliveries.order_by("-pk").first()


def _unfinished(ticket: Ticket) -> Delivery | None:
    return ticket.deliveries.select_for_update().filter(status__in=UNFINISHED_DELIVERY).first()


def _refuse_if_delivering(ticket: Ticket) -> None:
    delivery = _unfinished(ticket)
    if delivery is not None and delivery.status != DeliveryStatus.OPEN:
        raise _field_error("outcome", _("A volunteer is delivering for this request: it is resolved when the "
                                        "household confirms receipt, or when you confirm it for them after a "
                                        "call. To stop the delivery, close the request without a fix."),
                           "delivery_under_way")


def _cancel_delivery(ticket: Ticket, actor: Any, why: str) -> None:
    delivery = _unfinished(ticket)
    if delivery is None:
        return
    delivery.status = DeliveryStatus.CANCELLED
    delivery.save(update_fields=["status", "updated_at"])
    audit.record("tickets.delivery.cancel", actor=actor, obj=delivery, detail={"ticket": ticket.pk, "why": why})


def _locked_delivery(delivery: Delivery) -> tuple[Ticket, Delivery]:
    """The delivery and its request, locked in the order every action locks them (the request
    first), so two volunteers, or a volunteer and the office, wait for each other."""
    ticket = _locked(delivery.ticket_id)
    return ticket, Delivery.objects.select_for_update().get(pk=delivery.pk)


def _check_step(delivery: Delivery, acting_user: Any, expected: str) -> None:
    """A step of the volunteer who took the delivery, in order."""
    if delivery.volunteer_id is not None and delivery.volunteer_id != acting_user.pk:
        raise PermissionDenied(DELIVER)  # another volunteer's
    if delivery.status == expected:
        return
    status = {"status": DeliveryStatus(delivery.status).label}
    if delivery.status in UNFINISHED_DELIVERY:
        raise ValidationError(_("This delivery is now “%(status)s”: do its steps in order (take it, buy, leave it "
                                "at the door)."), code="delivery_order", params=status)
    raise ValidationError(_("This delivery is “%(status)s”: there is nothing more to do."), code="delivery_done",
                          params=status)


@transaction.atomic
def do_take_delivery(delivery: Delivery, *, acting_user: Any) -> Delivery:
    """A volunteer takes a delivery: only one can. The request's first response (the household
    reads that someone is buying); the grid worker stays its handler."""
    require(acting_user, DELIVER, delivery)
    ticket, delivery = _locked_delivery(delivery)
    now = timezone.now()
    # Compare and set, besides the lock: whatever the database, one volunteer's update finds it open.
    if delivery.status != DeliveryStatus.OPEN or not Delivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.OPEN).update(status=DeliveryStatus.TAKEN, volunteer=acting_user,
                                                              taken_at=now, updated_at=now):
        delivery.refresh_from_db()
        if delivery.volunteer_id == acting_user.pk:
            raise ValidationError(_("You have already taken this delivery."), code="delivery_yours")
        if delivery.status in UNFINISHED_DELIVERY:
            raise ValidationError(_("Another volunteer has just taken this delivery. Choose another one."),
                                  code="delivery_taken")
        raise ValidationError(_("This delivery is no longer needed: the request was closed."), code="delivery_closed")
    ticket.status = machine.check("take_delivery", ticket.status)
    _responded(ticket, now)
    _event(ticket, EventKind.TAKEN, acting_user, at=now, delivery=delivery.pk)
    _save(ticket, "delivery.take", acting_user, delivery=delivery.pk)
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def do_pick_up(delivery: Delivery, *, acting_user: Any) -> Delivery:
    """Bought (or collected from the pharmacy), on the way to the door."""
    require(acting_user, DELIVER, delivery)
    ticket, delivery = _locked_delivery(delivery)
    _check_step(delivery, acting_user, DeliveryStatus.TAKEN)
    ticket.status = machine.check("delivery_step", ticket.status)
    now = timezone.now()
    delivery.status, delivery.picked_up_at = DeliveryStatus.PICKED_UP, now
    delivery.save(update_fields=["status", "picked_up_at", "updated_at"])
    _event(ticket, EventKind.PICKED_UP, acting_user, at=now, delivery=delivery.pk)
    _save(ticket, "delivery.pick_up", acting_user, delivery=delivery.pk)
    return delivery


@transaction.atomic
def do_leave_at_door(delivery: Delivery, *, acting_user: Any, note: str = "", photo: bytes | None = None) -> Delivery:
    """Left at the door (放门口): she knocks or calls out and steps back, never goes in. A note for
    the household (the receipt is in the bag) and a photo of the bag at the door, if she takes one."""
    require(acting_user, DELIVER, delivery)
    ticket, delivery = _locked_delivery(delivery)
    _check_step(delivery, acting_user, DeliveryStatus.PICKED_UP)
    ticket.status = machine.check("delivery_step", ticket.status)
    note = " ".join(clean_words(note, "note", required=False, limit=200).split())
    pictures = clean_photos([photo], limit=1) if photo is not None else []
    now = timezone.now()
    line = _event(ticket, EventKind.AT_DOOR, acting_user, note, at=now, delivery=delivery.pk, photo=bool(pictures))
    if pictures:
        # A request photo like the others: the household sees it in its history, the office too.
        _attach(ticket, line, pictures, stage=PhotoStage.DOOR, uploader=acting_user)
        delivery.photo = TicketPhoto.objects.filter(event=line).first()
    delivery.status, delivery.left_at, delivery.note = DeliveryStatus.AT_DOOR, now, note
    delivery.save(update_fields=["status", "left_at", "note", "photo", "updated_at"])
    _save(ticket, "delivery.at_door", acting_user, delivery=delivery.pk, photo=delivery.photo_id is not None)
    return delivery


def _receive(ticket: Ticket, acting_user: Any, *, on_behalf: bool, note: str) -> Ticket:
    """Receipt confirmed: the delivery is done and the request resolved, with an outcome in
    plain words; requests merged into it share the outcome."""
    delivery = _unfinished(ticket)
    if delivery is None or delivery.status != DeliveryStatus.AT_DOOR:
        raise _field_error("delivery", _("Nothing has been left at this door yet: receipt is confirmed once the "
                                         "volunteer has left the delivery at the door."), "not_at_door")
    ticket.status = machine.check("confirm_receipt", ticket.status)
    now = timezone.now()
    delivery.status, delivery.received_at = DeliveryStatus.RECEIVED, now
    delivery.confirmed_by, delivery.on_behalf = acting_user, on_behalf
    delivery.save(update_fields=["status", "received_at", "confirmed_by", "on_behalf", "updated_at"])
    if on_behalf:
        ticket.outcome = gettext("Left at the door by a volunteer; the office confirmed receipt with the "
                                 "household by phone: %(note)s") % {"note": note}
    else:
        ticket.outcome = gettext("Left at the door by a volunteer; the household confirmed receipt.")
    _responded(ticket, now)
    ticket.resolved_at = now
    ticket.resolved_late = now > ticket.resolve_by
    ticket.overdue = False
    ticket.warn_at = None
    _event(ticket, EventKind.RECEIVED, acting_user, note, at=now, delivery=delivery.pk, on_behalf=on_behalf)
    _share_outcome(ticket, acting_user, now)
    return _save(ticket, "delivery.receive", acting_user, delivery=delivery.pk, on_behalf=on_behalf,
                 late=ticket.resolved_late)


@transaction.atomic
def do_confirm_receipt(ticket: Ticket, *, acting_user: Any) -> Ticket:
    """已收到: the household took the delivery in."""
    ticket = _locked(ticket.pk)
    require(acting_user, FOLLOW, ticket)
    return _receive(ticket, acting_user, on_behalf=False, note="")


@transaction.atomic
def do_confirm_receipt_for(ticket: Ticket, *, acting_user: Any, note: str) -> Ticket:
    """The grid worker called the household, who has the delivery but did not tap 已收到 (no
    smartphone, forgot): she confirms for them, saying so; the history records it as hers."""
    ticket = _locked(ticket.pk)
    _require_handler(acting_user, ticket)
    note = clean_words(note, "note", minimum=MIN_REASON, limit=500)
    return _receive(ticket, acting_user, on_behalf=True, note=note)


def unconfirmed(now: datetime.datetime | None = None) -> QuerySet[Delivery]:
    """Left at the door longer than ``LINLI_DELIVERY_CONFIRM_HOURS`` ago and not confirmed: the
    grid worker calls the household."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(hours=settings.LINLI_DELIVERY_CONFIRM_HOURS)
    return Delivery.objects.filter(status=DeliveryStatus.AT_DOOR, left_at__lte=limit)


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

    late = open_tickets().filter(overdue=False).filter(Ticket.past_limit(now))
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
