"""Notices benchmark: a street-wide notice on the demo street.

    LINLI_DATA_DIR=~/street-250k linli demo --residents 250000 --no-serve   # once
    cp -r ~/street-250k /tmp/street && LINLI_DATA_DIR=/tmp/street python -m linli.cli migrate
    LINLI_DATA_DIR=/tmp/street python benchmarks/notices.py    # writes: use a copy

Measures, through the actions and Django's full stack in-process: drafting a notice to the whole
street (the audience counted), publishing it (one row per household), the text-message fan-out
to every household through the gateway (the ``locmem`` backend here: the time is Linli's own,
each message audited with the number masked, the messages handed to the gateway in batches),
receipt ingest through the public API — one by one (``POST /api/notices/confirm``, what a
household's link page sends) and in batches of 500 (``POST /api/notices/confirm/batch``, what a
relay gathering the links' taps or a provider's replies sends) — and the notice page with its
reach table after 60,000 receipts. Goals: publishing with fan-out ≤ 10 s; ≥ 1,000 receipts/s;
the reach page p95 ≤ 300 ms.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
os.environ["LINLI_SMS_BACKEND"] = "locmem"


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=1000, help="confirmations sent one by one through the API")
    parser.add_argument("--batch-receipts", type=int, default=20000,
                        help="confirmations sent in batches through the API")
    parser.add_argument("--reached", type=int, default=60000, help="households marked reached before the page")
    parser.add_argument("--pages", type=int, default=30, help="notice pages requested")
    parser.add_argument("--no-sms", action="store_true", help="publish without the text-message fan-out")
    args = parser.parse_args()

    import django

    django.setup()
    import sys

    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from linli.core import gateways
    from linli.core.models import Role, RoleAssignment, User
    from linli.notices import actions, channels, tokens
    from linli.notices.models import NoticeHousehold
    from linli.places.models import Level, Place

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the in-process client's host
    result: dict[str, object] = {"benchmark": "notices"}

    def note(**figures: object) -> None:  # progress on stderr: a long run that fails keeps what it measured
        result.update(figures)
        print(json.dumps(figures, ensure_ascii=False), file=sys.stderr, flush=True)

    street = Place.objects.filter(level=Level.STREET).order_by("code").first()
    officer = User.objects.get(username="demo-street")
    role = Role.objects.get(code="community_worker")
    stamp = int(time.time())
    people = []
    for name in ("writer", "checker", "editor"):
        user = User.objects.create_user(f"bench-{name}-{stamp}", password=None)
        RoleAssignment.objects.create(user=user, role=role, place=street)
        people.append(user)
    writer, checker, editor = people

    started = time.perf_counter()
    notice = actions.do_draft_notice(actions.NoticeInput(
        title="全街道停水通知", body="明日停水，请提前储水。", category="safety",
        deadline=timezone.now() + datetime.timedelta(days=2), places=[street]), acting_user=writer)
    note(draft_with_count_s=round(time.perf_counter() - started, 2))
    actions.do_submit(notice, acting_user=writer)
    actions.do_check(notice, acting_user=checker)
    actions.do_edit(notice, acting_user=editor)
    started, cpu = time.perf_counter(), time.process_time()
    notice = actions.do_publish(notice, acting_user=officer)
    publish_s, publish_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    note(households=notice.households, residents=notice.residents, publish_s=round(publish_s, 2),
         publish_cpu_s=round(publish_cpu_s, 2))
    if not args.no_sms:
        gateways.outbox.clear()
        started, cpu = time.perf_counter(), time.process_time()
        counts = channels.send(notice.pk, "sms")
        fan_out_s, fan_out_cpu_s = time.perf_counter() - started, time.process_time() - cpu
        # CPU seconds too: on a shared machine the wall clock measures the neighbours as well
        note(sms=counts, fan_out_s=round(fan_out_s, 2), publish_with_fan_out_s=round(publish_s + fan_out_s, 2),
             fan_out_cpu_s=round(fan_out_cpu_s, 2),
             publish_with_fan_out_cpu_s=round(publish_cpu_s + fan_out_cpu_s, 2))
        gateways.outbox.clear()

    ids = list(NoticeHousehold.objects.filter(notice=notice).order_by("pk").values_list("pk", flat=True))
    client = Client()
    started = time.perf_counter()
    for pk in ids[: args.receipts]:
        response = client.post("/api/notices/confirm", json.dumps({"token": tokens.household_token(pk)}),
                                content_type="application/json")
        if response.status_code != 201:
            raise SystemExit(f"confirm: HTTP {response.status_code} {response.content[:200]!r}")
    seconds = time.perf_counter() - started
    note(receipts_single_per_s=round(min(args.receipts, len(ids)) / seconds, 0))

    batched = ids[args.receipts: args.receipts + args.batch_receipts]
    started = time.perf_counter()
    for start in range(0, len(batched), actions.CONFIRM_BATCH):
        chunk = [tokens.household_token(pk) for pk in batched[start: start + actions.CONFIRM_BATCH]]
        response = client.post("/api/notices/confirm/batch", json.dumps({"tokens": chunk}),
                               content_type="application/json")
        if response.status_code != 200 or response.json()["recorded"] != len(chunk):
            raise SystemExit(f"confirm batch: HTTP {response.status_code} {response.content[:200]!r}")
    seconds = time.perf_counter() - started
    note(receipts_batch_per_s=round(len(batched) / seconds, 0) if batched else 0)

    more = ids[args.receipts + args.batch_receipts: args.reached]
    for start in range(0, len(more), 10000):  # SQLite: at most 32,766 parameters in one statement
        NoticeHousehold.objects.filter(pk__in=more[start: start + 10000]).update(
            reached_at=timezone.now(), reached_via="link", reached_version=notice.version)
    actions.refresh_reach_counts(notice)
    result["reached"] = NoticeHousehold.objects.filter(notice=notice, reached_at__isnull=False).count()
    staff = Client()
    staff.force_login(officer)
    from linli.conftest import pass_second_factor

    pass_second_factor(staff, officer)
    samples = []
    for _ in range(args.pages):
        started = time.perf_counter()
        response = staff.get(f"/notices/{notice.pk}/")
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"notice page: HTTP {response.status_code}")
    result.update(reach_page_p50_ms=round(statistics.median(samples), 1),
                  reach_page_p95_ms=round(percentile(samples, 0.95), 1),
                  load_average=[round(x, 2) for x in os.getloadavg()])
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
