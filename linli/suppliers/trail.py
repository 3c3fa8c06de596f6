"""A supplier's trail in the shared ledger, each entry verified as the page is drawn: the
submitting office's signature over the entry, the stored payload against the entry's salted
hash, and the entry's inclusion in the latest signed checkpoint."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from linli.ledger import entry as entries
from linli.ledger.log import canonical_payload, inclusion_status
from linli.ledger.models import LedgerEntry, Payload
from linli.ledger.note import Verifier
from linli.suppliers.models import (
    CheckResult,
    Delivery,
    QualificationCheck,
    QualificationKind,
    Quality,
    Supplier,
)


@dataclass
class TrailRow:
    entry: LedgerEntry
    payload: dict[str, Any] | None
    signed: bool
    payload_matches: bool
    inclusion: str  # "proved", "pending", "broken"

    @property
    def labels(self) -> dict[str, str]:
        """The payload's codes in the reader's language."""
        payload = self.payload or {}
        words = {"kind": QualificationKind, "result": CheckResult, "quality": Quality}
        return {key: str(choices(payload[key]).label) for key, choices in words.items()  # type: ignore[abstract]
                if payload.get(key) in choices.values}

    @property
    def status(self) -> str:
        """"verified", "pending" (signed and stored, not yet in a checkpoint) or "broken"."""
        if not (self.signed and self.payload_matches) or self.inclusion == "broken":
            return "broken"
        return "verified" if self.inclusion == "proved" else "pending"


def _signed(entry: LedgerEntry, ref: str) -> tuple[bool, bytes]:
    try:
        body = entries.decode(bytes(entry.body))
        verifier = Verifier.decode(entry.party.verifier_key)
    except (entries.EntryError, ValueError):
        return False, b""
    ok = body.subject_ref == ref and entries.verify_entry(body, bytes(entry.signature), verifier)
    return ok, body.payload_hash


def rows_of(supplier: Supplier) -> list[TrailRow]:
    found = list(LedgerEntry.objects.filter(subject_ref=supplier.ledger_ref).select_related("party").order_by("index"))
    payloads = {p.submission_id: p for p in Payload.objects.filter(submission_id__in=[e.submission_id for e in found])}
    rows = []
    for entry, inclusion in zip(found, inclusion_status(found), strict=True):
        signed, payload_hash = _signed(entry, supplier.ledger_ref)
        payload = payloads.get(entry.submission_id)
        matches = payload is not None and payload.content is not None and entries.salted_payload_hash(
            canonical_payload(payload.content), bytes.fromhex(payload.salt)) == payload_hash
        rows.append(TrailRow(entry, payload.content if payload else None, signed, matches, inclusion))
    return rows


def waiting(supplier: Supplier) -> int:
    """Checks and deliveries recorded whose ledger entries are not sequenced yet."""
    recorded = [*QualificationCheck.objects.filter(qualification__supplier=supplier)
                .values_list("ledger_submission", flat=True),
                *Delivery.objects.filter(order__supplier=supplier).values_list("ledger_submission", flat=True)]
    submissions: list[uuid.UUID] = [s for s in recorded if s is not None]
    return len(submissions) - LedgerEntry.objects.filter(submission_id__in=submissions).count()
