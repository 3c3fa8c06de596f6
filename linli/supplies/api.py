"""Emergency materials over the API: the points and their stock, the stock ledger, receipts and
issues, the street's dispatch plan and, approved, its shipments (sent, received, closed);
stock-taking (started, counted, submitted, decided by a second person). Each write calls the
action that holds its rules. Scoped like the pages: a point outside the caller's area (or not
hers to keep) is a 404."""

# No ``from __future__ import annotations``: ninja reads these annotations at import time.

import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from linli.core.access import PermissionDenied, get_or_404, may, route
from linli.core.api_auth import ERRORS, Id, Pages, api_user
from linli.places.models import Level, Place
from linli.supplies import actions, queries
from linli.supplies.access import APPROVE, COUNT, KEEP, MANAGE, VIEW
from linli.supplies.models import CountSheet, Item, Movement, MovementKind, Shipment, StoragePoint

router = Router()


class StockOut(Schema):
    item: str = Field(description="the item's code in the catalogue")
    name: str
    unit: str
    quantity: int


class PointOut(Schema):
    id: int
    name: str
    place_id: int
    kind: str
    reserve_type: str
    owner: str
    stock: list[StockOut]


@router.get("/points", response={200: list[PointOut], **ERRORS}, summary="Storage points of my area, with their stock")
@route(VIEW, KEEP)
def list_points(request: HttpRequest) -> list[dict[str, Any]]:
    user = api_user(request)
    if not queries.keeps_any(user):
        raise PermissionDenied(VIEW)
    points = list(queries.visible_points(user)[:500])
    stock = queries.stock_by_point(StoragePoint.objects.filter(pk__in=[p.pk for p in points]))
    items = {item.pk: item for item in Item.objects.all()}
    return [{"id": p.pk, "name": p.name, "place_id": p.place_id, "kind": p.kind, "reserve_type": p.reserve_type,
             "owner": p.owner, "stock": [{"item": items[i].code, "name": items[i].name, "unit": items[i].unit,
                                          "quantity": n} for i, n in sorted(stock.get(p.pk, {}).items())]}
            for p in points]


class MovementOut(Schema):
    id: int
    kind: str
    item: str
    lot_id: int
    quantity: int = Field(description="in > 0, out < 0")
    balance_after: int = Field(description="the lot's balance after this movement")
    expires_on: datetime.date | None
    note: str
    at: datetime.datetime


def _movement_out(m: Movement) -> dict[str, Any]:
    return {"id": m.pk, "kind": m.kind, "item": m.item.code, "lot_id": m.lot_id, "quantity": m.quantity,
            "balance_after": m.balance_after, "expires_on": m.lot.expires_on, "note": m.note, "at": m.created_at}


@router.get("/points/{point_id}/movements", response={200: list[MovementOut], **ERRORS},
            summary="The point's stock ledger, newest first")
@route(VIEW, model=StoragePoint, kwarg="point_id")
@paginate(Pages, page_size=50)
def list_movements(request: HttpRequest, point_id: Id) -> Any:
    point = get_or_404(StoragePoint.objects.all(), api_user(request), VIEW, pk=point_id)
    return [_movement_out(m) for m in point.movements.select_related("item", "lot").order_by("-pk")[:2000]]


class MovementIn(Schema):
    kind: Literal["receipt", "issue", "loss"]
    item: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9-]+$", description="the item's code")
    quantity: int = Field(ge=1, le=actions.MAX_QUANTITY)
    expires_on: datetime.date | None = Field(None, description="for a receipt")
    source: str = Field("", max_length=100, description="for a receipt: supplier, donor, allocation")
    note: str = Field("", max_length=200, description="for an issue: to whom; for a loss: why (required)")


@router.post("/points/{point_id}/movements", response={201: list[MovementOut], **ERRORS},
             summary="Receive, issue or write off stock at the point (issues take the first expiring lots first)")
@route(KEEP, model=StoragePoint, kwarg="point_id")
def create_movement(request: HttpRequest, point_id: Id, payload: MovementIn) -> Status:
    user = api_user(request)
    point = get_or_404(StoragePoint.objects.all(), user, KEEP, pk=point_id)
    item = Item.objects.filter(code=payload.item, is_active=True).first()
    if item is None:
        raise ValidationError({"item": [ValidationError(_("This material is no longer in the catalogue."),
                                                        code="unknown_item")]})
    if payload.kind == MovementKind.RECEIPT:
        moved = [actions.do_receive(point, item, payload.quantity, expires_on=payload.expires_on,
                                    source=payload.source, note=payload.note, acting_user=user)]
    else:
        moved = actions.do_issue(point, item, payload.quantity, kind=payload.kind, note=payload.note, acting_user=user)
    return Status(201, [_movement_out(m) for m in moved])


