"""Department reports benchmark: every shipped report for a whole street, and cells saved.

    linli demo --residents 250000 --no-serve
    python benchmarks/reports.py            # uses LINLI_DATA_DIR / DATABASE_URL like linli

Generates every active department report for the street as the street officer (masking,
audit and ledger entries included) and prints one JSON line. Goal: ≤ 10 s for all reports
on 250,000 residents. It also runs benchmarks/import_people.py (100,000 messy rows, dry run
and commit, in its own temporary street; goal ≤ 60 s) and includes its line under "import"
(``--skip-import`` leaves it out).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time


def import_rate(rows: int) -> dict[str, object]:
    """The import benchmark in a separate process (it builds its own street and data dir)."""
    env = {k: v for k, v in os.environ.items() if k not in ("LINLI_DATA_DIR", "DATABASE_URL")}
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "import_people.py")
    done = subprocess.run([sys.executable, script, "--rows", str(rows)], env=env, capture_output=True, text=True,  # noqa: S603 - our own script
                          check=True, timeout=3600)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--import-rows", type=int, default=100_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from linli.core.models import User
    from linli.people.models import Person
    from linli.places.models import Level, Place
    from linli.reports.actions import do_generate_all_reports
    from linli.reports.engine import cells_saved

    call_command("migrate", verbosity=0)
    street = Place.objects.filter(level=Level.STREET).order_by("code").first()
    officer = User.objects.filter(username="demo-street").first()
    if street is None or officer is None:
        raise SystemExit("no demo street here: run `linli demo --residents 250000 --no-serve` first")
    started = time.perf_counter()
    reports = do_generate_all_reports(scope=street, acting_user=officer)
    seconds = time.perf_counter() - started
    saving = cells_saved(officer, street, timezone.localdate())
    imported = None if args.skip_import else import_rate(args.import_rows)
    print(json.dumps({
        "benchmark": "reports", "residents": Person.objects.count(), "reports": len(reports),
        "rows": sum(r.rows for r in reports), "cells": sum(r.cells for r in reports),
        "all_reports_seconds": round(seconds, 1), "goal_seconds": 10, "goal_met": seconds <= 10,
        "per_report": {r.filename.split("_")[0]: r.rows for r in reports},
        "cells_typed_by_hand": saving.typed, "cells_entered_once": saving.entered_once,
        "cells_saved": saving.typed - saving.entered_once,
        "import": imported,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
