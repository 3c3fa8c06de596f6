"""Department reports benchmark: every shipped report for a whole street, and cells saved.

    linli demo --residents 250000 --no-serve
    python benchmarks/reports.py            # uses LINLI_DATA_DIR / DATABASE_URL like linli

Generates every active department report for the street as the street officer (masking,
audit and ledger entries included) and prints one JSON line. Goal: ≤ 10 s for all reports
on 250,000 residents. The import-rate goal is measured by benchmarks/import_people.py.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from linli.core.models import User
    from linli.people.models import Person
    from linli.places.models import Level, Place
    from linli.reports.engine import cells_saved, generate_all

    call_command("migrate", verbosity=0)
    street = Place.objects.filter(level=Level.STREET).order_by("code").first()
    officer = User.objects.filter(username="demo-street").first()
    if street is None or officer is None:
        raise SystemExit("no demo street here: run `linli demo --residents 250000 --no-serve` first")
    started = time.perf_counter()
    reports = generate_all(scope=street, acting_user=officer)
    seconds = time.perf_counter() - started
    saving = cells_saved(officer, street, timezone.localdate())
    print(json.dumps({
        "benchmark": "reports", "residents": Person.objects.count(), "reports": len(reports),
        "rows": sum(r.rows for r in reports), "cells": sum(r.cells for r in reports),
        "all_reports_seconds": round(seconds, 1), "goal_seconds": 10, "goal_met": seconds <= 10,
        "per_report": {r.filename.split("_")[0]: r.rows for r in reports},
        "cells_typed_by_hand": saving.typed, "cells_entered_once": saving.entered_once,
        "cells_saved": saving.typed - saving.entered_once,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
