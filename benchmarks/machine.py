"""The machine itself: how fast one core runs the work the other benchmarks are made of, and
how much a second process adds.

    python benchmarks/machine.py            # a few seconds, one JSON line

The goals of the other benchmarks are wall-clock times on "a 2-core machine", but 2-core machines
differ: the same code has seeded the million-resident district in 186 s on one and in 358 s on
another. Run this beside any figure that goes into a decision record, so that figures from two
machines can be compared by their ratio to it rather than side by side.

Each figure is measured ``--rounds`` times and given as its best, median and worst: on a shared
machine the speed drifts from one second to the next, and the spread says by how much.
- ``python_loop_ns``: one iteration of a plain Python loop (an addition and a dict lookup);
- ``ed25519_verify_us``: one Ed25519 verification (``cryptography``, as the passes);
- ``ed25519_verify_libsodium_us``: the same with libsodium (PyNaCl), as the ledger (decision 0053);
- ``xlsx_cell_us``: one cell written by XlsxWriter as the reports' writer limit writes it;
- ``parallel_speedup``: the same loop in as many processes as there are cores, at once: the work
  done per second against one process alone just before and after (median, lowest, highest). 2.0 on two real cores; a machine whose two "cores"
  share one physical core, or are throttled when both run, shows 1.2–1.4, and every benchmark
  that counts on two processes (reports, ledger, seeding, load) is held back by as much.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

LOOP = 5_000_000


def python_loop(iterations: int = LOOP) -> float:
    """Seconds (CPU of this process) for ``iterations`` of a loop as Python code spends its time."""
    table = {i: i for i in range(256)}
    started = time.process_time()
    total = 0
    for i in range(iterations):
        total += table[i & 255]
    return time.process_time() - started


def ed25519_verify(count: int = 3000) -> float:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    message = b"x" * 150
    signature, public = key.sign(message), key.public_key()
    started = time.process_time()
    for _ in range(count):
        public.verify(signature, message)
    return (time.process_time() - started) / count


def ed25519_verify_libsodium(count: int = 3000) -> float:
    from nacl import bindings

    public, secret = bindings.crypto_sign_keypair()
    message = b"x" * 150
    signed = bindings.crypto_sign(message, secret)
    started = time.process_time()
    for _ in range(count):
        bindings.crypto_sign_open(signed, public)
    return (time.process_time() - started) / count


def xlsx_cells(rows: int = 10_000) -> float:
    """One cell as the reports' writer limit writes it (``reports.bare_sheet``: its mix of text,
    numbers and dates, constant-memory mode)."""
    from reports import bare_sheet

    kinds = ["number", "text", "text", "date", "text", "text", "number", "text", "text", "text"]
    started = time.process_time()
    bare_sheet((rows, kinds))
    return (time.process_time() - started) / (rows * len(kinds))


def _wall_loop(_: int) -> float:
    started = time.perf_counter()
    python_loop()
    return time.perf_counter() - started


def parallel_speedups(processes: int, rounds: int) -> list[float]:
    """Per round: the work per second of ``processes`` processes running the loop at once,
    against one process alone just before and just after (the machine's speed drifts)."""
    speedups = []
    with ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_wall_loop, range(processes)))  # started and warm
        for _ in range(rounds):
            before = _wall_loop(0)
            started = time.perf_counter()
            list(pool.map(_wall_loop, range(processes)))
            together = time.perf_counter() - started
            alone = (before + _wall_loop(0)) / 2
            speedups.append(processes * alone / together)
    return speedups


def spread(values: list[float], scale: float, digits: int) -> dict[str, float]:
    """The best (lowest) value, the median, and the worst over the rounds."""
    ordered = sorted(v * scale for v in values)
    return {"best": round(ordered[0], digits), "median": round(statistics.median(ordered), digits),
            "worst": round(ordered[-1], digits)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    rounds = max(args.rounds, 1)
    speedups = sorted(parallel_speedups(cores, rounds)) if cores > 1 else [1.0]
    result = {
        "benchmark": "machine", "cores": cores, "load_average": [round(x, 2) for x in os.getloadavg()],
        "python_loop_ns": spread([python_loop() for _ in range(rounds)], 1e9 / LOOP, 1),
        "ed25519_verify_us": spread([ed25519_verify() for _ in range(rounds)], 1e6, 1),
        "ed25519_verify_libsodium_us": spread([ed25519_verify_libsodium() for _ in range(rounds)], 1e6, 1),
        "xlsx_cell_us": spread([xlsx_cells() for _ in range(rounds)], 1e6, 2),
        "parallel_speedup": {"median": round(statistics.median(speedups), 2), "lowest": round(speedups[0], 2),
                             "highest": round(speedups[-1], 2)},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
