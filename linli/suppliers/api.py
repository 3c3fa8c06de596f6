"""Suppliers over the API: the suppliers of one's area with their grades and qualifications,
a supplier's trail in the shared ledger (verified), purchase orders with their deliveries,
donations; and the writes: a new supplier, its qualifications and their checks, a grade set by
hand, orders placed, cancelled, delivered in parts and closed short, donations received. Each
write calls the action that holds its rules. Scoped like the pages: a supplier or order outside
the caller's area is a 404. (Stock and movements are the supplies' API.)"""

# No ``from __future__ import annotations``: ninja reads these annotations at import time.

import base64
import binascii
import datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from linli.core.access import PermissionDenied, get_or_404, may, route
from linli.core.api_auth import ERRORS, Date, Id, Pages, api_user
from linli.downloads.actions import do_request_download
from linli.downloads.api import DownloadOut, download_out
from linli.places.models import Level, Place
from linli.suppliers import actions, queries, trail
from linli.suppliers.access import MANAGE, VIEW
from linli.suppliers.downloads import KIND as STOCK
from linli.suppliers.downloads import area_of_points
from linli.suppliers.models import Donation, PurchaseOrder, Qualification, Supplier
from linli.supplies import queries as supplies_queries
from linli.supplies.access import KEEP
from linli.supplies.access import VIEW as SUPPLIES_VIEW
from linli.supplies.actions import MAX_QUANTITY
from linli.supplies.models import Item, StoragePoint

router = Router()
MAX_DOCUMENT_BASE64 = (actions.MAX_DOCUMENT + 2) // 3 * 4


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
    id: int = Field(description="the line's id, to record a delivery against it")
    item: str
    quantity: int
    unit_price: Decimal
    received: int | None = Field(description="accepted into stock so far, over all deliveries (null: nothing yet)")
    remaining: int = Field(description="still outstanding: ordered minus received")


class PurchaseDeliveryLineOut(Schema):
    line_id: int
    item: str
    quantity: int = Field(description="what this delivery brought of the line")
    movement_id: int | None = Field(description="the receipt it made (null: refused at the quality inspection)")


class PurchaseDeliveryOut(Schema):
    id: int
    delivered_on: datetime.date
    on_time: bool
    quality: str = Field(description="passed, minor or failed (refused: entered no stock)")
    note: str
    lines: list[PurchaseDeliveryLineOut]


class OrderOut(Schema):
    id: int
    supplier_id: int
    point_id: int
    status: str = Field(description="open, partly (partly delivered), delivered, short (closed short) or cancelled")
    expected_on: datetime.date
    delivered_on: datetime.date | None = Field(description="the latest delivery's")
    on_time: bool | None = Field(description="the latest delivery's")
    quality: str | None = Field(description="the latest delivery's")
    short_reason: str
    lines: list[OrderLineOut]
    deliveries: list[PurchaseDeliveryOut]


def _orders(rows: Any) -> Any:
    return rows.prefetch_related("lines__item", "deliveries__lines__line__item")


def _order_out(order: PurchaseOrder) -> dict[str, Any]:
    deliveries = sorted(order.deliveries.all(), key=lambda d: (d.delivered_on, d.pk))
    latest = deliveries[-1] if deliveries else None
    return {"id": order.pk, "supplier_id": order.supplier_id, "point_id": order.point_id, "status": order.status,
            "expected_on": order.expected_on, "delivered_on": latest.delivered_on if latest else None,
            "on_time": latest.on_time if latest else None, "quality": latest.quality if latest else None,
            "short_reason": order.short_reason,
            "lines": [{"id": line.pk, "item": line.item.code, "quantity": line.quantity, "unit_price": line.unit_price,
                       "received": line.received, "remaining": line.quantity - (line.received or 0)}
                      for line in order.lines.all()],
            "deliveries": [{"id": d.pk, "delivered_on": d.delivered_on, "on_time": d.on_time, "quality": d.quality,
                            "note": d.note, "lines": [{"line_id": dl.line_id, "item": dl.line.item.code,
                                                       "quantity": dl.quantity, "movement_id": dl.movement_id}
                                                      for dl in d.lines.all()]} for d in deliveries]}


