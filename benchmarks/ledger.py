"""Ledger benchmark: appends, proofs on a 1,000,000-entry log, and a full audit.

    python benchmarks/ledger.py                    # fresh SQLite log in a temporary data dir
    DATABASE_URL=postgres://… python benchmarks/ledger.py --data-dir /tmp/ledger-bench

Builds its own log with real signed entries through the real paths (append, append_many,
the batching sequencer), then measures. Prints one JSON line. Goals: ≥ 5,000 signed
entries appended per second (large batches verify signatures in a pool of worker
processes: the result says how many, and its ratio is to one core's bare verify loop);
on 1,000,000 entries ≥ 5,000 inclusion proofs generated and ≥ 20,000 verified per second;
≥ 1.3 × one core's bare verify loop on two cores.

The bare loop verifies with what the ledger verifies with, libsodium (decision 0053); the
same loop with OpenSSL's verify, the ledger's until then and the baseline of the earlier
figures, is printed beside it (``openssl_ed25519_verify_cpu_per_s``) with the ratios to it.

On a shared machine wall-clock rates follow the other programs' load (recorded beside them),
so the CPU seconds of this process and its workers are recorded too: ``own_cpu_us_per_batched_
entry``, and what that makes on the machine's cores with nothing else running
(``append_batched_cpu_bound_per_s``), against the bare verify loop timed in CPU seconds. The
log grows during the run, so the batched appends are also timed while the log holds its first
and its last tenth of entries (two sizes, 10× apart), with the growth of the cost per entry.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time


def _busy_cpu_seconds() -> float:
    """CPU seconds all programs on the machine have used since boot (-1 where unknown)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            ticks = [int(t) for t in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return -1.0
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle and iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    """CPU seconds of this process and of its children that have ended (the workers)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--proofs", type=int, default=20_000)
    parser.add_argument("--verify-processes", type=int, default=None,
                        help="worker processes verifying large batches (default: one per core, 0: none)")
    args = parser.parse_args()
    os.environ["LINLI_DATA_DIR"] = args.data_dir or tempfile.mkdtemp(prefix="linli-ledger-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from linli.ledger import keys, log, merkle, verifying
    from linli.ledger.models import LedgerEntry
    from linli.ledger.note import Signer
    from linli.ledger.public import verify_database

    call_command("migrate", verbosity=0)
    if LedgerEntry.objects.exists():
        raise SystemExit("the benchmark needs an empty ledger: give a fresh --data-dir or database")
    party = keys.ensure_managed_party("bench.linli/street", "基准测试街道", "street", ["report_submitted"])
    result: dict[str, object] = {"benchmark": "ledger", "database": connection.vendor, "entries": args.entries}

    # Bare Ed25519 verification, the floor of what appending a signed entry costs.
    signer = Signer.generate("bench.linli/x")
    message, sample = b"x" * 150, 5000
    signature, verifier = signer.sign(message), signer.verifier()
    started, started_cpu = time.perf_counter(), time.process_time()
    for _ in range(sample):
        verifier.verify(message, signature)
    verify_rate = sample / (time.perf_counter() - started)
    verify_cpu_rate = sample / (time.process_time() - started_cpu)
    result["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    result["ed25519_verify_per_s"] = round(verify_rate)  # one core, this process
    result["ed25519_verify_cpu_per_s"] = round(verify_cpu_rate)  # per CPU second of one core
    # The same loop with OpenSSL's verify (``cryptography``), the baseline of the figures before
    # the ledger verified with libsodium (decision 0053): the ratios to it are printed too.
    public = verifier.public_key
    started_cpu = time.process_time()
    for _ in range(sample):
        public.verify(signature, message)
    openssl_cpu_rate = sample / (time.process_time() - started_cpu)
    result["openssl_ed25519_verify_cpu_per_s"] = round(openssl_cpu_rate)

    # 1. One append per call, each in its own transaction (a busy server), sequenced in batches.
    single = min(3000, args.entries)
    log._sequencer_running.set()  # queue only; sequence explicitly so the batching is measured
    started = time.perf_counter()
    for i in range(single):
        with transaction.atomic():
            log.append("report_submitted", party=party, subject_ref=f"r:{i}", payload={"i": i})
    queued = time.perf_counter() - started
    started_seq = time.perf_counter()
    while log.sequence() is not None:
        pass
    sequenced = time.perf_counter() - started_seq
    result["append_single_per_s"] = round(single / (queued + sequenced))

    # 2. Batched appends (an import commit, a report run), then the sequencer. Each entry is
    # signed with the party's key and its signature verified before it is sequenced; large
    # batches are verified in worker processes (linli.ledger.verifying). A first sample runs
    # with verification in the calling process, so both rates are on record.
    if args.verify_processes is not None:
        verifying.PROCESSES = args.verify_processes
    remaining = args.entries - single
    batch = 5000
    in_process = min(20_000, remaining // 10)
    verify_processes = verifying.processes_for(batch)
    result["cores"] = os.cpu_count()
    result["load_average_before_batches"] = round(os.getloadavg()[0], 2)
    done = 0
    timings: list[tuple[int, int, float]] = []  # (log size before, entries, seconds) of each batch

    def append_batches(count: int) -> float:
        nonlocal done
        started = time.perf_counter()
        end = done + count
        while done < end:
            n = min(batch, end - done)
            began = time.perf_counter()
            with transaction.atomic():
                log.append_many("report_submitted", party=party,
                                items=[(f"r:{single + done + k}", {"i": single + done + k}) for k in range(n)])
            while log.sequence(max_batch=20000) is not None:
                pass
            timings.append((single + done, n, time.perf_counter() - began))
            done += n
            if done % 100_000 < batch:
                sys.stderr.write(f"\rappended {single + done:,} entries")
        return time.perf_counter() - started

    saved, verifying.PROCESSES = verifying.PROCESSES, 0
    in_process_seconds = append_batches(in_process)
    verifying.PROCESSES = saved
    timings.clear()
    machine_before, ours_before = _busy_cpu_seconds(), _own_cpu_seconds()
    batched_seconds = append_batches(remaining - in_process)
    verifying.shutdown()  # joins the workers, so that their CPU time is counted as ours
    machine, ours = _busy_cpu_seconds() - machine_before, _own_cpu_seconds() - ours_before
    sys.stderr.write("\n")
    result["load_average_after_batches"] = round(os.getloadavg()[0], 2)
    # Cores' worth of CPU that other programs used while the batches ran (not ours).
    result["other_work_cores_during_batches"] = round((machine - ours) / batched_seconds, 2) \
        if machine >= 0 and batched_seconds else None
    result["own_cpu_us_per_batched_entry"] = round(ours / (remaining - in_process) * 1e6) \
        if remaining > in_process else None
    rate = (remaining - in_process) / batched_seconds if remaining > in_process else 0.0
    result["append_batched_in_process_per_s"] = round(in_process / in_process_seconds) if in_process else None
    result["append_batched_in_process_ratio_to_bare_verify"] = \
        round(in_process / in_process_seconds / verify_rate, 3) if in_process else None
    result["append_batched_per_s"] = round(rate) if rate else None
    # The ratio is to ONE core's bare verification loop, whatever the number of processes:
    # with N worker processes it may exceed 1, and per process it is ratio / (N + 1).
    result["append_batched_ratio_to_bare_verify"] = round(rate / verify_rate, 3) if rate else None
    result["append_batched_verify_processes"] = verify_processes
    result["append_batched_processes_used"] = verify_processes + 1  # the workers and this process
    result["append_batched_ratio_per_process"] = round(rate / verify_rate / (verify_processes + 1), 3) \
        if rate else None
    # What our CPU time per entry makes on this machine's cores with nothing else running,
    # against the bare loop in CPU time (SQLite runs in this process; PostgreSQL's server
    # processes are not counted).
    if remaining > in_process and ours > 0:
        cpu_bound = (os.cpu_count() or 1) * (remaining - in_process) / ours
        result["append_batched_cpu_bound_per_s"] = round(cpu_bound)
        result["append_batched_cpu_bound_ratio_to_bare_verify_cpu"] = round(cpu_bound / verify_cpu_rate, 3)
        result["append_batched_cpu_bound_ratio_to_openssl_verify_cpu"] = round(cpu_bound / openssl_cpu_rate, 3)
    if rate:
        result["append_batched_ratio_to_openssl_verify_cpu"] = round(rate / openssl_cpu_rate, 3)
    # Two sizes: the batches while the log held its first tenth and its last tenth.
    if len(timings) >= 10:
        tenth = max(1, len(timings) // 10)

        def rate_of(part: list[tuple[int, int, float]]) -> float:
            return sum(n for _, n, _ in part) / sum(s for _, _, s in part)

        early, late = rate_of(timings[:tenth]), rate_of(timings[-tenth:])
        result["append_batched_at_sizes"] = {
            "log_sizes": [timings[0][0], timings[-tenth][0]],
            "per_s": [round(early), round(late)],
            "growth_of_time_per_entry": round(early / late, 2),
        }
    log._sequencer_running.clear()

    # 3. Proofs on the full log.
    started = time.perf_counter()
    log.forget_tree()
    tree = log.stored_tree()
    result["tree_load_seconds"] = round(time.perf_counter() - started, 1)
    latest = log.latest_checkpoint()
    assert latest is not None and latest.size == args.entries  # noqa: S101
    root, size = bytes.fromhex(latest.root), latest.size
    rng = random.Random(1)
    indexes = [rng.randrange(size) for _ in range(args.proofs)]
    started = time.perf_counter()
    proofs = [tree.inclusion_proof(i, size) for i in indexes]
    result["inclusion_proofs_generated_per_s"] = round(args.proofs / (time.perf_counter() - started))
    leaves = {i: tree.levels[0][i] for i in indexes}
    started = time.perf_counter()
    ok = all(merkle.verify_inclusion(leaves[i], i, size, p, root) for i, p in zip(indexes, proofs, strict=True))
    result["inclusion_proofs_verified_per_s"] = round(args.proofs / (time.perf_counter() - started))
    result["proofs_all_valid"] = ok

    # 4. A full audit from scratch: every signature, every leaf, every checkpoint.
    started = time.perf_counter()
    checked, checkpoints, finding = verify_database()
    result["audit_seconds"] = round(time.perf_counter() - started, 1)
    result["audit_entries"] = checked
    result["audit_checkpoints"] = checkpoints
    result["audit_clean"] = finding is None
    result["goals_met"] = {
        "append_5000_per_s": (result["append_batched_per_s"] or 0) >= 5000,  # type: ignore[operator]
        "proofs_generated_5000_per_s": result["inclusion_proofs_generated_per_s"] >= 5000,  # type: ignore[operator]
        "proofs_verified_20000_per_s": result["inclusion_proofs_verified_per_s"] >= 20000,  # type: ignore[operator]
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
