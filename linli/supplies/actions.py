"""Moving emergency materials: receipts, issues, transfers, losses and stock-taking.

Every change checks its own permission, runs in one transaction and is audited. A lot's
balance moves only here, by a conditional update (``quantity >= n``) in the same transaction
as the movement it records, so two keepers issuing the last boxes at once cannot both succeed
and stock never goes below zero, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit, bulk
from linli.core.access import PermissionDenied, require
from linli.core.text import has_control_characters, strip_invisible
from linli.places.models import Level, Place
from linli.supplies.access import APPROVE, COUNT, KEEP, MANAGE
from linli.supplies.models import (
    CountLine,
    CountSheet,
    Item,
    Lot,
    Movement,
    MovementKind,
    PointKind,
    ReserveType,
    SheetStatus,
    Shipment,
    ShipmentStatus,
    StoragePoint,
    Target,
)

MAX_QUANTITY = 10_000_000
OUT_KINDS = (MovementKind.ISSUE, MovementKind.LOSS)


def _error(field_name: str, message: Any, code: str, **params: Any) -> ValidationError:
    return ValidationError({field_name: [ValidationError(message, code=code, params=params or None)]})


def clean_text(value: str | None, field_name: str, limit: int, *, required: bool = False) -> str:
    text = " ".join(strip_invisible(value or "").split())
    if has_control_characters(text):
        raise _error(field_name, _("This text contains control characters; please retype it."), "control_chars")
    if required and not text:
        raise _error(field_name, _("This field is required."), "required")
    if len(text) > limit:
        raise _error(field_name, _("At most %(limit)d characters (this has %(length)d)."), "too_long",
                     limit=limit, length=len(text))
    return text


def clean_quantity(value: Any, field_name: str = "quantity", *, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except (TypeError, ValueError):
            raise _error(field_name, _("Enter a whole number."), "not_a_number") from None
    low = 0 if allow_zero else 1
    if not low <= value <= MAX_QUANTITY:
        raise _error(field_name, _("Enter a number from %(low)d to %(high)d."), "out_of_range",
                     low=low, high=MAX_QUANTITY)
    return value


# --- points -------------------------------------------------------------------------------------

def do_create_point(place: Place, *, name: str, kind: str, reserve_type: str, owner: str,
                    keepers: Iterable[Any] = (), acting_user: Any) -> StoragePoint:
    """A storage point serving a community or the street (the street's warehouse, a company's
    agreement reserve, a partner pharmacy)."""
    require(acting_user, MANAGE, place)
    if place.level not in (Level.STREET, Level.COMMUNITY):
        raise _error("place", _("A storage point serves a community or a street."), "point_level")
    if kind not in PointKind.values:
        raise _error("kind", _("Choose the kind of storage point."), "kind")
    if reserve_type not in ReserveType.values:
        raise _error("reserve_type", _("Choose the reserve type."), "reserve_type")
    name = clean_text(name, "name", 60, required=True)
    owner = clean_text(owner, "owner", 60, required=True)
    with transaction.atomic():
        if StoragePoint.objects.filter(place=place, name=name).exists():
            raise _error("name", _("This place already has a point of that name."), "duplicate")
        point = StoragePoint.objects.create(place=place, path=place.path, name=name, kind=kind,
                                            reserve_type=reserve_type, owner=owner)
        point.keepers.set(list(keepers))
        audit.record("supplies.point_create", actor=acting_user, obj=point,
                     detail={"name": name, "kind": kind, "reserve_type": reserve_type})
    return point


# --- the ledger ---------------------------------------------------------------------------------

def _move(lot: Lot, delta: int, kind: str, *, acting_user: Any, note: str = "",
          counterpart: StoragePoint | None = None, sheet: CountSheet | None = None,
          expected: int | None = None) -> Movement:
    """Move one lot's balance by ``delta`` and append the movement, or refuse without a trace.
    ``expected``: the balance the caller saw (stock-taking), refused if it moved since."""
    rows = Lot.objects.filter(pk=lot.pk)
    if delta < 0:
        rows = rows.filter(quantity__gte=-delta)
    if expected is not None:
        rows = rows.filter(quantity=expected)
    if not rows.update(quantity=F("quantity") + delta, updated_at=timezone.now()):
        if expected is not None:
            raise _error("counted", _("The stock of this point moved since it was counted; count it again."),
                         "moved_since_count")
        raise _error("quantity", _("Not enough in stock: stock cannot go below zero."), "not_enough")
    lot.refresh_from_db(fields=["quantity"])
    return Movement.objects.create(point=lot.point, path=lot.path, item=lot.item, lot=lot, kind=kind,
                                   quantity=delta, balance_after=lot.quantity, note=note, counterpart=counterpart,
                                   sheet=sheet, by=acting_user if getattr(acting_user, "is_authenticated", False)
                                   else None)


def _audit(action: str, movements: list[Movement], acting_user: Any, **detail: Any) -> None:
    audit.record_many([_audit_entry(action, movements, acting_user, **detail)])


def _audit_entry(action: str, movements: list[Movement], acting_user: Any, **detail: Any) -> audit.Entry:
    first = movements[0]
    return audit.Entry(action, actor=acting_user, obj=first.point,
                       detail={"item": first.item.code, "quantity": sum(m.quantity for m in movements),
                               "movements": [m.pk for m in movements], **detail})


def _not_enough(item: Item, point: StoragePoint, have: int, want: int) -> ValidationError:
    return _error("quantity", _("Not enough in stock: %(item)s at %(point)s has %(have)d, %(want)d asked."),
                  "not_enough", item=item.name, point=point.name, have=have, want=want)


def do_receive(point: StoragePoint, item: Item, quantity: Any, *, acting_user: Any, expires_on: datetime.date | None = None,
               source: str = "", note: str = "", kind: str = MovementKind.RECEIPT,
               counterpart: StoragePoint | None = None, today: datetime.date | None = None) -> Movement:
    """A new lot arrives at the point (a purchase, a donation, a transfer in)."""
    require(acting_user, KEEP, point)
    quantity = clean_quantity(quantity)
    source = clean_text(source, "source", 100)
    note = clean_text(note, "note", 200)
    today = today or timezone.localdate()
    if not item.is_active:
        raise _error("item", _("This material is no longer in the catalogue."), "item_inactive")
    if not point.is_active:
        raise _error("point", _("This storage point is closed."), "point_closed")
    if expires_on is not None and expires_on < today:
        raise _error("expires_on", _("This lot has already expired; it cannot be taken into stock."), "expired")
    with transaction.atomic():
        lot = Lot.objects.create(point=point, path=point.path, item=item, quantity=0, expires_on=expires_on,
                                 source=source, received_on=today)
        movement = _move(lot, quantity, kind, acting_user=acting_user, note=note, counterpart=counterpart)
        _audit("supplies.receive", [movement], acting_user, lot=lot.pk)
    return movement


def _take(point: StoragePoint, item: Item, quantity: int, kind: str, *, acting_user: Any, note: str,
          counterpart: StoragePoint | None = None) -> list[Movement]:
    """Take ``quantity`` out of the point's lots of ``item``, first expiring first (FEFO)."""
    lots = list(Lot.objects.select_for_update().filter(point=point, item=item, quantity__gt=0)
                .order_by(F("expires_on").asc(nulls_last=True), "pk"))
    if sum(lot.quantity for lot in lots) < quantity:
        raise _not_enough(item, point, sum(lot.quantity for lot in lots), quantity)
    movements, left = [], quantity
    for lot in lots:
        if not left:
            break
        n = min(left, lot.quantity)
        movements.append(_move(lot, -n, kind, acting_user=acting_user, note=note, counterpart=counterpart))
        left -= n
    return movements