@router.get("/orders", response={200: list[OrderOut], **ERRORS}, summary="Purchase orders of my area")
@route(VIEW)
@paginate(Pages, page_size=50)
def list_orders(request: HttpRequest) -> Any:
    user = api_user(request)
    if not may(user, VIEW):
        raise PermissionDenied(VIEW)
    return [_order_out(order) for order in _orders(PurchaseOrder.objects.restrict(user, VIEW)).order_by("-pk")[:2000]]


@router.get("/orders/{order_id}", response={200: OrderOut, **ERRORS},
            summary="One purchase order with its deliveries and what is still outstanding")
@route(VIEW, model=PurchaseOrder, kwarg="order_id")
def get_order(request: HttpRequest, order_id: Id) -> dict[str, Any]:
    return _order_out(get_or_404(_orders(PurchaseOrder.objects.all()), api_user(request), VIEW, pk=order_id))


# (before /{supplier_id}, which would take "donations" for an id)
class DonationIn(Schema):
    point_id: Id
    item: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9-]+$", description="the item's code")
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    donor_kind: Literal["company", "resident"]
    donor_name: str = Field(min_length=1, max_length=100)
    public: bool = Field(False, description="the donor agrees to be thanked by name in public")
    expires_on: Date | None = None


class DonationOut(Schema):
    id: int
    point_id: int
    item: str
    quantity: int
    donor_kind: str
    donor_name: str | None = Field(description="only when the donor agreed to be named in public")
    public: bool
    received_on: datetime.date
    movement_id: int


def _donation_out(d: Donation) -> dict[str, Any]:
    return {"id": d.pk, "point_id": d.point_id, "item": d.item.code, "quantity": d.quantity,
            "donor_kind": d.donor_kind, "donor_name": d.donor_name if d.public else None, "public": d.public,
            "received_on": d.received_on, "movement_id": d.movement_id}


@router.post("/donations", response={201: DonationOut, **ERRORS},
             summary="Record a donation received at a point (a receipt into stock, with its donor)")
@route(KEEP, model=StoragePoint, kwarg="point_id")
def record_donation(request: HttpRequest, payload: DonationIn) -> Status:
    user = _user_holding(request, KEEP)
    point = get_or_404(StoragePoint.objects.all(), user, KEEP, pk=payload.point_id)
    donation = actions.do_record_donation(point, _item(payload.item), payload.quantity, donor_kind=payload.donor_kind,
                                          donor_name=payload.donor_name, public=payload.public,
                                          expires_on=payload.expires_on, acting_user=user)
    return Status(201, _donation_out(donation))


@router.get("/donations", response={200: list[DonationOut], **ERRORS},
            summary="Donations received in my area, newest first (donors named only with their consent)")
@route(SUPPLIES_VIEW, KEEP)
@paginate(Pages, page_size=50)
def list_donations(request: HttpRequest) -> Any:
    user = api_user(request)
    if not supplies_queries.keeps_any(user):
        raise PermissionDenied(SUPPLIES_VIEW)
    return [_donation_out(d) for d in Donation.objects.restrict(user, SUPPLIES_VIEW).select_related("item")[:2000]]


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


# --- writes: each calls the action that holds the rules ------------------------------------------

def _field_error(field_name: str, message: Any, code: str) -> ValidationError:
    return ValidationError({field_name: [ValidationError(message, code=code)]})


def _user_holding(request: HttpRequest, action: str) -> Any:
    """The caller, if her roles include ``action`` somewhere (a keeper named on a point counts for
    keeping): a 403 otherwise; an object outside her area is still a 404."""
    user = api_user(request)
    if not (supplies_queries.keeps_any(user) if action == KEEP else may(user, action)):
        raise PermissionDenied(action)
    return user


def _item(code: str, field_name: str = "item") -> Item:
    item = Item.objects.filter(code=code, is_active=True).first()
    if item is None:
        raise _field_error(field_name, _("This material is no longer in the catalogue."), "unknown_item")
    return item


