"""Audit chain benchmark: verifying a big keyed log, and the hourly anchor.

    python benchmarks/audit.py                        # 1,000,000 events, fresh SQLite data dir
    DATABASE_URL=postgres://… python benchmarks/audit.py --events 1000000 --data-dir /tmp/audit-bench

Writes ``--events`` audit rows the way ``audit.record`` does (keyed hashes chained to the
previous row, the sealed head), but in bulk, plus a few hundred through ``record`` itself;
then times ``linli audit verify``'s check of the whole chain (against the ledger's copies of
the head), the hourly anchor (which checks only the rows since the last anchor) and
``record``. Prints one JSON line. Goal: a million events verified in under a minute of CPU
(≥ 16,700 events per CPU second), so that the nightly full check of six months of a busy
street's log (the Cybersecurity Law's minimum; ~10 million events) stays well within the night.
CPU seconds are reported beside wall seconds, and the load average and a fixed loop's time
with them, because the machines this runs on are often shared.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import timeit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--data-dir", default="")
    args = parser.parse_args()
    os.environ["LINLI_DATA_DIR"] = args.data_dir or tempfile.mkdtemp(prefix="linli-audit-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from linli.core import audit, crypto
    from linli.core.bulk import insert_rows
    from linli.core.models import (
        AuditEvent,
        AuditHead,
        audit_canonical,
        audit_hash,
        audit_head_message,
    )
    from linli.ledger import anchoring, log

    call_command("migrate", verbosity=0)
    if AuditEvent.objects.exists():
        raise SystemExit("the benchmark needs an empty audit log: give a fresh --data-dir or database")
    result: dict[str, object] = {"benchmark": "audit", "database": connection.vendor, "events": args.events}

    fields = ("seq", "at", "actor_name", "ip", "action", "object_type", "object_id", "purpose", "path", "outcome",
              "detail", "prev_hash", "entry_hash", "key_id")
    prep = {f.name: f for f in AuditEvent._meta.concrete_fields}
    key_id, prev, start = crypto.integrity_key_id(), audit.GENESIS, timezone.now()
    started = time.perf_counter()
    rows = []
    for seq in range(1, args.events + 1):
        at = start + timezone.timedelta(microseconds=seq)
        detail = {"channel": "web", "fields": ["id_number"], "n": seq % 97}
        values = (seq, at, "demo-grid", "10.0.0.7", "people.view", "people.person", str(seq % 250_000),
                  "入户走访核对信息" if seq % 5 == 0 else "", "31011500000101", "ok", detail)
        canonical = audit_canonical(seq, at.isoformat(timespec="microseconds"), None, *values[2:8], values[9], detail,
                                    values[8], key_id)
        entry_hash = audit_hash(prev, canonical, key_id)
        row = (*values, prev, entry_hash, key_id)
        rows.append(tuple(prep[name].get_db_prep_save(value, connection) for name, value in zip(fields, row,
                                                                                                strict=True)))
        prev = entry_hash
        if len(rows) == 20_000 or seq == args.events:
            with transaction.atomic():
                insert_rows(connection, AuditEvent, fields, rows)
            rows = []
            sys.stderr.write(f"\rwrote {seq:,} events")
    AuditHead.objects.update_or_create(pk=1, defaults={
        "seq": args.events, "entry_hash": prev, "keyed_from": 1,
        "seal": crypto.seal(audit_head_message(args.events, prev, 1))})
    sys.stderr.write("\n")
    result["build_seconds"] = round(time.perf_counter() - started, 1)

    started = time.perf_counter()
    with transaction.atomic():
        anchored = anchoring.anchor_audit_head()
    log.request_sequencing()
    result["first_anchor_seconds"] = round(time.perf_counter() - started, 2)  # checks the whole chain once
    assert anchored is not None  # noqa: S101

    started = time.perf_counter()
    for i in range(300):
        audit.record("people.view", object_type="people.person", object_id=i, detail={"fields": ["phone"]})
    result["record_per_s"] = round(300 / (time.perf_counter() - started))

    result["load_average"] = round(os.getloadavg()[0], 2)
    result["loop_us"] = round(timeit.timeit("sum(range(1000))", number=2000) / 2000 * 1e6, 1)  # ~8 when idle
    started, cpu = time.perf_counter(), time.process_time()
    report = audit.verify_report()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert report.broken is None, report.broken  # noqa: S101
    result["verify_seconds"] = round(seconds, 2)
    result["verify_cpu_seconds"] = round(cpu, 2)
    result["verify_events_per_s"] = round(report.checked / seconds)
    result["verify_events_per_cpu_s"] = round(report.checked / cpu)
    result["verify_goal_met"] = report.checked / cpu >= 16_700

    started = time.perf_counter()
    anchored = anchoring.anchor_audit_head()
    log.request_sequencing()
    result["hourly_anchor_seconds"] = round(time.perf_counter() - started, 3)  # the 300 rows since the last
    assert anchored is not None and anchored["seq"] == args.events + 300  # noqa: S101
    print(json.dumps(result))


if __name__ == "__main__":
    main()