def do_issue(point: StoragePoint, item: Item, quantity: Any, *, acting_user: Any, note: str = "",
             kind: str = MovementKind.ISSUE) -> list[Movement]:
    """Hand stock out (to households, staff on duty) or write it off as lost or spoilt (``kind``
    loss); first expiring lots first."""
    require(acting_user, KEEP, point)
    if kind not in OUT_KINDS:
        raise _error("kind", _("Choose issue or loss."), "kind")
    quantity = clean_quantity(quantity)
    note = clean_text(note, "note", 200, required=kind == MovementKind.LOSS)
    with transaction.atomic():
        movements = _take(point, item, quantity, kind, acting_user=acting_user, note=note)
        _audit("supplies.loss" if kind == MovementKind.LOSS else "supplies.issue", movements, acting_user)
    return movements


def do_issue_many(point: StoragePoint, item: Item, issues: Sequence[tuple[Any, str]], *,
                  acting_user: Any) -> list[list[Movement] | ValidationError]:
    """Several hand-outs of ``item`` from one point at once (quantity, note), in order: a pickup
    slot's households. Each is what :func:`do_issue` would make of it, its own movements (first
    expiring first) and its own audit event; one the stock left cannot cover gets the error
    meant for it and takes nothing. The lots are locked, read and updated once for the lot and
    the movements written in one insert, in one transaction."""
    require(acting_user, KEEP, point)
    wanted = [(clean_quantity(quantity), clean_text(note, "note", 200)) for quantity, note in issues]
    by = acting_user if getattr(acting_user, "is_authenticated", False) else None
    with transaction.atomic():
        lots = list(Lot.objects.select_for_update().filter(point=point, item=item, quantity__gt=0)
                    .order_by(F("expires_on").asc(nulls_last=True), "pk"))
        left = {lot.pk: lot.quantity for lot in lots}
        answers: list[list[Movement] | ValidationError] = []
        for quantity, note in wanted:
            have = sum(left.values())
            if have < quantity:
                answers.append(_not_enough(item, point, have, quantity))
                continue
            movements, owed = [], quantity
            for lot in lots:
                n = min(owed, left[lot.pk])
                if n:
                    left[lot.pk] -= n
                    owed -= n
                    movements.append(Movement(point=point, path=lot.path, item=item, lot=lot, kind=MovementKind.ISSUE,
                                              quantity=-n, balance_after=left[lot.pk], note=note, by=by))
                if not owed:
                    break
            answers.append(movements)
        now = timezone.now()
        for lot in lots:
            if left[lot.pk] != lot.quantity:
                # the balance read under the lock, or nothing (SQLite has no row locks: a keeper who
                # wrote in between refuses the lot, as ``_move`` does a single issue)
                if not Lot.objects.filter(pk=lot.pk, quantity=lot.quantity).update(quantity=left[lot.pk], updated_at=now):
                    raise _error("quantity", _("Not enough in stock: stock cannot go below zero."), "not_enough")
                lot.quantity = left[lot.pk]
        made = [movements for movements in answers if isinstance(movements, list)]
        bulk.insert(Movement, [m for movements in made for m in movements])
        audit.record_many([_audit_entry("supplies.issue", movements, acting_user) for movements in made])
    return answers


