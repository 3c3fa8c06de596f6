"""Suppliers over the API: the suppliers of one's area with their grades and qualifications,
a supplier's trail in the shared ledger (verified), purchase orders; a new supplier. Scoped
like the pages: a supplier outside the caller's area is a 404. (Stock and movements are the
supplies' API.)"""

# No ``from __future__ import annotations``: ninja reads these annotations at import time.

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from linli.core.access import PermissionDenied, get_or_404, may, route
from linli.core.api_auth import ERRORS, Id, Pages, api_user
from linli.downloads.actions import do_request_download
from linli.downloads.api import DownloadOut, download_out
from linli.places.models import Level, Place
from linli.suppliers import actions, queries, trail
from linli.suppliers.access import MANAGE, VIEW
from linli.suppliers.downloads import KIND as STOCK
from linli.suppliers.downloads import area_of_points
from linli.suppliers.models import PurchaseOrder, Supplier
from linli.supplies import queries as supplies_queries
from linli.supplies.access import KEEP
from linli.supplies.access import VIEW as SUPPLIES_VIEW

router = Router()


class QualificationOut(Schema):
    id: int
    kind: str
    number: str
    issuer: str
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    status: str = Field(description="unchecked, verified or rejected")
    document_sha256: str


class SupplierOut(Schema):
    id: int
    name: str
    credit_code: str
    categories: list[str]
    capacity: str
    grade: str = Field(description="A, B or C: from the delivery record unless set by hand")
    grade_from_record: str
    grade_override_reason: str
    deliveries: int
    on_time: int
    failed: int
    qualifications: list[QualificationOut]


def _supplier_out(row: queries.Graded) -> dict[str, Any]:
    s, f = row.supplier, row.figures
    return {"id": s.pk, "name": s.name, "credit_code": s.credit_code, "categories": s.categories,
            "capacity": s.capacity, "grade": row.grade, "grade_from_record": f.grade,
            "grade_override_reason": s.override_reason, "deliveries": f.deliveries, "on_time": f.on_time,
            "failed": f.failed, "qualifications": [
                {"id": q.pk, "kind": q.kind, "number": q.number, "issuer": q.issuer, "valid_from": q.valid_from,
                 "valid_until": q.valid_until, "status": q.status, "document_sha256": q.document_sha256}
                for q in s.qualifications.all()]}


@router.get("", response={200: list[SupplierOut], **ERRORS}, summary="Suppliers of my area, with grades")
@route(VIEW)
@paginate(Pages, page_size=50)
def list_suppliers(request: HttpRequest) -> Any:
    user = api_user(request)
    if not may(user, VIEW):
        raise PermissionDenied(VIEW)
    suppliers = list(queries.visible_suppliers(user).prefetch_related("qualifications").order_by("name")[:2000])
    return [_supplier_out(row) for row in queries.graded(suppliers)]


class OrderLineOut(Schema):
    item: str
    quantity: int
    unit_price: Decimal
    received: int | None


class OrderOut(Schema):
    id: int
    supplier_id: int
    point_id: int
    status: str
    expected_on: datetime.date
    delivered_on: datetime.date | None
    on_time: bool | None
    quality: str | None
    lines: list[OrderLineOut]


@router.get("/orders", response={200: list[OrderOut], **ERRORS}, summary="Purchase orders of my area")
@route(VIEW)
@paginate(Pages, page_size=50)
def list_orders(request: HttpRequest) -> Any:
    user = api_user(request)
    if not may(user, VIEW):
        raise PermissionDenied(VIEW)
    out = []
    for order in (PurchaseOrder.objects.restrict(user, VIEW).select_related("delivery")
                  .prefetch_related("lines__item").order_by("-pk")[:2000]):
        delivery = getattr(order, "delivery", None)
        out.append({"id": order.pk, "supplier_id": order.supplier_id, "point_id": order.point_id,
                    "status": order.status, "expected_on": order.expected_on,
                    "delivered_on": delivery.delivered_on if delivery else None,
                    "on_time": delivery.on_time if delivery else None, "quality": delivery.quality if delivery else None,
                    "lines": [{"item": line.item.code, "quantity": line.quantity, "unit_price": line.unit_price,
                               "received": line.received} for line in order.lines.all()]})
    return out


@router.get("/{supplier_id}", response={200: SupplierOut, **ERRORS}, summary="One supplier")
@route(VIEW, model=Supplier, kwarg="supplier_id")
def get_supplier(request: HttpRequest, supplier_id: Id) -> dict[str, Any]:
    supplier = get_or_404(Supplier.objects.prefetch_related("qualifications"), api_user(request), VIEW,
                          pk=supplier_id)
    return _supplier_out(queries.graded([supplier])[0])


class TrailEntryOut(Schema):
    index: int
    entry_type: str
    claimed_at: datetime.datetime
    status: str = Field(description="verified, pending (not yet in a checkpoint) or broken")
    payload: dict[str, Any] | None


@router.get("/{supplier_id}/trail", response={200: list[TrailEntryOut], **ERRORS},
            summary="The supplier's qualification checks and delivery results in the shared ledger, verified")
@route(VIEW, model=Supplier, kwarg="supplier_id")
def supplier_trail(request: HttpRequest, supplier_id: Id) -> list[dict[str, Any]]:
    supplier = get_or_404(Supplier.objects.all(), api_user(request), VIEW, pk=supplier_id)
    return [{"index": r.entry.index, "entry_type": r.entry.entry_type, "claimed_at": r.entry.claimed_at,
             "status": r.status, "payload": r.payload} for r in trail.rows_of(supplier)]


class SupplierIn(Schema):
    street_id: Id
    name: str = Field(min_length=1, max_length=100)
    credit_code: str = Field(min_length=1, max_length=40, description="18 characters; full-width is read as plain")
    categories: list[str] = Field(default_factory=list, max_length=20)
    capacity: str = Field("", max_length=100)
    contact_name: str = Field("", max_length=40)
    contact_phone: str = Field("", max_length=32)
    address: str = Field("", max_length=200)


@router.post("", response={201: SupplierOut, **ERRORS}, summary="Add a supplier to the street")
@route(MANAGE, model=Place, kwarg="street_id", where=Q(level=Level.STREET))
def create_supplier(request: HttpRequest, payload: SupplierIn) -> Status:
    user = api_user(request)
    street = get_or_404(Place.objects.filter(level=Level.STREET), user, MANAGE, pk=payload.street_id)
    data = payload.dict(exclude={"street_id"})
    supplier = actions.do_create_supplier(street, acting_user=user, **data)
    return Status(201, _supplier_out(queries.graded([supplier])[0]))


# --- the stock as a spreadsheet (made in the background: linli.downloads) ------------------------

@router.post("/stock/export", response={202: DownloadOut, **ERRORS},
             summary="Ask for the stock of the points one sees as a spreadsheet (.xlsx, one row per lot), made in "
                     "the background: GET /api/downloads/{id} follows it, …/file fetches it")
@route(SUPPLIES_VIEW, KEEP)
def stock_export(request: HttpRequest) -> Status:
    user = api_user(request)
    if not supplies_queries.keeps_any(user):
        raise PermissionDenied(SUPPLIES_VIEW)
    download = do_request_download(STOCK, scope=area_of_points(user), params={}, acting_user=user)
    download.refresh_from_db()  # made at once when tasks run immediately
    return Status(202, download_out(download))
