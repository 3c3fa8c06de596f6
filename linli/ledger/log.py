"""Writing to the ledger: append, sequence into the Merkle tree, sign checkpoints.

``append`` (for Linli's own modules) and ``submit`` (for entries signed elsewhere) put a
verified entry in the pending queue inside the caller's transaction. The sequencer takes
the queue in batches: one database transaction gives each entry its index, extends the
tree and stores one signed checkpoint, so a burst of entries costs one commit, not one
fsync each. ``append_many`` (an import) signs, verifies and sequences a whole batch in one
go, checking the signatures of a large batch in worker processes (``verifying``).
Witnesses are asked for cosignatures after the commit.
"""

from __future__ import annotations

import base64
import datetime
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from linli.core import crypto
from linli.core.bulk import insert_rows
from linli.core.crypto import blind_index
from linli.ledger import entry as entries
from linli.ledger import keys, merkle, state, verifying
from linli.ledger.models import Checkpoint, LedgerEntry, LedgerHead, Party, Payload, PendingEntry
from linli.ledger.note import Checkpoint as CheckpointBody
from linli.ledger.note import Signer, Verifier, sign_note
from linli.ledger.tree import LevelTree


class LedgerError(ValueError):
    """An entry the ledger refuses: unknown party, type not allowed, bad signature …"""


def pseudonym(kind: str, value: Any) -> str:
    """A stable reference to a person or object that reveals nothing without the server's
    key: the ledger never holds names or ID numbers."""
    return f"{kind}:{blind_index(str(value), purpose='ledger.subject.' + kind)[:24]}"


# One encoder for every payload: ``json.dumps`` with these options builds a new one per call.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def canonical_payload(content: Any) -> bytes:
    return _CANONICAL.encode(content).encode()


def new_submission_id() -> uuid.UUID:
    """A version 7 UUID (RFC 9562 §5.7): 48 bits of Unix milliseconds, then 74 random bits.

    Ids made one after another sort together, so the unique indexes on ``submission_id``
    (log and payload rows) grow at their right edge. With random (version 4) ids every row
    touched a random index page, which dominated appending to a log of a million entries."""
    return uuid.UUID(int=_submission_ints(1)[0])


