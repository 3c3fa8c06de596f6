"""Requests over the API: filing, lists and one request, and every move; a
volunteer's deliveries for quarantined households and their steps (``deliveries_router``).

Handlers stay thin: find the request inside the caller's scope (404 otherwise), call the
action (which checks, audits and raises ``ValidationError`` naming the fields), serialise.
A resident sees her own requests with their public history; the office sees its area's.
"""

# No ``from __future__ import annotations``: ninja reads these annotations at import time.

import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.pagination import paginate
from ninja.responses import Status

from linli.core import photos
from linli.core.access import PermissionDenied, allows, get_or_404, may, restricted, route
from linli.core.api_auth import ERRORS, Id, Lines, Pages, api_user
from linli.core.validators import mask_phone
from linli.grids.models import Grid
from linli.people.models import Person
from linli.places.models import Place
from linli.tickets import actions, routing
from linli.tickets.access import DELIVER, DISPATCH, FOLLOW, HANDLE, SUBMIT, SUPERVISE, VIEW
from linli.tickets.models import (
    MAX_PHOTOS,
    OPEN_STATUSES,
    UNFINISHED_DELIVERY,
    Category,
    Delivery,
    Ticket,
    TicketPhoto,
)

router = Router()
deliveries_router = Router()


Text = Lines


class TicketIn(Schema):
    category: str = Field(max_length=40, description="a category code from /requests/categories")
    place_id: Id = Field(description="the house, or a unit, building or compound of the community")
    description: Text = Field(max_length=2000)
    source: Literal["app", "phone", "walk_in", "hotline", "visit"] = "app"
    person_id: Id | None = Field(None, description="the resident it is for (office only)")
    contact_name: Text = Field("", max_length=64)
    contact_phone: Text = Field("", max_length=32)
    anonymous: bool = False
    external_ref: Text = Field("", max_length=64, description="the 12345 hotline's order number")
    items: list[Text] = Field([], max_length=30, description="a shopping list, for a delivery category")


class EventOut(Schema):
    at: datetime.datetime
    kind: str
    note: str
    public: bool
    actor: str | None


class TicketOut(Schema):
    id: int
    number: str
    category: str
    category_name: str
    place_id: int
    place_name: str
    description: str
    source: str
    status: str
    status_text: str
    level: str
    grid_id: int | None
    department: str
    routing: str = Field(description="why it went there, in the caller's language")
    created_at: datetime.datetime
    respond_by: datetime.datetime
    resolve_by: datetime.datetime
    responded_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    overdue: bool
    bounces: int
    reopened: int
    outcome: str
    rating: str
    merged_into: str | None


class PhotoOut(Schema):
    id: int
    url: str = Field(description="the JPEG (re-encoded, no metadata), fetched with the same credentials; "
                                 "every view is audited")
    stage: Literal["report", "fix", "door"] = Field(description="report: sent with the request; fix: the "
                                                                "office's, of its work; door: a delivery left at "
                                                                "the door")
    width: int
    height: int
    created_at: datetime.datetime


class DeliveryOut(Schema):
    id: int
    request_id: int
    request_number: str
    category_name: str
    address: str = Field(description="the door, from the compound down")
    words: str = Field(description="what to buy, in the household's words")
    items: list[str]
    phone: str = Field(description="the household's phone, masked")
    status: Literal["open", "taken", "picked_up", "at_door", "received", "cancelled"]
    status_text: str
    created_at: datetime.datetime
    taken_at: datetime.datetime | None
    picked_up_at: datetime.datetime | None
    left_at: datetime.datetime | None
    received_at: datetime.datetime | None
    note: str
    photo: bool
    on_behalf: bool = Field(description="receipt confirmed by the office after a phone call")


class TicketDetail(TicketOut):
    events: list[EventOut]
    photos: list[PhotoOut] = Field(description="the request's photos the caller may see (a resident: those of "
                                               "its public history)")
    delivery: DeliveryOut | None = None


def delivery_out(d: Delivery) -> dict[str, Any]:
    ticket = d.ticket
    phone = ticket.contact_phone or (ticket.person.phone if ticket.person_id and ticket.person else "")
    return {
        "id": d.pk, "request_id": ticket.pk, "request_number": ticket.number, "category_name": ticket.category.label,
        "address": d.address, "words": d.words, "items": d.items, "phone": mask_phone(phone) if phone else "",
        "status": d.status, "status_text": str(d.get_status_display()), "created_at": d.created_at,
        "taken_at": d.taken_at, "picked_up_at": d.picked_up_at, "left_at": d.left_at, "received_at": d.received_at,
        "note": d.note, "photo": d.photo_id is not None, "on_behalf": d.on_behalf,
    }


