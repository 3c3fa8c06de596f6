"""Combining concurrent writes to one hot row into one transaction (group commit by hand).

When many requests of a server process write under the same lock at once — a burst of
reservations in one round, each locking the round's row and the audit chain's head — each
transaction holds the locks for its own statements and its own commit, and the others queue.
:class:`Combiner` lets the threads that arrive while one is writing hand their work to it
instead: the first thread to arrive for a key leads and writes every request waiting for that
key in one transaction (one lock, one multi-row insert, one audit append, one commit); the
others wait for their own result, which may be an error meant for them alone. When its batch
is written, the leader passes the lead to the first request that arrived meanwhile, so no
request waits for more than the batch before its own and its own.

Only work that may run in a transaction of its own can be combined: a caller inside an atomic
block expects its write to be part of its transaction, and runs it alone (``combinable``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import connection

Ask = TypeVar("Ask")

# A batch is bounded so that one transaction, and the wait of the request that leads it, stay short.
MAX_BATCH = 200


def combinable() -> bool:
    """Whether this thread may hand its write to another: not inside a transaction."""
    return not connection.in_atomic_block


@dataclass(eq=False)
class _Waiting(Generic[Ask]):
    ask: Ask
    event: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    done: bool = False
    result: Any = None
    error: BaseException | None = None


class Combiner(Generic[Ask]):
    """Run ``write(batch) -> results`` for batches of the asks submitted at once under a key.

    ``write`` returns one result per ask, in order; a result that is an exception is raised in
    the thread that submitted that ask. If ``write`` itself raises, every ask of the batch gets
    that error."""

    def __init__(self, write: Callable[[Hashable, Sequence[Ask]], Sequence[Any]], *, max_batch: int = MAX_BATCH):
        self._write = write
        self._max = max_batch
        self._lock = threading.Lock()
        self._pending: dict[Hashable, list[_Waiting[Ask]]] = {}
        self._busy: set[Hashable] = set()

    def submit(self, key: Hashable, ask: Ask) -> Any:
        me = _Waiting(ask)
        with self._lock:
            self._pending.setdefault(key, []).append(me)
            if key not in self._busy:
                self._busy.add(key)
                me.lead = True
        if not me.lead:
            me.event.wait()
        if not me.done:  # led from the start, or handed the lead
            self._lead(key)
        if me.error is not None:
            raise me.error
        return me.result

    def _lead(self, key: Hashable) -> None:
        with self._lock:
            waiting = self._pending.get(key, [])
            batch, self._pending[key] = waiting[:self._max], waiting[self._max:]
        try:
            try:
                results = list(self._write(key, [w.ask for w in batch]))
                if len(results) != len(batch):
                    raise RuntimeError(f"the combined write answered {len(results)} of {len(batch)} asks")
            except BaseException as exc:  # noqa: BLE001 - each waiting request gets it, and raises it
                results = [exc] * len(batch)
            for waiting_one, result in zip(batch, results, strict=True):
                if isinstance(result, BaseException):
                    waiting_one.error = result
                else:
                    waiting_one.result = result
                waiting_one.done = True
        finally:
            # Whatever happened, nobody is left waiting: the next in line leads, or the key rests.
            successor = None
            with self._lock:
                rest = self._pending.get(key)
                if rest:
                    successor = rest[0]
                    successor.lead = True
                else:
                    self._pending.pop(key, None)
                    self._busy.discard(key)
            for waiting_one in batch:
                if not waiting_one.done:
                    waiting_one.error, waiting_one.done = RuntimeError("the combined write was interrupted"), True
                waiting_one.event.set()
            if successor is not None:
                successor.event.set()