def _submission_ints(count: int) -> list[int]:
    """``count`` new submission ids (see :func:`new_submission_id`) as 128-bit integers,
    from one read of the clock and one of the system's random source."""
    head = (time.time_ns() // 1_000_000 & (1 << 48) - 1) << 80 | 0x7 << 76 | 0b10 << 62
    pool = secrets.token_bytes(10 * count)
    ids = []
    for start in range(0, 10 * count, 10):
        random = int.from_bytes(pool[start:start + 10], "big") >> 6  # 74 bits
        ids.append(head | (random >> 62) << 64 | random & (1 << 62) - 1)
    return ids


def _submission_values(db: BaseDatabaseWrapper, ids: Iterable[int]) -> Iterator[tuple[Any, str]]:
    """For each new submission id: its database value (what ``UUIDField.get_db_prep_save``
    makes of the UUID: the UUID itself where the database has a UUID type, its 32 hex digits
    otherwise) and its text ``str(UUID)``, without a UUID object where none is needed."""
    native = db.features.has_native_uuid_field
    for value in ids:
        digits = f"{value:032x}"
        text = f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
        yield (uuid.UUID(int=value) if native else digits), text


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
    _require_managed(party)
    salt = entries.new_salt()
    body = entries.EntryBody(
        entry_type=entry_type, subject_ref=subject_ref, claimed_at=_millis(claimed_at or timezone.now()),
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


def _registered(name: str, entry_type: str) -> tuple[Party, Verifier]:
    """The active party and its registered key, if it may submit ``entry_type`` entries."""
    party, verifier = _party(name)
    if party is None or verifier is None:
        raise LedgerError(f"unknown or inactive party {name!r}")
    if entry_type not in party.entry_types:
        raise LedgerError(f"{party.name} may not submit {entry_type!r} entries")
    return party, verifier


def _require_managed(party: Party) -> None:
    if not party.managed:
        raise LedgerError(f"party {party.name} signs its own entries; use submit()")


def append_many(entry_type: str, *, party: Party, items: Sequence[tuple[str, Any]], path: str = "") -> int:
    """Record many (subject_ref, payload) items at once, as an import does. The batch is
    sequenced right here, under the sequencer's lock, after anything already pending: one
    checkpoint for the whole batch, no pending rows written and deleted again.

    Every entry is signed with the party's held key and its signature verified against the
    party's registered key before the entry gets an index (in worker processes for a large
    batch, see ``verifying``). All or nothing: one bad signature refuses the whole batch."""
    signer, verifier = _batch_keys(party, entry_type)
    millis = _millis(timezone.now())
    template = entries.BodyTemplate(entry_type, millis, (), signer.key_id, party.name)
    db = transaction.get_connection()
    shared = _Shared(party.pk, entry_type, _db_claimed_at(db, millis), _REFERENCES.get_db_prep_save([], db), path)
    verification = verifying.BatchVerification(verifier, len(items))
    chunks = []
    try:
        # Built and signed chunk by chunk, each handed to the verifiers at once, so that the
        # workers check signatures while this process builds, signs and stores the rest.
        for start in range(0, len(items), _CHUNK):
            chunk = _build_chunk(db, template, signer, items[start:start + _CHUNK])
            verification.add(chunk.bodies, chunk.signatures)
            chunks.append(chunk)
        with transaction.atomic():
            insert_rows(db, Payload, _PAYLOAD_FIELDS, [row for chunk in chunks for row in chunk.payload_rows(db)])
            writer = _LogWriter(db, pending_limit=None)
            for number, (chunk, bad) in enumerate(zip(chunks, verification.results(), strict=True)):
                if bad is not None:  # raising rolls back the whole batch, payloads included
                    raise LedgerError(f"item {number * _CHUNK + bad}: the signature made with the key held "
                                      f"for {party.name} does not verify against its registered key")
                writer.write(chunk.log_rows(shared))
            checkpoint = writer.finish()
    finally:
        verification.cancel()
    if checkpoint is not None:
        transaction.on_commit(lambda: _collect_cosignatures(checkpoint))
    return len(items)


def _batch_keys(party: Party, entry_type: str) -> tuple[Signer, Verifier]:
    """The key held for a managed party and its registered key, after the checks ``submit``
    makes of every entry (active party, allowed type, the entry's key is the party's)."""
    _require_managed(party)
    registered, verifier = _registered(party.name, entry_type)
    signer = keys.party_signer(party.name)
    if signer.key_id.hex() != registered.key_id or verifier.key_id != signer.key_id:
        raise LedgerError(f"the key held for {party.name} is not the party's registered key")
    return signer, verifier


_CHUNK = 500  # entries built, verified and stored together


@dataclass(frozen=True, slots=True)
class _Shared:
    """What every entry of an ``append_many`` batch has in common, as database values."""

    party_id: int
    entry_type: str
    claimed_at: Any
    references: Any
    path: str


@dataclass(slots=True)
class _Chunk:
    """Built and signed entries, column by column (no per-entry objects)."""

    submissions: list[tuple[Any, str]]  # (database value, text) of each submission id
    salts: list[bytes]
    contents: list[Any]
    subject_refs: list[str]
    bodies: list[bytes]
    signatures: list[bytes]

    def payload_rows(self, db: BaseDatabaseWrapper) -> Iterator[tuple[Any, ...]]:
        db_content = _json_converter(db)
        for (submission, _), salt, content in zip(self.submissions, self.salts, self.contents, strict=True):
            yield (submission, salt.hex(), db_content(content), "")

    def log_rows(self, shared: _Shared) -> Iterator[_LogRow]:
        for (submission, text), subject_ref, body, signature in zip(
                self.submissions, self.subject_refs, self.bodies, self.signatures, strict=True):
            yield (body, signature, submission, text, shared.party_id, shared.entry_type, subject_ref,
                   shared.claimed_at, shared.references, shared.path)


def _build_chunk(db: BaseDatabaseWrapper, template: entries.BodyTemplate, signer: Signer,
                 items: Sequence[tuple[str, Any]]) -> _Chunk:
    # The salts of the whole chunk come from one read of the system's random source.
    salts = secrets.token_bytes(entries.SALT_SIZE * len(items))
    chunk = _Chunk(list(_submission_values(db, _submission_ints(len(items)))), [], [], [], [], [])
    encode, sign, payload_hash = template.encode, entries.sign_encoded, entries.salted_payload_hash
    size = entries.SALT_SIZE
    for start, (subject_ref, content) in zip(range(0, len(salts), size), items, strict=True):
        salt = salts[start:start + size]
        body = encode(subject_ref, payload_hash(canonical_payload(content), salt))
        chunk.salts.append(salt)
        chunk.contents.append(content)
        chunk.subject_refs.append(subject_ref)
        chunk.bodies.append(body)
        chunk.signatures.append(sign(body, signer))
    return chunk


def _uuid_converter(db: BaseDatabaseWrapper) -> Callable[[uuid.UUID], Any]:
    """``UUIDField.get_db_prep_save`` for UUID values: the UUID itself where the database
    has a UUID type, its 32 hex digits otherwise."""
    return _same if db.features.has_native_uuid_field else _hex


def _same(value: Any) -> Any:
    return value


def _hex(value: uuid.UUID) -> str:
    return value.hex


def _json_converter(db: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    """``Payload.content``'s ``get_db_prep_save`` for plain JSON values (None is SQL NULL)."""
    adapt, encoder, field_prep = db.ops.adapt_json_value, _CONTENT.encoder, _CONTENT.get_db_prep_save
    plain = (dict, list, str, int, float, bool)

    def convert(content: Any) -> Any:
        if content is None or type(content) not in plain:
            return field_prep(content, db)  # None, expressions, lazy text: the field's own way
        return adapt(content, encoder)

    return convert


def _collect_cosignatures(checkpoint: Checkpoint) -> None:
    from linli.ledger.witnessing import collect_cosignatures

    collect_cosignatures(checkpoint)


def check_submission(body_bytes: bytes, signature: bytes) -> tuple[entries.EntryBody, Party]:
    """Decode, find the party, check its key, entry type and signature."""
    try:
        body = entries.decode(body_bytes)
    except entries.EntryError as exc:
        raise LedgerError(f"malformed entry: {exc}") from exc
    party, verifier = _registered(body.submitter, body.entry_type)
    if body.submitter_key_id.hex() != party.key_id:
        raise LedgerError(f"entry names key {body.submitter_key_id.hex()}, party key is {party.key_id}")
    if not entries.verify_entry(body, signature, verifier):
        raise LedgerError("the submitter's signature does not verify")
    return body, party


def submit(body_bytes: bytes, signature: bytes, *, payload: Any = None, salt: bytes | None = None,
           path: str = "") -> uuid.UUID:
    body, party = check_submission(body_bytes, signature)
    if payload is not None and salt is not None and \
            entries.salted_payload_hash(canonical_payload(payload), salt) != body.payload_hash:
        raise LedgerError("the payload does not match the hash in the entry")
    submission = new_submission_id()
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


# The log and payload rows are written with core.bulk.insert_rows (COPY on PostgreSQL): the
# ORM's bulk_create spent more per row than everything else but the signatures. Values go
# through the same field and backend conversions as the ORM's, so the rows are the ones it
# would have written, on SQLite and PostgreSQL alike.
_ENTRY_FIELDS = ("body", "signature", "submission_id", "party", "entry_type", "subject_ref", "claimed_at",
                 "references", "path", "index", "leaf_hash", "sequenced_at", "seal")
_PAYLOAD_FIELDS = ("submission_id", "salt", "content", "redaction_reason")
_REFERENCES = LedgerEntry._meta.get_field("references")
_CONTENT = Payload._meta.get_field("content")

# body, signature, submission id (its database value and its text), party id, entry type, subject
# ref, claimed at, references, path
_LogRow = tuple[bytes, bytes, Any, str, int, str, str, Any, Any, str]


_ROW_SEAL_DOMAIN = "linli-ledger-row/v1"


def row_seal_message(index: int, leaf_hash: str, submission_id: uuid.UUID | str, path: str,
                     sequenced_at: datetime.datetime) -> bytes:
    """What a log row's seal covers beyond the signed body (see ``LedgerEntry.seal``)."""
    return (f"{_ROW_SEAL_DOMAIN}\n{index}\n{leaf_hash}\n{submission_id}\n{path}\n"
            f"{sequenced_at.isoformat(timespec='microseconds')}").encode()


def _seal_tail(path: str, sequenced_at: datetime.datetime) -> bytes:
    """The end of :func:`row_seal_message`, the same for every row of a path in one step."""
    return f"\n{path}\n{sequenced_at.isoformat(timespec='microseconds')}".encode()


def _millis(moment: datetime.datetime) -> int:
    return int(moment.timestamp() * 1000)


def from_millis(millis: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(millis / 1000, tz=datetime.UTC)


def _db_claimed_at(db: BaseDatabaseWrapper, millis: int) -> Any:
    return db.ops.adapt_datetimefield_value(from_millis(millis))


def _pending_entries(db: BaseDatabaseWrapper, limit: int | None) -> tuple[list[_LogRow], list[int]]:
    """The oldest pending entries (verified when they were submitted), as log rows."""
    rows = PendingEntry.objects.order_by("pk").values_list(
        "pk", "submission_id", "body", "signature", "party_id", "path")
    out: list[_LogRow] = []
    db_uuid = _uuid_converter(db)
    pks = []
    for pk, submission_id, raw_body, raw_signature, party_id, path in (rows[:limit] if limit else rows):
        body_bytes = bytes(raw_body)
        body = entries.decode(body_bytes)
        out.append((body_bytes, bytes(raw_signature), db_uuid(submission_id), str(submission_id), party_id,
                    body.entry_type, body.subject_ref,
                    _db_claimed_at(db, body.claimed_at), _REFERENCES.get_db_prep_save(list(body.references), db),
                    path))
        pks.append(pk)
    return out, pks


class _LogWriter:
    """One sequencing step, inside the caller's transaction: locks the head, writes the
    pending entries (the oldest ``pending_limit`` of them, or all), takes more rows with
    :meth:`write`, then signs one checkpoint for all of them and empties the queue of what
    it wrote (:meth:`finish`)."""

    def __init__(self, db: BaseDatabaseWrapper, *, pending_limit: int | None) -> None:
        self.db = db
        self.head, _ = LedgerHead.objects.select_for_update().get_or_create(pk=1)
        self.frontier = merkle.CompactRange.from_state(self.head.size, [bytes.fromhex(h) for h in self.head.frontier])
        self.now = timezone.now()
        self.written = 0
        self._sequenced_at = db.ops.adapt_datetimefield_value(self.now)
        pending, self._pending_pks = _pending_entries(db, pending_limit)
        self.write(pending)

    def write(self, rows: Iterable[_LogRow]) -> None:
        frontier, db, sequenced_at = self.frontier, self.db, self._sequenced_at
        leaf_hash, append = merkle.leaf_hash, frontier.append
        key_id, now = crypto.integrity_key_id(), self.now
        mac = crypto.integrity_mac(key_id)
        seal_prefix = key_id + crypto.SEPARATOR
        tails: dict[str, bytes] = {}  # the seal message's end, by path
        params = []
        for body, signature, submission, text, party_id, entry_type, subject_ref, claimed_at, references, path \
                in rows:
            index = frontier.size
            leaf = leaf_hash(body + signature)  # = entries.leaf_data(body, signature)
            append(leaf)
            leaf_hex = leaf.hex()
            tail = tails.get(path)
            if tail is None:
                tail = tails[path] = _seal_tail(path, now)
            row_mac = mac.copy()  # over row_seal_message(index, leaf_hex, submission, path, now)
            row_mac.update(f"{_ROW_SEAL_DOMAIN}\n{index}\n{leaf_hex}\n{text}".encode())
            row_mac.update(tail)
            params.append((body, signature, submission, party_id, entry_type, subject_ref, claimed_at,
                           references, path, index, leaf_hex, sequenced_at, seal_prefix + row_mac.hexdigest()))
        insert_rows(db, LedgerEntry, _ENTRY_FIELDS, params)
        self.written += len(params)

    def finish(self) -> Checkpoint | None:
        """Sign a checkpoint for the new size and move the head (None if nothing was written)."""
        if not self.written:
            return None
        frontier = self.frontier
        checkpoint = _sign_checkpoint(frontier.size, frontier.root(), self.now)
        self.head.size, self.head.frontier = frontier.size, [n.hex() for n in frontier.nodes]
        self.head.save()
        # Kept outside the database too, so a dropped tail shows even without witnesses.
        transaction.on_commit(lambda: state.remember_checkpoint(checkpoint.size, checkpoint.note))
        if self._pending_pks:
            PendingEntry.objects.filter(pk__in=self._pending_pks).delete()
        return checkpoint


def sequence(max_batch: int = 20000) -> Checkpoint | None:
    """Sequence one batch of pending entries and sign a checkpoint for the new size."""
    with transaction.atomic():
        return _LogWriter(transaction.get_connection(), pending_limit=max_batch).finish()


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
        _collect_cosignatures(checkpoint)


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


def inclusion_status(rows: Sequence[LedgerEntry]) -> list[str]:
    """Each entry's inclusion in the latest checkpoint, proved now against the stored tree:
    "proved", "pending" (not covered by a checkpoint yet) or "broken"."""
    latest = latest_checkpoint()
    tree = stored_tree()
    out = []
    for entry in rows:
        status = "pending"
        if latest is not None and entry.index < latest.size <= tree.size:
            proof = tree.inclusion_proof(entry.index, latest.size)
            ok = merkle.verify_inclusion(bytes.fromhex(entry.leaf_hash), entry.index, latest.size, proof,
                                         bytes.fromhex(latest.root))
            status = "proved" if ok else "broken"
        out.append(status)
    return out


def proof_bundle(index: int) -> ProofBundle:
    from linli.ledger.witnessing import cosigned_note

    entry = LedgerEntry.objects.get(index=index)
    checkpoint = latest_checkpoint()
    if checkpoint is None or checkpoint.size <= index:
        raise LedgerError(f"entry {index} is not covered by a checkpoint yet")
    proof = stored_tree().inclusion_proof(index, checkpoint.size)
    return ProofBundle(index, bytes(entry.body), bytes(entry.signature), proof, cosigned_note(checkpoint))
