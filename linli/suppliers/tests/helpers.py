"""Suppliers, orders and donations made through the actions in the test street."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from linli.conftest import Street
from linli.core.validators import uscc_check_char
from linli.places.models import Place
from linli.suppliers import actions
from linli.suppliers.models import (
    CheckResult,
    PurchaseOrder,
    Qualification,
    QualificationKind,
    Supplier,
)
from linli.supplies.models import Item, PointKind, ReserveType, StoragePoint

PDF = b"%PDF-1.4\n% a scanned licence\n%%EOF\n"


def credit_code(body: str = "91310115MA1K3YJ80") -> str:
    return body + uscc_check_char(body)


def supplier_in(street: Street, place: Place | None = None, name: str = "上海康达医疗用品有限公司",
                code: str | None = None, checked: bool = True) -> Supplier:
    place = place or street.community.parent
    supplier = actions.do_create_supplier(place, name=name, credit_code=code or credit_code(),
                                          categories=["masks"], capacity="口罩 50 万只/月",
                                          acting_user=street.admin if place != street.community.parent
                                          else street.street_officer)
    if checked:
        licence(street, supplier)
    return supplier


def licence(street: Street, supplier: Supplier, days: int = 400, check: bool = True) -> Qualification:
    user = street.admin
    qualification = actions.do_add_qualification(
        supplier, kind=QualificationKind.BUSINESS_LICENCE, number=supplier.credit_code, issuer="浦东新区市场监督管理局",
        valid_until=timezone.localdate() + datetime.timedelta(days=days), document=PDF, document_name="执照.pdf",
        acting_user=user)
    if check:
        actions.do_check_qualification(qualification, result=CheckResult.VALID, acting_user=user)
    return qualification


def point_in(street: Street, place: Place | None = None, name: str = "社区物资室") -> StoragePoint:
    from linli.supplies import actions as supplies

    return supplies.do_create_point(place or street.community, name=name, kind=PointKind.COMMUNITY_ROOM,
                                    reserve_type=ReserveType.GOVERNMENT, owner="居委会", acting_user=street.admin)


def order(street: Street, supplier: Supplier, point: StoragePoint, days: int = 5, quantity: int = 1000,
          price: Any = "1.85", user: Any = None) -> PurchaseOrder:
    return actions.do_place_order(supplier, point, expected_on=timezone.localdate() + datetime.timedelta(days=days),
                                  lines=[(Item.objects.get(code="mask-kn95"), quantity, price)],
                                  acting_user=user or street.admin)


def make_matrix_rows(street: Street, far: dict[str, Place]) -> None:
    """For the access matrix: a supplier with a checked licence, an order for a community point
    and a donation there; the same in the far district."""
    from linli.places.models import Level

    for place, code in ((street.community, "91310115MA1K3YJ80"), (far[Level.COMMUNITY], "91420100MA4K8N2P7")):
        supplier = actions.do_create_supplier(place.parent, name=f"供应商{code[-4:]}", credit_code=credit_code(code),
                                              acting_user=street.admin)
        licence(street, supplier)
        point = point_in(street, place, name="物资室·供应")
        order(street, supplier, point)
        actions.do_record_donation(point, Item.objects.get(code="blanket"), 5, donor_kind="company",
                                   donor_name="爱心企业", public=True, acting_user=street.admin)
    # the stock made in the background: the secretary's, and the far district's (made by the admin)
    from linli.downloads.actions import do_request_download
    from linli.suppliers.downloads import area_of_points

    do_request_download("stock", scope=area_of_points(street.secretary), params={}, acting_user=street.secretary)
    do_request_download("stock", scope=far[Level.COMMUNITY], params={}, acting_user=street.admin)
