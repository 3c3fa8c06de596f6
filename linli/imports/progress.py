"""Progress of a running dry run or commit, for the web page and the command line.

Counters go to the batch row while no transaction is open (the dry run). A commit writes
everything in one transaction, and rows written inside it are invisible to the page that
polls until it ends, so progress is also published to the task queue's key-value store
(SQLite file or Redis, shared by the web server and the workers).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import connection

from linli.core.progress import Progress

log = logging.getLogger(__name__)
MIN_INTERVAL = 0.5


def _key(batch_id: int) -> str:
    return f"linli-import-progress-{batch_id}"


def _huey() -> Any:
    from huey.contrib.djhuey import HUEY

    return HUEY


def read_live(batch_id: int) -> dict[str, Any] | None:
    try:
        value = _huey().get(_key(batch_id), peek=True)
    except Exception:  # progress is a nicety: the page falls back to the batch row
        log.warning("cannot read import progress", exc_info=True)
        return None
    return value if isinstance(value, dict) else None


def clear_live(batch_id: int) -> None:
    try:
        _huey().get(_key(batch_id), peek=False)
    except Exception:
        log.warning("cannot clear import progress", exc_info=True)


class BatchProgress:
    """A ``ProgressFn``: call it with (stage, done, total)."""

    def __init__(self, batch_id: int, *, show_bar: bool = False) -> None:
        self.batch_id = batch_id
        self.show_bar = show_bar
        self._bar: Progress | None = None
        self._stage = ""
        self._last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.show_bar:
            self._draw(stage, done, total)
        now = time.monotonic()
        if now - self._last < MIN_INTERVAL and done < total:
            return
        self._last = now
        self._publish(stage, done, total)

    def _draw(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage or self._bar is None:
            if self._bar is not None:
                self._bar.finish()
            self._stage, self._bar = stage, Progress(stage, total)
        self._bar.advance(done - self._bar.done)

    def _publish(self, stage: str, done: int, total: int) -> None:
        try:
            _huey().put(_key(self.batch_id), {"stage": stage, "done": done, "total": total})
        except Exception:
            log.warning("cannot publish import progress", exc_info=True)
        if not connection.in_atomic_block:
            from linli.imports.models import ImportBatch

            ImportBatch.objects.filter(pk=self.batch_id).update(stage=stage, progress_done=done, progress_total=total)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.finish()
            self._bar = None
