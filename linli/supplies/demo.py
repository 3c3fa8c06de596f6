"""The demo's emergency materials.

Every community keeps a store room; the street has its warehouse, an agreement reserve held by a
company (协议储备) and a partner pharmacy (企业代储). Reserve targets are set for masks,
thermometers, disinfectant, food packs, blankets and tents; stock is drawn around them, so some
communities are short (a few have no masks at all; the first has no KN95 left), others hold more than they need, and some
lots expire within 60 days. The demo volunteer keeps the first community's room (a keeper
without a role), and a stock-taking of it waits for the street's approval. Everything goes
through ``actions`` (audited). Running it again adds nothing.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from linli.core.models import User
from linli.places.models import Level, Place
from linli.supplies import actions
from linli.supplies.models import Item, PointKind, ReserveType, StoragePoint

# item code → (per resident, per elder household, fixed)
TARGETS = {
    "mask-kn95": ("1", "2", 0),
    "mask-surgical": ("3", "0", 0),
    "thermometer": ("0", "1", 20),
    "disinfectant-84": ("0.02", "0", 10),
    "food-pack": ("0.05", "0.5", 0),
    "blanket": ("0", "0", 30),
    "tent": ("0", "0", 4),
}
STREET_POINTS = [
    ("街道应急物资仓库", PointKind.STREET_WAREHOUSE, ReserveType.GOVERNMENT, "街道办事处"),
    ("康达医疗用品协议储备库", PointKind.AGREEMENT, ReserveType.AGREEMENT, "上海康达医疗用品有限公司"),
    ("益丰大药房（代储点）", PointKind.PHARMACY, ReserveType.COMPANY, "益丰大药房"),
]


def prepare_demo_supplies(seed: int = 1) -> dict[str, Any] | None:
    street = Place.objects.filter(level=Level.STREET).order_by("path").first()
    admin = User.objects.filter(username="demo-admin").first()
    if street is None or admin is None or StoragePoint.objects.exists():
        return None
    rng = random.Random(seed * 16)  # noqa: S311 - demo data, not secrets
    today = timezone.localdate()
    items = {item.code: item for item in Item.objects.all()}
    communities = list(Place.objects.filter(parent=street, level=Level.COMMUNITY).order_by("path"))
    made = {"points": 0, "lots": 0, "targets": 0}
    with transaction.atomic():
        for name, kind, reserve, owner in STREET_POINTS:
            point = actions.do_create_point(street, name=name, kind=kind, reserve_type=reserve, owner=owner,
                                            acting_user=admin)
            made["points"] += 1
            for code in ("mask-kn95", "mask-surgical", "disinfectant-84", "protective-suit"):
                actions.do_receive(point, items[code], rng.randint(2, 12) * 1000, acting_user=admin,
                                   expires_on=today + datetime.timedelta(days=rng.randint(200, 900)),
                                   source="区应急管理局调拨" if kind == PointKind.STREET_WAREHOUSE else owner)
                made["lots"] += 1
        from linli.supplies import needs

        figures = needs.figures(communities, today)
        for n, community in enumerate(communities):
            point = actions.do_create_point(community, name=f"{community.name}应急物资室", kind=PointKind.COMMUNITY_ROOM,
                                            reserve_type=ReserveType.GOVERNMENT, owner=f"{community.name}居委会",
                                            acting_user=admin)
            made["points"] += 1
            if n == 0:
                volunteer = User.objects.filter(username="demo-volunteer").first()
                if volunteer is not None:
                    point.keepers.add(volunteer)
            for code, (per_resident, per_elder, fixed) in TARGETS.items():
                target = actions.do_set_target(community, items[code], per_resident=per_resident,
                                               per_elder_household=per_elder, fixed=fixed, acting_user=admin)
                made["targets"] += 1
                need = needs.target_quantity(target, figures[community.path])
                share = rng.choice([0, 0.2, 0.5, 0.8, 1.0, 1.3, 2.0]) if code.startswith("mask") else rng.choice(
                    [0.5, 1.0, 1.2])
                if n == 0 and code == "mask-kn95":
                    share = 0  # the first community has run out of KN95 masks: the street's plan sends some
                quantity = int(need * share)
                if not quantity:
                    continue
                shelf = items[code].shelf_life_days
                soon = shelf is not None and rng.random() < 0.3
                first = quantity // 3 if soon else quantity
                for part, days in ((first, rng.randint(10, 55) if soon else rng.randint(120, 700)),
                                   (quantity - first, rng.randint(200, 700))):
                    if part <= 0:
                        continue
                    actions.do_receive(point, items[code], part, acting_user=admin, source="街道统一采购",
                                       expires_on=today + datetime.timedelta(days=days) if shelf else None)
                    made["lots"] += 1
            if n == 0:
                # a count of the first room, one box short, waiting for the street's approval
                keeper = User.objects.filter(username="demo-community").first() or admin
                sheet = actions.do_start_count(point, acting_user=keeper)
                counts = {line.pk: line.expected - (1 if i == 0 and line.expected else 0)
                          for i, line in enumerate(sheet.lines.order_by("pk"))}
                actions.do_record_counts(sheet, counts, acting_user=keeper, submit=True)
    return made