def ticket_out(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.pk, "number": ticket.number, "category": ticket.category.code,
        "category_name": ticket.category.label, "place_id": ticket.place_id, "place_name": ticket.place.name,
        "description": ticket.description, "source": ticket.source, "status": ticket.status,
        "status_text": str(ticket.get_status_display()), "level": ticket.level, "grid_id": ticket.grid_id,
        "department": ticket.department, "routing": routing.reason_text(ticket.routing),
        "created_at": ticket.created_at, "respond_by": ticket.respond_by, "resolve_by": ticket.resolve_by,
        "responded_at": ticket.responded_at, "resolved_at": ticket.resolved_at, "overdue": ticket.overdue,
        "bounces": ticket.bounces, "reopened": ticket.reopened, "outcome": ticket.outcome, "rating": ticket.rating,
        "merged_into": ticket.merged_into.number if ticket.merged_into is not None else None,
    }


def _related() -> Any:
    return Ticket.objects.select_related("category", "place", "merged_into")


def photo_url(photo: TicketPhoto) -> str:
    return f"/api/requests/{photo.ticket_id}/photos/{photo.pk}"


def detail_out(ticket: Ticket, office: bool, user: Any) -> dict[str, Any]:
    if ticket.just_filed is not None:  # what do_submit wrote: no delivery, photos only if sent
        lines, photo_count = ticket.just_filed
        events: Any = [e for e in lines if office or e.public]
        delivery = None
        photos: Any = actions.photos_of(user, ticket, office) if photo_count else []
    else:
        events = actions.history(ticket, office)
        delivery = actions.current_delivery(ticket)
        photos = actions.photos_of(user, ticket, office)
    return {**ticket_out(ticket), "events": [
        {"at": e.at, "kind": e.kind, "note": e.note, "public": e.public,
         "actor": str(e.actor) if office and e.actor else None} for e in events],
        "photos": [{"id": p.pk, "url": photo_url(p), "stage": p.stage, "width": p.width, "height": p.height,
                    "created_at": p.created_at} for p in photos],
        "delivery": delivery_out(delivery) if delivery is not None else None}


def _uploads(request: HttpRequest) -> list[bytes]:
    """The photos of a multipart body (none for a JSON one), each refused by its size unread."""
    if request.content_type != "multipart/form-data":
        return []
    return photos.read_uploads(request.FILES.getlist(photos.FIELD), limit=MAX_PHOTOS)


# --- lists and one request ------------------------------------------------------------------------

class TicketFilters(Schema):
    status: Literal["open", "new", "accepted", "resolved", "closed", "unresolvable", "merged", ""] = ""
    category: str = Field("", max_length=40)
    overdue: bool | None = None
    grid_id: Id | None = None


@router.get("", response={200: list[TicketOut], **ERRORS}, summary="Requests of one's area, or one's own")
@route(VIEW, FOLLOW)
@paginate(Pages, page_size=20)
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]) -> Any:
    user = api_user(request)
    if may(user, VIEW):
        rows = Ticket.objects.restrict(user, VIEW)
    elif may(user, FOLLOW):
        rows = Ticket.objects.restrict(user, FOLLOW)
    else:
        raise PermissionDenied(VIEW)
    if filters.status == "open":
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        rows = rows.filter(status=filters.status)
    if filters.category:
        rows = rows.filter(category__code=filters.category)
    if filters.overdue is not None:
        rows = rows.filter(overdue=filters.overdue)
    if filters.grid_id is not None:
        rows = rows.filter(grid_id=filters.grid_id)
    return [ticket_out(t) for t in rows.select_related("category", "place", "merged_into").order_by("-created_at", "-pk")]


# --- supervision and the three rates (before "/{ticket_id}", which would take their names) ----------

class RatesOut(Schema):
    key: str | None = Field(description="the community, grid or category id, or the department's name")
    name: str
    filed: int
    response: float | None = Field(description="响应率, %: first responses within the limit")
    resolution: float | None = Field(description="解决率 as the office records it, %")
    resolution_by_residents: float | None = Field(description="解决率 as the residents who rated say it, %")
    satisfaction: float | None = Field(description="满意率, %: satisfied or basically satisfied, of those rated")
    rated_share: float | None = Field(description="%, of the resolved requests, that residents rated")