class DispatchLineOut(Schema):
    source: str = Field(description="place path of the community (or street) sending")
    destination: str
    item_id: int
    quantity: int
    metres: int
    explanation_zh: str
    explanation_en: str


class DispatchPlanOut(Schema):
    street_id: int
    lines: list[DispatchLineOut]
    weighted_shortfall_before: int
    weighted_shortfall_after: int
    seconds: float


@router.get("/streets/{street_id}/plan", response={200: DispatchPlanOut, **ERRORS},
            summary="A dispatch plan between the street's communities (computed, not saved)")
@route(MANAGE, model=Place, kwarg="street_id", where=Q(level=Level.STREET))
def street_plan(request: HttpRequest, street_id: Id) -> dict[str, Any]:
    user = api_user(request)
    if not may(user, MANAGE):
        raise PermissionDenied(MANAGE)
    street = get_or_404(Place.objects.filter(level=Level.STREET), user, MANAGE, pk=street_id)
    view = queries.street_view(street, timezone.localdate())
    plan = queries.dispatch_plan(street, view)
    return {"street_id": street.pk, "weighted_shortfall_before": sum(plan.before.values()),
            "weighted_shortfall_after": plan.weighted_shortfall, "seconds": round(plan.seconds, 3),
            "lines": [{"source": line.source, "destination": line.destination, "item_id": int(line.item),
                       "quantity": line.quantity, "metres": line.metres, "explanation_zh": line.explanation_zh,
                       "explanation_en": line.explanation_en} for line in plan.lines]}


# --- the dispatch plan approved, and its shipments ---------------------------------------------------

PATH = r"^([0-9]+/)+$"  # a place's materialised path: 31/01/15/099/001/


class ShipmentPlanLineIn(Schema):
    source: str = Field(min_length=2, max_length=64, pattern=PATH,
                        description="place path of the community (or street) sending, as in the plan")
    destination: str = Field(min_length=2, max_length=64, pattern=PATH,
                             description="place path of the community receiving, as in the plan")
    item: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9-]+$", description="the item's code")
    quantity: int = Field(ge=0, le=actions.MAX_QUANTITY, description="0 drops the line")
    explanation: str = Field("", max_length=300)


class ShipmentPlanIn(Schema):
    lines: list[ShipmentPlanLineIn] = Field(min_length=1, max_length=500)


class ShipmentOut(Schema):
    id: int
    source_point_id: int
    destination_point_id: int
    item: str
    planned: int
    sent: int | None
    received: int | None
    discrepancy: int = Field(description="sent minus received")
    status: str = Field(description="planned, sent, received or closed")
    explanation: str
    note: str


def _shipment_out(s: Shipment) -> dict[str, Any]:
    return {"id": s.pk, "source_point_id": s.source_point_id, "destination_point_id": s.destination_point_id,
            "item": s.item.code, "planned": s.planned, "sent": s.sent, "received": s.received,
            "discrepancy": s.discrepancy, "status": s.status, "explanation": s.explanation, "note": s.note}


def _user_holding(request: HttpRequest, action: str) -> Any:
    """The caller, if her roles include ``action`` somewhere (a keeper named on a point counts for
    keeping and counting): a 403 otherwise; an object outside her area is still a 404."""
    user = api_user(request)
    if not (queries.keeps_any(user) if action in (KEEP, COUNT) else may(user, action)):
        raise PermissionDenied(action)
    return user


def _item(code: str, field_name: str = "item") -> Item:
    item = Item.objects.filter(code=code, is_active=True).first()
    if item is None:
        raise ValidationError({field_name: [ValidationError(_("This material is no longer in the catalogue."),
                                                            code="unknown_item")]})
    return item


@router.post("/streets/{street_id}/plan", response={201: list[ShipmentOut], **ERRORS},
             summary="Approve a dispatch plan as edited: each line becomes planned shipments")
