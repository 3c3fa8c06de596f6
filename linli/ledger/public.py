"""What a department needs to audit the ledger: public keys and the log in plain data.

The same shapes are served by the API (for ``linli ledger mirror``) and written by
``linli ledger keys`` (for offline ``linli ledger check``).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

from django.conf import settings

from linli.core.crypto import seal_matches
from linli.ledger import entry as entries
from linli.ledger import keys, state
from linli.ledger.auditing import Auditor, Finding, PartyKey
from linli.ledger.entry import salted_payload_hash
from linli.ledger.log import canonical_payload, from_millis, row_seal_message
from linli.ledger.models import Checkpoint, LedgerEntry, LedgerHead, Party, Payload, Witness
from linli.ledger.note import CosignatureVerifier, Verifier


def public_keys() -> dict[str, Any]:
    return {
        "format": "linli-ledger-keys/v1",
        "origin": keys.origin(),
        "log": keys.log_signer().verifier().encode(),
        "quorum": settings.LINLI_LEDGER_QUORUM,
        "parties": [{"name": p.name, "display_name": p.display_name, "kind": p.kind, "key": p.verifier_key,
                     "entry_types": sorted(p.entry_types)} for p in Party.objects.order_by("name")],
        "witnesses": [{"name": w.name, "key": w.verifier_key} for w in Witness.objects.order_by("name")],
    }


def auditor_from_keys(data: dict[str, Any], quorum: int | None = None) -> Auditor:
    """An auditor trusting exactly the keys in ``data`` (a keys file or the API's answer)."""
    if data.get("format") != "linli-ledger-keys/v1":
        raise ValueError("not a Linli ledger keys file")
    parties = {p["name"]: PartyKey(p["name"], Verifier.decode(p["key"]), frozenset(p["entry_types"]))
               for p in data["parties"]}
    witnesses = [CosignatureVerifier.decode(w["key"]) for w in data["witnesses"]]
    return Auditor(parties, Verifier.decode(data["log"]), witnesses,
                   data.get("quorum", 0) if quorum is None else quorum)


def entry_json(entry: LedgerEntry) -> dict[str, Any]:
    return {"index": entry.index, "entry": base64.b64encode(bytes(entry.body)).decode(),
            "signature": base64.b64encode(bytes(entry.signature)).decode()}


_ENTRY_COLUMNS = ("index", "body", "signature", "leaf_hash", "entry_type", "subject_ref", "claimed_at", "references",
                  "path", "submission_id", "sequenced_at", "seal", "party__name", "party__managed")
_CHUNK = 5000


def verify_database(*, require_quorum: bool = False) -> tuple[int, int, Finding | None]:
    """Recompute everything from the local database: (entries checked, checkpoints checked,
    first finding). The log itself is checked with public keys only, like any other auditor
    would; then every stored column against the signed entry, each row's seal (with this
    server's integrity key), the payload rows against the hashes the entries commit to, and
    the database against the last checkpoint this server signed (kept outside it)."""
    auditor = auditor_from_keys(public_keys())
    checkpoints = list(Checkpoint.objects.order_by("size").values_list("size", "root", "note"))
    next_checkpoint, checked_checkpoints = 0, 0
    for chunk in _chunks():
        payloads = {sid: rest for sid, *rest in Payload.objects.filter(
            submission_id__in=[row[9] for row in chunk]).values_list("submission_id", "salt", "content",
                                                                     "redaction_reason")}
        for row in chunk:
            index, body, signature, leaf = row[0], bytes(row[1]), bytes(row[2]), row[3]
            if not auditor.add_entry(index, body, signature, bytes.fromhex(leaf)):
                return auditor.tree.size, checked_checkpoints, auditor.finding
            finding = _stored_columns(row, body, payloads.get(row[9]))
            if finding is not None:
                return auditor.tree.size, checked_checkpoints, finding
            while next_checkpoint < len(checkpoints) and checkpoints[next_checkpoint][0] == auditor.tree.size:
                size, root, note = checkpoints[next_checkpoint]
                if root != auditor.tree.root(size).hex():
                    return auditor.tree.size, checked_checkpoints, Finding(
                        "checkpoint", size, "the stored root column disagrees with the entries")
                if not auditor.check_checkpoint(note.encode(), require_quorum=False):
                    return auditor.tree.size, checked_checkpoints, auditor.finding
                checked_checkpoints += 1
                next_checkpoint += 1
    size = auditor.tree.size
    if next_checkpoint < len(checkpoints):
        covered = checkpoints[next_checkpoint][0]
        return size, checked_checkpoints, Finding(
            "checkpoint", covered, f"covers {covered} entries but only {size} are in the log: entries were deleted")
    finding = _tail(auditor)
    if finding is not None:
        return size, checked_checkpoints, finding
    if require_quorum and checkpoints:
        from linli.ledger.witnessing import cosigned_note

        latest = Checkpoint.objects.order_by("-size").first()
        assert latest is not None  # noqa: S101 - checkpoints is not empty
        auditor.check_checkpoint(cosigned_note(latest).encode(), require_quorum=True)
    return size, checked_checkpoints, auditor.finding


def _chunks() -> Iterator[list[tuple[Any, ...]]]:
    """The log in index order, a chunk at a time (keyset pages: no long-lived cursor)."""
    start = 0
    while True:
        chunk = list(LedgerEntry.objects.filter(index__gte=start).order_by("index")
                     .values_list(*_ENTRY_COLUMNS)[:_CHUNK])
        if not chunk:
            return
        yield chunk
        start = chunk[-1][0] + 1


def _stored_columns(row: tuple[Any, ...], body_bytes: bytes, payload: list[Any] | None) -> Finding | None:
    """The columns beside the signed body say what it says; the seal covers the others; the
    payload row is the one the entry commits to."""
    (index, _body, _signature, leaf, entry_type, subject_ref, claimed_at, references, path, submission_id,
     sequenced_at, seal, party_name, party_managed) = row
    body = entries.decode(body_bytes)  # add_entry decoded it already: it cannot fail here
    columns = {"entry_type": (entry_type, body.entry_type), "subject_ref": (subject_ref, body.subject_ref),
               "claimed_at": (claimed_at, from_millis(body.claimed_at)),
               "references": (list(references), list(body.references)), "party": (party_name, body.submitter)}
    for name, (stored, signed) in columns.items():
        if stored != signed:
            return Finding("entry", index, f"its {name} column says {stored!r}, the signed entry {signed!r}: the row "
                           "was altered")
    if not seal_matches(seal, row_seal_message(index, leaf, submission_id, path, sequenced_at)):
        return Finding("entry", index, "its seal does not match its path, payload id or sequencing time: the row "
                       "was altered (or the integrity key it names is missing)")
    if payload is None:
        return Finding("payload", index, "the payload row is missing") if party_managed else None
    salt, content, redaction_reason = payload
    if content is None:
        return None if redaction_reason else Finding(
            "payload", index, "the payload was emptied without a recorded redaction")
    try:
        matches = salted_payload_hash(canonical_payload(content), bytes.fromhex(salt)) == body.payload_hash
    except (ValueError, entries.EntryError):
        matches = False
    if not matches:
        return Finding("payload", index, "the payload row does not match the hash the signed entry commits to: "
                       "it was altered")
    return None


def _tail(auditor: Auditor) -> Finding | None:
    """The sequencer's head and the checkpoint kept outside the database agree with the log."""
    size = auditor.tree.size
    head = LedgerHead.objects.filter(pk=1).values_list("size", flat=True).first()
    if head is not None and head != size:
        return Finding("sequence", size, f"the sequencer's head says the log holds {head} entries, it holds {size}")
    problem = state.dropped_tail(auditor.tree)
    return Finding("checkpoint", size, problem) if problem else None
