"""Checking a copy of the log from scratch: the same code for the local database
(``linli ledger verify``), a mirror pulled over HTTP (``linli ledger mirror``) and a single
proof bundle (``linli ledger check``). No Django: an auditor needs only public keys.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field

from linli.ledger import entry as entries
from linli.ledger import merkle
from linli.ledger.note import (
    Checkpoint,
    CosignatureVerifier,
    NoteError,
    Verifier,
    open_note,
    verify_cosignatures,
)
from linli.ledger.tree import LevelTree


@dataclass(frozen=True)
class PartyKey:
    name: str
    verifier: Verifier
    entry_types: frozenset[str]


@dataclass(frozen=True)
class Finding:
    """The first thing that is wrong, said so that a person can act on it."""

    where: str  # "entry", "checkpoint", "cosignature", "sequence"
    index: int | None
    reason: str

    def __str__(self) -> str:
        at = f" {self.index}" if self.index is not None else ""
        return f"{self.where}{at}: {self.reason}"


@dataclass
class Auditor:
    parties: dict[str, PartyKey]
    log_verifier: Verifier
    witnesses: Sequence[CosignatureVerifier] = ()
    quorum: int = 0
    tree: LevelTree = field(default_factory=LevelTree)
    finding: Finding | None = None

    def add_entry(self, index: int, body_bytes: bytes, signature: bytes, stored_leaf: bytes | None = None) -> bool:
        """Check one entry and add it to the recomputed tree; False (and ``finding``) on the
        first problem."""
        if self.finding is not None:
            return False
        if index != self.tree.size:
            return self._fail("sequence", index, f"expected entry {self.tree.size} here: an entry is missing "
                              "or out of order")
        leaf = merkle.leaf_hash(body_bytes + signature)  # = entry.leaf_data(decode(body), signature)
        if stored_leaf is not None and stored_leaf != leaf:
            return self._fail("entry", index, "the stored leaf hash does not match the entry: it was altered")
        try:
            body = entries.decode(body_bytes)
        except entries.EntryError as exc:
            return self._fail("entry", index, f"cannot be decoded: {exc}")
        party = self.parties.get(body.submitter)
        if party is None:
            return self._fail("entry", index, f"submitted by unknown party {body.submitter!r}")
        if body.submitter_key_id != party.verifier.key_id:
            return self._fail("entry", index, "names a key the party does not have")
        if not entries.verify_entry(body, signature, party.verifier):
            return self._fail("entry", index, f"the signature of {party.name} does not verify: the entry "
                              "was altered or forged")
        if body.entry_type not in party.entry_types:
            return self._fail("entry", index, f"{party.name} may not submit {body.entry_type!r}")
        if any(ref >= index for ref in body.references):
            return self._fail("entry", index, "refers to an entry that comes after it")
        self.tree.append(leaf)
        return True

    def check_checkpoint(self, note: bytes, *, require_quorum: bool = False) -> bool:
        """The log's signature, the root at that size, and (optionally) the witness quorum."""
        if self.finding is not None:
            return False
        try:
            text, signed_by = open_note(note, [self.log_verifier])
            checkpoint = Checkpoint.parse(text)
        except (NoteError, ValueError) as exc:
            return self._fail("checkpoint", None, f"malformed or badly signed: {exc}")
        if not signed_by:
            return self._fail("checkpoint", checkpoint.size, "not signed by the log's key")
        if checkpoint.size > self.tree.size:
            return self._fail("checkpoint", checkpoint.size, f"covers {checkpoint.size} entries, only "
                              f"{self.tree.size} were found")
        if self.tree.root(checkpoint.size) != checkpoint.root:
            return self._fail("checkpoint", checkpoint.size, "its root does not match the entries: the "
                              "history was rewritten after it was signed")
        if require_quorum and self.quorum >= 1:
            try:
                verify_cosignatures(note, list(self.witnesses), self.quorum)
            except NoteError as exc:
                return self._fail("cosignature", checkpoint.size, str(exc))
        return True

    def _fail(self, where: str, index: int | None, reason: str) -> bool:
        self.finding = Finding(where, index, reason)
        return False


def conflicting_checkpoints(note_a: bytes, note_b: bytes, log_verifier: Verifier,
                            consistency_proof: Sequence[bytes] = ()) -> Finding | None:
    """Two checkpoints both signed by the log that cannot both be true are proof that the
    log misbehaved (it showed different histories): same size with different roots, or a
    larger tree that is not an extension of the smaller one."""
    try:
        a = Checkpoint.parse(open_note(note_a, [log_verifier])[0])
        b = Checkpoint.parse(open_note(note_b, [log_verifier])[0])
    except (NoteError, ValueError):
        return None  # not both signed by the log: proves nothing about the log
    if a.origin != b.origin:
        return None
    if a.size > b.size:
        a, b = b, a
    if a.size == b.size:
        return Finding("checkpoint", a.size, "two different roots for the same size") if a.root != b.root else None
    if not merkle.verify_consistency(a.size, b.size, a.root, b.root, list(consistency_proof)):
        return Finding("checkpoint", b.size, f"size {b.size} is not an extension of size {a.size}")
    return None


def check_bundle(bundle: dict[str, object], log_verifier: Verifier, parties: dict[str, PartyKey],
                 witnesses: Sequence[CosignatureVerifier], quorum: int) -> Finding | None:
    """Verify an offline proof bundle (``linli ledger proof``) with public keys only."""
    try:
        index = int(bundle["index"])  # type: ignore[call-overload]
        body = base64.b64decode(str(bundle["entry"]), validate=True)
        signature = base64.b64decode(str(bundle["signature"]), validate=True)
        proof = [base64.b64decode(h, validate=True) for h in bundle["inclusion_proof"]]  # type: ignore[attr-defined]
        note = str(bundle["checkpoint"]).encode()
    except (KeyError, TypeError, ValueError) as exc:
        return Finding("bundle", None, f"malformed bundle: {exc}")
    auditor = Auditor(parties, log_verifier, witnesses, quorum)
    auditor.tree = _PretendTree(index)  # the entry checks need only the index position
    if not auditor.add_entry(index, body, signature):
        return auditor.finding
    try:
        text, signed_by = open_note(note, [log_verifier])
        checkpoint = Checkpoint.parse(text)
    except (NoteError, ValueError) as exc:
        return Finding("checkpoint", None, f"malformed or badly signed: {exc}")
    if not signed_by:
        return Finding("checkpoint", checkpoint.size, "not signed by the log's key")
    leaf = merkle.leaf_hash(body + signature)
    if not merkle.verify_inclusion(leaf, index, checkpoint.size, proof, checkpoint.root):
        return Finding("entry", index, "the inclusion proof does not lead to the checkpoint's root")
    if quorum >= 1:
        try:
            verify_cosignatures(note, list(witnesses), quorum)
        except (NoteError, ValueError) as exc:
            return Finding("cosignature", checkpoint.size, f"fewer than {quorum} witness cosignatures: {exc}")
    return None


class _PretendTree(LevelTree):
    """Stands in for the tree when only one entry is checked: it sits at ``index``."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self._size = index

    @property
    def size(self) -> int:  # type: ignore[override]
        return self._size

    def append(self, leaf: bytes) -> None:
        self._size += 1