class SupplierQualificationIn(Schema):
    kind: Literal["business_licence", "device_registration", "production_licence"]
    number: str = Field(min_length=1, max_length=64, description="for a business licence: the credit code")
    issuer: str = Field(min_length=1, max_length=100)
    valid_from: Date | None = None
    valid_until: Date | None = None
    document: str = Field("", max_length=MAX_DOCUMENT_BASE64,
                          description="the scanned document (PDF, JPEG or PNG, at most 5 MB) in base64; the whole "
                          "request must stay under the server's upload limit (2.5 MB by default)")
    document_name: str = Field("", max_length=100)


def _document(text: str) -> bytes | None:
    if not text:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _field_error("document", _("The document is not valid base64."), "not_base64") from None


@router.post("/{supplier_id}/qualifications", response={201: QualificationOut, **ERRORS},
             summary="Record a supplier's qualification as presented (it counts once checked)")
@route(MANAGE, model=Supplier, kwarg="supplier_id")
def add_qualification(request: HttpRequest, supplier_id: Id, payload: SupplierQualificationIn) -> Status:
    user = _user_holding(request, MANAGE)
    supplier = get_or_404(Supplier.objects.all(), user, MANAGE, pk=supplier_id)
    document = _document(payload.document)
    q = actions.do_add_qualification(supplier, kind=payload.kind, number=payload.number, issuer=payload.issuer,
                                     valid_from=payload.valid_from, valid_until=payload.valid_until,
                                     document=document, document_name=payload.document_name, acting_user=user)
    return Status(201, _qualification_out(q))


def _qualification_out(q: Qualification) -> dict[str, Any]:
    return {"id": q.pk, "kind": q.kind, "number": q.number, "issuer": q.issuer, "valid_from": q.valid_from,
            "valid_until": q.valid_until, "status": q.status, "document_sha256": q.document_sha256}


class QualificationCheckIn(Schema):
    result: Literal["valid", "invalid"]
    note: str = Field("", max_length=200, description="required when not valid")


@router.post("/qualifications/{qualification_id}/checks", response={201: QualificationOut, **ERRORS},
             summary="Record a check of a qualification (also appended to the shared ledger)")
@route(MANAGE, model=Qualification, kwarg="qualification_id")
def check_qualification(request: HttpRequest, qualification_id: Id, payload: QualificationCheckIn) -> Status:
    user = _user_holding(request, MANAGE)
    qualification = get_or_404(Qualification.objects.select_related("supplier__street"), user, MANAGE,
                               pk=qualification_id)
    check = actions.do_check_qualification(qualification, result=payload.result, note=payload.note,
                                           acting_user=user)
    return Status(201, _qualification_out(check.qualification))


class SupplierGradeIn(Schema):
    grade: Literal["", "A", "B", "C"] = Field(description='A, B or C set by hand; "" gives it back to the record')
    reason: str = Field("", max_length=200, description="required when setting a grade")


@router.post("/{supplier_id}/grade", response={200: SupplierOut, **ERRORS},
             summary="Set a supplier's grade by hand (with the reason), or give it back to the delivery record")
@route(MANAGE, model=Supplier, kwarg="supplier_id")
def set_grade(request: HttpRequest, supplier_id: Id, payload: SupplierGradeIn) -> dict[str, Any]:
    user = _user_holding(request, MANAGE)
    supplier = get_or_404(Supplier.objects.all(), user, MANAGE, pk=supplier_id)
    actions.do_set_grade(supplier, payload.grade, reason=payload.reason, acting_user=user)
    supplier = Supplier.objects.prefetch_related("qualifications").get(pk=supplier.pk)
    return _supplier_out(queries.graded([supplier])[0])


class PurchaseLineIn(Schema):
    item: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9-]+$", description="the item's code")
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    unit_price: Decimal = Field(ge=0, le=actions.MAX_PRICE, max_digits=12, decimal_places=2,
                                description="yuan, such as 2.35")


class PurchaseOrderIn(Schema):
    supplier_id: Id
    point_id: Id = Field(description="an open storage point of the supplier's street")
    expected_on: Date
    lines: list[PurchaseLineIn] = Field(min_length=1, max_length=actions.MAX_LINES)
    note: str = Field("", max_length=200)


@router.post("/orders", response={201: OrderOut, **ERRORS},
             summary="Place a purchase order with a supplier whose business licence is checked and valid")
