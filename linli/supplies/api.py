"""Emergency materials over the API: the points and their stock, the stock ledger, receipts and
issues, the street's dispatch plan. Scoped like the pages: a point outside the caller's area (or
not hers to keep) is a 404."""

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
from linli.supplies.access import KEEP, MANAGE, VIEW
from linli.supplies.models import Item, Movement, MovementKind, StoragePoint

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
