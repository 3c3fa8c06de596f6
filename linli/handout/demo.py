"""The demo's reservation round: the first community hands out surgical masks fairly.

A donation of masks arrives at the community's store room. In the first round (reservations the
day before yesterday) a few thousand households reserved (most on their phones, elders through the
office) for shares enough for seven in ten; most collected in yesterday's slot, the rest of that
slot's shares were released and offered to the waiting list, whose households collect now. The
second round is open now with room left: the demo resident's household has not reserved yet. A few hundred
households have ticked their reserve checklist. Everything goes through ``actions`` (audited).
Running it again adds nothing.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from linli.core.models import User
from linli.handout import actions, checklist
from linli.handout.models import Reservation, Round, Status, Via
from linli.people.models import Person
from linli.places.models import Level, Place
from linli.supplies import actions as supplies
from linli.supplies.models import Item, StoragePoint

QUOTA = 5
MAX_RESERVATIONS = 3000


def prepare_demo_handout(seed: int = 1, *, limit: int = MAX_RESERVATIONS) -> dict[str, Any] | None:
    community = Place.objects.filter(level=Level.COMMUNITY).order_by("path").first()
    admin = User.objects.filter(username="demo-admin").first()
    secretary = User.objects.filter(username="demo-community").first() or admin
    masks = Item.objects.filter(code="mask-surgical").first()
    point = StoragePoint.objects.filter(path=community.path).order_by("pk").first() if community is not None else None
    if community is None or admin is None or masks is None or point is None or Round.objects.exists():
        return None
    rng = random.Random(seed * 36)  # noqa: S311 - demo data, not secrets
    resident = User.objects.filter(username="demo-resident").select_related("person").first()
    own = resident.person.current_house_id if resident is not None and resident.person else None
    houses = list(Place.objects.filter(pk__in=Person.objects.filter(
        path__startswith=community.path, is_active=True, current_house__isnull=False).exclude(current_house=own)
        .values("current_house_id")).order_by("path"))
    rng.shuffle(houses)
    houses = houses[:limit]
    shares = max(1, int(len(houses) * 0.7))
    now = timezone.now().replace(second=0, microsecond=0)
    opens, closes = now - datetime.timedelta(days=2), now - datetime.timedelta(days=1)
    made = {"reservations": 0, "collected": 0, "checklists": 0}
    volunteer = User.objects.filter(username="demo-volunteer").first()
    keeper = volunteer if volunteer is not None and point.keepers.filter(pk=volunteer.pk).exists() else secretary
    with transaction.atomic():
        supplies.do_receive(point, masks, (shares + 200) * QUOTA + 500, acting_user=admin, source="爱心企业捐赠",
                            expires_on=timezone.localdate() + datetime.timedelta(days=700))
        # The first round: reservations the day before yesterday, a burst in their first hour; a
        # pickup slot yesterday (over), one under way now for the waiting list's households.
        round_ = actions.do_open_round(
            community, title="医用外科口罩预约（第一轮）", item=masks, quota=QUOTA, households=shares,
            held_back=shares // 5, opens_at=opens, closes_at=closes, acting_user=secretary, slots=[
                actions.SlotInput(point, closes + datetime.timedelta(hours=1), closes + datetime.timedelta(hours=4)),
                actions.SlotInput(point, now - datetime.timedelta(hours=1), now + datetime.timedelta(hours=6))])
        first = round_.slots.order_by("starts_at")[0]
        burst = []
        for n, house in enumerate(houses):
            via = Via.STAFF if rng.random() < 0.15 else Via.APP
            at = opens + datetime.timedelta(seconds=n * 60 * 60 // max(1, len(houses)))
            burst.append((house, secretary if via == Via.STAFF else admin, via, first, at))
        made["reservations"] += sum(1 for answer in actions.do_reserve_many(round_, burst)
                                    if isinstance(answer, Reservation))
        actions.settle(round_, closes)  # the held-back shares not taken go to the waiting list
        during = first.starts_at + datetime.timedelta(hours=1)
        pickups = [reservation for reservation in
                   Reservation.objects.filter(round=round_, slot=first, status=Status.HELD).order_by("pk")
                   if rng.random() < 0.85]
        made["collected"] += sum(1 for answer in actions.do_collect_many(pickups, acting_user=keeper, now=during)
                                 if isinstance(answer, Reservation))
        made.update(actions.settle(round_, first.ends_at + datetime.timedelta(minutes=5)))
        # The second round, open now: a few households have reserved; the demo resident can.
        second = actions.do_open_round(
            community, title="医用外科口罩预约（第二轮）", item=masks, quota=QUOTA, households=200, held_back=40,
            opens_at=now - datetime.timedelta(hours=1), closes_at=now + datetime.timedelta(days=1),
            acting_user=secretary, slots=[
                actions.SlotInput(point, now - datetime.timedelta(hours=1), now + datetime.timedelta(hours=6)),
                actions.SlotInput(point, now + datetime.timedelta(days=1), now + datetime.timedelta(days=1, hours=3))])
        made["reservations"] += sum(1 for answer in actions.do_reserve_many(
            second, [(house, admin, Via.APP, None, None) for house in houses[:60]]) if isinstance(answer, Reservation))
        for house in houses[:400]:
            ticked = [code for code in checklist.CODES if rng.random() < 0.6]
            actions.do_tick_reserve(house, ticked, acting_user=secretary)
            made["checklists"] += 1
    return made
