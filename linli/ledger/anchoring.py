"""The audit chain's head, written to the shared ledger so that the witnesses cosign it.

The audit log lives in the platform's database; whoever holds that database could put back
an older copy of it. Every hour (when the chain has grown) and whenever a day closes, the
head (row number, row id and hash) becomes a ledger entry signed by the platform's own
party, ``<origin host>/platform/audit``, whose key is held outside the database. ``linli
audit verify`` reads these entries back as copies of the head (``audit_anchors``).
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from linli.core import audit
from linli.core.models import AuditEvent
from linli.ledger import entry as entries
from linli.ledger import keys, log, merkle, state
from linli.ledger.models import LedgerEntry, Party, Payload

ENTRY_TYPE = "audit_head"
SUBJECT = "audit:chain"

logger = logging.getLogger(__name__)


def party_name() -> str:
    return f"{keys.origin().split('/')[0]}/platform/audit"


def audit_party() -> Party:
    return keys.ensure_managed_party(party_name(), "邻里平台审计日志", "other", [ENTRY_TYPE])


def audit_anchors() -> audit.AnchorSet:
    """Every head written to the ledger, each checked before it is believed: the entry is
    signed with the key held for the platform's party (not the key the database names), its
    payload is the one the entry commits to, and the ledger still holds everything the last
    checkpoint kept outside the database covers (so no anchor was dropped with its tail)."""
    problem = state.dropped_tail(state.database_tree())
    if problem is not None:
        return audit.AnchorSet([], f"the shared ledger that keeps the head's copies was cut back: {problem}")
    rows = LedgerEntry.objects.filter(entry_type=ENTRY_TYPE, party__name=party_name()).order_by("index")
    if not rows.exists():
        return audit.AnchorSet([])
    verifier = keys.party_signer(party_name()).verifier()
    anchors = []
    payloads = {sid: (salt, content) for sid, salt, content in Payload.objects.filter(
        submission_id__in=rows.values("submission_id")).values_list("submission_id", "salt", "content")}
    for index, body_bytes, signature, leaf, submission_id, sequenced_at in rows.values_list(
            "index", "body", "signature", "leaf_hash", "submission_id", "sequenced_at"):
        body_bytes, signature = bytes(body_bytes), bytes(signature)
        body = entries.decode(body_bytes)
        payload = payloads.get(submission_id)
        if merkle.leaf_hash(body_bytes + signature).hex() != leaf or not entries.verify_entry(body, signature, verifier):
            return audit.AnchorSet([], f"ledger entry {index} claims to hold the audit head but is not signed by "
                                   "the platform's key: the ledger was altered", audit.BreakKind.REWRITTEN)
        # A head holds no personal data: nothing lawful empties or removes its payload.
        salt, content = payload if payload is not None else ("", None)
        anchor = None
        try:
            if content is not None and body.payload_hash == entries.salted_payload_hash(
                    log.canonical_payload(content), bytes.fromhex(salt)):
                anchor = audit.Anchor(int(content["seq"]), str(content["hash"]), f"ledger entry {index} ("
                                      f"{timezone.localtime(sequenced_at):%Y-%m-%d %H:%M})")
        except (ValueError, TypeError, KeyError, entries.EntryError):
            pass
        if anchor is None:
            return audit.AnchorSet([], f"the payload of ledger entry {index} (an audit head) was altered or "
                                   "removed", audit.BreakKind.REWRITTEN)
        anchors.append(anchor)
    return audit.AnchorSet(anchors)


def latest_anchor() -> audit.Anchor | None:
    found = audit_anchors()
    return found.anchors[-1] if found.problem is None and found.anchors else None


def anchor_audit_head(*, day_closed: datetime.date | None = None) -> dict[str, Any] | None:
    """Write the chain's head to the ledger (the payload, or None when there was nothing to
    write). Hourly, only a head that moved is written; at the close of a day, always.

    The rows since the last anchor are checked first: a head that does not follow from the
    last one the witnesses saw is not written (that would vouch for a rewritten log); the
    failure is logged and recorded in the audit log instead."""
    found = audit_anchors()
    last = found.anchors[-1] if found.anchors else None
    report = audit.verify_tail(last)
    broken = report.broken
    if found.problem is not None:
        broken = audit.ChainBreak(report.last_seq, None, found.problem, found.problem_kind)
    if broken is not None:
        logger.error("audit head not anchored: chain broken at #%s: %s", broken.seq, broken.reason)
        audit.record("audit.anchor", outcome="failed", detail={"broken_seq": broken.seq, "kind": str(broken.kind),
                                                               "reason": broken.reason})
        return None
    if report.last_seq == 0 or (day_closed is None and last is not None and last.seq == report.last_seq):
        return None
    row_id = AuditEvent.objects.filter(seq=report.last_seq).values_list("pk", flat=True).get()
    payload: dict[str, Any] = {"seq": report.last_seq, "row_id": row_id, "hash": report.last_hash,
                               "at": timezone.now().isoformat(timespec="seconds")}
    if day_closed is not None:
        payload["day_closed"] = day_closed.isoformat()
    with transaction.atomic():
        log.append(ENTRY_TYPE, party=audit_party(), subject_ref=SUBJECT, payload=payload, path="")
    return payload
