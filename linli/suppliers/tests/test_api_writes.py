"""The suppliers API's writes: each calls its action (the same rules as the pages), answers a
bad request with a bilingual 4xx, an object outside the caller's area with 404 and a caller
without the role with 403."""

from __future__ import annotations

import base64
import datetime
import json

import pytest
from django.utils import timezone

from linli.places.models import ElementType, Level, Place
from linli.suppliers.models import (
    Donation,
    OrderStatus,
    Qualification,
    QualificationStatus,
    Supplier,
)
from linli.suppliers.tests.helpers import PDF, credit_code, order, point_in, supplier_in

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def _bilingual(response, *words):
    text = json.dumps(response.json(), ensure_ascii=False)
    assert 400 <= response.status_code < 500, response.status_code
    assert "msg_zh" in text or "detail_zh" in text
    for word in words:
        assert word in text, text


def far_street() -> Place:
    """A street in another district: outside the test street's officer's area."""
    city = Place.objects.get(level=Level.CITY)
    district = Place.objects.create(parent=city, level=Level.DISTRICT, element_type=ElementType.DISTRICT,
                                    code="310104", name="徐汇区", sort_key=104)
    return Place.objects.create(parent=district, level=Level.STREET, element_type=ElementType.SUBDISTRICT,
                                code="310104003", name="远方街道", sort_key=3)


def far_supplier(street) -> Supplier:
    return supplier_in(street, far_street(), name="远方供应商", code=credit_code("91420100MA4K8N2P7"))


def test_add_and_check_a_qualification(street):
    supplier = supplier_in(street, checked=False)
    officer = street.client_for(street.street_officer)
    url = f"/api/suppliers/{supplier.pk}/qualifications"
    body = {"kind": "business_licence", "number": credit_code(), "issuer": "浦东新区市场监督管理局",
            "valid_until": (TODAY() + datetime.timedelta(days=300)).isoformat(),
            "document": base64.b64encode(PDF).decode(), "document_name": "执照.pdf"}
    made = _post(officer, url, body)
    assert made.status_code == 201 and made.json()["status"] == "unchecked" and made.json()["document_sha256"]
    _bilingual(_post(officer, url, {**body, "number": credit_code("91310115MA1K3YJ81")}), credit_code())
    _bilingual(_post(officer, url, {**body, "document": "不是base64"}), "base64")
    _bilingual(_post(officer, url, {**body, "valid_until": "0"}))
    _bilingual(_post(officer, url, {**body, "kind": "passport"}))
    qualification = Qualification.objects.get(pk=made.json()["id"])
    check_url = f"/api/suppliers/qualifications/{qualification.pk}/checks"
    _bilingual(_post(officer, check_url, {"result": "invalid"}), "note")  # a reason when not valid
    checked = _post(officer, check_url, {"result": "valid", "note": "与原件一致"})
    assert checked.status_code == 201 and checked.json()["status"] == QualificationStatus.VERIFIED
    far = far_supplier(street)
    assert _post(officer, f"/api/suppliers/{far.pk}/qualifications", body).status_code == 404
    far_qualification = far.qualifications.get()
    assert _post(officer, f"/api/suppliers/qualifications/{far_qualification.pk}/checks",
                 {"result": "valid"}).status_code == 404
    # the community sees orders, it does not keep suppliers
    secretary = street.client_for(street.secretary)
    assert _post(secretary, url, body).status_code == 403
    assert _post(secretary, check_url, {"result": "valid"}).status_code == 403


