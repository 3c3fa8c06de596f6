"""What a department needs to audit the ledger: public keys and the log in plain data.

The same shapes are served by the API (for ``linli ledger mirror``) and written by
``linli ledger keys`` (for offline ``linli ledger check``).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

from django.conf import settings

from linli.ledger import keys
from linli.ledger.auditing import Auditor, Finding, PartyKey
from linli.ledger.models import Checkpoint, LedgerEntry, Party, Witness
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


def verify_database(*, require_quorum: bool = False) -> tuple[int, int, Finding | None]:
    """Recompute everything from the local database: (entries checked, checkpoints checked,
    first finding). Uses only public keys, like any other auditor."""
    auditor = auditor_from_keys(public_keys())
    checkpoints = list(Checkpoint.objects.order_by("size").values_list("size", "root", "note"))
    next_checkpoint, checked_checkpoints = 0, 0
    rows = LedgerEntry.objects.order_by("index").values_list("index", "body", "signature", "leaf_hash")
    for index, body, signature, leaf in _chunked(rows):
        if not auditor.add_entry(index, bytes(body), bytes(signature), bytes.fromhex(leaf)):
            return auditor.tree.size, checked_checkpoints, auditor.finding
        while next_checkpoint < len(checkpoints) and checkpoints[next_checkpoint][0] == auditor.tree.size:
            size, root, note = checkpoints[next_checkpoint]
            if root != auditor.tree.root(size).hex():
                return auditor.tree.size, checked_checkpoints, Finding(
                    "checkpoint", size, "the stored root column disagrees with the entries")
            if not auditor.check_checkpoint(note.encode(), require_quorum=False):
                return auditor.tree.size, checked_checkpoints, auditor.finding
            checked_checkpoints += 1
            next_checkpoint += 1
    if next_checkpoint < len(checkpoints):
        size = checkpoints[next_checkpoint][0]
        return auditor.tree.size, checked_checkpoints, Finding(
            "checkpoint", size, f"covers {size} entries but only {auditor.tree.size} are in the log: entries "
            "were deleted")
    if require_quorum and checkpoints:
        from linli.ledger.witnessing import cosigned_note

        latest = Checkpoint.objects.order_by("-size").first()
        assert latest is not None  # noqa: S101 - checkpoints is not empty
        auditor.check_checkpoint(cosigned_note(latest).encode(), require_quorum=True)
    return auditor.tree.size, checked_checkpoints, auditor.finding


def _chunked(rows: Any) -> Iterator[Any]:
    yield from rows.iterator(chunk_size=5000)