@route(MANAGE, model=Place, kwarg="street_id", where=Q(level=Level.STREET))
def approve_plan(request: HttpRequest, street_id: Id, payload: ShipmentPlanIn) -> Status:
    user = _user_holding(request, MANAGE)
    street = get_or_404(Place.objects.filter(level=Level.STREET), user, MANAGE, pk=street_id)
    lines = [(line.source, line.destination, _item(line.item, f"lines.{n}.item"), line.quantity, line.explanation)
             for n, line in enumerate(payload.lines)]
    made = actions.do_approve_plan(street, lines, acting_user=user)
    return Status(201, [_shipment_out(s) for s in Shipment.objects.filter(pk__in=[s.pk for s in made])
                        .select_related("item").order_by("pk")])


@router.get("/shipments", response={200: list[ShipmentOut], **ERRORS},
            summary="Shipments from or to the points of my area, newest first")
@route(VIEW, KEEP)
@paginate(Pages, page_size=50)
def list_shipments(request: HttpRequest) -> Any:
    user = api_user(request)
    if not queries.keeps_any(user):
        raise PermissionDenied(VIEW)
    return [_shipment_out(s) for s in Shipment.objects.restrict(user, VIEW).select_related("item")[:2000]]


class ShipmentStepIn(Schema):
    quantity: int = Field(ge=0, le=actions.MAX_QUANTITY,
                          description="sending: at most the planned; receiving: the count received (0 allowed)")
    note: str = Field("", max_length=200, description="receiving fewer than sent: what happened (required)")


def _shipment(request: HttpRequest, shipment_id: int, action: str) -> Shipment:
    return get_or_404(Shipment.objects.select_related("source_point", "destination_point", "item"),
                      api_user(request), action, pk=shipment_id)


def _other_end(step: Any) -> Shipment:
    """Either end of a shipment sees it; only its source sends and only its destination
    receives: the other end is told so (as on the page), not refused as a stranger."""
    try:
        return step()  # type: ignore[no-any-return]
    except PermissionDenied:
        raise ValidationError({"shipment": [ValidationError(_("The other end of this shipment does this step."),
                                                            code="other_end")]}) from None


@router.post("/shipments/{shipment_id}/send", response={200: ShipmentOut, **ERRORS},
             summary="Send a planned shipment (its stock leaves the source point)")
@route(KEEP, model=Shipment, kwarg="shipment_id")
def send_shipment(request: HttpRequest, shipment_id: Id, payload: ShipmentStepIn) -> dict[str, Any]:
    user = _user_holding(request, KEEP)
    shipment = _shipment(request, shipment_id, KEEP)
    done = _other_end(lambda: actions.do_send_shipment(shipment, payload.quantity, note=payload.note,
                                                       acting_user=user))
    return _shipment_out(done)


@router.post("/shipments/{shipment_id}/receive", response={200: ShipmentOut, **ERRORS},
             summary="Receive a shipment with the count that arrived (the rest is its discrepancy)")
@route(KEEP, model=Shipment, kwarg="shipment_id")
def receive_shipment(request: HttpRequest, shipment_id: Id, payload: ShipmentStepIn) -> dict[str, Any]:
    user = _user_holding(request, KEEP)
    shipment = _shipment(request, shipment_id, KEEP)
    done = _other_end(lambda: actions.do_receive_shipment(shipment, payload.quantity, note=payload.note,
                                                          acting_user=user))
    return _shipment_out(done)


@router.post("/shipments/{shipment_id}/close", response={200: ShipmentOut, **ERRORS},
             summary="The street closes a received shipment")
@route(MANAGE, model=Shipment, kwarg="shipment_id")
def close_shipment(request: HttpRequest, shipment_id: Id) -> dict[str, Any]:
    user = _user_holding(request, MANAGE)
    return _shipment_out(actions.do_close_shipment(_shipment(request, shipment_id, MANAGE), acting_user=user))


# --- stock-taking (盘点) --------------------------------------------------------------------------------

class StocktakeLineOut(Schema):
    id: int
    lot_id: int
    item: str
    expires_on: datetime.date | None
    expected: int = Field(description="on the books when the count started")
    counted: int | None
    variance: int | None = Field(description="counted minus expected")


class StocktakeOut(Schema):
    id: int
    point_id: int
    status: str = Field(description="open, submitted, approved or rejected")
    created_by_id: int | None
    submitted_by_id: int | None
    decided_by_id: int | None
    note: str
    lines: list[StocktakeLineOut]


