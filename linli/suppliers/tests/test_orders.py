"""Purchase orders: only from a checked supplier; the delivery enters stock through the
supplies' receipt; lateness and quality make the grade; prices are kept per item."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.suppliers import actions, queries
from linli.suppliers.models import OrderStatus, Quality
from linli.suppliers.tests.helpers import licence, order, point_in, supplier_in
from linli.supplies.models import Item, Lot, Movement, MovementKind

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _deliver(street, placed, days_after_expected: int, quality: str = Quality.PASSED, received=None):
    line = placed.lines.get()
    when = placed.expected_on + datetime.timedelta(days=days_after_expected)
    return actions.do_record_delivery(placed, delivered_on=when, quality=quality, note="" if quality == "passed"
                                      else "抽检不合格", received={line.pk: line.quantity if received is None
                                                                 else received},
                                      acting_user=street.secretary, today=max(when, TODAY()))


def test_orders_only_from_a_supplier_with_a_checked_valid_licence(street):
    supplier = supplier_in(street, checked=False)
    point = point_in(street)
    with pytest.raises(ValidationError, match="营业执照|business licence"):
        order(street, supplier, point)
    licence(street, supplier, check=False)
    with pytest.raises(ValidationError):
        order(street, supplier, point)  # recorded, not checked yet
    licence(street, supplier)
    assert order(street, supplier, point).status == OrderStatus.OPEN
    far = point_in(street, street.other_community, name="别处")
    assert order(street, supplier, far).point == far  # another community of the same street
    with pytest.raises(ValidationError):
        actions.do_place_order(supplier, point, expected_on=TODAY() - datetime.timedelta(days=1),
                               lines=[], acting_user=street.admin)


def test_a_late_delivery_enters_stock_as_a_receipt_and_lowers_the_grade(street):
    supplier = supplier_in(street)
    point = point_in(street)
    placed = actions.do_place_order(supplier, point, expected_on=TODAY() - datetime.timedelta(days=10),
                                    lines=[(Item.objects.get(code="mask-kn95"), 1000, "1.85")],
                                    acting_user=street.admin, today=TODAY() - datetime.timedelta(days=20))
    delivery = _deliver(street, placed, 5, received=800)
    assert not delivery.on_time
    [movement] = Movement.objects.filter(pk__in=delivery.movements)
    assert movement.kind == MovementKind.RECEIPT and movement.quantity == 800
    assert Lot.objects.get(pk=movement.lot_id).source == f"{supplier.name} PO-{placed.pk}"
    assert AuditEvent.objects.filter(action="supplies.receive").exists()  # the supplies' own action ran
    placed.refresh_from_db()
    assert placed.status == OrderStatus.PARTLY and placed.lines.get().received == 800
    figures = queries.graded([supplier])[0].figures
    assert figures.deliveries == 1 and figures.on_time == 0 and figures.grade == "B" and figures.reason == "few"
    with pytest.raises(ValidationError, match="200"):
        _deliver(street, placed, 0)  # the whole 1000 again: only 200 are outstanding


def test_a_failed_delivery_enters_nothing_and_over_delivery_is_refused(street):
    supplier = supplier_in(street)
    point = point_in(street)
    failed = _deliver(street, order(street, supplier, point, days=0), 0, quality=Quality.FAILED)
    assert failed.movements == [] and not Lot.objects.filter(point=point).exists()
    too_many = order(street, supplier, point, days=0)
    with pytest.raises(ValidationError, match="1000"):
        _deliver(street, too_many, 0, received=1001)
    assert not Lot.objects.filter(point=point).exists()  # nothing half-written
    assert too_many.lines.get().received is None


def test_grade_override_needs_a_reason_and_is_audited(street):
    supplier = supplier_in(street)
    with pytest.raises(ValidationError):
        actions.do_set_grade(supplier, "A", reason="", acting_user=street.street_officer)
    actions.do_set_grade(supplier, "A", reason="疫情期间保供表现突出", acting_user=street.street_officer)
    graded = queries.graded([supplier])[0]
    assert graded.grade == "A" and graded.figures.grade == "B" and graded.overridden
    event = AuditEvent.objects.filter(action="suppliers.grade_override").latest("pk")
    assert event.detail["reason"] == "疫情期间保供表现突出" and event.detail["grade"] == "A"


def test_price_history_per_item(street):
    supplier = supplier_in(street)
    point = point_in(street)
    order(street, supplier, point, price="2.10")
    order(street, supplier, point, price="1.85")
    [(item, lines)] = queries.price_history(supplier).items()
    assert item.code == "mask-kn95" and [str(line.unit_price) for line in lines] == ["2.10", "1.85"]
    with pytest.raises(ValidationError, match="价格|price"):
        order(street, supplier, point, price="很便宜")


def test_donations_are_receipts_and_only_consenting_donors_are_public(street, client):
    point = point_in(street)
    for name, public in (("上海爱心科技有限公司", True), ("张阿姨", True), ("不愿具名的李先生", False)):
        actions.do_record_donation(point, Item.objects.get(code="blanket"), 3, donor_kind="resident",
                                   donor_name=name, public=public, acting_user=street.secretary)
    assert Movement.objects.filter(point=point, kind=MovementKind.RECEIPT).count() == 3
    assert not AuditEvent.objects.filter(action="suppliers.donation", detail__icontains="张阿姨").exists()
    page = client.get("/supplies/donors/")  # no sign-in
    text = page.content.decode()
    assert page.status_code == 200 and "张阿姨" in text and "上海爱心科技有限公司" in text
    assert "李先生" not in text
    staff = street.client_for(street.secretary).get("/supplies/donations/").content.decode()
    assert "不愿具名的李先生" in staff
    assert street.client_for(street.grid_worker).get("/supplies/donations/").status_code == 403
