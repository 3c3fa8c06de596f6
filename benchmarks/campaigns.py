"""Screening campaigns benchmark: a simulated campaign of 50,000 outbound calls, and the answer
extraction's precision and recall on the labelled set.

    LINLI_DATA_DIR=~/street-250k linli demo --residents 250000 --no-serve   # once
    cp -r ~/street-250k /tmp/street && LINLI_DATA_DIR=/tmp/street python -m linli.cli migrate
    LINLI_DATA_DIR=/tmp/street python benchmarks/campaigns.py    # writes: use a copy

1. Extraction, no database: ``benchmarks/data/campaign_transcripts.jsonl`` holds 250 replies
   heard after screening questions, each with its true answer (null: the reply does not say).
   The rules were adjusted on the ``tune`` part only; the ``held_out`` part is reported apart.
   Precision: of the answers accepted without a person (confidence ≥ 0.7), the share right;
   recall: of the replies that do say an answer, the share accepted and right.
2. The campaign, through the actions and the gateway interface in-process: a screening
   campaign (fever, temperature, household size) to the households of enough communities for
   50,000 calls is drafted and started (households taken from the registry), then dialled at
   seed 000's 500 calls a second through ``gateways.hold_calls`` (the ``locmem`` backend's
   simulated residents answer, with the truth of what they meant); every transcript is read
   into answers, and attempts, answers and the households' new states are written, batch by
   batch. Goal: 500 calls a second sustained (the dialler keeps to its schedule from the first
   call: ``batches_late`` counts the batches that ended behind it, ``sustained`` that the achieved
   rate is within 1 % of the goal).
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
os.environ["LINLI_CALL_BACKEND"] = "locmem"
os.environ["LINLI_SMS_BACKEND"] = "locmem"

DATA = Path(__file__).resolve().parent / "data" / "campaign_transcripts.jsonl"


def _same(truth: object, value: object) -> bool:
    if isinstance(truth, float) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return abs(truth - value) < 0.05
    return truth == value


def evaluate() -> dict[str, object]:
    from linli.campaigns import extract

    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    out: dict[str, object] = {"items": len(rows)}
    for split in ("tune", "held_out"):
        part = [r for r in rows if r["split"] == split]
        accepted = right = 0
        for r in part:
            rule = extract.Rule(r["kind"], topic=tuple(r["keywords"]) or extract.topic_of(r["question"]),
                                choices=tuple(tuple(c.split("|")) for c in r["choices"]))
            got = extract.extract(rule, r["reply"])
            if not got.needs_review:
                accepted += 1
                right += _same(r["truth"], got.value)
        said = sum(1 for r in part if r["truth"] is not None)
        out[split] = {"items": len(part), "accepted": accepted, "to_person": len(part) - accepted,
                      "precision": round(right / accepted, 3) if accepted else None,
                      "recall": round(right / said, 3) if said else None}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50000)
    parser.add_argument("--rate", type=int, default=500, help="calls a second")
    args = parser.parse_args()
    result: dict[str, object] = {"benchmark": "campaigns", "extraction": evaluate()}

    import django

    django.setup()
    from linli.campaigns import actions, tasks
    from linli.campaigns.actions import CampaignInput, QuestionInput
    from linli.campaigns.models import Answer, Attempt
    from linli.core import gateways
    from linli.core.models import User
    from linli.people.models import Person
    from linli.places.models import Level, Place

    gateways.seed_simulation(500)
    officer = User.objects.filter(is_superuser=True).order_by("pk").first()
    communities = list(Place.objects.filter(level=Level.COMMUNITY).order_by("code"))
    chosen, households = [], 0
    for community in communities:
        if households >= args.calls:
            break
        n = Person.objects.filter(path__startswith=community.path, is_active=True, current_house__isnull=False) \
            .values("current_house_id").distinct().count()
        chosen.append(community)
        households += n
    questions = [QuestionInput("最近14天有没有发烧？", "yes_no", keywords=["发烧", "发热"], effect="fever"),
                 QuestionInput("今天的体温是多少度？", "temperature"),
                 QuestionInput("家里现在住了几个人？", "number")]
    started = time.monotonic()
    campaign = actions.do_create_campaign(CampaignInput(
        title="返沪人员健康摸排（基准）", channels=["call", "knock"], places=chosen, questions=questions),
        acting_user=officer)
    campaign = actions.do_start_campaign(campaign, acting_user=officer)
    result.update(households=campaign.households, communities=len(chosen),
                  start_seconds=round(time.monotonic() - started, 2))
    print(f"started: {campaign.households} households", file=sys.stderr)

    late: list[float] = []
    started = time.monotonic()
    made = tasks.dial(campaign.pk, rate=args.rate, limit=args.calls, keep_truths=True, late=late)
    elapsed = time.monotonic() - started
    said = [(kind, truth, read) for kind, truth, read in made.truths if truth is not None]
    accepted = [(kind, truth, read) for kind, truth, read in said if read is not None]
    right = sum(1 for _, truth, read in accepted if _same(truth, read))
    batches = -(-made.calls // args.rate)
    result.update(
        calls=made.calls, seconds=round(elapsed, 1), calls_per_second=round(made.calls / elapsed, 1),
        goal_calls_per_second=args.rate, batches=batches, batches_late=len(late),
        worst_behind_seconds=round(max(late), 2) if late else 0.0,
        median_behind_seconds=round(statistics.median(late), 3) if late else 0.0,
        sustained=made.calls / elapsed >= 0.99 * args.rate, answered=made.answered, answers=made.answers,
        answers_to_person=made.uncertain,
        simulated_extraction={"answers": len(said), "accepted": len(accepted),
                              "precision": round(right / len(accepted), 4) if accepted else None,
                              "recall": round(right / len(said), 4) if said else None},
        attempts_written=Attempt.objects.filter(target__campaign=campaign).count(),
        answers_written=Answer.objects.filter(target__campaign=campaign).count(),
        load=os.getloadavg()[0])
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