def do_transfer(source: StoragePoint, destination: StoragePoint, item: Item, quantity: Any, *,
                acting_user: Any, note: str = "") -> tuple[list[Movement], list[Movement]]:
    """Move stock between two points one keeps both of, at once: each lot taken out arrives as a
    lot of the same expiry and source, so what left equals what arrived."""
    require(acting_user, KEEP, source)
    require(acting_user, KEEP, destination)
    if source.pk == destination.pk:
        raise _error("destination", _("Choose another point to transfer to."), "same_point")
    quantity = clean_quantity(quantity)
    note = clean_text(note, "note", 200)
    with transaction.atomic():
        out = _take(source, item, quantity, MovementKind.TRANSFER_OUT, acting_user=acting_user, note=note,
                    counterpart=destination)
        arrived = []
        for movement in out:
            lot = Lot.objects.create(point=destination, path=destination.path, item=item, quantity=0,
                                     expires_on=movement.lot.expires_on, source=movement.lot.source,
                                     received_on=timezone.localdate())
            arrived.append(_move(lot, -movement.quantity, MovementKind.TRANSFER_IN, acting_user=acting_user,
                                 note=note, counterpart=source))
        _audit("supplies.transfer", out, acting_user, to=destination.pk, arrived=[m.pk for m in arrived])
    return out, arrived


