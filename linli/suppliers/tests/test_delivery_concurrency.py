"""Keepers recording deliveries of the same order at the same moment, on PostgreSQL: the order's
row lock makes them take turns, so together they never receive more than was ordered. The rows
are committed by other threads (the test's own transaction would hide them) and removed at the
end; the ledger and the audit log are left out (they have their own tests and keep their rows)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from linli.core.models import User
from linli.places.models import Level, Place
from linli.suppliers import actions
from linli.suppliers.models import Delivery, DeliveryLine, OrderLine, PurchaseOrder, Supplier
from linli.suppliers.tests.helpers import credit_code
from linli.supplies.models import Item, Lot, Movement, PointKind, ReserveType, StoragePoint
from linli.supplies.tests.test_concurrency import in_thread

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")]


@pytest.mark.parametrize("keepers", [2, 6])
def test_concurrent_deliveries_never_exceed_the_order(keepers, monkeypatch):
    monkeypatch.setattr(actions, "_ledger", lambda *args, **kwargs: None)
    monkeypatch.setattr(actions.audit, "record", lambda *args, **kwargs: None)

    def setup() -> tuple[PurchaseOrder, OrderLine, User]:
        community = Place.objects.filter(level=Level.COMMUNITY).order_by("code").first()
        street = community.parent
        supplier = Supplier.objects.create(street=street, path=street.path, name="并发测试供应商",
                                           credit_code=credit_code("91310115MA1K3YJ90"))
        point = StoragePoint.objects.create(place=community, path=community.path, name="并发到货点",
                                            kind=PointKind.COMMUNITY_ROOM, reserve_type=ReserveType.GOVERNMENT,
                                            owner="居委会")
        today = timezone.localdate()
        order = PurchaseOrder.objects.create(supplier=supplier, point=point, path=point.path,
                                             supplier_path=supplier.path, ordered_on=today, expected_on=today)
        line = OrderLine.objects.create(order=order, path=point.path, item=Item.objects.get(code="mask-kn95"),
                                        quantity=1000, unit_price="1.85")
        return order, line, User.objects.get(username="demo-admin")

    order, line, admin = in_thread(setup)
    try:
        barrier = threading.Barrier(keepers)
        outcomes: list[str] = []

        def deliver() -> None:
            try:
                barrier.wait(10)
                actions.do_record_delivery(order, delivered_on=timezone.localdate(), quality="passed",
                                           received={line.pk: 600}, acting_user=admin)
                outcomes.append("received")
            except ValidationError as exc:
                outcomes.append(exc.error_dict[f"line-{line.pk}"][0].code)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=deliver) for _ in range(keepers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(outcomes) == ["over_order"] * (keepers - 1) + ["received"]

        def state() -> tuple[int | None, int, int, str]:
            lots = sum(Lot.objects.filter(point=order.point).values_list("quantity", flat=True))
            return (OrderLine.objects.get(pk=line.pk).received, Delivery.objects.filter(order=order).count(), lots,
                    PurchaseOrder.objects.get(pk=order.pk).status)

        assert in_thread(state) == (600, 1, 600, "partly")
    finally:
        def cleanup() -> None:
            DeliveryLine.objects.filter(delivery__order=order).delete()
            Delivery.objects.filter(order=order).delete()
            Movement.objects.filter(point=order.point).delete()
            Lot.objects.filter(point=order.point).delete()
            OrderLine.objects.filter(order=order).delete()
            PurchaseOrder.objects.filter(pk=order.pk).delete()
            StoragePoint.objects.filter(pk=order.point_id).delete()
            Supplier.objects.filter(pk=order.supplier_id).delete()

        in_thread(cleanup)