class RatesRow(Schema):
    now: RatesOut
    before: RatesOut | None = Field(description="the same group in the previous period")


class RatesTable(Schema):
    group: str
    period: str
    start: datetime.datetime
    end: datetime.datetime = Field(description="exclusive")
    overall: RatesOut | None
    overall_before: RatesOut | None
    rows: list[RatesRow]


class RatesQuery(Schema):
    group: Literal["community", "grid", "category", "department"] = "community"
    period: Literal["week", "month"] = "month"
    offset: int = Field(0, ge=0, le=120, description="how many periods back (0: the current one)")


def _rates_out(r: Any) -> dict[str, Any] | None:
    if r is None:
        return None
    return {"key": None if r.key is None else str(r.key), "name": r.name, "filed": r.filed, "response": r.response,
            "resolution": r.resolution, "resolution_by_residents": r.resolution_by_residents,
            "satisfaction": r.satisfaction, "rated_share": r.rated_share}


@router.get("/rates", response={200: RatesTable, **ERRORS}, summary="The three rates of one's area")
@route(SUPERVISE)
def rates_table(request: HttpRequest, filters: Query[RatesQuery]) -> dict[str, Any]:
    """响应率、解决率、满意率 by community, grid, category or outside department, for a week or a
    month of filing, beside the previous period (as on the rates page)."""
    from linli.tickets import rates as three

    user = api_user(request)
    if not may(user, SUPERVISE):
        raise PermissionDenied(SUPERVISE)
    table = three.rates_table(Ticket.objects.restrict(user, SUPERVISE), filters.group, filters.period, filters.offset)
    return {"group": filters.group, "period": filters.period, "start": table.start, "end": table.end,
            "overall": _rates_out(table.overall), "overall_before": _rates_out(table.overall_before),
            "rows": [{"now": _rates_out(now), "before": _rates_out(previous)} for now, previous in table.rows]}


class OverdueGroup(Schema):
    name: str
    overdue: int
    oldest_days: int = Field(description="age of the oldest overdue request, in days")


class SupervisionOut(Schema):
    total: int
    by_community: list[OverdueGroup]
    by_department: list[OverdueGroup]
    oldest: list[TicketOut] = Field(description="the 50 oldest overdue requests")


@router.get("/supervision", response={200: SupervisionOut, **ERRORS}, summary="Overdue requests of one's area (督办)")
@route(SUPERVISE)
def supervision(request: HttpRequest) -> dict[str, Any]:
    from django.utils import timezone

    from linli.tickets.rates import overdue_summary

    user = api_user(request)
    if not may(user, SUPERVISE):
        raise PermissionDenied(SUPERVISE)
    overdue = Ticket.objects.restrict(user, SUPERVISE).filter(status__in=OPEN_STATUSES, overdue=True)
    by_community, by_department = overdue_summary(overdue, timezone.now())

    def groups(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"name": row["name"], "overdue": row["n"], "oldest_days": row["days"]} for row in rows]

    return {"total": overdue.count(), "by_community": groups(by_community), "by_department": groups(by_department),
            "oldest": [ticket_out(t) for t in overdue.select_related("category", "place", "merged_into")
                       .order_by("created_at", "pk")[:50]]}


@router.post("", response={201: TicketDetail, **ERRORS}, openapi_extra=photos.multipart_schema("TicketIn", MAX_PHOTOS),
             summary="File a request: JSON, or the same fields as multipart/form-data with up to three photos")
@route(SUBMIT, model=Place, kwarg="place_id")
@decorate_view(photos.json_or_photos(MAX_PHOTOS))
def create_ticket(request: HttpRequest, payload: TicketIn) -> Status:
    user = api_user(request)
    place = get_or_404(Place.objects.all(), user, SUBMIT, pk=payload.place_id)
    category = Category.objects.filter(code=payload.category).first()
    if category is None:
        raise ValidationError({"category": [ValidationError(_("Unknown category."), code="invalid_choice")]})
    person = None
    if payload.person_id is not None:
        person = get_or_404(Person.objects.all(), user, "people.view", pk=payload.person_id)
    ticket = actions.do_submit(actions.NewTicket(
        category=category, place=place, description=payload.description, source=payload.source, person=person,
        contact_name=payload.contact_name, contact_phone=payload.contact_phone, anonymous=payload.anonymous,
        external_ref=payload.external_ref, photos=_uploads(request), items=payload.items), acting_user=user)
    # The new request holds its category and place already; it merges into nothing yet.
    return Status(201, detail_out(ticket, allows(user, VIEW, ticket), user))


