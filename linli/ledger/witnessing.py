"""The log's side of witnessing: send each new checkpoint to the witnesses, keep their
cosignatures, and hand out checkpoints carrying them."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request

from django.utils import timezone

from linli.ledger.log import stored_tree
from linli.ledger.models import Checkpoint, Cosignature, Witness
from linli.ledger.note import CosignatureVerifier, NoteError, verify_cosignatures
from linli.ledger.witness import build_request

log = logging.getLogger(__name__)
TIMEOUT = 5


def _post(url: str, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(url.rstrip("/") + "/add-checkpoint", data=body, method="POST",  # noqa: S310
                                     headers={"Content-Type": "text/plain"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - configured witness URL
            return response.status, response.read(65536)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(65536)


def ask_witness(witness: Witness, checkpoint: Checkpoint) -> bool:
    """One add-checkpoint round (retried once after a 409 that tells the witness's size)."""
    tree = stored_tree()
    for _attempt in range(2):
        old = witness.last_size if witness.last_size <= checkpoint.size else 0
        proof = tree.consistency_proof(old, checkpoint.size) if 0 < old < checkpoint.size else []
        try:
            status, body = _post(witness.url, build_request(old, proof, checkpoint.note.encode()))
        except (OSError, ValueError) as exc:
            _note_error(witness, f"unreachable: {exc}")
            return False
        if status == 409 and body.strip().isdigit():
            witness.last_size = int(body.strip())
            continue
        if status != 200:
            _note_error(witness, f"HTTP {status}: {body[:200].decode('utf-8', 'replace').strip()}")
            return False
        return _store(witness, checkpoint, body)
    _note_error(witness, "the witness and the log disagree about the previous size")
    return False


def _store(witness: Witness, checkpoint: Checkpoint, body: bytes) -> bool:
    verifier = CosignatureVerifier.decode(witness.verifier_key)
    note = checkpoint.note.encode() + body
    try:
        stamps = verify_cosignatures(note, [verifier], 1)
    except NoteError as exc:
        _note_error(witness, f"bad cosignature: {exc}")
        return False
    line = next(raw for raw in body.decode().splitlines(keepends=True) if raw.startswith(f"— {verifier.name} "))
    Cosignature.objects.get_or_create(checkpoint=checkpoint, witness=witness.name,
                                      defaults={"timestamp": stamps[verifier.name], "line": line})
    witness.last_size, witness.last_contact, witness.last_error = checkpoint.size, timezone.now(), ""
    witness.save(update_fields=["last_size", "last_contact", "last_error"])
    return True


def _note_error(witness: Witness, message: str) -> None:
    log.warning("witness %s: %s", witness.name, message)
    witness.last_error, witness.last_contact = message[:300], timezone.now()
    witness.save(update_fields=["last_error", "last_contact"])


def collect_cosignatures(checkpoint: Checkpoint) -> int:
    return sum(ask_witness(w, checkpoint) for w in Witness.objects.filter(active=True).order_by("name"))


def cosigned_note(checkpoint: Checkpoint) -> str:
    """The checkpoint's signed note with every witness cosignature appended."""
    lines = "".join(c.line for c in checkpoint.cosignatures.order_by("witness"))
    return checkpoint.note + lines
