"""An order arriving in several deliveries: each delivery keeps its own quantities and quality,
the lines count what was accepted so far, nothing beyond the order is taken, a refused delivery
enters nothing, and the rest can be closed short."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent
from linli.ledger import log
from linli.suppliers import actions, queries, trail
from linli.suppliers.models import DeliveryLine, OrderStatus, PurchaseOrder, Quality
from linli.suppliers.tests.helpers import order, point_in, supplier_in
from linli.supplies.models import Item, Lot, Movement

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _two_lines(street, days: int = 3) -> PurchaseOrder:
    return actions.do_place_order(supplier_in(street), point_in(street),
                                  expected_on=TODAY() + datetime.timedelta(days=days),
                                  lines=[(Item.objects.get(code="mask-kn95"), 1000, "1.85"),
                                         (Item.objects.get(code="blanket"), 50, "120")], acting_user=street.admin)


def _deliver(street, placed, quantities, quality=Quality.PASSED, when=None, user=None):
    lines = list(placed.lines.order_by("pk"))
    return actions.do_record_delivery(placed, delivered_on=when or TODAY(), quality=quality,
                                      note="" if quality == Quality.PASSED else "外箱破损",
                                      received={line.pk: n for line, n in zip(lines, quantities, strict=True)},
                                      acting_user=user or street.secretary)


def _received(placed):
    return [line.received for line in placed.lines.order_by("pk")]


def test_two_partial_deliveries_then_the_rest(street):
    placed = _two_lines(street)
    first = _deliver(street, placed, [400, 0])
    placed.refresh_from_db()
    assert placed.status == OrderStatus.PARTLY and _received(placed) == [400, None]
    assert [(dl.line.item.code, dl.quantity) for dl in first.lines.all()] == [("mask-kn95", 400)]
    second = _deliver(street, placed, [500, 50], when=TODAY())
    placed.refresh_from_db()
    assert placed.status == OrderStatus.PARTLY and _received(placed) == [900, 50]
    assert sorted(dl.quantity for dl in second.lines.all()) == [50, 500]
    third = _deliver(street, placed, [100, 0])
    placed.refresh_from_db()
    assert placed.status == OrderStatus.DELIVERED and _received(placed) == [1000, 50]
    # each delivery made its own receipts: three lots of masks, one of blankets
    assert sorted(Lot.objects.filter(point=placed.point).values_list("quantity", flat=True)) == [50, 100, 400, 500]
    assert [m.quantity for m in Movement.objects.filter(pk__in=third.movements)] == [100]
    assert DeliveryLine.objects.filter(delivery__order=placed).count() == 4
    # graded per delivery: three deliveries, all on time
    figures = queries.graded([placed.supplier])[0].figures
    assert figures.deliveries == 3 and figures.on_time == 3 and figures.grade == "A"
    # each in the shared ledger with its own quantities
    log.request_sequencing()
    entries = [r for r in trail.rows_of(placed.supplier) if r.entry.entry_type == "supplier_delivery"]
    assert len(entries) == 3 and all(r.status in ("verified", "pending") for r in entries)
    payloads = sorted((r.payload["delivery"], [(x["item"], x["received"], x["received_so_far"])
                                               for x in r.payload["lines"]]) for r in entries)
    assert payloads == [(1, [("mask-kn95", 400, 400)]), (2, [("mask-kn95", 500, 900), ("blanket", 50, 50)]),
                        (3, [("mask-kn95", 100, 1000)])]
    with pytest.raises(ValidationError, match="不在等待|not waiting"):
        _deliver(street, placed, [1, 0])


def test_over_delivery_is_refused_across_deliveries(street):
    placed = _two_lines(street)
    _deliver(street, placed, [700, 10])
    with pytest.raises(ValidationError) as refused:
        _deliver(street, placed, [301, 0])
    error = refused.value.error_dict[f"line-{placed.lines.order_by('pk')[0].pk}"][0]
    assert error.code == "over_order" and error.params["n"] == 300
    placed.refresh_from_db()
    assert _received(placed) == [700, 10] and placed.deliveries.count() == 1  # nothing half-written
    assert Lot.objects.filter(point=placed.point).count() == 2
    with pytest.raises(ValidationError, match="至少|at least one"):
        _deliver(street, placed, [0, 0])
    _deliver(street, placed, [300, 40])
    placed.refresh_from_db()
    assert placed.status == OrderStatus.DELIVERED


def test_a_failed_delivery_enters_no_stock_and_leaves_the_lines_outstanding(street):
    placed = _two_lines(street, days=0)
    refused = _deliver(street, placed, [1000, 50], quality=Quality.FAILED)
    placed.refresh_from_db()
    assert refused.movements == [] and not Lot.objects.filter(point=placed.point).exists()
    assert placed.status == OrderStatus.OPEN and _received(placed) == [None, None]
    assert [dl.movement for dl in refused.lines.all()] == [None, None]  # what arrived, and was sent back
    _deliver(street, placed, [1000, 50], quality=Quality.MINOR)  # the replacement
    placed.refresh_from_db()
    assert placed.status == OrderStatus.DELIVERED and _received(placed) == [1000, 50]
    figures = queries.graded([placed.supplier])[0].figures
    assert figures.deliveries == 2 and figures.failed == 1 and figures.grade == "C"


def test_the_rest_is_closed_short_with_a_reason(street):
    placed = _two_lines(street)
    with pytest.raises(ValidationError, match="取消|cancel"):
        actions.do_close_order_short(placed, reason="供应商停产", acting_user=street.secretary)
    _deliver(street, placed, [600, 50])
    with pytest.raises(ValidationError):
        actions.do_close_order_short(placed, reason="  ", acting_user=street.secretary)
    with pytest.raises(PermissionDenied):
        actions.do_close_order_short(placed, reason="供应商停产", acting_user=street.grid_worker)
    with pytest.raises(ValidationError, match="取消|cancel"):
        actions.do_cancel_order(placed, reason="不要了", acting_user=street.admin)  # part of it arrived
    actions.do_close_order_short(placed, reason="供应商停产，余量不再供货", acting_user=street.secretary)
    placed.refresh_from_db()
    assert placed.status == OrderStatus.SHORT and placed.short_reason == "供应商停产，余量不再供货"
    event = AuditEvent.objects.filter(action="suppliers.order_close_short").latest("pk")
    assert event.detail["missing"] == {"mask-kn95": 400} and event.actor == street.secretary
    with pytest.raises(ValidationError, match="不在等待|not waiting"):
        _deliver(street, placed, [1, 0])
    # the street that placed the order may close one short too
    other = order(street, placed.supplier, placed.point)
    _deliver(street, other, [10])
    actions.do_close_order_short(other, reason="需求已满足", acting_user=street.street_officer)


def test_a_stale_order_is_read_again_under_its_lock(street):
    """Two keepers on the same order: the second one's copy was loaded before the first one's
    delivery. The action locks the order row and reads the lines afresh, so the cap is what is
    outstanding now (on PostgreSQL the lock also makes them wait for each other)."""
    placed = _two_lines(street)
    stale = PurchaseOrder.objects.get(pk=placed.pk)
    _deliver(street, placed, [800, 0])
    with pytest.raises(ValidationError, match="200"):
        _deliver(street, stale, [800, 0])
    with CaptureQueriesContext(connection) as queries_run:
        _deliver(street, stale, [200, 0])
    if connection.features.has_select_for_update:
        locks = [q["sql"] for q in queries_run.captured_queries if "FOR UPDATE" in q["sql"]]
        assert any("suppliers_purchaseorder" in sql for sql in locks)
    assert _received(placed) == [1000, None]


def test_the_keeper_sees_what_is_left_and_records_the_next_delivery_on_her_phone(street):
    placed = _two_lines(street)
    _deliver(street, placed, [400, 0])
    mask, blanket = placed.lines.order_by("pk")
    client = street.client_for(street.secretary)
    page = client.get(f"/supplies/orders/{placed.pk}/").content.decode()
    assert "部分到货" in page and "600" in page and "剩余" in page
    over = client.post(f"/supplies/orders/{placed.pk}/", {"delivered_on": TODAY().isoformat(), "quality": "passed",
                                                          f"line-{mask.pk}": "601", f"line-{blanket.pk}": "0"})
    assert over.status_code == 422 and "600" in over.content.decode()
    done = client.post(f"/supplies/orders/{placed.pk}/", {"delivered_on": TODAY().isoformat(), "quality": "passed",
                                                          f"line-{mask.pk}": "100", f"line-{blanket.pk}": "20"})
    assert done.status_code == 302
    assert _received(placed) == [500, 20]
    closed = client.post(f"/supplies/orders/{placed.pk}/", {"do": "close", "reason": "余量取消"})
    assert closed.status_code == 302
    placed.refresh_from_db()
    assert placed.status == OrderStatus.SHORT
    page = client.get(f"/supplies/orders/{placed.pk}/").content.decode()
    assert "余量取消" in page and 'name="quality"' not in page