@route(MANAGE, model=Supplier, kwarg="supplier_id")
def place_order(request: HttpRequest, payload: PurchaseOrderIn) -> Status:
    user = _user_holding(request, MANAGE)
    supplier = get_or_404(Supplier.objects.all(), user, MANAGE, pk=payload.supplier_id)
    # only a point of the supplier's street: another one is not named, found or not
    point = StoragePoint.objects.filter(pk=payload.point_id, path__startswith=supplier.path).first()
    if point is None:
        raise _field_error("point_id", _("Choose an open storage point of the supplier's street."), "point")
    lines = [(_item(line.item, f"lines.{n}.item"), line.quantity, line.unit_price)
             for n, line in enumerate(payload.lines)]
    placed = actions.do_place_order(supplier, point, expected_on=payload.expected_on, lines=lines,
                                    note=payload.note, acting_user=user)
    return Status(201, _order_out(_orders(PurchaseOrder.objects.all()).get(pk=placed.pk)))


class PurchaseReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


@router.post("/orders/{order_id}/cancel", response={200: OrderOut, **ERRORS},
             summary="Cancel an order nothing of which has arrived")
@route(MANAGE, model=PurchaseOrder, kwarg="order_id")
def cancel_order(request: HttpRequest, order_id: Id, payload: PurchaseReasonIn) -> dict[str, Any]:
    user = _user_holding(request, MANAGE)
    order = get_or_404(PurchaseOrder.objects.all(), user, MANAGE, pk=order_id)
    actions.do_cancel_order(order, reason=payload.reason, acting_user=user)
    return _order_out(_orders(PurchaseOrder.objects.all()).get(pk=order.pk))


class PurchaseDeliveryLineIn(Schema):
    line_id: Id
    quantity: int = Field(ge=0, le=MAX_QUANTITY, description="what arrived of the line in this delivery")
    expires_on: Date | None = None


class PurchaseDeliveryIn(Schema):
    delivered_on: Date
    quality: Literal["passed", "minor", "failed"]
    lines: list[PurchaseDeliveryLineIn] = Field(max_length=actions.MAX_LINES,
                                                description="the lines that arrived; others arrived 0")
    note: str = Field("", max_length=200, description="required unless passed")


@router.post("/orders/{order_id}/deliveries", response={201: OrderOut, **ERRORS},
             summary="Record a (partial) delivery: each line takes at most what is outstanding")
@route(KEEP, model=PurchaseOrder, kwarg="order_id")
def record_delivery(request: HttpRequest, order_id: Id, payload: PurchaseDeliveryIn) -> Status:
    user = _user_holding(request, KEEP)
    order = get_or_404(PurchaseOrder.objects.all(), user, KEEP, pk=order_id)
    ids = [line.line_id for line in payload.lines]
    if len(set(ids)) != len(ids):
        raise _field_error("lines", _("List each order line once."), "duplicate_line")
    actions.do_record_delivery(order, delivered_on=payload.delivered_on, quality=payload.quality,
                               received={line.line_id: line.quantity for line in payload.lines},
                               expires_on={line.line_id: line.expires_on for line in payload.lines},
                               note=payload.note, acting_user=user)
    return Status(201, _order_out(_orders(PurchaseOrder.objects.all()).get(pk=order.pk)))


@router.post("/orders/{order_id}/close", response={200: OrderOut, **ERRORS},
             summary="Close a partly delivered order short: the rest is no longer expected")
@route(KEEP, MANAGE, model=PurchaseOrder, kwarg="order_id")
def close_order_short(request: HttpRequest, order_id: Id, payload: PurchaseReasonIn) -> dict[str, Any]:
    user = api_user(request)
    if not (supplies_queries.keeps_any(user) or may(user, MANAGE)):
        raise PermissionDenied(KEEP)
    order = (PurchaseOrder.objects.restrict(user, KEEP) | PurchaseOrder.objects.restrict(user, MANAGE)) \
        .filter(pk=order_id).first()
    if order is None:
        raise Http404
    actions.do_close_order_short(order, reason=payload.reason, acting_user=user)
    return _order_out(_orders(PurchaseOrder.objects.all()).get(pk=order.pk))


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
