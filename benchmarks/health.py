"""Epidemic-mode benchmark: pass verification, status recomputation, contact tracing.

    linli demo --residents 250000 --no-serve      # the street (with its epidemic scenario)
    python benchmarks/health.py                   # uses LINLI_DATA_DIR / DATABASE_URL like linli
    python benchmarks/health.py --intervals 1000000 --skip-tracing

Prints one JSON line with three parts:
- ``passes``: pass verifications per second on one core (trust-list and revocation checks
  included) and the ratio to a bare Ed25519 verify loop in the same process (goals ≥ 5,000/s,
  ratio ≥ 0.5) — benchmarks/health_passes.py;
- ``status``: a high-risk area added for a region that many arrivals came from, then every
  resident's colour decided again through ``actions.recompute(None)`` (goal ≤ 30 s on
  250,000 residents); residents without any epidemic record share one decision, and the
  figure of a full evaluation of every resident's facts is reported beside it;
- ``tracing``: two hops from one index case over 10,000,000 access intervals (goal ≤ 2 s,
  plus the time to load them) — benchmarks/health_tracing.py.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time


def status_part() -> dict[str, object]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count
    from django.utils import timezone

    from linli.core.models import User
    from linli.health import actions, facts
    from linli.health.models import Arrival, HealthStatus, RiskArea
    from linli.people.models import Person

    call_command("migrate", verbosity=0)
    officer = User.objects.filter(username="demo-health").first()
    if officer is None or not Person.objects.exists():
        raise SystemExit("no demo street here: run `linli demo --residents 250000 --no-serve` first")
    if not Arrival.objects.exists():
        from linli.health.demo import prepare_demo_epidemic

        prepare_demo_epidemic()
    origin = Arrival.objects.values_list("origin_code", flat=True).order_by("origin_code").first() or "440304"
    region = origin[:4] + "00"
    RiskArea.objects.filter(source="benchmark").delete()
    actions.recompute(None)
    before = dict(HealthStatus.objects.values_list("colour").annotate(n=Count("pk")))
    RiskArea.objects.create(region_code=region, name="benchmark", level="high", source="benchmark",
                            valid_from=timezone.localdate() - datetime.timedelta(days=30))
    started = time.perf_counter()
    done = actions.recompute(None)
    seconds = time.perf_counter() - started
    after = dict(HealthStatus.objects.values_list("colour").annotate(n=Count("pk")))
    # every resident's facts through the compiled rules, as if none shared a decision
    compiled = actions.compiled_rules()
    gathered = facts.gather(None)
    ids = list(Person.objects.filter(is_active=True).values_list("pk", flat=True))
    started = time.perf_counter()
    for pk in ids:
        compiled.evaluate(gathered.get(pk, facts.EMPTY))
    evaluate_all = time.perf_counter() - started
    RiskArea.objects.filter(source="benchmark").delete()
    actions.recompute(None)
    return {"residents": len(ids), "with_records": done.people, "changed": done.changed,
            "recompute_seconds": round(seconds, 2), "evaluate_every_resident_seconds": round(evaluate_all, 2),
            "colours_before": before, "colours_after": after, "goal_seconds": 30, "met": seconds <= 30}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intervals", type=int, default=10_000_000)
    parser.add_argument("--skip-tracing", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.dirname(here))
    sys.path.insert(0, here)
    import health_passes
    import health_tracing

    result: dict[str, object] = {"benchmark": "health", "passes": health_passes.run(3.0), "status": status_part()}
    if not args.skip_tracing:
        result["tracing"] = health_tracing.run(args.intervals)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