@router.get("/{ticket_id}", response={200: TicketDetail, **ERRORS}, summary="One request with its history")
@route(VIEW, FOLLOW, model=Ticket, kwarg="ticket_id")
def get_ticket(request: HttpRequest, ticket_id: Id) -> dict[str, Any]:
    user = api_user(request)
    ticket, office = actions.find_ticket(user, _related(), ticket_id)
    return detail_out(ticket, office, user)


@router.get("/{ticket_id}/photos/{photo_id}", response={200: None, **ERRORS},
            openapi_extra={"responses": {200: {"description": "the photo",
                                                 "content": {"image/jpeg": {"schema": {"type": "string",
                                                                                       "format": "binary"}}}}}},
            summary="One photo of a request (JPEG), where the request may be read; every view is audited")
@route(VIEW, FOLLOW, model=TicketPhoto, kwarg="photo_id", also={"ticket_id": "ticket_id"})
def get_photo(request: HttpRequest, ticket_id: Id, photo_id: Id) -> HttpResponse:
    user = api_user(request)
    picture = actions.find_photo(user, photo_id)
    if picture.ticket_id != ticket_id:
        raise Http404
    return photos.serve(picture, viewer=user, action="tickets.photo.view")


# --- moves --------------------------------------------------------------------------------------------

class NoteIn(Schema):
    note: Text = Field(max_length=2000)
    public: bool = True


class ReasonIn(Schema):
    reason: Text = Field(max_length=2000)


class OutcomeIn(Schema):
    outcome: Text = Field(max_length=2000)


class TransferIn(Schema):
    reason: Text = Field(max_length=500)
    grid_id: Id | None = None
    department: Text = Field("", max_length=64)


class AssignIn(Schema):
    level: Literal["grid", "community", "street", "department"]
    grid_id: Id | None = None
    department: Text = Field("", max_length=64)


class MergeIn(Schema):
    into: str = Field(max_length=20, description="the number of the request to merge into")


class RateIn(Schema):
    rating: Literal["satisfied", "partly", "unsatisfied"]
    comment: Text = Field("", max_length=500)


def _grid(ticket: Ticket, grid_id: int | None) -> Grid | None:
    return Grid.objects.filter(pk=grid_id, community_id=ticket.community_id).first() if grid_id else None


def _answer(user: Any, ticket: Ticket) -> dict[str, Any]:
    return detail_out(_related().get(pk=ticket.pk), True, user)


MOVE = {**ERRORS}


@router.post("/{ticket_id}/accept", response={200: TicketDetail, **MOVE}, summary="Accept: I am on it")
@route(HANDLE, DISPATCH, model=Ticket, kwarg="ticket_id")
def accept(request: HttpRequest, ticket_id: Id) -> dict[str, Any]:
    user = api_user(request)
    return _answer(user, actions.do_accept(actions.handled_ticket(user, _related(), ticket_id), acting_user=user))


@router.post("/{ticket_id}/notes", response={200: TicketDetail, **MOVE}, openapi_extra=photos.multipart_schema(
    "NoteIn", MAX_PHOTOS), summary="A progress note: JSON, or multipart/form-data with photos of the work")
@route(HANDLE, DISPATCH, model=Ticket, kwarg="ticket_id")
@decorate_view(photos.json_or_photos(MAX_PHOTOS))
def note(request: HttpRequest, ticket_id: Id, payload: NoteIn) -> dict[str, Any]:
    user = api_user(request)
    ticket = actions.do_note(actions.handled_ticket(user, _related(), ticket_id), acting_user=user, note=payload.note,
                             public=payload.public, photos=_uploads(request))
    return _answer(user, ticket)


@router.post("/{ticket_id}/transfer", response={200: TicketDetail, **MOVE},
             summary="Pass it to another grid or a department")
