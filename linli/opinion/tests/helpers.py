"""Chat exports of the test street, uploaded and analysed through the actions."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.utils import timezone

from linli.conftest import Street
from linli.opinion import actions, synthetic
from linli.opinion.models import ChatImport
from linli.places.models import Level, Place


def compounds(community: Place) -> list[str]:
    return list(Place.objects.filter(path__startswith=community.path, level=Level.COMPOUND)
                .order_by("path").values_list("name", flat=True))


def month_start(days_ago: int = 40) -> datetime.date:
    return (timezone.localdate() - datetime.timedelta(days=days_ago)).replace(day=1)


def exports_for(community: Place, groups: int = 3, per_group_day: int = 6, start: datetime.date | None = None,
                seed: int = 1) -> list[tuple[str, bytes]]:
    """WeChat text exports of a month of made-up chat in ``groups`` groups of the community."""
    start = start or month_start()
    names = [f"{community.name}{i + 1}号楼群" for i in range(groups)]
    by_group: dict[str, list[Any]] = defaultdict(list)
    for row in synthetic.month_messages(names, compounds(community), start, per_group_day=per_group_day, seed=seed):
        if row[1].date() < timezone.localdate():
            by_group[row[0]].append(row)
    return [(f"{name}.txt", synthetic.wechat_export(rows, name).encode("utf-8")) for name, rows in by_group.items()]


def upload(street: Street, community: Place | None = None, files: list[tuple[str, bytes]] | None = None,
           user: Any = None) -> ChatImport:
    community = community or street.community
    made = actions.do_upload(community, files if files is not None else exports_for(community),
                             acting_user=user or street.secretary)
    made.refresh_from_db()
    return made


def make_matrix_rows(street: Street, far: dict[str, Place]) -> None:
    """For the access matrix: an analysed upload with demands and a report in the test
    community, and the same in the far district."""
    for community, user in ((street.community, street.secretary), (far[Level.COMMUNITY], street.admin)):
        made = upload(street, community, exports_for(community, groups=1, per_group_day=8), user=user)
        assert made.status == "done", made.error  # noqa: S101 - test helper
        actions.do_generate_report(community, month_start(), acting_user=user)
