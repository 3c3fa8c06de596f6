"""The latest checkpoint this server signed, kept outside the database.

Someone who holds the database can drop the last entries of the log together with their
checkpoints: what is left is a smaller log whose every checkpoint still verifies. Witnesses
remember the largest size they cosigned and refuse such a log, but a deployment may have
none. So the sequencer also writes each new checkpoint, after its commit, to a file beside
the log's signing key (``LINLI_LEDGER_CHECKPOINT_FILE``, by default
``<data dir>/ledger/latest-checkpoint.note``); ``linli ledger verify`` and ``linli audit
verify`` compare the database with it. The file only ever grows: a smaller checkpoint never
replaces a larger one.
"""

from __future__ import annotations

import fcntl
import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from linli.core.keys import replace_private
from linli.ledger import keys
from linli.ledger.note import Checkpoint, NoteError, open_note
from linli.ledger.tree import LevelTree

logger = logging.getLogger(__name__)


def checkpoint_file() -> Path:
    configured = getattr(settings, "LINLI_LEDGER_CHECKPOINT_FILE", "")
    return Path(configured) if configured else keys.ledger_dir() / "latest-checkpoint.note"


@dataclass(frozen=True)
class Remembered:
    size: int
    root: bytes
    note: str


def remembered_checkpoint() -> Remembered | None:
    """The checkpoint in the file, if there is one and the log's key signed it. A file that
    is there but not signed by the log is an error: someone replaced it."""
    path = checkpoint_file()
    try:
        note = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        text, signed_by = open_note(note.encode(), [keys.log_signer().verifier()])
        checkpoint = Checkpoint.parse(text)
    except (NoteError, ValueError) as exc:
        raise ValueError(f"{path} is not a checkpoint signed by this log: {exc}") from exc
    if not signed_by or checkpoint.origin != keys.origin():
        raise ValueError(f"{path} is not a checkpoint signed by this log")
    return Remembered(checkpoint.size, checkpoint.root, note)


def remember_checkpoint(size: int, note: str) -> None:
    """Keep ``note`` (a checkpoint of ``size`` entries) unless a larger one is kept already.
    Writers on this machine take turns (a lock file), so the largest always wins. Runs after
    the commit: a file that cannot be written is logged, and the next checkpoint tries again."""
    try:
        _remember(size, note)
    except OSError as exc:
        logger.error("cannot keep checkpoint %s in %s: %s", size, checkpoint_file(), exc)


def _remember(size: int, note: str) -> None:
    path = checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            current = remembered_checkpoint()
        except ValueError:
            current = None  # replaced by something that is not ours: ours is better
        if current is None or size > current.size:
            replace_private(path, note)


def database_tree() -> LevelTree:
    """The leaves in the database from index 0 up to the first gap, read afresh (the
    sequencer's cached tree would hide rows deleted since it read them)."""
    from linli.ledger.models import LedgerEntry

    tree = LevelTree()
    for index, leaf in LedgerEntry.objects.order_by("index").values_list("index", "leaf_hash").iterator(
            chunk_size=10000):
        if index != tree.size:
            break
        tree.append(bytes.fromhex(leaf))
    return tree


def dropped_tail(tree: LevelTree) -> str | None:
    """Why the entries in the database are not the log this server signed last, or None.
    ``tree`` holds the database's leaves from index 0 up to the first gap."""
    try:
        kept = remembered_checkpoint()
    except ValueError as exc:
        return str(exc)
    if kept is None:
        return None
    if tree.size < kept.size:
        return (f"the last checkpoint this server signed (kept outside the database in {checkpoint_file()}) "
                f"covers {kept.size} entries, but the database holds only {tree.size} in a row: entries "
                "were dropped, or the database was put back to an earlier state")
    if tree.root(kept.size) != kept.root:
        return (f"the entries up to {kept.size} do not give the root of the last checkpoint this server "
                f"signed (kept in {checkpoint_file()}): the log was rewritten")
    return None
