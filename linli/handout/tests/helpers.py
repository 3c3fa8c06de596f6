"""Rounds made through the actions in the test street."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from linli.conftest import Street
from linli.handout import actions
from linli.handout.models import Group, Round
from linli.people.models import Person
from linli.places.models import Level, Place
from linli.supplies import actions as supplies
from linli.supplies.models import PointKind, ReserveType
from linli.supplies.tests.helpers import item, point_at, stock


def open_round(street: Street, *, households: int = 10, held_back: int = 0, quota: int = 5,
               community: Place | None = None, user: Any = None, minutes_open: int = 60,
               slots: int = 1, **fields: Any) -> Round:
    """A round of KN95 masks, open now, with a slot under way at the community's room."""
    community = community or street.community
    user = user or street.secretary
    point = (point_at(street, community, name=f"发放点{community.pk}")
             if community.path.startswith(street.community.parent.path) else
             supplies.do_create_point(community, name="发放点", kind=PointKind.COMMUNITY_ROOM,
                                      reserve_type=ReserveType.GOVERNMENT, owner="居委会", acting_user=street.admin))
    stock(street, point, households * quota + 50, user=street.admin)
    now = timezone.now()
    starts = now - datetime.timedelta(minutes=30)
    return actions.do_open_round(
        community, title="口罩预约", item=item(), quota=quota, households=households, held_back=held_back,
        opens_at=now - datetime.timedelta(hours=1), closes_at=now + datetime.timedelta(minutes=minutes_open),
        slots=[actions.SlotInput(point, starts + datetime.timedelta(days=n),
                                 starts + datetime.timedelta(days=n, hours=3)) for n in range(slots)],
        acting_user=user, **fields)


def houses(community: Place, n: int, *, group: str | None = None, exclude: tuple[int, ...] = ()) -> list[Place]:
    """``n`` households of the community (houses with active residents): of ``group`` (by
    ``actions.group_of``; "ordinary" or "priority" for either tier) when given."""
    today = timezone.localdate()
    found = []
    ids = (Person.objects.filter(path__startswith=community.path, is_active=True, current_house__isnull=False)
           .exclude(current_house__in=exclude).values_list("current_house_id", flat=True).distinct()
           .order_by("current_house_id"))
    for house in Place.objects.filter(pk__in=ids, level=Level.HOUSE).order_by("pk").iterator():
        if group is not None:
            of = actions.group_of(house, today)
            if not {"ordinary": of == Group.OTHER, "priority": of != Group.OTHER}.get(group, of == group):
                continue
        found.append(house)
        if len(found) == n:
            break
    return found


def make_matrix_rows(street: Street, far: dict[str, Place]) -> None:
    """For the access matrix: a round open in the test community, with the resident's household's
    reservation, and one in the far district."""
    from linli.downloads.actions import do_request_download

    round_ = open_round(street)
    actions.do_reserve(round_, street.resident.person.current_house, acting_user=street.resident)
    far_round = open_round(street, community=far[Level.COMMUNITY], user=street.admin)
    # the round's list made in the background: the secretary's, and one of the far round
    do_request_download("handout_list", scope=round_.community, params={"round": round_.pk},
                        acting_user=street.secretary)
    do_request_download("handout_list", scope=far_round.community, params={"round": far_round.pk},
                        acting_user=street.admin)