# --- stock-taking (盘点) -----------------------------------------------------------------------------

def do_start_count(point: StoragePoint, *, acting_user: Any) -> CountSheet:
    """A count sheet listing every lot of the point in stock, with its book quantity."""
    require(acting_user, COUNT, point)
    with transaction.atomic():
        if CountSheet.objects.filter(point=point, status__in=[SheetStatus.OPEN, SheetStatus.SUBMITTED]).exists():
            raise _error("point", _("This point already has a stock-taking under way; finish it first."),
                         "count_open")
        sheet = CountSheet.objects.create(point=point, path=point.path, created_by=acting_user)
        CountLine.objects.bulk_create([
            CountLine(sheet=sheet, lot=lot, path=point.path, expected=lot.quantity)
            for lot in Lot.objects.filter(point=point, quantity__gt=0).order_by("item", "expires_on", "pk")])
        audit.record("supplies.count_start", actor=acting_user, obj=sheet)
    return sheet


def do_record_counts(sheet: CountSheet, counts: Mapping[int, Any], *, acting_user: Any, submit: bool = False) -> CountSheet:
    """Write what was counted (line id → number); ``submit`` hands the sheet to a second person."""
    require(acting_user, COUNT, sheet)
    with transaction.atomic():
        sheet = CountSheet.objects.select_for_update().get(pk=sheet.pk)
        if sheet.status != SheetStatus.OPEN:
            raise _error("status", _("This stock-taking is no longer open."), "not_open")
        lines = {line.pk: line for line in sheet.lines.all()}
        for line_id, value in counts.items():
            if line_id not in lines:
                raise _error("lines", _("This line is not on the sheet."), "unknown_line")
            if value in (None, ""):
                continue
            lines[line_id].counted = clean_quantity(value, f"line-{line_id}", allow_zero=True)
        CountLine.objects.bulk_update(list(lines.values()), ["counted"])
        if submit:
            if any(line.counted is None for line in lines.values()):
                raise _error("lines", _("Count every line before submitting."), "uncounted")
            sheet.status, sheet.submitted_by, sheet.submitted_at = SheetStatus.SUBMITTED, acting_user, timezone.now()
            sheet.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
        audit.record("supplies.count_submit" if submit else "supplies.count_record", actor=acting_user, obj=sheet,
                     detail={"lines": len(counts)})
    return sheet


def do_decide_count(sheet: CountSheet, *, approve: bool, acting_user: Any, note: str = "") -> CountSheet:
    """A second person approves the variances (each becomes a correction in the ledger) or sends
    the sheet back. Whoever started or submitted the count cannot decide it (four eyes)."""
    require(acting_user, APPROVE, sheet)
    note = clean_text(note, "note", 200, required=not approve)
    with transaction.atomic():
        sheet = CountSheet.objects.select_for_update().get(pk=sheet.pk)
        if sheet.status != SheetStatus.SUBMITTED:
            raise _error("status", _("This stock-taking is not waiting for approval."), "not_submitted")
        if acting_user.pk in (sheet.created_by_id, sheet.submitted_by_id):
            raise PermissionDenied(APPROVE)  # four eyes: never one's own count
        corrections = []
        if approve:
            for line in sheet.lines.select_related("lot__point", "lot__item").order_by("pk"):
                if line.variance:
                    corrections.append(_move(line.lot, line.variance, MovementKind.CORRECTION, acting_user=acting_user,
                                             note=note, sheet=sheet, expected=line.expected))
        sheet.status = SheetStatus.APPROVED if approve else SheetStatus.REJECTED
        sheet.decided_by, sheet.decided_at, sheet.note = acting_user, timezone.now(), note
        sheet.save(update_fields=["status", "decided_by", "decided_at", "note", "updated_at"])
        audit.record("supplies.count_approve" if approve else "supplies.count_reject", actor=acting_user, obj=sheet,
                     detail={"corrections": [m.pk for m in corrections]})
    return sheet


