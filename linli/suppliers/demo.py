"""The demo's suppliers and donations.

Three suppliers of the street with their qualifications checked (each check in the shared
ledger); the protective-clothing maker's medical device registration expires in three weeks,
so the street's managers are warned. The mask supplier delivered a purchase order five days
late (its grade shows it); another order waits for delivery. A company and two residents
donated; one resident prefers not to be named. Everything goes through ``actions``. Running
it again adds nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from linli.core.models import User
from linli.core.validators import uscc_check_char
from linli.places.models import Level, Place
from linli.suppliers import actions
from linli.suppliers.models import CheckResult, DonorKind, QualificationKind, Quality, Supplier
from linli.supplies.models import Item, PointKind, StoragePoint

# A one-page PDF standing in for a scanned licence.
DOCUMENT = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
            b"endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

# name, first 17 characters of the credit code, categories, capacity, contact, phone, [(kind, number, issuer, days left)]
SUPPLIERS = [
    ("上海康达医疗用品有限公司", "91310115MA1K3YJ8", ["masks", "thermometers"], "口罩 50 万只/月", "陈经理", "021-58881234", [
        (QualificationKind.DEVICE_REGISTRATION, "沪械注准20202140123", "上海市药品监督管理局", 900),
        (QualificationKind.PRODUCTION_LICENCE, "沪食药监械生产许20150012号", "上海市药品监督管理局", 700)]),
    ("华东防护用品制造有限公司", "91320500MA1N7TQ4", ["suits", "disinfectant"], "防护服 2 万套/月", "王主管", "0512-66553210", [
        (QualificationKind.DEVICE_REGISTRATION, "苏械注准20212140456", "江苏省药品监督管理局", 21),
        (QualificationKind.PRODUCTION_LICENCE, "苏食药监械生产许20160034号", "江苏省药品监督管理局", 500)]),
    ("申城应急食品有限公司", "91310112MA1G5PW2", ["food", "blankets"], "食品包 5000 份/周", "李女士", "021-64332211", []),
]


def _code(first16: str) -> str:
    body = (first16 + "0")[:17]
    return body + uscc_check_char(body)


def prepare_demo_suppliers() -> dict[str, Any] | None:
    street = Place.objects.filter(level=Level.STREET).order_by("path").first()
    admin = User.objects.filter(username="demo-admin").first()
    warehouse = StoragePoint.objects.filter(kind=PointKind.STREET_WAREHOUSE).order_by("pk").first()
    if street is None or admin is None or warehouse is None or Supplier.objects.exists():
        return None
    today = timezone.localdate()
    items = {item.code: item for item in Item.objects.all()}
    made = {"suppliers": 0, "qualifications": 0, "orders": 0, "donations": 0}
    with transaction.atomic():
        suppliers = []
        for name, code, categories, capacity, contact, phone, qualifications in SUPPLIERS:
            supplier = actions.do_create_supplier(street, name=name, credit_code=_code(code), categories=categories,
                                                  capacity=capacity, contact_name=contact, contact_phone=phone,
                                                  address="上海市浦东新区", acting_user=admin)
            suppliers.append(supplier)
            made["suppliers"] += 1
            licence = (QualificationKind.BUSINESS_LICENCE, supplier.credit_code, "市场监督管理局", None)
            for kind, number, issuer, days in [licence, *qualifications]:
                qualification = actions.do_add_qualification(
                    supplier, kind=kind, number=number, issuer=issuer, valid_from=today - datetime.timedelta(days=700),
                    valid_until=today + datetime.timedelta(days=days) if days else None, document=DOCUMENT,
                    document_name=f"{number}.pdf", acting_user=admin)
                actions.do_check_qualification(qualification, result=CheckResult.VALID,
                                               note="与原件及国家药监局数据库核对一致", acting_user=admin)
                made["qualifications"] += 1
        masks, suits, food = suppliers
        earlier = actions.do_place_order(masks, warehouse, expected_on=today - datetime.timedelta(days=60),
                                         lines=[(items["mask-kn95"], 10000, "2.10")], acting_user=admin,
                                         today=today - datetime.timedelta(days=70))
        actions.do_record_delivery(earlier, delivered_on=today - datetime.timedelta(days=61), quality=Quality.PASSED,
                                   received={line.pk: line.quantity for line in earlier.lines.all()},
                                   expires_on={line.pk: today + datetime.timedelta(days=650)
                                               for line in earlier.lines.all()}, acting_user=admin)
        # ordered three weeks ago for ten days ago, delivered five days late
        late = actions.do_place_order(masks, warehouse, expected_on=today - datetime.timedelta(days=10),
                                      lines=[(items["mask-kn95"], 20000, "1.85"), (items["mask-surgical"], 50000, "0.42")],
                                      acting_user=admin, today=today - datetime.timedelta(days=21))
        actions.do_record_delivery(late, delivered_on=today - datetime.timedelta(days=5), quality=Quality.PASSED,
                                   received={line.pk: line.quantity for line in late.lines.all()},
                                   expires_on={line.pk: today + datetime.timedelta(days=700) for line in late.lines.all()},
                                   acting_user=admin)
        actions.do_place_order(suits, warehouse, expected_on=today + datetime.timedelta(days=7),
                               lines=[(items["protective-suit"], 2000, "38.00")], acting_user=admin)
        actions.do_place_order(food, warehouse, expected_on=today + datetime.timedelta(days=3),
                               lines=[(items["food-pack"], 500, "45.00"), (items["blanket"], 200, "120.00")],
                               acting_user=admin)
        made["orders"] = 4
        room = StoragePoint.objects.filter(kind=PointKind.COMMUNITY_ROOM).order_by("pk").first() or warehouse
        for point, code, n, donor_kind, donor, public in (
                (warehouse, "protective-suit", 500, DonorKind.COMPANY, "上海爱心科技有限公司", True),
                (room, "mask-surgical", 300, DonorKind.RESIDENT, "张阿姨", True),
                (room, "food-pack", 20, DonorKind.RESIDENT, "居民李先生", False)):
            shelf = items[code].shelf_life_days
            actions.do_record_donation(point, items[code], n, donor_kind=donor_kind, donor_name=donor, public=public,
                                       expires_on=today + datetime.timedelta(days=shelf - 30) if shelf else None,
                                       acting_user=admin)
            made["donations"] += 1
    return made
