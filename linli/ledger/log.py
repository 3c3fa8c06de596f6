"""Writing to the ledger: append, sequence into the Merkle tree, sign checkpoints.

``append`` (for Linli's own modules) and ``submit`` (for entries signed elsewhere) put a
verified entry in the pending queue inside the caller's transaction. The sequencer takes
the queue in batches: one database transaction gives each entry its index, extends the
tree and stores one signed checkpoint, so a burst of entries costs one commit, not one
fsync each. Witnesses are asked for cosignatures after the commit.
"""

from __future__ import annotations

import base64
import datetime
import json
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from linli.core.crypto import blind_index
from linli.ledger import entry as entries
from linli.ledger import keys, merkle
from linli.ledger.models import Checkpoint, LedgerEntry, LedgerHead, Party, Payload, PendingEntry
from linli.ledger.note import Checkpoint as CheckpointBody
from linli.ledger.note import Verifier, sign_note
from linli.ledger.tree import LevelTree


class LedgerError(ValueError):
    """An entry the ledger refuses: unknown party, type not allowed, bad signature …"""


def pseudonym(kind: str, value: Any) -> str:
    """A stable reference to a person or object that reveals nothing without the server's
    key: the ledger never holds names or ID numbers."""
    return f"{kind}:{blind_index(str(value), purpose='ledger.subject.' + kind)[:24]}"


def canonical_payload(content: Any) -> bytes:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def append(
    entry_type: str,
    *,
    party: Party,
    subject_ref: str,
    payload: Any,
    references: Sequence[int] = (),
    path: str = "",
    claimed_at: datetime.datetime | None = None,
) -> uuid.UUID:
    """Record something a managed party vouches for. Runs inside the caller's transaction:
    if the caller's change rolls back, so does the entry."""
    if not party.managed:
        raise LedgerError(f"party {party.name} signs its own entries; use submit()")
    salt = entries.new_salt()
    moment = claimed_at or timezone.now()
    body = entries.EntryBody(
        entry_type=entry_type, subject_ref=subject_ref, claimed_at=int(moment.timestamp() * 1000),
        payload_hash=entries.salted_payload_hash(canonical_payload(payload), salt),
        references=tuple(references), submitter_key_id=bytes.fromhex(party.key_id), submitter=party.name)
    signature = entries.sign_entry(body, keys.party_signer(party.name))
    return submit(entries.encode(body), signature, payload=payload, salt=salt, path=path)


_PARTY_TTL = 5.0
_party_cache: dict[str, tuple[float, Party | None, Verifier | None]] = {}


def _party(name: str) -> tuple[Party | None, Verifier | None]:
    """The active party and its decoded key, cached for a few seconds: a burst of entries
    from one department costs one query, and a deactivation takes effect within seconds."""
    now = time.monotonic()
    cached = _party_cache.get(name)
    if cached is None or now - cached[0] > _PARTY_TTL:
        party = Party.objects.filter(name=name, active=True).first()
        cached = (now, party, Verifier.decode(party.verifier_key) if party else None)
        _party_cache[name] = cached
    return cached[1], cached[2]


def append_many(entry_type: str, *, party: Party, items: Sequence[tuple[str, Any]], path: str = "") -> int:
    """Record many (subject_ref, payload) items at once, as an import does. The batch is
    sequenced right here, under the sequencer's lock, after anything already pending: one
    checkpoint for the whole batch, no pending rows written and deleted again."""
    if not party.managed:
        raise LedgerError(f"party {party.name} signs its own entries; use submit()")
    signer, millis = keys.party_signer(party.name), int(timezone.now().timestamp() * 1000)
    if entry_type not in party.entry_types:
        raise LedgerError(f"{party.name} may not submit {entry_type!r} entries")
    if signer.key_id.hex() != party.key_id:
        raise LedgerError(f"the key held for {party.name} is not the party's registered key")
    batch: list[_Item] = []
    payloads = []
    for subject_ref, content in items:
        salt = entries.new_salt()
        body = entries.EntryBody(entry_type, subject_ref, millis, entries.salted_payload_hash(
            canonical_payload(content), salt), (), signer.key_id, party.name)
        # Signed here with the party's own key, checked against its registration above: the
        # signature is verified by every auditor, re-verifying it here would only halve the rate.
        body_bytes, signature = entries.encode(body), entries.sign_entry(body, signer)
        submission = uuid.uuid4()
        batch.append(_Item(submission, body, body_bytes, signature, party.pk, path))
        payloads.append(Payload(submission_id=submission, salt=salt.hex(), content=content))
    with transaction.atomic():
        Payload.objects.bulk_create(payloads, batch_size=2000)
        head, _ = LedgerHead.objects.select_for_update().get_or_create(pk=1)
        pending, pending_pks = _pending_items(None)
        checkpoint = _extend_log(head, pending + batch)
        PendingEntry.objects.filter(pk__in=pending_pks).delete()
    transaction.on_commit(lambda: _cosign_later(checkpoint))
    return len(batch)