def _sheet_out(sheet_id: int) -> dict[str, Any]:
    sheet = CountSheet.objects.get(pk=sheet_id)
    lines = sheet.lines.select_related("lot__item").order_by("pk")
    return {"id": sheet.pk, "point_id": sheet.point_id, "status": sheet.status, "created_by_id": sheet.created_by_id,
            "submitted_by_id": sheet.submitted_by_id, "decided_by_id": sheet.decided_by_id, "note": sheet.note,
            "lines": [{"id": line.pk, "lot_id": line.lot_id, "item": line.lot.item.code,
                       "expires_on": line.lot.expires_on, "expected": line.expected, "counted": line.counted,
                       "variance": None if line.counted is None else line.counted - line.expected}
                      for line in lines]}


@router.post("/points/{point_id}/counts", response={201: StocktakeOut, **ERRORS},
             summary="Start a stock-taking: a count sheet with every lot in stock and its book quantity")
@route(COUNT, model=StoragePoint, kwarg="point_id")
def start_count(request: HttpRequest, point_id: Id) -> Status:
    user = _user_holding(request, COUNT)
    point = get_or_404(StoragePoint.objects.all(), user, COUNT, pk=point_id)
    return Status(201, _sheet_out(actions.do_start_count(point, acting_user=user).pk))


@router.get("/counts/{sheet_id}", response={200: StocktakeOut, **ERRORS}, summary="A count sheet with its lines")
@route(VIEW, model=CountSheet, kwarg="sheet_id")
def get_count(request: HttpRequest, sheet_id: Id) -> dict[str, Any]:
    return _sheet_out(get_or_404(CountSheet.objects.all(), api_user(request), VIEW, pk=sheet_id).pk)


class StocktakeCountIn(Schema):
    line_id: Id
    counted: int = Field(ge=0, le=actions.MAX_QUANTITY)


class StocktakeCountsIn(Schema):
    lines: list[StocktakeCountIn] = Field(max_length=5000)
    submit: bool = Field(False, description="hand the sheet to a second person (every line must be counted)")


@router.post("/counts/{sheet_id}/lines", response={200: StocktakeOut, **ERRORS},
             summary="Write what was counted; with submit, hand the sheet to a second person")
@route(COUNT, model=CountSheet, kwarg="sheet_id")
def record_counts(request: HttpRequest, sheet_id: Id, payload: StocktakeCountsIn) -> dict[str, Any]:
    user = _user_holding(request, COUNT)
    sheet = get_or_404(CountSheet.objects.all(), user, COUNT, pk=sheet_id)
    ids = [line.line_id for line in payload.lines]
    if len(set(ids)) != len(ids):
        raise ValidationError({"lines": [ValidationError(_("List each line of the sheet once."),
                                                         code="duplicate_line")]})
    actions.do_record_counts(sheet, {line.line_id: line.counted for line in payload.lines}, acting_user=user,
                             submit=payload.submit)
    return _sheet_out(sheet.pk)


@router.post("/counts/{sheet_id}/submit", response={200: StocktakeOut, **ERRORS},
             summary="Hand a fully counted sheet to a second person for approval")
@route(COUNT, model=CountSheet, kwarg="sheet_id")
def submit_count(request: HttpRequest, sheet_id: Id) -> dict[str, Any]:
    user = _user_holding(request, COUNT)
    sheet = get_or_404(CountSheet.objects.all(), user, COUNT, pk=sheet_id)
    actions.do_record_counts(sheet, {}, acting_user=user, submit=True)
    return _sheet_out(sheet.pk)


class StocktakeDecisionIn(Schema):
    approve: bool = Field(description="true: each variance becomes a correction; false: sent back")
    note: str = Field("", max_length=200, description="required when sending it back")


@router.post("/counts/{sheet_id}/decision", response={200: StocktakeOut, **ERRORS},
             summary="Approve or reject a submitted stock-taking: never one's own count (four eyes)")
@route(APPROVE, model=CountSheet, kwarg="sheet_id")
def decide_count(request: HttpRequest, sheet_id: Id, payload: StocktakeDecisionIn) -> dict[str, Any]:
    user = _user_holding(request, APPROVE)
    sheet = get_or_404(CountSheet.objects.all(), user, APPROVE, pk=sheet_id)
    actions.do_decide_count(sheet, approve=payload.approve, note=payload.note, acting_user=user)
    return _sheet_out(sheet.pk)