@route(HANDLE, DISPATCH, model=Ticket, kwarg="ticket_id")
def transfer(request: HttpRequest, ticket_id: Id, payload: TransferIn) -> dict[str, Any]:
    user = api_user(request)
    ticket = actions.handled_ticket(user, _related(), ticket_id)
    ticket = actions.do_transfer(ticket, acting_user=user, reason=payload.reason, grid=_grid(ticket, payload.grid_id),
                                 department=payload.department)
    return _answer(user, ticket)


@router.post("/{ticket_id}/return", response={200: TicketDetail, **MOVE}, summary="Return it: not ours (退单)")
@route(HANDLE, DISPATCH, model=Ticket, kwarg="ticket_id")
def return_ticket(request: HttpRequest, ticket_id: Id, payload: ReasonIn) -> dict[str, Any]:
    user = api_user(request)
    return _answer(user, actions.do_return(actions.handled_ticket(user, _related(), ticket_id), acting_user=user, reason=payload.reason))


@router.post("/{ticket_id}/resolve", response={200: TicketDetail, **MOVE}, openapi_extra=photos.multipart_schema(
    "OutcomeIn", MAX_PHOTOS), summary="Resolved, with the outcome: JSON, or multipart/form-data with photos of the fix")
@route(HANDLE, DISPATCH, model=Ticket, kwarg="ticket_id")
@decorate_view(photos.json_or_photos(MAX_PHOTOS))
def resolve(request: HttpRequest, ticket_id: Id, payload: OutcomeIn) -> dict[str, Any]:
    user = api_user(request)
    ticket = actions.handled_ticket(user, _related(), ticket_id)
    return _answer(user, actions.do_resolve(ticket, acting_user=user, outcome=payload.outcome, photos=_uploads(request)))


@router.post("/{ticket_id}/close-unfixed", response={200: TicketDetail, **MOVE},
             summary="Close without a fix, with a reason the resident reads")
@route(HANDLE, DISPATCH, model=Ticket, kwarg="ticket_id")
def close_unfixed(request: HttpRequest, ticket_id: Id, payload: ReasonIn) -> dict[str, Any]:
    user = api_user(request)
    ticket = actions.do_close_unfixed(actions.handled_ticket(user, _related(), ticket_id), acting_user=user, reason=payload.reason)
    return _answer(user, ticket)


@router.post("/{ticket_id}/merge", response={200: TicketDetail, **MOVE},
             summary="Merge into another request about the same problem")
@route(HANDLE, DISPATCH, model=Ticket, kwarg="ticket_id")
def merge(request: HttpRequest, ticket_id: Id, payload: MergeIn) -> dict[str, Any]:
    user = api_user(request)
    ticket = actions.handled_ticket(user, _related(), ticket_id)
    into = restricted(_related(), user, VIEW).filter(number=payload.into.strip()).first()
    if into is None:
        raise ValidationError({"into": [ValidationError(_("No request with this number in your area."),
                                                        code="not_found")]})
    return _answer(user, actions.do_merge(ticket, acting_user=user, into=into))


@router.post("/{ticket_id}/assign", response={200: TicketDetail, **MOVE}, summary="Decide who answers")
@route(DISPATCH, model=Ticket, kwarg="ticket_id")
def assign(request: HttpRequest, ticket_id: Id, payload: AssignIn) -> dict[str, Any]:
    user = api_user(request)
    ticket = get_or_404(_related(), user, DISPATCH, pk=ticket_id)
    ticket = actions.do_assign(ticket, acting_user=user, level=payload.level, grid=_grid(ticket, payload.grid_id),
                               department=payload.department)
    return _answer(user, ticket)


@router.post("/{ticket_id}/rate", response={200: TicketDetail, **MOVE}, summary="The resident rates the result")
@route(FOLLOW, model=Ticket, kwarg="ticket_id")
def rate(request: HttpRequest, ticket_id: Id, payload: RateIn) -> dict[str, Any]:
    user = api_user(request)
    ticket = get_or_404(_related(), user, FOLLOW, pk=ticket_id)
    ticket = actions.do_rate(ticket, acting_user=user, rating=payload.rating, comment=payload.comment)
    return detail_out(_related().get(pk=ticket.pk), False, user)


@router.post("/{ticket_id}/reopen", response={200: TicketDetail, **MOVE}, summary="Not fixed after all: reopen")
@route(FOLLOW, model=Ticket, kwarg="ticket_id")
def reopen(request: HttpRequest, ticket_id: Id, payload: ReasonIn) -> dict[str, Any]:
    user = api_user(request)
    ticket = get_or_404(_related(), user, FOLLOW, pk=ticket_id)
    ticket = actions.do_reopen(ticket, acting_user=user, reason=payload.reason)
    return detail_out(_related().get(pk=ticket.pk), False, user)


