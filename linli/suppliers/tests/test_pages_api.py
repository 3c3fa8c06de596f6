"""The supplier pages and API: who gets in, forms with clear errors, the warnings of expiring
qualifications, the demo."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.core.today import items_for
from linli.ledger import log
from linli.suppliers.models import Qualification, QualificationStatus, Supplier
from linli.suppliers.tests.helpers import PDF, credit_code, licence, order, point_in, supplier_in

pytestmark = pytest.mark.django_db


def test_a_street_officer_adds_a_supplier_with_a_full_width_code_and_its_qualification(street):
    client = street.client_for(street.street_officer)
    bad = client.post("/supplies/suppliers/new/", {"name": "康达", "credit_code": "91310115MA1K3YJ80A"})
    assert bad.status_code == 422 and "校验码" in bad.content.decode()
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in credit_code())
    made = client.post("/supplies/suppliers/new/", {"name": "康达", "credit_code": full_width,
                                                    "categories": ["masks", "suits"]})
    supplier = Supplier.objects.get()
    assert made.status_code == 302 and supplier.credit_code == credit_code()
    assert supplier.path == street.community.parent.path
    wrong_number = client.post(f"/supplies/suppliers/{supplier.pk}/", {
        "q-kind": "business_licence", "q-number": credit_code("91310115MA1K3YJ81"), "q-issuer": "市场监管局"})
    assert wrong_number.status_code == 422 and credit_code() in wrong_number.content.decode()
    not_a_pdf = client.post(f"/supplies/suppliers/{supplier.pk}/", {
        "q-kind": "device_registration", "q-number": "沪械注准1", "q-issuer": "药监局",
        "q-document": SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")})
    assert not_a_pdf.status_code == 422 and "PDF" in not_a_pdf.content.decode()
    saved = client.post(f"/supplies/suppliers/{supplier.pk}/", {
        "q-kind": "business_licence", "q-number": credit_code().lower(), "q-issuer": "市场监管局",
        "q-valid_until": "2099-01-01", "q-document": SimpleUploadedFile("执照.pdf", PDF)})
    assert saved.status_code == 302
    qualification = Qualification.objects.get()
    checked = client.post(f"/supplies/qualifications/{qualification.pk}/check/", {"c-result": "valid"})
    assert checked.status_code == 302
    qualification.refresh_from_db()
    assert qualification.status == QualificationStatus.VERIFIED
    document = client.get(f"/supplies/qualifications/{qualification.pk}/document/")
    assert document.status_code == 200 and document.content == PDF and document["Content-Type"] == "application/pdf"
    page = client.get(f"/supplies/suppliers/{supplier.pk}/").content.decode()
    assert credit_code() in page and "营业执照" in page


def test_who_gets_in(street):
    supplier = supplier_in(street)
    point = point_in(street)
    placed = order(street, supplier, point)
    assert street.client_for(street.grid_worker).get("/supplies/suppliers/").status_code == 403
    assert street.client_for(street.grid_worker).get(f"/supplies/suppliers/{supplier.pk}/").status_code == 404
    secretary = street.client_for(street.secretary)
    # the community sees the order for its point, not the street's supplier records
    assert secretary.get(f"/supplies/orders/{placed.pk}/").status_code == 200
    assert secretary.get(f"/supplies/suppliers/{supplier.pk}/").status_code == 404
    assert secretary.post(f"/supplies/qualifications/{supplier.qualifications.get().pk}/check/",
                          {"c-result": "valid"}).status_code == 404
    assert street.client_for(street.street_officer).get("/supplies/suppliers/").status_code == 200


def test_the_keeper_records_a_late_delivery_on_the_order_page(street):
    supplier = supplier_in(street)
    point = point_in(street)
    placed = order(street, supplier, point, days=0)
    line = placed.lines.get()
    client = street.client_for(street.secretary)
    bad = client.post(f"/supplies/orders/{placed.pk}/", {"delivered_on": "2099-01-01", "quality": "passed",
                                                         f"line-{line.pk}": "1000"})
    assert bad.status_code == 422
    done = client.post(f"/supplies/orders/{placed.pk}/", {
        "delivered_on": timezone.localdate().isoformat(), "quality": "passed", f"line-{line.pk}": "１０００",
        f"expires-{line.pk}": (timezone.localdate() + datetime.timedelta(days=500)).isoformat()})
    assert done.status_code == 302
    page = client.get(f"/supplies/orders/{placed.pk}/").content.decode()
    assert "1000" in page and "合格" in page


def test_expiring_qualifications_warn_the_managers(street):
    supplier = supplier_in(street)
    licence(street, supplier, days=20)
    licence(street, supplier, days=45)
    warnings = [i.text for i in items_for(street.street_officer, timezone.localdate())]
    assert any("30 天" in w and "1" in w for w in warnings) and any("60 天" in w for w in warnings)
    assert not [i for i in items_for(street.grid_worker, timezone.localdate()) if "资质" in i.text]
    index = street.client_for(street.street_officer).get("/supplies/suppliers/").content.decode()
    assert "60 天内到期的资质" in index


def test_the_api_lists_suppliers_with_grades_and_refuses_a_bad_code(street):
    supplier = supplier_in(street)
    order(street, supplier, point_in(street))
    client = street.client_for(street.street_officer)
    listed = client.get("/api/suppliers").json()
    assert listed["items"][0]["credit_code"] == supplier.credit_code and listed["items"][0]["grade"] == "B"
    one = client.get(f"/api/suppliers/{supplier.pk}").json()
    assert one["qualifications"][0]["status"] == "verified"
    log.request_sequencing()  # on commit in real use
    trail = client.get(f"/api/suppliers/{supplier.pk}/trail").json()
    assert trail and trail[0]["entry_type"] == "supplier_qualification"
    orders = client.get("/api/suppliers/orders").json()
    assert orders["items"][0]["lines"][0]["item"] == "mask-kn95"
    bad = client.post("/api/suppliers", json.dumps({"street_id": street.community.parent.pk, "name": "x",
                                                    "credit_code": "123"}), content_type="application/json")
    assert 400 <= bad.status_code < 500 and "18" in bad.content.decode()
    assert street.client_for(street.grid_worker).get(f"/api/suppliers/{supplier.pk}").status_code in (403, 404)


def test_the_demo_has_an_expiring_qualification_a_late_order_and_donations(street):
    from linli.suppliers.demo import prepare_demo_suppliers
    from linli.suppliers.models import Delivery, Donation
    from linli.supplies.demo import prepare_demo_supplies

    prepare_demo_supplies(seed=1)
    made = prepare_demo_suppliers()
    assert made and made["suppliers"] == 3 and prepare_demo_suppliers() is None
    assert Delivery.objects.filter(on_time=False).exists()
    assert Donation.objects.filter(public=False).exists() and Donation.objects.filter(public=True).exists()
    soon = timezone.localdate() + datetime.timedelta(days=60)
    assert Qualification.objects.filter(valid_until__lte=soon, status=QualificationStatus.VERIFIED).count() == 1
    assert AuditEvent.objects.filter(action="suppliers.qualification_check").count() == made["qualifications"]
