"""Shipments of an approved plan: planned → sent → received (with discrepancies) → closed, each
step moving the ledgers; sent = received + discrepancy."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from linli.core.access import PermissionDenied
from linli.supplies import actions
from linli.supplies.models import Lot, Movement, MovementKind, ShipmentStatus
from linli.supplies.tests.helpers import item, point_at, stock
from linli.tasks.tests.helpers import codes

pytestmark = pytest.mark.django_db


def on_hand(point):
    return Lot.objects.filter(point=point).aggregate(n=Sum("quantity"))["n"] or 0


def _setup(street):
    source = point_at(street, street.community, name="培花物资室")
    destination = point_at(street, street.other_community, name="牡丹物资室")
    stock(street, source, 300, days=100)
    stock(street, source, 300, days=30)
    return source, destination


def test_a_shipment_from_plan_to_closed(street):
    source, destination = _setup(street)
    destination.keepers.add(street.volunteer)
    [shipment] = actions.do_approve_plan(street.community.parent, [
        (street.community.path, street.other_community.path, item(), 400, "培花 → 牡丹：400 只KN95")],
        acting_user=street.street_officer)
    assert (shipment.status, shipment.planned, shipment.source_point, shipment.destination_point) == (
        ShipmentStatus.PLANNED, 400, source, destination)
    assert on_hand(source) == 600  # planning moves nothing
    with pytest.raises(ValidationError) as over:
        actions.do_send_shipment(shipment, 401, acting_user=street.secretary)
    assert codes(over.value) == {"over_plan"}
    shipment = actions.do_send_shipment(shipment, 400, acting_user=street.secretary)
    assert on_hand(source) == 200 and shipment.status == ShipmentStatus.SENT
    # the volunteer keeps the destination only: she cannot send, she receives
    with pytest.raises(ValidationError) as short_without_note:
        actions.do_receive_shipment(shipment, 390, acting_user=street.volunteer)
    assert codes(short_without_note.value) == {"required"}
    shipment = actions.do_receive_shipment(shipment, 390, note="一箱破损", acting_user=street.volunteer)
    assert (shipment.sent, shipment.received, shipment.discrepancy) == (400, 390, 10)
    assert shipment.sent == shipment.received + shipment.discrepancy
    assert on_hand(destination) == 390
    # lots arrive as they left: the 300 expiring in 30 days first
    arrived = sorted(Lot.objects.filter(point=destination).values_list("quantity", flat=True))
    assert arrived == [90, 300]
    outs = Movement.objects.filter(point=source, kind=MovementKind.TRANSFER_OUT).aggregate(n=Sum("quantity"))["n"]
    ins = Movement.objects.filter(point=destination, kind=MovementKind.TRANSFER_IN).aggregate(n=Sum("quantity"))["n"]
    assert -outs == ins + shipment.discrepancy
    with pytest.raises(PermissionDenied):
        actions.do_close_shipment(shipment, acting_user=street.secretary)
    assert actions.do_close_shipment(shipment, acting_user=street.street_officer).status == ShipmentStatus.CLOSED


def test_plans_are_checked(street):
    source, destination = _setup(street)
    with pytest.raises(PermissionDenied):
        actions.do_approve_plan(street.community.parent, [], acting_user=street.secretary)
    with pytest.raises(ValidationError) as too_much:
        actions.do_approve_plan(street.community.parent, [
            (street.community.path, street.other_community.path, item(), 601, "")], acting_user=street.street_officer)
    assert codes(too_much.value) == {"not_enough"}
    # an edited line at 0 is dropped
    assert actions.do_approve_plan(street.community.parent, [
        (street.community.path, street.other_community.path, item(), 0, "")], acting_user=street.street_officer) == []


def test_send_refused_when_stock_left_meanwhile(street):
    source, destination = _setup(street)
    [shipment] = actions.do_approve_plan(street.community.parent, [
        (street.community.path, street.other_community.path, item(), 500, "")], acting_user=street.street_officer)
    actions.do_issue(source, item(), 200, acting_user=street.secretary)
    with pytest.raises(ValidationError):
        actions.do_send_shipment(shipment, 500, acting_user=street.secretary)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PLANNED and on_hand(source) == 400
    actions.do_send_shipment(shipment, 400, acting_user=street.secretary)
    assert on_hand(source) == 0


def test_the_plan_is_approved_and_shipped_through_the_pages(street):
    from linli.supplies.models import Shipment

    source, destination = _setup(street)
    actions.do_set_target(street.other_community, item(), per_resident=1, acting_user=street.street_officer)
    officer = street.client_for(street.street_officer)
    page = officer.get("/supplies/street/?plan=1").content.decode()
    assert 'name="quantity-0"' in page
    answer = officer.post("/supplies/street/", {"approve": "1", "lines": "1", "source-0": street.community.path,
                                                "destination-0": street.other_community.path,
                                                "item-0": item().pk, "quantity-0": "250", "why-0": "培花 → 牡丹"})
    assert answer.status_code == 302
    shipment = Shipment.objects.get()
    assert shipment.planned == 250
    secretary = street.client_for(street.secretary)
    assert "发出" in secretary.get("/supplies/shipments/").content.decode()
    secretary.post(f"/supplies/shipments/{shipment.pk}/", {"quantity": "250"})
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SENT and on_hand(source) == 350
    # the secretary is not at the destination: receiving is not hers
    secretary.post(f"/supplies/shipments/{shipment.pk}/", {"quantity": "250"})
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SENT
    officer.post(f"/supplies/shipments/{shipment.pk}/", {"quantity": "250"})
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.RECEIVED and on_hand(destination) == 250
