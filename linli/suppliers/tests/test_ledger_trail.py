"""Qualification checks and delivery results go to the shared ledger, and their entries verify."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from linli.ledger import log
from linli.ledger.auditing import check_bundle
from linli.ledger.models import LedgerEntry, Payload, PendingEntry
from linli.ledger.public import auditor_from_keys, public_keys, verify_database
from linli.suppliers import actions, trail
from linli.suppliers.models import (
    CheckResult,
    QualificationCheck,
    QualificationKind,
    QualificationStatus,
    Quality,
)
from linli.suppliers.tests.helpers import PDF, licence, order, point_in, supplier_in

pytestmark = pytest.mark.django_db


def _sequenced() -> None:
    log.request_sequencing()  # on commit in real use; tests never commit


def test_qualification_entries_in_the_ledger_verify(street):
    supplier = supplier_in(street)
    registration = actions.do_add_qualification(
        supplier, kind=QualificationKind.DEVICE_REGISTRATION, number="沪械注准20202140123", issuer="上海市药品监督管理局",
        document=PDF, document_name="注册证.pdf", acting_user=street.street_officer)
    actions.do_check_qualification(registration, result=CheckResult.INVALID, note="注册证号与数据库不符",
                                   acting_user=street.street_officer)
    _sequenced()
    entries = list(LedgerEntry.objects.filter(subject_ref=supplier.ledger_ref).order_by("index"))
    assert [e.entry_type for e in entries] == ["supplier_qualification", "supplier_qualification"]
    assert supplier.ledger_ref == f"supplier:{supplier.credit_code}"
    rows = trail.rows_of(supplier)
    assert [r.status for r in rows] == ["verified", "verified"]
    assert rows[1].payload["result"] == "invalid" and rows[1].payload["number"] == "沪械注准20202140123"
    assert rows[0].payload["document_sha256"] == supplier.qualifications.get(
        kind=QualificationKind.BUSINESS_LICENCE).document_sha256
    registration.refresh_from_db()
    assert registration.status == QualificationStatus.REJECTED
    # each entry verifies offline, with public keys only, as another department would check it
    trusted = auditor_from_keys(public_keys(), quorum=0)
    for entry in entries:
        bundle = log.proof_bundle(entry.index).to_json()
        assert check_bundle(bundle, trusted.log_verifier, trusted.parties, trusted.witnesses, 0) is None
    assert verify_database()[2] is None
    # the check itself cannot be rewritten here either
    with pytest.raises(Exception, match="append-only"):
        QualificationCheck.objects.first().save()


def test_a_rewritten_payload_no_longer_verifies(street):
    supplier = supplier_in(street)
    _sequenced()
    entry = LedgerEntry.objects.get(subject_ref=supplier.ledger_ref)
    payload = Payload.objects.get(submission_id=entry.submission_id)
    payload.content = {**payload.content, "valid_until": "2099-12-31"}
    payload.save()
    [row] = trail.rows_of(supplier)
    assert row.signed and not row.payload_matches and row.status == "broken"
    page = street.client_for(street.street_officer).get(f"/supplies/suppliers/{supplier.pk}/trail/")
    assert "校验失败" in page.content.decode() or "FAILS" in page.content.decode()


def test_a_failed_check_rolls_back_without_a_ledger_entry(street):
    supplier = supplier_in(street, checked=False)
    qualification = licence(street, supplier, days=-1, check=False)  # expired yesterday
    before = LedgerEntry.objects.count() + PendingEntry.objects.count()
    with pytest.raises(Exception, match="expired|过期"), transaction.atomic():
        actions.do_check_qualification(qualification, result=CheckResult.VALID, acting_user=street.street_officer)
    assert LedgerEntry.objects.count() + PendingEntry.objects.count() == before
    assert not QualificationCheck.objects.filter(qualification=qualification).exists()


def test_deliveries_quality_results_are_in_the_trail(street):
    supplier = supplier_in(street)
    point = point_in(street)
    placed = order(street, supplier, point, days=3)
    line = placed.lines.get()
    actions.do_record_delivery(placed, delivered_on=timezone.localdate(), quality=Quality.MINOR, note="外箱破损 2 箱",
                               received={line.pk: 900}, acting_user=street.secretary)
    _sequenced()
    rows = trail.rows_of(supplier)
    delivery = [r for r in rows if r.entry.entry_type == "supplier_delivery"]
    assert len(delivery) == 1 and delivery[0].status == "verified"
    assert delivery[0].payload["quality"] == "minor" and delivery[0].payload["lines"][0]["received"] == 900
    page = street.client_for(street.street_officer).get(f"/supplies/suppliers/{supplier.pk}/trail/")
    assert page.status_code == 200 and "已验证" in page.content.decode()
