"""Checking the submitters' signatures of a batch of entries, in worker processes when it is large.

Verifying an Ed25519 signature is the largest part of what appending a signed entry costs
(50–75 µs with libsodium, decision 0053, against 20–25 µs for signing it and 60–100 µs for
building, hashing and storing it), and
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

import logging
import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache

from linli.ledger.entry import verify_encoded
from linli.ledger.note import Verifier

log = logging.getLogger(__name__)

#: Batches of at least this many entries are verified in worker processes.
PARALLEL_MIN_ENTRIES = 2000


def _default_processes() -> int:
    """One process per core this process may run on, at most four; none on a single core."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        cores = os.cpu_count() or 1
    return min(4, cores) if cores > 1 else 0


#: Size of the pool.
PROCESSES = _default_processes()

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


def _discard(pool: ProcessPoolExecutor) -> None:
    """Stop handing work to ``pool`` (broken, or it could not start a worker); the next batch
    starts a new one. Work other batches queued on it is left to finish or fail by itself."""
    global _pool
    with _pool_lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False)


def shutdown() -> None:
    """Stop the worker processes (they are started again when needed). A batch whose
    checks are cancelled by this verifies them in its own process."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


class BatchVerification:
    """The signature checks of one batch, handed in chunk by chunk as the entries are built
    and read back in the same order with :meth:`results`.

    Wherever the pool fails, the checks fall back to this process: creating the pool (no
    usable semaphores), ``submit`` (where ``ProcessPoolExecutor`` starts its processes, so
    where an ``OSError`` from starting one surfaces, or a pool already broken or shut down)
    and a chunk's result (a worker died, for example because it could not import the
    program's main module, or :func:`shutdown` cancelled the checks). After the first
    failure the rest of the batch is verified here, and the next batch gets a new pool."""

    def __init__(self, verifier: Verifier, count: int) -> None:
        self.verifier = verifier
        self._key = verifier.encode()  # what the workers get: text, decoded once per worker
        self._in_process = processes_for(count) == 0
        self._pool: ProcessPoolExecutor | None = None
        self._chunks: list[tuple[list[bytes], list[bytes]]] = []
        self._futures: list[Future[int | None] | None] = []

    def add(self, bodies: list[bytes], signatures: list[bytes]) -> None:
        future = None
        if not self._in_process:
            try:
                self._pool = self._pool or _get_pool()
                future = self._pool.submit(_check_chunk, self._key, bodies, signatures)
            except (BrokenProcessPool, RuntimeError, OSError) as exc:  # RuntimeError: shut down, exiting
                self._give_up(exc)
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
                except (BrokenProcessPool, CancelledError) as exc:
                    self._give_up(exc)
            yield first_invalid(self.verifier, bodies, signatures)

    def _give_up(self, exc: BaseException) -> None:
        if not self._in_process:
            log.warning("verifying signatures in this process: the worker processes failed (%r)", exc)
            self._in_process = True
        if self._pool is not None:
            _discard(self._pool)
            self._pool = None

    def cancel(self) -> None:
        for future in self._futures:
            if future is not None:
                future.cancel()