# --- reserve targets ------------------------------------------------------------------------------

MAX_RATE = 1000


def do_set_target(community: Place, item: Item, *, per_resident: Any = 0, per_elder_household: Any = 0,
                  fixed: Any = 0, acting_user: Any) -> Target:
    """The street sets how much of an item a community keeps in reserve."""
    from decimal import Decimal, InvalidOperation

    require(acting_user, MANAGE, community)
    if community.level != Level.COMMUNITY:
        raise _error("community", _("Reserve targets are set per community."), "target_level")
    rates = {}
    for name, value in (("per_resident", per_resident), ("per_elder_household", per_elder_household)):
        try:
            number = Decimal(str(value).strip() or "0").quantize(Decimal("0.001"))
        except (InvalidOperation, ValueError):
            raise _error(name, _("Enter a number, such as 2 or 0.5."), "not_a_number") from None
        if not Decimal(0) <= number <= MAX_RATE:
            raise _error(name, _("Enter a number from %(low)d to %(high)d."), "out_of_range", low=0, high=MAX_RATE)
        rates[name] = number
    fixed = clean_quantity(fixed, "fixed", allow_zero=True)
    with transaction.atomic():
        target, _created = Target.objects.update_or_create(
            community=community, item=item,
            defaults={"path": community.path, "fixed": fixed, "updated_by": acting_user, **rates})
        audit.record("supplies.target_set", actor=acting_user, obj=target,
                     detail={"item": item.code, "fixed": fixed, **{k: str(v) for k, v in rates.items()}})
    return target


# --- shipments between points (the dispatch plan, approved) -----------------------------------------

def _community_room(site_path: str) -> StoragePoint | None:
    """Where a community (or the street) receives: its store room, else its first point."""
    points = StoragePoint.objects.filter(path=site_path, is_active=True)
    return (points.filter(kind__in=[PointKind.COMMUNITY_ROOM, PointKind.STREET_WAREHOUSE]).order_by("pk").first()
            or points.order_by("pk").first())


def do_approve_plan(street: Place, lines: Iterable[tuple[str, str, Item, Any, str]], *,
                    acting_user: Any) -> list[Shipment]:
    """The street approves a dispatch plan as edited: (source site, destination site, item,
    quantity, explanation) per line; a line at 0 is dropped. Each line becomes a planned shipment
    from the source's points with that item (most stocked first) to the destination's room."""
    from django.db.models import Sum

    require(acting_user, MANAGE, street)
    shipments: list[Shipment] = []
    with transaction.atomic():
        for source_site, destination_site, item, quantity, explanation in lines:
            quantity = clean_quantity(quantity, "quantity", allow_zero=True)
            if not quantity:
                continue
            if not (source_site.startswith(street.path) and destination_site.startswith(street.path)):
                raise _error("lines", _("Both ends of a shipment lie in the street."), "outside_street")
            destination = _community_room(destination_site)
            if destination is None:
                raise _error("lines", _("%(place)s has no storage point to receive at."), "no_point",
                             place=destination_site)
            sources = (StoragePoint.objects.filter(path=source_site, is_active=True, lots__item=item,
                                                   lots__quantity__gt=0)
                       .annotate(n=Sum("lots__quantity")).order_by("-n", "pk"))
            left = quantity
            for source in sources:
                if not left or source.pk == destination.pk:
                    continue
                n = min(left, source.n)  # type: ignore[attr-defined]
                shipments.append(Shipment.objects.create(
                    source_point=source, destination_point=destination, source_path=source.path,
                    street_path=street.path, path=destination.path, item=item, planned=n,
                    explanation=clean_text(explanation, "explanation", 300), approved_by=acting_user))
                left -= n
            if left:
                raise _error("lines", _("Not enough in stock: %(item)s at %(point)s has %(have)d, %(want)d asked."),
                             "not_enough", item=item.name, point=source_site, have=quantity - left, want=quantity)
        audit.record("supplies.plan_approve", actor=acting_user, obj=street,
                     detail={"shipments": [s.pk for s in shipments]})
    return shipments


