"""Suppliers, their qualifications and grades, purchase orders and their deliveries, donations.

Every change checks its own permission, runs in one transaction and is audited. A delivery or
a donation enters stock only through the supplies' receipt action (``do_receive``), never by
writing a lot. Qualification checks and deliveries' quality results are appended to the shared
ledger in the same transaction as the rows that record them: both land, or neither.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit
from linli.core.access import PermissionDenied, allows, require
from linli.core.validators import validate_uscc
from linli.places.models import Level, Place
from linli.suppliers.access import MANAGE
from linli.suppliers.models import (
    RECEIVING,
    CheckResult,
    Delivery,
    DeliveryLine,
    Donation,
    DonorKind,
    Grade,
    OrderLine,
    OrderStatus,
    PurchaseOrder,
    Qualification,
    QualificationCheck,
    QualificationKind,
    QualificationStatus,
    Quality,
    Supplier,
)
from linli.supplies import actions as supplies
from linli.supplies.access import KEEP
from linli.supplies.actions import _error, clean_quantity, clean_text
from linli.supplies.models import Category, Item, StoragePoint

MAX_DOCUMENT = 5 * 1024 * 1024
DOCUMENT_TYPES = ((b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"),
                  (b"\x89PNG\r\n\x1a\n", "image/png"))
MAX_PRICE = Decimal("10000000")
MAX_LINES = 50


def clean_credit_code(value: Any) -> str:
    """An 18-character unified social credit code with a correct check character (GB
    32100-2015); full-width characters, spaces and lower case are read as their plain form."""
    try:
        return validate_uscc(value).code
    except ValidationError as exc:
        raise ValidationError({"credit_code": [exc]}) from None


def _street_of(place: Place) -> Place:
    if place.level == Level.STREET:
        return place
    street = next((p for p in place.ancestors() if p.level == Level.STREET), None)
    if street is None:
        raise _error("street", _("Suppliers are kept by a street."), "supplier_level")
    return street


# --- suppliers ------------------------------------------------------------------------------------

def do_create_supplier(street: Place, *, name: str, credit_code: str, categories: Iterable[str] = (),
                       capacity: str = "", contact_name: str = "", contact_phone: str = "", address: str = "",
                       acting_user: Any) -> Supplier:
    require(acting_user, MANAGE, street)
    if street.level != Level.STREET:
        raise _error("street", _("Suppliers are kept by a street."), "supplier_level")
    code = clean_credit_code(credit_code)
    chosen = sorted(set(categories))
    if any(c not in Category.values for c in chosen):
        raise _error("categories", _("Choose categories from the catalogue."), "category")
    fields = {"name": clean_text(name, "name", 100, required=True), "capacity": clean_text(capacity, "capacity", 100),
              "contact_name": clean_text(contact_name, "contact_name", 40),
              "contact_phone": clean_text(contact_phone, "contact_phone", 32),
              "address": clean_text(address, "address", 200)}
    with transaction.atomic():
        if Supplier.objects.filter(credit_code=code).exists():
            raise _error("credit_code", _("A supplier with this credit code exists."), "duplicate")
        supplier = Supplier.objects.create(street=street, path=street.path, credit_code=code, categories=chosen,
                                           **fields)
        audit.record("suppliers.create", actor=acting_user, obj=supplier,
                     detail={"credit_code": code, "categories": chosen})
    return supplier


def do_set_grade(supplier: Supplier, grade: str, *, reason: str, acting_user: Any) -> Supplier:
    """Set the grade by hand (with the reason), or give it back to the delivery record (``""``)."""
    require(acting_user, MANAGE, supplier)
    if grade and grade not in Grade.values:
        raise _error("grade", _("Choose A, B or C."), "grade")
    reason = clean_text(reason, "reason", 200, required=bool(grade))
    with transaction.atomic():
        before = supplier.grade_override
        supplier.grade_override, supplier.override_reason = grade, reason if grade else ""
        supplier.save(update_fields=["grade_override", "override_reason", "updated_at"])
        audit.record("suppliers.grade_override", actor=acting_user, obj=supplier,
                     detail={"before": before, "grade": grade, "reason": reason})
    return supplier


# --- qualifications -------------------------------------------------------------------------------

def _document(data: bytes | None, name: str) -> dict[str, Any]:
    if not data:
        return {}
    if len(data) > MAX_DOCUMENT:
        raise _error("document", _("The document is larger than %(mb)d MB."), "too_large", mb=MAX_DOCUMENT // 2**20)
    kind = next((mime for magic, mime in DOCUMENT_TYPES if data.startswith(magic)), None)
    if kind is None:
        raise _error("document", _("Upload the document as a PDF, JPEG or PNG file."), "document_type")
    return {"document": base64.b64encode(data).decode(), "document_type": kind,
            "document_name": clean_text(name, "document", 100) or "document",
            "document_sha256": hashlib.sha256(data).hexdigest()}


def do_add_qualification(supplier: Supplier, *, kind: str, number: str, issuer: str,
                         valid_from: datetime.date | None = None, valid_until: datetime.date | None = None,
                         document: bytes | None = None, document_name: str = "", acting_user: Any) -> Qualification:
    """Record a qualification as the supplier presents it; it counts once someone checks it."""
    require(acting_user, MANAGE, supplier)
    if kind not in QualificationKind.values:
        raise _error("kind", _("Choose the kind of qualification."), "kind")
    number = clean_text(number, "number", 64, required=True)
    if kind == QualificationKind.BUSINESS_LICENCE:
        # a business licence's number is the company's unified social credit code
        try:
            number = validate_uscc(number).code
        except ValidationError as exc:
            raise ValidationError({"number": [exc]}) from None
        if number != supplier.credit_code:
            raise _error("number", _("A business licence's number is the supplier's credit code %(credit_code)s."),
                         "licence_code", credit_code=supplier.credit_code)
    issuer = clean_text(issuer, "issuer", 100, required=True)
    if valid_from and valid_until and valid_until < valid_from:
        raise _error("valid_until", _("The end of validity is before its start."), "dates")
    with transaction.atomic():
        qualification = Qualification.objects.create(
            supplier=supplier, path=supplier.path, kind=kind, number=number, issuer=issuer, valid_from=valid_from,
            valid_until=valid_until, **_document(document, document_name))
        audit.record("suppliers.qualification_add", actor=acting_user, obj=qualification,
                     detail={"kind": kind, "number": number, "valid_until": str(valid_until or ""),
                             "document_sha256": qualification.document_sha256})
    return qualification


def _ledger(supplier: Supplier, entry_type: str, payload: dict[str, Any]) -> Any:
    from linli.ledger.log import append
    from linli.ledger.parties import office_party

    return append(entry_type, party=office_party(supplier.street), subject_ref=supplier.ledger_ref,
                  payload=payload, path=supplier.path)


def do_check_qualification(qualification: Qualification, *, result: str, note: str = "", acting_user: Any,
                           today: datetime.date | None = None) -> QualificationCheck:
    """Someone compared the qualification with its document and the issuer's register: the
    check is kept and appended to the shared ledger with the document's hash."""
    require(acting_user, MANAGE, qualification)
    today = today or timezone.localdate()
    if result not in CheckResult.values:
        raise _error("result", _("Choose valid or not valid."), "result")
    note = clean_text(note, "note", 200, required=result == CheckResult.INVALID)
    if result == CheckResult.VALID and qualification.valid_until and qualification.valid_until < today:
        raise _error("result", _("This qualification expired on %(date)s; it cannot be checked as valid."),
                     "expired", date=qualification.valid_until.isoformat())
    supplier = qualification.supplier
    with transaction.atomic():
        submission = _ledger(supplier, "supplier_qualification", {
            "qualification": qualification.pk, "kind": qualification.kind, "number": qualification.number,
            "issuer": qualification.issuer, "valid_from": str(qualification.valid_from or ""),
            "valid_until": str(qualification.valid_until or ""), "document_sha256": qualification.document_sha256,
            "result": result, "note": note, "checked_on": today.isoformat()})
        check = QualificationCheck.objects.create(qualification=qualification, path=qualification.path,
                                                  result=result, note=note, by=acting_user,
                                                  ledger_submission=submission)
        qualification.status = (QualificationStatus.VERIFIED if result == CheckResult.VALID
                                else QualificationStatus.REJECTED)
        qualification.save(update_fields=["status", "updated_at"])
        audit.record("suppliers.qualification_check", actor=acting_user, obj=qualification,
                     detail={"result": result, "ledger": str(submission)})
    return check


