"""The street-wide stock view over a stock ledger of 1,000,000 movements (goal: p95 ≤ 300 ms).

    LINLI_DATA_DIR=~/street-250k linli demo --residents 250000 --no-serve   # once
    cp -r ~/street-250k /tmp/street && LINLI_DATA_DIR=/tmp/street python -m linli.cli migrate
    LINLI_DATA_DIR=/tmp/street python benchmarks/supplies_view.py     # writes: use a copy
    DATABASE_URL=postgres://… python benchmarks/supplies_view.py       # a migrated PostgreSQL database

Tops the street's storage points up to ``--movements`` movements, written straight into the
tables as the actions would have left them (a quarter receipts, each a new lot; the rest
issues drawing lots down, many to zero, first expiring first); each lot's balance is the sum of
its movements. Then measures, in-process through Django's full stack: the stock aggregation the
view runs, the whole street view (stock against every community's need, read from the
registry, which the page reuses for two minutes), the same with the registry's figures read
afresh, and the page ``/supplies/street/`` as the street officer: p50 and p95 of ``--runs``
runs after two warm-ups. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def timed(runs: int, work) -> dict[str, float]:  # type: ignore[no-untyped-def]
    for _ in range(2):
        work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(statistics.median(samples), 1), "p95_ms": round(percentile(samples, 0.95), 1)}


def fill(target: int, seed: int) -> int:
    """Append movements (and their lots) until the ledger holds ``target``; returns how many."""
    from django.db import connection, transaction
    from django.utils import timezone

    from linli.core.bulk import insert_rows
    from linli.core.models import User
    from linli.supplies.models import Item, Lot, Movement, StoragePoint

    have = Movement.objects.count()
    if have >= target:
        return 0
    rng = random.Random(seed)
    points = list(StoragePoint.objects.filter(is_active=True).values_list("pk", "path"))
    items = list(Item.objects.filter(is_active=True).values_list("pk", "shelf_life_days"))
    by = User.objects.filter(username="demo-admin").values_list("pk", flat=True).first()
    now, today = timezone.now(), timezone.localdate()
    next_lot = (Lot.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    lots: dict[int, list] = {}  # lot id → [point, path, item, balance, expires, received]
    open_lots: dict[tuple[int, int], list[int]] = {}
    moves: list[tuple] = []
    for _ in range(target - have):
        point, path = rng.choice(points)
        item, shelf = rng.choice(items)
        stack = open_lots.setdefault((point, item), [])
        if not stack or rng.random() < 0.25:
            quantity = rng.randint(1, 200) * 10
            expires = today + datetime.timedelta(days=rng.randint(30, shelf or 900)) if shelf else None
            lots[next_lot] = [point, path, item, quantity, expires, today - datetime.timedelta(days=rng.randint(0, 900))]
            stack.append(next_lot)
            moves.append((point, path, item, next_lot, "receipt", quantity, quantity))
            next_lot += 1
            continue
        lot = stack[0]
        take = min(lots[lot][3], rng.randint(1, 60) * 10)
        lots[lot][3] -= take
        moves.append((point, path, item, lot, "issue", -take, lots[lot][3]))
        if not lots[lot][3]:
            stack.pop(0)
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(now)

    def day(value: datetime.date | None) -> object:
        return ops.adapt_datefield_value(value)

    lot_rows = [(pk, p, i, path, q, day(e), "基准", day(r), stamp, stamp) for pk, (p, path, i, q, e, r) in lots.items()]
    move_rows = [(p, i, lot, path, kind, q, after, "", by, stamp, stamp) for p, path, i, lot, kind, q, after in moves]
    chunk = 100_000
    with transaction.atomic():
        for start in range(0, len(lot_rows), chunk):
            insert_rows(connection, Lot, ["id", "point", "item", "path", "quantity", "expires_on", "source",
                                          "received_on", "created_at", "updated_at"], lot_rows[start:start + chunk])
        for start in range(0, len(move_rows), chunk):
            insert_rows(connection, Movement, ["point", "item", "lot", "path", "kind", "quantity", "balance_after",
                                               "note", "by", "created_at", "updated_at"], move_rows[start:start + chunk])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('supplies_lot', 'id'), (SELECT max(id) FROM supplies_lot))")
            # as autovacuum would after such a load: the visibility map lets the lots in stock be
            # read from their index alone
            cursor.execute("VACUUM ANALYZE supplies_lot")
            cursor.execute("VACUUM ANALYZE supplies_movement")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return len(moves)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=33)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.db.models import Sum
    from django.test import Client
    from django.utils import timezone

    from linli.core.models import User
    from linli.places.models import Level, Place
    from linli.supplies import queries
    from linli.supplies.models import Lot, Movement

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the in-process client's host
    started = time.perf_counter()
    added = fill(args.movements, args.seed)
    street = Place.objects.filter(level=Level.STREET).order_by("code").first()
    today = timezone.localdate()
    result: dict[str, object] = {
        "benchmark": "supplies_view", "database": connection.vendor, "goal_p95_ms": 300,
        "movements": Movement.objects.count(), "lots": Lot.objects.count(),
        "lots_in_stock": Lot.objects.filter(quantity__gt=0).count(), "added": added,
        "fill_s": round(time.perf_counter() - started, 1)}

    def stock() -> None:
        list(Lot.objects.filter(path__startswith=street.path, quantity__gt=0, point__is_active=True)
             .values("path", "item_id").annotate(n=Sum("quantity")))

    result["stock_query"] = timed(args.runs, stock)
    result["street_view"] = timed(args.runs, lambda: queries.street_view(street, today))

    def cold() -> None:  # the registry's figures read again (every two minutes on a live page)
        cache.clear()
        queries.street_view(street, today)

    result["street_view_figures_cold"] = timed(max(args.runs // 4, 3), cold)
    client = Client()
    client.force_login(User.objects.get(username="demo-street"))
    from linli.conftest import pass_second_factor

    pass_second_factor(client, User.objects.get(username="demo-street"))
    status = client.get("/supplies/street/").status_code
    if status != 200:
        raise SystemExit(f"the street page answered {status}")
    result["page"] = timed(args.runs, lambda: client.get("/supplies/street/"))
    result["load"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
