"""A witness (C2SP tlog-witness): another department's server that cosigns checkpoints.

It remembers, for every log it trusts, the latest checkpoint it cosigned, and cosigns a new
one only if the log proves it is an extension of that one (a consistency proof). A log that
rewrites or forks its history therefore cannot get cosignatures, and clients that require
a quorum of witnesses will not accept its checkpoints.

No Django here: a witness is a small WSGI application with its own SQLite state file, run
by ``linli ledger witness serve`` on the department's own machine.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linli.ledger import merkle
from linli.ledger.note import Checkpoint, CosignatureSigner, Note, NoteError, Verifier, open_note

MAX_BODY = 64 * 1024
MAX_PROOF_LINES = 63

Response = tuple[int, str, bytes]


@dataclass
class WitnessConfig:
    signer: CosignatureSigner
    logs: dict[str, list[Verifier]]  # origin → the log's verifier keys
    state_path: Path

    @classmethod
    def load(cls, directory: Path) -> WitnessConfig:
        """``witness.key`` (the cosigning key) and ``logs.json`` ({origin: [verifier key, …]})."""
        signer = CosignatureSigner.decode((directory / "witness.key").read_text(encoding="utf-8").strip())
        raw = json.loads((directory / "logs.json").read_text(encoding="utf-8")) \
            if (directory / "logs.json").exists() else {}
        logs = {origin: [Verifier.decode(v) for v in vkeys] for origin, vkeys in raw.items()}
        return cls(signer=signer, logs=logs, state_path=directory / "state.sqlite3")


class Witness:
    def __init__(self, config: WitnessConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self._init_state()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.config.state_path, timeout=30, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        return connection

    def _init_state(self) -> None:
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS latest (origin TEXT PRIMARY KEY, size INTEGER NOT NULL, "
                       "root BLOB NOT NULL, note BLOB NOT NULL, updated_at REAL NOT NULL)")
            # Refused checkpoints that carried a valid log signature: possible evidence of a
            # log showing different histories to different parties.
            db.execute("CREATE TABLE IF NOT EXISTS refused (id INTEGER PRIMARY KEY, origin TEXT, "
                       "status INTEGER, reason TEXT, request BLOB, at REAL)")

    def latest(self, origin: str) -> tuple[int, bytes] | None:
        with self._connect() as db:
            row = db.execute("SELECT size, root FROM latest WHERE origin = ?", (origin,)).fetchone()
        return (row[0], bytes(row[1])) if row else None

    def add_checkpoint(self, request: bytes) -> Response:
        """The add-checkpoint call: (status, content type, body)."""
        try:
            old_size, proof, note_bytes = parse_request(request)
            text = Note.parse(note_bytes).text  # structure only; signatures checked below
            checkpoint = Checkpoint.parse(text)
        except (NoteError, ValueError) as exc:
            return 400, "text/plain", f"malformed request: {exc}\n".encode()
        verifiers = self.config.logs.get(checkpoint.origin)
        if verifiers is None:
            return 404, "text/plain", b"unknown log origin\n"
        try:
            _, signed_by = open_note(note_bytes, verifiers)
        except NoteError:
            signed_by = []
        if not signed_by:
            return 403, "text/plain", b"no trusted signature on the checkpoint\n"
        if old_size > checkpoint.size:
            return 400, "text/plain", b"old size is larger than the checkpoint size\n"
        return self._check_and_cosign(checkpoint, old_size, proof, text, request)

    def _check_and_cosign(self, checkpoint: Checkpoint, old_size: int, proof: list[bytes], text: bytes,
                          request: bytes) -> Response:
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")  # check and update atomically (the spec's race)
            row = db.execute("SELECT size, root FROM latest WHERE origin = ?", (checkpoint.origin,)).fetchone()
            stored_size, stored_root = (row[0], bytes(row[1])) if row else (0, merkle.EMPTY_ROOT)
            refusal = _refusal(stored_size, stored_root, old_size, proof, checkpoint)
            if refusal is not None:
                status, reason = refusal
                db.execute("INSERT INTO refused (origin, status, reason, request, at) VALUES (?, ?, ?, ?, ?)",
                           (checkpoint.origin, status, reason, request, self.clock()))
                db.execute("COMMIT")
                if status == 409 and reason == "old size":
                    return 409, "text/x.tlog.size", f"{stored_size}\n".encode()
                return status, "text/plain", f"{reason}\n".encode()
            timestamp = int(self.clock())
            line = self.config.signer.signature(text, timestamp).to_line().encode()
            db.execute("INSERT OR REPLACE INTO latest (origin, size, root, note, updated_at) VALUES (?, ?, ?, ?, ?)",
                       (checkpoint.origin, checkpoint.size, checkpoint.root, text, self.clock()))
            db.execute("COMMIT")
            return 200, "text/plain; charset=utf-8", line
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    # --- WSGI ------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path.endswith("/add-checkpoint") and method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_BODY:
                status, ctype, body = 400, "text/plain", b"request body missing or too large\n"
            else:
                status, ctype, body = self.add_checkpoint(environ["wsgi.input"].read(length))
        elif path in ("", "/") and method == "GET":
            status, ctype, body = 200, "text/plain; charset=utf-8", self.status_text()
        else:
            status, ctype, body = 404, "text/plain", b"not found\n"
        reason = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
                  422: "Unprocessable Entity"}[status]
        start_response(f"{status} {reason}", [("Content-Type", ctype), ("Content-Length", str(len(body)))])
        return [body]

    def status_text(self) -> bytes:
        lines = [f"Linli ledger witness {self.config.signer.name}", self.config.signer.verifier().encode(), ""]
        for origin in sorted(self.config.logs):
            latest = self.latest(origin)
            lines.append(f"{origin}: {'no checkpoint yet' if latest is None else f'size {latest[0]}'}")
        return ("\n".join(lines) + "\n").encode()


def _refusal(stored_size: int, stored_root: bytes, old_size: int, proof: list[bytes],
             checkpoint: Checkpoint) -> tuple[int, str] | None:
    if old_size != stored_size:
        return 409, "old size"
    if old_size == checkpoint.size:
        if proof or checkpoint.root != stored_root:
            return 409, "same size, different root: the log shows two histories"
        return None
    if old_size == 0:
        return (422, "the proof from size 0 must be empty") if proof else None
    if not merkle.verify_consistency(old_size, checkpoint.size, stored_root, checkpoint.root, proof):
        return 422, "the consistency proof does not verify: the log rewrote its history"
    return None


def parse_request(request: bytes) -> tuple[int, list[bytes], bytes]:
    """``old N\\n`` + proof lines + ``\\n`` + checkpoint note."""
    head, sep, note = request.partition(b"\n\n")
    if not sep:
        raise ValueError("no empty line before the checkpoint")
    lines = head.split(b"\n")
    first = lines[0].decode("ascii", "replace")
    if not first.startswith("old ") or not first[4:].isdigit() or (first[4:] != "0" and first[4] == "0"):
        raise ValueError("the first line must be 'old <size>'")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise ValueError("too many consistency proof lines")
    proof = []
    for line in lines[1:]:
        try:
            value = base64.b64decode(line, validate=True)
        except ValueError as exc:
            raise ValueError("a proof line is not base64") from exc
        if len(value) != merkle.HASH_SIZE:
            raise ValueError("a proof line is not a 32-byte hash")
        proof.append(value)
    return int(first[4:]), proof, note


def build_request(old_size: int, proof: list[bytes], note: bytes) -> bytes:
    lines = [f"old {old_size}".encode()] + [base64.b64encode(h) for h in proof]
    return b"\n".join(lines) + b"\n\n" + note
