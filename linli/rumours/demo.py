"""The demo's rumours (`linli demo`):

- the fact base: the dozen seed facts (seed 003's "吃大剂量抗流感药能预防新冠" first), kept by the
  street office, written by the street officer and signed off by the expert (demo-expert);
- three days of messages from the first community's group chats run through the matching: the
  flu-drug rumour waits in the queue, seen dozens of times, and a few others with it;
- "小区明天要封闭，超市全部关门" confirmed by the secretary, its clarification signed by the office
  and the expert, waiting for the media's signature (demo-media), then the release as a notice;
- a message reported by hand that matches no fact yet.

Running it again adds nothing.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from linli.core.models import User
from linli.places.models import Level, Place
from linli.rumours import actions, evaluation, intake
from linli.rumours.facts_seed import FACTS
from linli.rumours.models import Fact, Suspect

GROUPS = ("幸福里业主1群", "幸福里业主2群", "3号楼邻里群", "社区志愿者群")
# how often each rumour of the labelled set comes round in the demo's three days
REPEATS = {"flu_drug": 6, "lockdown_shops": 2, "liquor": 1, "vinegar": 1}


def _messages(rng: random.Random, now: datetime.datetime) -> list[tuple[str, str, datetime.datetime, str]]:
    rows = evaluation.load()
    texts = [r.text for r in rows if not r.fact]
    for row in rows:
        texts += [row.text] * REPEATS.get(row.fact, 0)
    rng.shuffle(texts)
    return [(f"demo:{i}", text, now - datetime.timedelta(minutes=rng.randint(5, 3 * 24 * 60)), rng.choice(GROUPS))
            for i, text in enumerate(texts)]


@transaction.atomic
def prepare_demo_rumours(seed: int = 1) -> int:
    if Fact.objects.exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data
    community = Place.objects.filter(level=Level.COMMUNITY).order_by("code").first()
    users = {u.username: u for u in User.objects.filter(username__in=[
        "demo-street", "demo-community", "demo-expert", "demo-media"])}
    if community is None or len(users) < 4 or community.parent is None:
        return 0
    officer, secretary, expert = users["demo-street"], users["demo-community"], users["demo-expert"]
    for seed_fact in FACTS:
        fact = actions.do_add_fact(community.parent, actions.FactInput(
            seed_fact.claim, seed_fact.verdict, seed_fact.explanation, seed_fact.source, "\n".join(seed_fact.wordings)),
            acting_user=officer)
        actions.do_sign_off_fact(fact, acting_user=expert)
    intake.take_messages(community.pk, _messages(rng, timezone.now()))
    shops = Suspect.objects.filter(community=community, fact__claim=FACTS[4].claim).first()
    if shops is not None:
        actions.do_review(shops, confirm=True, acting_user=secretary, note="居委会已核实：没有封闭计划")
        title, body = actions.draft_text(shops)
        clarification = actions.do_draft_clarification(shops, acting_user=secretary, title=title, body=body)
        actions.do_sign(clarification, "office", acting_user=secretary, version=clarification.version)
        actions.do_sign(clarification, "expert", acting_user=expert, version=clarification.version,
                        comment="物资供应情况已与街道核实")
    actions.do_report(community, "听说地铁二号线明天全线停运，上班的赶紧想办法", acting_user=secretary, group="3号楼邻里群")
    return len(FACTS)