def has_valid_licence(supplier: Supplier, today: datetime.date) -> bool:
    return supplier.qualifications.filter(kind=QualificationKind.BUSINESS_LICENCE,
                                          status=QualificationStatus.VERIFIED).exclude(valid_until__lt=today).exists()


# --- purchase orders ------------------------------------------------------------------------------

def _price(value: Any, field_name: str) -> Decimal:
    try:
        price = Decimal(str(value).strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise _error(field_name, _("Enter a price, such as 2.35."), "not_a_price") from None
    if not Decimal(0) <= price <= MAX_PRICE:
        raise _error(field_name, _("Enter a price from 0 to %(high)s."), "out_of_range", high=str(MAX_PRICE))
    return price


def do_place_order(supplier: Supplier, point: StoragePoint, *, expected_on: datetime.date,
                   lines: Iterable[tuple[Item, Any, Any]], note: str = "", acting_user: Any,
                   today: datetime.date | None = None) -> PurchaseOrder:
    """The street orders from a supplier whose business licence is checked and valid, for a
    point of the street: (item, quantity, unit price) per line."""
    require(acting_user, MANAGE, supplier)
    today = today or timezone.localdate()
    if not supplier.is_active:
        raise _error("supplier", _("This supplier is no longer in use."), "supplier_inactive")
    if not has_valid_licence(supplier, today):
        raise _error("supplier", _("This supplier has no checked, valid business licence: check it first."),
                     "no_licence")
    if not point.path.startswith(supplier.path) or not point.is_active:
        raise _error("point", _("Choose an open storage point of the supplier's street."), "point")
    if expected_on < today:
        raise _error("expected_on", _("The expected delivery date has passed."), "past")
    rows = [(item, clean_quantity(quantity, f"quantity-{n}"), _price(price, f"price-{n}"))
            for n, (item, quantity, price) in enumerate(lines)]
    if not rows:
        raise _error("lines", _("Order at least one material."), "no_lines")
    if len(rows) > MAX_LINES:
        raise _error("lines", _("At most %(n)d lines in one order."), "too_many", n=MAX_LINES)
    with transaction.atomic():
        order = PurchaseOrder.objects.create(supplier=supplier, point=point, path=point.path,
                                             supplier_path=supplier.path, ordered_on=today, expected_on=expected_on,
                                             note=clean_text(note, "note", 200), created_by=acting_user)
        OrderLine.objects.bulk_create([OrderLine(order=order, path=point.path, item=item, quantity=quantity,
                                                 unit_price=price) for item, quantity, price in rows])
        audit.record("suppliers.order_place", actor=acting_user, obj=order,
                     detail={"supplier": supplier.credit_code, "expected_on": expected_on.isoformat(),
                             "lines": [[i.code, q, str(p)] for i, q, p in rows]})
    return order


def do_cancel_order(order: PurchaseOrder, *, reason: str, acting_user: Any) -> PurchaseOrder:
    require(acting_user, MANAGE, order)
    reason = clean_text(reason, "reason", 200, required=True)
    with transaction.atomic():
        order = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
        if order.status != OrderStatus.OPEN:
            raise _error("status", _("Only an open order can be cancelled."), "not_open")
        order.status, order.note = OrderStatus.CANCELLED, reason
        order.save(update_fields=["status", "note", "updated_at"])
        audit.record("suppliers.order_cancel", actor=acting_user, obj=order, detail={"reason": reason})
    return order


def do_record_delivery(order: PurchaseOrder, *, delivered_on: datetime.date, quality: str,
                       received: Mapping[int, Any], expires_on: Mapping[int, datetime.date | None] | None = None,
                       note: str = "", acting_user: Any, today: datetime.date | None = None) -> Delivery:
    """The point's keeper records one delivery for the order (line id → quantity that arrived),
    when, and the quality inspection's result. An order may arrive in several deliveries: each
    line takes at most what is still outstanding. What passed (or passed with minor defects)
    enters stock as receipts and adds to the lines' received totals; a failed delivery is
    refused, enters nothing and leaves the lines outstanding. The order is delivered once every
    line is full, partly delivered before. Each delivery goes to the shared ledger with its own
    quantities and result (the grade judges each delivery on its own)."""
    require(acting_user, KEEP, order)
    today = today or timezone.localdate()
    if quality not in Quality.values:
        raise _error("quality", _("Choose the quality inspection's result."), "quality")
    if delivered_on > today:
        raise _error("delivered_on", _("The delivery date is in the future."), "future")
    note = clean_text(note, "note", 200, required=quality != Quality.PASSED)
    expires_on = expires_on or {}
    with transaction.atomic():
        # the order's row lock serialises two keepers recording deliveries of the same order
        order = PurchaseOrder.objects.select_for_update().select_related("supplier__street", "point").get(pk=order.pk)
        if order.status not in RECEIVING:
            raise _error("status", _("This order is not waiting for a delivery."), "not_open")
        lines = list(order.lines.select_related("item").order_by("pk"))
        unknown = set(received) - {line.pk for line in lines}
        if unknown:
            raise _error("lines", _("This line is not on the order."), "unknown_line")
        arrived = {line.pk: clean_quantity(received.get(line.pk, 0) or 0, f"line-{line.pk}", allow_zero=True)
                   for line in lines}
        for line in lines:
            outstanding = line.quantity - (line.received or 0)
            if arrived[line.pk] > outstanding:
                raise _error(f"line-{line.pk}", _("At most %(n)d are still outstanding on this line (%(ordered)d "
                                                  "ordered, %(received)d received)."), "over_order",
                             n=outstanding, ordered=line.quantity, received=line.received or 0)
        if not any(arrived.values()):
            raise _error("lines", _("Enter what arrived on at least one line."), "nothing_arrived")
        accepted = quality != Quality.FAILED
        movements: dict[int, Any] = {}
        for line in lines:
            if arrived[line.pk] and accepted:
                movements[line.pk] = supplies.do_receive(
                    order.point, line.item, arrived[line.pk], acting_user=acting_user,
                    expires_on=expires_on.get(line.pk), source=f"{order.supplier.name} PO-{order.pk}"[:100],
                    note=note, today=today)
                line.received = (line.received or 0) + arrived[line.pk]
        OrderLine.objects.bulk_update(lines, ["received"])
        on_time = delivered_on <= order.expected_on
        number = order.deliveries.count() + 1
        submission = _ledger(order.supplier, "supplier_delivery", {
            "order": order.pk, "delivery": number, "expected_on": order.expected_on.isoformat(),
            "delivered_on": delivered_on.isoformat(), "on_time": on_time, "quality": quality, "note": note,
            "lines": [{"item": line.item.code, "ordered": line.quantity, "received": arrived[line.pk],
                       "received_so_far": line.received or 0} for line in lines if arrived[line.pk]]})
        delivery = Delivery.objects.create(order=order, path=order.path, delivered_on=delivered_on, on_time=on_time,
                                           quality=quality, note=note, by=acting_user,
                                           movements=[m.pk for m in movements.values()], ledger_submission=submission)
        DeliveryLine.objects.bulk_create([
            DeliveryLine(delivery=delivery, line=line, path=order.path, quantity=arrived[line.pk],
                         movement=movements.get(line.pk)) for line in lines if arrived[line.pk]])
        before = order.status
        if all((line.received or 0) >= line.quantity for line in lines):
            order.status = OrderStatus.DELIVERED
        elif any(line.received for line in lines):
            order.status = OrderStatus.PARTLY
        if order.status != before:
            order.save(update_fields=["status", "updated_at"])
        audit.record("suppliers.delivery", actor=acting_user, obj=order,
                     detail={"delivery": delivery.pk, "on_time": on_time, "quality": quality,
                             "lines": {str(pk): n for pk, n in arrived.items() if n},
                             "movements": delivery.movements, "status": order.status, "ledger": str(submission)})
    return delivery


def do_close_order_short(order: PurchaseOrder, *, reason: str, acting_user: Any) -> PurchaseOrder:
    """Give up the rest of a partly delivered order (the supplier cannot deliver it, it is no
    longer needed): the order is closed short with the reason; what arrived stays received.
    The point's keeper or the street that placed the order may do it."""
    if not (allows(acting_user, KEEP, order) or allows(acting_user, MANAGE, order)):
        raise PermissionDenied(KEEP)
    reason = clean_text(reason, "reason", 200, required=True)
    with transaction.atomic():
        order = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
        if order.status == OrderStatus.OPEN:
            raise _error("status", _("Nothing of this order has arrived yet: cancel it instead."), "nothing_received")
        if order.status != OrderStatus.PARTLY:
            raise _error("status", _("Only a partly delivered order can be closed short."), "not_partly")
        missing = {line.item.code: line.quantity - (line.received or 0)
                   for line in order.lines.select_related("item").order_by("pk") if (line.received or 0) < line.quantity}
        order.status, order.short_reason = OrderStatus.SHORT, reason
        order.save(update_fields=["status", "short_reason", "updated_at"])
        audit.record("suppliers.order_close_short", actor=acting_user, obj=order,
                     detail={"reason": reason, "missing": missing})
    return order


# --- donations ------------------------------------------------------------------------------------

def do_record_donation(point: StoragePoint, item: Item, quantity: Any, *, donor_kind: str, donor_name: str,
                       public: bool = False, expires_on: datetime.date | None = None, acting_user: Any,
                       today: datetime.date | None = None) -> Donation:
    """A donation received at a point: a receipt in the stock ledger with the donor beside it.
    The donor is listed in public only if she agreed (``public``)."""
    require(acting_user, KEEP, point)
    if donor_kind not in DonorKind.values:
        raise _error("donor_kind", _("Say whether the donor is a company or a resident."), "donor_kind")
    donor_name = clean_text(donor_name, "donor_name", 100, required=True)
    today = today or timezone.localdate()
    with transaction.atomic():
        movement = supplies.do_receive(point, item, quantity, acting_user=acting_user, expires_on=expires_on,
                                       source=f"捐赠 {donor_name}"[:100], note="donation", today=today)
        donation = Donation.objects.create(point=point, path=point.path, item=item, quantity=movement.quantity,
                                           donor_kind=donor_kind, donor_name=donor_name, public=bool(public),
                                           received_on=today, movement=movement, by=acting_user)
        audit.record("suppliers.donation", actor=acting_user, obj=donation,
                     detail={"item": item.code, "quantity": movement.quantity, "donor_kind": donor_kind,
                             "public": bool(public), "movement": movement.pk})
    return donation
