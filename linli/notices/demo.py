"""The demo's notices (`linli demo`):

- "停水通知" about tomorrow's water cut-off in the first community, with a sketch of the area,
  drafted by a community worker, fact-checked by a second, edited by the secretary, published by the street officer
  a day ago; about 70 % of its households confirmed by link, poster or a grid worker's knock,
  its deadline passed an hour ago, so the grid workers have follow-up lists;
- "燃气安全检查" waiting for its fact-check; a draft about a community activity.

Two community workers (demo-worker 王芳, demo-worker2 张敏) are made for the review. Running it
again adds nothing.
"""

from __future__ import annotations

import datetime
import io
import random

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from linli.core.models import Role, RoleAssignment, User
from linli.grids.models import GridMember
from linli.notices import actions
from linli.notices.models import Notice, NoticeHousehold, Outcome, Receipt, Via
from linli.places.models import Level, Place

WORKERS = (("demo-worker", "社区工作者 王芳"), ("demo-worker2", "社区工作者 张敏"))
WATER = "停水通知"
WATER_BODY = ("各位居民：\n\n因供水管道维修，明日 8:00 至 14:00 本社区停水，请提前储水。"
              "\n\n如有困难请联系您的网格员。\n\n居委会")
REACHED = 0.7


def _workers(community: Place, password: str) -> list[User]:
    role = Role.objects.get(code="community_worker")
    users = []
    for username, name in WORKERS:
        user, made = User.objects.get_or_create(username=username, defaults={
            "display_name": name, "password": password})
        if made:
            RoleAssignment.objects.create(user=user, role=role, place=community)
        users.append(user)
    return users


@transaction.atomic
def prepare_demo_notices(seed: int = 1) -> int:
    if Notice.objects.filter(title__startswith=WATER).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data
    community = Place.objects.filter(level=Level.COMMUNITY).order_by("code").first()
    secretary = User.objects.filter(username="demo-community").first()
    officer = User.objects.filter(username="demo-street").first()
    if community is None or secretary is None or officer is None:
        return 0
    password = secretary.password  # the demo password, already hashed
    writer, checker = _workers(community, password or make_password(None))
    now = timezone.now()
    water = actions.do_draft_notice(actions.NoticeInput(
        title=WATER, body=WATER_BODY, category="safety", urgency="normal",
        deadline=now + datetime.timedelta(days=1), places=[community]), acting_user=writer)
    actions.do_attach(water, acting_user=writer, images=[_cut_off_map()])
    actions.do_submit(water, acting_user=writer)
    actions.do_check(water, acting_user=checker, comment="已与自来水公司核实停水时间")
    actions.do_edit(water, acting_user=secretary, title="停水通知（明日 8:00—14:00）", comment="标题写明时间")
    actions.do_publish(water, acting_user=officer)
    day_ago = now - datetime.timedelta(days=1)
    Notice.objects.filter(pk=water.pk).update(published_at=day_ago, deadline=now - datetime.timedelta(hours=1))
    _receipts(water, rng, day_ago)

    gas = actions.do_draft_notice(actions.NoticeInput(
        title="燃气安全检查", body="下周一至周三燃气公司入户检查，请家中留人。", category="safety",
        deadline=now + datetime.timedelta(days=7), places=[community]), acting_user=writer)
    actions.do_submit(gas, acting_user=writer)
    actions.do_draft_notice(actions.NoticeInput(
        title="重阳节敬老活动报名", body="本周六上午社区活动室举办重阳节敬老活动，欢迎报名。", category="activity",
        places=[community], group="alone_elder"), acting_user=writer)
    return 3


def _cut_off_map() -> bytes:
    """A sketch of the area without water: the compounds as blocks, the pipe under repair in red."""
    image = Image.new("RGB", (640, 400), (244, 246, 248))
    draw = ImageDraw.Draw(image)
    for column in range(4):
        for row in range(3):
            left, top = 40 + column * 150, 40 + row * 115
            cut = column < 2
            draw.rectangle((left, top, left + 120, top + 85), fill=(187, 222, 251) if cut else (224, 224, 224),
                           outline=(25, 118, 210) if cut else (158, 158, 158), width=3)
    draw.line((20, 385, 620, 385), fill=(211, 47, 47), width=8)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _receipts(notice: Notice, rng: random.Random, since: datetime.datetime) -> None:
    """About 70 % reached: most by link, some by poster, the rest by a knock; written in bulk
    (the actions' own path is tested; a demo of 6,000 households needs seconds, not minutes)."""
    workers: dict[int, User] = {m.grid_id: m.user for m in GridMember.objects.filter(role=GridMember.Role.LEADER)}
    households = list(NoticeHousehold.objects.filter(notice=notice))
    receipts, reached = [], []
    for household in households:
        if rng.random() > REACHED:
            continue
        at = since + datetime.timedelta(minutes=rng.randint(5, 23 * 60))
        roll = rng.random()
        via = Via.LINK if roll < 0.7 else Via.POSTER if roll < 0.85 else Via.KNOCK
        household.reached_at, household.reached_via, household.reached_version = at, via, notice.version
        if via == Via.KNOCK:
            household.attempts, household.last_outcome = 1, Outcome.INFORMED
        reached.append(household)
        receipts.append(Receipt(notice=notice, household=household, via=via, version=notice.version,
                                recorded_by=workers.get(household.grid_id or 0) if via == Via.KNOCK else None,
                                path=household.path))
    NoticeHousehold.objects.bulk_update(reached, ["reached_at", "reached_via", "reached_version", "attempts",
                                                  "last_outcome"], batch_size=2000)
    Receipt.objects.bulk_create(receipts, batch_size=2000)
    actions.refresh_reach_counts(notice)
