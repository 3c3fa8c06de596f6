"""Checking the submitters' signatures of a batch of entries, in worker processes when it is large.

Verifying an Ed25519 signature is most of what appending a signed entry costs (100–150 µs
here, against ~40 µs for signing it and ~40 µs for building, hashing and storing it), and
it needs nothing but the public key, the encodings and the signatures. A large batch (an
import) is therefore cut into chunks that a small pool of processes verifies while the
calling process builds, signs and stores the entries; the caller still waits for a chunk's
result before it gives any entry of that chunk an index. Small batches are verified in the
calling process: handing them to other processes costs more than it saves.

Pure Python (no Django): the workers import only this module, ``entry`` and ``note``, and
get the public key as text, never a secret. They are started with ``spawn`` (not ``fork``,
which would copy the caller's database connections and threads), so, as always with
``spawn``, the program's main module must not do work on import: Linli's entry points (the
``linli`` command, ``python -m linli.cli``, the benchmarks) keep theirs under ``__main__``.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache

from linli.ledger.entry import verify_encoded
from linli.ledger.note import Verifier

#: Batches of at least this many entries are verified in worker processes.
PARALLEL_MIN_ENTRIES = 2000


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may run on
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


#: Size of the pool: one process per core, at most four; none on a single core.
PROCESSES = min(4, _cores()) if _cores() > 1 else 0

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def processes_for(count: int) -> int:
    """How many worker processes verify a batch of ``count`` entries (0: this process)."""
    return PROCESSES if PROCESSES > 0 and count >= PARALLEL_MIN_ENTRIES else 0


def first_invalid(verifier: Verifier, bodies: list[bytes], signatures: list[bytes]) -> int | None:
    """The position of the first signature that does not verify, or None if all do."""
    for position, (body, signature) in enumerate(zip(bodies, signatures, strict=True)):
        if not verify_encoded(body, signature, verifier):
            return position
    return None


@lru_cache(maxsize=16)
def _decoded(verifier_key: str) -> Verifier:
    return Verifier.decode(verifier_key)


def _check_chunk(verifier_key: str, bodies: list[bytes], signatures: list[bytes]) -> int | None:
    # Runs in a worker.
    return first_invalid(_decoded(verifier_key), bodies, signatures)


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(PROCESSES, mp_context=multiprocessing.get_context("spawn"))
        return _pool


def shutdown() -> None:
    """Stop the worker processes (they are started again when needed)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


class BatchVerification:
    """The signature checks of one batch, handed in chunk by chunk as the entries are built
    and read back in the same order with :meth:`results`."""

    def __init__(self, verifier: Verifier, count: int) -> None:
        self.verifier = verifier
        self.processes = processes_for(count)
        self._chunks: list[tuple[list[bytes], list[bytes]]] = []
        self._futures: list[Future[int | None] | None] = []

    def add(self, bodies: list[bytes], signatures: list[bytes]) -> None:
        future = None
        if self.processes:
            try:
                future = _get_pool().submit(_check_chunk, self.verifier.encode(), bodies, signatures)
            except (BrokenProcessPool, RuntimeError):
                shutdown()  # a worker died or the interpreter is exiting: verify here
        self._chunks.append((bodies, signatures))
        self._futures.append(future)

    def results(self) -> Iterator[int | None]:
        """For each chunk, in order, the position of its first bad signature or None,
        waiting for the workers as needed."""
        for (bodies, signatures), future in zip(self._chunks, self._futures, strict=True):
            if future is not None:
                try:
                    yield future.result()
                    continue
                except BrokenProcessPool:
                    shutdown()
            yield first_invalid(self.verifier, bodies, signatures)

    def cancel(self) -> None:
        for future in self._futures:
            if future is not None:
                future.cancel()