def _cosign_later(checkpoint: Checkpoint) -> None:
    from linli.ledger.witnessing import collect_cosignatures

    collect_cosignatures(checkpoint)


def check_submission(body_bytes: bytes, signature: bytes) -> tuple[entries.EntryBody, Party]:
    """Decode, find the party, check its key, entry type and signature."""
    try:
        body = entries.decode(body_bytes)
    except entries.EntryError as exc:
        raise LedgerError(f"malformed entry: {exc}") from exc
    party, verifier = _party(body.submitter)
    if party is None or verifier is None:
        raise LedgerError(f"unknown or inactive party {body.submitter!r}")
    if body.submitter_key_id.hex() != party.key_id:
        raise LedgerError(f"entry names key {body.submitter_key_id.hex()}, party key is {party.key_id}")
    if body.entry_type not in party.entry_types:
        raise LedgerError(f"{party.name} may not submit {body.entry_type!r} entries")
    if not entries.verify_entry(body, signature, verifier):
        raise LedgerError("the submitter's signature does not verify")
    return body, party


def submit(body_bytes: bytes, signature: bytes, *, payload: Any = None, salt: bytes | None = None,
           path: str = "") -> uuid.UUID:
    body, party = check_submission(body_bytes, signature)
    if payload is not None and salt is not None and \
            entries.salted_payload_hash(canonical_payload(payload), salt) != body.payload_hash:
        raise LedgerError("the payload does not match the hash in the entry")
    submission = uuid.uuid4()
    PendingEntry.objects.create(submission_id=submission, body=body_bytes, signature=signature,
                                party=party, path=path)
    if payload is not None and salt is not None:
        Payload.objects.create(submission_id=submission, salt=salt.hex(), content=payload)
    transaction.on_commit(request_sequencing)
    return submission


# --- the sequencer --------------------------------------------------------------------

_tree_lock = threading.Lock()
_tree_cache: dict[str, LevelTree] = {}


def stored_tree() -> LevelTree:
    """The tree of sequenced leaves, read from the database once per process and extended
    with new leaves (the log is append-only)."""
    with _tree_lock:
        tree = _tree_cache.setdefault("tree", LevelTree())
        new = LedgerEntry.objects.filter(index__gte=tree.size).order_by("index").values_list("index", "leaf_hash")
        for index, leaf in new.iterator(chunk_size=10000):
            if index != tree.size:
                break  # a gap: verify() reports it; proofs stop at the last contiguous leaf
            tree.append(bytes.fromhex(leaf))
        return tree


def forget_tree() -> None:
    with _tree_lock:
        _tree_cache.clear()
    _party_cache.clear()


@dataclass(frozen=True)
class _Item:
    submission_id: uuid.UUID
    body: entries.EntryBody
    body_bytes: bytes
    signature: bytes
    party_id: int
    path: str


def _pending_items(limit: int | None) -> tuple[list[_Item], list[int]]:
    rows = PendingEntry.objects.order_by("pk").values_list(
        "pk", "submission_id", "body", "signature", "party_id", "path")
    items, pks = [], []
    for pk, submission_id, raw_body, raw_signature, party_id, path in (rows[:limit] if limit else rows):
        body_bytes = bytes(raw_body)
        items.append(_Item(submission_id, entries.decode(body_bytes), body_bytes, bytes(raw_signature),
                           party_id, path))
        pks.append(pk)
    return items, pks