def do_send_shipment(shipment: Shipment, quantity: Any, *, acting_user: Any, note: str = "") -> Shipment:
    """The source's keeper sends (at most what was planned): its stock leaves as a transfer out."""
    require(acting_user, KEEP, shipment.source_point)
    quantity = clean_quantity(quantity)
    note = clean_text(note, "note", 200)
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
        if shipment.status != ShipmentStatus.PLANNED:
            raise _error("status", _("This shipment has already been sent."), "not_planned")
        if quantity > shipment.planned:
            raise _error("quantity", _("At most %(n)d were planned."), "over_plan", n=shipment.planned)
        out = _take(shipment.source_point, shipment.item, quantity, MovementKind.TRANSFER_OUT, acting_user=acting_user,
                    note=note, counterpart=shipment.destination_point)
        shipment.sent_lots = [{"expires_on": m.lot.expires_on.isoformat() if m.lot.expires_on else None,
                               "source": m.lot.source, "quantity": -m.quantity} for m in out]
        shipment.sent, shipment.status, shipment.note = quantity, ShipmentStatus.SENT, note
        shipment.save(update_fields=["sent_lots", "sent", "status", "note", "updated_at"])
        audit.record("supplies.ship_send", actor=acting_user, obj=shipment, detail={"sent": quantity})
    return shipment


def do_receive_shipment(shipment: Shipment, quantity: Any, *, acting_user: Any, note: str = "") -> Shipment:
    """The destination's keeper counts what arrived: it enters her stock as a transfer in, lot by
    lot as it left (first expiring first); what is missing is recorded as the discrepancy, so that
    sent = received + discrepancy."""
    require(acting_user, KEEP, shipment.destination_point)
    quantity = clean_quantity(quantity, allow_zero=True)
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
        if shipment.status != ShipmentStatus.SENT:
            raise _error("status", _("This shipment is not on its way."), "not_sent")
        sent = shipment.sent or 0
        if quantity > sent:
            raise _error("quantity", _("At most %(n)d were sent."), "over_sent", n=sent)
        note = clean_text(note, "note", 200, required=quantity < sent)
        left = quantity
        for part in sorted(shipment.sent_lots, key=lambda p: p["expires_on"] or "9999"):
            n = min(left, part["quantity"])
            if not n:
                break
            lot = Lot.objects.create(point=shipment.destination_point, path=shipment.destination_point.path,
                                     item=shipment.item, quantity=0, source=part["source"],
                                     expires_on=datetime.date.fromisoformat(part["expires_on"]) if part["expires_on"]
                                     else None, received_on=timezone.localdate())
            _move(lot, n, MovementKind.TRANSFER_IN, acting_user=acting_user, note=note,
                  counterpart=shipment.source_point)
            left -= n
        shipment.received, shipment.discrepancy = quantity, sent - quantity
        shipment.status = ShipmentStatus.RECEIVED
        shipment.note = " · ".join(filter(None, [shipment.note, note]))[:200]
        shipment.save(update_fields=["received", "discrepancy", "status", "note", "updated_at"])
        audit.record("supplies.ship_receive", actor=acting_user, obj=shipment,
                     detail={"received": quantity, "discrepancy": sent - quantity})
    return shipment


def do_close_shipment(shipment: Shipment, *, acting_user: Any) -> Shipment:
    """The street closes a received shipment (after looking into any discrepancy)."""
    require(acting_user, MANAGE, shipment)
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
        if shipment.status != ShipmentStatus.RECEIVED:
            raise _error("status", _("Only a received shipment can be closed."), "not_received")
        shipment.status = ShipmentStatus.CLOSED
        shipment.save(update_fields=["status", "updated_at"])
        audit.record("supplies.ship_close", actor=acting_user, obj=shipment)
    return shipment
