"""The demo's chat groups: a month of made-up chat in a few dozen groups of the street's first
communities (daily life, a lift that keeps breaking, a water cut-off, a rumour about a
medicine), uploaded and analysed through the actions as a community worker would. One lift
demand is filed as a request, the first community's report of the month is generated and
sent to the street, and the street's report is generated. The exports themselves are written
to the data directory (``opinion/``) for trying an upload. Running it again adds nothing."""

from __future__ import annotations

import datetime
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from linli.core.access import allows
from linli.core.models import User
from linli.opinion import actions, synthetic
from linli.opinion.access import IMPORT
from linli.opinion.models import ChatImport, Demand, DemandStatus
from linli.places.models import Level, Place

COMMUNITIES = 3
GROUPS_PER_COMMUNITY = 10


def demo_exports(community: Place, seed: int, start: datetime.date) -> list[tuple[str, bytes]]:
    compounds = list(Place.objects.filter(path__startswith=community.path, level=Level.COMPOUND)
                     .order_by("path").values_list("name", flat=True))
    names = [f"{community.name}{name}群" for name in ("居民", "楼组长", "志愿者", "老年活动", "宝妈", "业主",
                                                   "1号楼", "2号楼", "3号楼", "便民")][:GROUPS_PER_COMMUNITY]
    by_group: dict[str, list[Any]] = defaultdict(list)
    today = timezone.localdate()
    for row in synthetic.month_messages(names, compounds, start, per_group_day=20, seed=seed):
        if row[1].date() < today:
            by_group[row[0]].append(row)
    return [(f"{name}.txt", synthetic.wechat_export(rows, name).encode("utf-8")) for name, rows in by_group.items()]


def prepare_demo_opinion(seed: int = 1) -> dict[str, int] | None:
    street = Place.objects.filter(level=Level.STREET).order_by("path").first()
    worker = User.objects.filter(username="demo-community").first()
    officer = User.objects.filter(username="demo-street").first()
    if street is None or worker is None or officer is None or ChatImport.objects.exists():
        return None
    start = timezone.localdate() - datetime.timedelta(days=30)
    communities = list(Place.objects.filter(parent=street, level=Level.COMMUNITY).order_by("path")[:COMMUNITIES])
    made = {"messages": 0, "groups": 0}
    folder = Path(settings.DATA_DIR) / "opinion"
    folder.mkdir(exist_ok=True)
    for index, community in enumerate(communities):
        files = demo_exports(community, seed * 31 + index, start)
        if index == 0:
            for name, data in files[:2]:
                (folder / name).write_bytes(data)
        uploader = worker if allows(worker, IMPORT, community) else officer
        upload = actions.do_upload(community, files, acting_user=uploader)
        actions.run_upload(upload.pk)  # now, not when the worker starts: the rest needs the figures
        upload.refresh_from_db()
        made["messages"] += upload.count("stored")
        made["groups"] += upload.count("groups")
    first = communities[0]
    lift = Demand.objects.filter(community=first, kind="lift", compound__isnull=False,
                                 status=DemandStatus.OPEN).order_by("-mentions").first()
    if lift is not None:
        actions.do_file_demand(lift, acting_user=worker)
    month = timezone.localdate().replace(day=1)
    last = (month - datetime.timedelta(days=1)).replace(day=1)
    report = actions.do_generate_report(first, last, acting_user=worker)
    actions.do_send_report(report, acting_user=worker)
    actions.do_generate_report(first, month, acting_user=worker)
    actions.do_generate_report(street, last, acting_user=officer)
    return made