def _extend_log(head: LedgerHead, items: list[_Item]) -> Checkpoint:
    """Give ``items`` the next indexes, extend the tree, sign one checkpoint (head locked)."""
    frontier = merkle.CompactRange.from_state(head.size, [bytes.fromhex(h) for h in head.frontier])
    now = timezone.now()
    rows = []
    for offset, item in enumerate(items):
        leaf = merkle.leaf_hash(item.body_bytes + item.signature)  # = entries.leaf_data(body, signature)
        frontier.append(leaf)
        rows.append(LedgerEntry(
            index=head.size + offset, leaf_hash=leaf.hex(), body=item.body_bytes, signature=item.signature,
            submission_id=item.submission_id, party_id=item.party_id, entry_type=item.body.entry_type,
            subject_ref=item.body.subject_ref,
            claimed_at=datetime.datetime.fromtimestamp(item.body.claimed_at / 1000, tz=datetime.UTC),
            references=list(item.body.references), path=item.path, sequenced_at=now))
    LedgerEntry.objects.bulk_create(rows, batch_size=2000)
    checkpoint = _sign_checkpoint(frontier.size, frontier.root(), now)
    head.size, head.frontier = frontier.size, [n.hex() for n in frontier.nodes]
    head.save()
    return checkpoint


def sequence(max_batch: int = 20000) -> Checkpoint | None:
    """Sequence one batch of pending entries and sign a checkpoint for the new size."""
    with transaction.atomic():
        head, _ = LedgerHead.objects.select_for_update().get_or_create(pk=1)
        items, pks = _pending_items(max_batch)
        if not items:
            return None
        checkpoint = _extend_log(head, items)
        PendingEntry.objects.filter(pk__in=pks).delete()
    return checkpoint


def _sign_checkpoint(size: int, root: bytes, now: datetime.datetime) -> Checkpoint:
    body = CheckpointBody(origin=keys.origin(), size=size, root=root).body()
    note = sign_note(body, keys.log_signer())
    return Checkpoint.objects.create(size=size, root=root.hex(), note=note.decode(), created_at=now)


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size").first()


_wake = threading.Event()


def request_sequencing() -> None:
    """After a commit that queued entries: wake the in-server sequencer thread if there is
    one; otherwise (tests, CLI) sequence right away."""
    if _sequencer_running.is_set():
        _wake.set()
        return
    checkpoint = sequence()
    if checkpoint is not None:
        from linli.ledger.witnessing import collect_cosignatures

        collect_cosignatures(checkpoint)


_sequencer_running = threading.Event()


def run_sequencer(interval: float = 2.0, stop: threading.Event | None = None) -> None:
    """Loop: sequence whatever is pending at least every ``interval`` seconds, publish a
    checkpoint for it and ask the witnesses to cosign."""
    from django.db import close_old_connections

    from linli.ledger.witnessing import collect_cosignatures

    _sequencer_running.set()
    stop = stop or threading.Event()
    try:
        while not stop.is_set():
            _wake.wait(interval)
            _wake.clear()
            close_old_connections()
            while (checkpoint := sequence()) is not None:
                collect_cosignatures(checkpoint)
            catch_up_witnesses()
    finally:
        _sequencer_running.clear()


def catch_up_witnesses() -> None:
    """Ask again any witness that has not cosigned the latest checkpoint (it was down, or
    started after the checkpoint was made)."""
    from linli.ledger.models import Witness
    from linli.ledger.witnessing import ask_witness

    latest = latest_checkpoint()
    if latest is None:
        return
    for witness in Witness.objects.filter(active=True, last_size__lt=latest.size):
        ask_witness(witness, latest)


def start_sequencer_thread() -> threading.Thread:
    thread = threading.Thread(target=run_sequencer, name="linli-ledger-sequencer", daemon=True)
    thread.start()
    return thread


@dataclass(frozen=True)
class ProofBundle:
    """Everything needed to check, offline and with public keys only, that entry ``index``
    is in the log that the witnesses saw."""

    index: int
    body: bytes
    signature: bytes
    proof: list[bytes]
    checkpoint: str  # signed note with the log's signature and the witnesses' cosignatures

    def to_json(self) -> dict[str, Any]:
        b64 = base64.b64encode
        return {"format": "linli-ledger-proof/v1", "index": self.index, "entry": b64(self.body).decode(),
                "signature": b64(self.signature).decode(), "inclusion_proof": [b64(h).decode() for h in self.proof],
                "checkpoint": self.checkpoint}


def proof_bundle(index: int) -> ProofBundle:
    from linli.ledger.witnessing import cosigned_note

    entry = LedgerEntry.objects.get(index=index)
    checkpoint = latest_checkpoint()
    if checkpoint is None or checkpoint.size <= index:
        raise LedgerError(f"entry {index} is not covered by a checkpoint yet")
    proof = stored_tree().inclusion_proof(index, checkpoint.size)
    return ProofBundle(index, bytes(entry.body), bytes(entry.signature), proof, cosigned_note(checkpoint))