def test_set_a_grade_by_hand(street):
    supplier = supplier_in(street)
    officer = street.client_for(street.street_officer)
    url = f"/api/suppliers/{supplier.pk}/grade"
    _bilingual(_post(officer, url, {"grade": "A", "reason": ""}))
    _bilingual(_post(officer, url, {"grade": "D", "reason": "x"}))
    done = _post(officer, url, {"grade": "A", "reason": "保供表现突出"})
    assert done.status_code == 200 and done.json()["grade"] == "A" and done.json()["grade_from_record"] == "B"
    back = _post(officer, url, {"grade": ""})
    assert back.status_code == 200 and back.json()["grade_override_reason"] == ""
    assert _post(officer, f"/api/suppliers/{far_supplier(street).pk}/grade",
                 {"grade": "A", "reason": "x"}).status_code == 404
    assert _post(street.client_for(street.grid_worker), url, {"grade": "A", "reason": "x"}).status_code == 403


def test_place_and_cancel_an_order(street):
    supplier = supplier_in(street)
    point = point_in(street)
    officer = street.client_for(street.street_officer)
    body = {"supplier_id": supplier.pk, "point_id": point.pk, "expected_on": (TODAY() + datetime.timedelta(days=5))
            .isoformat(), "lines": [{"item": "mask-kn95", "quantity": 1000, "unit_price": "1.85"}]}
    placed = _post(officer, "/api/suppliers/orders", body)
    assert placed.status_code == 201
    data = placed.json()
    assert data["status"] == "open" and data["lines"][0]["remaining"] == 1000 and data["deliveries"] == []
    _bilingual(_post(officer, "/api/suppliers/orders", {**body, "lines": [{**body["lines"][0], "item": "no-such"}]}),
               "catalogue")
    _bilingual(_post(officer, "/api/suppliers/orders", {**body, "lines": []}))
    _bilingual(_post(officer, "/api/suppliers/orders", {**body, "expected_on": "2020-01-01"}), "passed")
    _bilingual(_post(officer, "/api/suppliers/orders", {**body, "lines": [{**body["lines"][0], "unit_price": "-1"}]}))
    far = far_supplier(street)
    assert _post(officer, "/api/suppliers/orders", {**body, "supplier_id": far.pk}).status_code == 404
    far_point = point_in(street, Place.objects.get(code="310104003"), name="远方仓库")
    _bilingual(_post(officer, "/api/suppliers/orders", {**body, "point_id": far_point.pk}), "storage point")
    assert _post(street.client_for(street.secretary), "/api/suppliers/orders", body).status_code == 403
    one = officer.get(f"/api/suppliers/orders/{data['id']}")
    assert one.status_code == 200 and one.json()["id"] == data["id"]
    cancel = f"/api/suppliers/orders/{data['id']}/cancel"
    _bilingual(_post(officer, cancel, {"reason": ""}))
    assert _post(street.client_for(street.secretary), cancel, {"reason": "不要了"}).status_code == 403
    cancelled = _post(officer, cancel, {"reason": "需求取消"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == OrderStatus.CANCELLED
    _bilingual(_post(officer, cancel, {"reason": "再取消"}), "open")
    far_order = order(street, far, far_point)
    assert _post(officer, f"/api/suppliers/orders/{far_order.pk}/cancel", {"reason": "x"}).status_code == 404
    assert officer.get(f"/api/suppliers/orders/{far_order.pk}").status_code == 404


def test_record_deliveries_in_parts_and_close_the_rest_short(street):
    placed = order(street, supplier_in(street), point_in(street), days=2)
    line = placed.lines.get()
    keeper = street.client_for(street.secretary)
    url = f"/api/suppliers/orders/{placed.pk}/deliveries"
    body = {"delivered_on": TODAY().isoformat(), "quality": "passed",
            "lines": [{"line_id": line.pk, "quantity": 600,
                       "expires_on": (TODAY() + datetime.timedelta(days=700)).isoformat()}]}
    first = _post(keeper, url, body)
    assert first.status_code == 201
    data = first.json()
    assert data["status"] == "partly" and data["lines"][0]["received"] == 600 and data["lines"][0]["remaining"] == 400
    assert data["deliveries"][0]["lines"][0]["quantity"] == 600 and data["deliveries"][0]["lines"][0]["movement_id"]
    _bilingual(_post(keeper, url, body), "400")  # 600 again: 400 are outstanding
    _bilingual(_post(keeper, url, {**body, "lines": [{"line_id": line.pk, "quantity": 1}] * 2}), "once")
    _bilingual(_post(keeper, url, {**body, "lines": [{"line_id": 999999, "quantity": 1}]}))
    _bilingual(_post(keeper, url, {**body, "lines": []}), "at least one")
    _bilingual(_post(keeper, url, {**body, "quality": "failed", "lines": [{"line_id": line.pk, "quantity": 100}]}),
               "note")
    _bilingual(_post(keeper, url, {**body, "delivered_on": "2099-01-01"}))
    refused = _post(keeper, url, {**body, "quality": "failed", "note": "抽检不合格",
                                  "lines": [{"line_id": line.pk, "quantity": 400}]})
    assert refused.status_code == 201 and refused.json()["lines"][0]["received"] == 600
    assert refused.json()["deliveries"][-1]["lines"][0]["movement_id"] is None
    assert street.client_for(street.grid_worker).post(url, json.dumps(body),
                                                      content_type="application/json").status_code == 403
    other_point = point_in(street, street.other_community, name="别处物资室")
    elsewhere = order(street, placed.supplier, other_point)
    assert _post(keeper, f"/api/suppliers/orders/{elsewhere.pk}/deliveries", body).status_code == 404
    close = f"/api/suppliers/orders/{placed.pk}/close"
    _bilingual(_post(keeper, close, {"reason": ""}))
    assert _post(keeper, f"/api/suppliers/orders/{elsewhere.pk}/close", {"reason": "x"}).status_code == 404
    assert _post(street.client_for(street.grid_worker), close, {"reason": "x"}).status_code == 403
    _bilingual(_post(street.client_for(street.street_officer), f"/api/suppliers/orders/{elsewhere.pk}/close",
                     {"reason": "x"}), "cancel")  # nothing of it arrived
    closed = _post(keeper, close, {"reason": "供应商余量停产"})
    assert closed.status_code == 200 and closed.json()["status"] == "short"
    assert closed.json()["short_reason"] == "供应商余量停产"


def test_record_and_list_donations_naming_only_consenting_donors(street):
    point = point_in(street)
    keeper = street.client_for(street.secretary)
    body = {"point_id": point.pk, "item": "blanket", "quantity": 5, "donor_kind": "resident",
            "donor_name": "不愿具名的李先生"}
    made = _post(keeper, "/api/suppliers/donations", body)
    assert made.status_code == 201 and made.json()["donor_name"] is None and made.json()["movement_id"]
    named = _post(keeper, "/api/suppliers/donations", {**body, "donor_name": "张阿姨", "public": True})
    assert named.json()["donor_name"] == "张阿姨"
    _bilingual(_post(keeper, "/api/suppliers/donations", {**body, "quantity": 0}))
    _bilingual(_post(keeper, "/api/suppliers/donations", {**body, "donor_kind": "robot"}))
    _bilingual(_post(keeper, "/api/suppliers/donations", {**body, "item": "no-such"}), "catalogue")
    _bilingual(_post(keeper, "/api/suppliers/donations", {**body, "donor_name": "\u200b"}))
    far = point_in(street, street.other_community, name="别处物资室")
    assert _post(keeper, "/api/suppliers/donations", {**body, "point_id": far.pk}).status_code == 404
    assert _post(street.client_for(street.grid_worker), "/api/suppliers/donations", body).status_code == 403
    listed = keeper.get("/api/suppliers/donations").json()["items"]
    assert sorted(str(d["donor_name"]) for d in listed) == ["None", "张阿姨"]
    assert "李先生" not in json.dumps(listed, ensure_ascii=False)
    assert Donation.objects.count() == 2
    assert street.client_for(street.grid_worker).get("/api/suppliers/donations").status_code == 403