# --- deliveries: the household's receipt, and the volunteer's steps -------------------------------------

@router.post("/{ticket_id}/received", response={200: TicketDetail, **MOVE},
             summary="The household took the delivery in (已收到)")
@route(FOLLOW, model=Ticket, kwarg="ticket_id")
def received(request: HttpRequest, ticket_id: Id) -> dict[str, Any]:
    user = api_user(request)
    ticket = actions.do_confirm_receipt(get_or_404(_related(), user, FOLLOW, pk=ticket_id), acting_user=user)
    return detail_out(_related().get(pk=ticket.pk), False, user)


class ReceiptIn(Schema):
    note: Text = Field(max_length=500, description="how the household confirmed it (a phone call)")


@router.post("/{ticket_id}/confirm-receipt", response={200: TicketDetail, **MOVE},
             summary="Confirm receipt for the household, after a phone call")
@route(HANDLE, DISPATCH, model=Ticket, kwarg="ticket_id")
def confirm_receipt(request: HttpRequest, ticket_id: Id, payload: ReceiptIn) -> dict[str, Any]:
    user = api_user(request)
    ticket = actions.handled_ticket(user, _related(), ticket_id)
    return _answer(user, actions.do_confirm_receipt_for(ticket, acting_user=user, note=payload.note))


def _deliveries() -> Any:
    return Delivery.objects.select_related("ticket__category", "ticket__person")


class DeliveryFilters(Schema):
    status: Literal["open", "taken", "picked_up", "at_door", "received", "cancelled", "unfinished", ""] = ""


@deliveries_router.get("", response={200: list[DeliveryOut], **ERRORS},
                       summary="Deliveries: open ones of one's community and one's own (a volunteer), or one's area's")
@route(DELIVER, VIEW)
@paginate(Pages, page_size=20)
def list_deliveries(request: HttpRequest, filters: Query[DeliveryFilters]) -> Any:
    user = api_user(request)
    if may(user, DELIVER):
        rows = Delivery.objects.restrict(user, DELIVER)
    elif may(user, VIEW):
        rows = Delivery.objects.restrict(user, VIEW)
    else:
        raise PermissionDenied(DELIVER)
    if filters.status == "unfinished":
        rows = rows.filter(status__in=UNFINISHED_DELIVERY)
    elif filters.status:
        rows = rows.filter(status=filters.status)
    return [delivery_out(d) for d in rows.select_related("ticket__category", "ticket__person")
            .order_by("-created_at", "-pk")]


def _step(request: HttpRequest, delivery_id: int, step: Any, **kwargs: Any) -> dict[str, Any]:
    user = api_user(request)
    delivery = get_or_404(_deliveries(), user, DELIVER, pk=delivery_id)
    step(delivery, acting_user=user, **kwargs)
    return delivery_out(_deliveries().get(pk=delivery.pk))


@deliveries_router.post("/{delivery_id}/take", response={200: DeliveryOut, **MOVE},
                        summary="Take a delivery: only one volunteer can")
@route(DELIVER, model=Delivery, kwarg="delivery_id")
def take(request: HttpRequest, delivery_id: Id) -> dict[str, Any]:
    return _step(request, delivery_id, actions.do_take_delivery)


@deliveries_router.post("/{delivery_id}/picked-up", response={200: DeliveryOut, **MOVE},
                        summary="Bought, on the way to the door")
@route(DELIVER, model=Delivery, kwarg="delivery_id")
def picked_up(request: HttpRequest, delivery_id: Id) -> dict[str, Any]:
    return _step(request, delivery_id, actions.do_pick_up)


class AtDoorIn(Schema):
    note: Text = Field("", max_length=200, description="for the household (the receipt is in the bag)")


@deliveries_router.post("/{delivery_id}/at-door", response={200: DeliveryOut, **MOVE},
                        summary="Left at the door (放门口); a photo is taken on the delivery's page")
@route(DELIVER, model=Delivery, kwarg="delivery_id")
def at_door(request: HttpRequest, delivery_id: Id, payload: AtDoorIn) -> dict[str, Any]:
    return _step(request, delivery_id, actions.do_leave_at_door, note=payload.note)

