"""Points and stock made through the actions in the test street."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from linli.conftest import Street
from linli.places.models import Place
from linli.supplies import actions
from linli.supplies.models import Item, PointKind, ReserveType, StoragePoint


def item(code: str = "mask-kn95") -> Item:
    return Item.objects.get(code=code)


def point_at(street: Street, place: Place | None = None, name: str = "社区物资室", **fields: Any) -> StoragePoint:
    place = place or street.community
    data = {"kind": PointKind.COMMUNITY_ROOM, "reserve_type": ReserveType.GOVERNMENT, "owner": "居委会", **fields}
    return actions.do_create_point(place, name=name, acting_user=street.street_officer, **data)


def stock(street: Street, point: StoragePoint, quantity: int, code: str = "mask-kn95", days: int | None = 400,
          user: Any = None) -> None:
    expires = timezone.localdate() + datetime.timedelta(days=days) if days is not None else None
    actions.do_receive(point, item(code), quantity, expires_on=expires, source="区应急局调拨",
                       acting_user=user or street.secretary)


def make_matrix_rows(street: Street, far: dict[str, Place]) -> None:
    """For the access matrix: a point with stock and a count sheet in the test community, and
    the same in the far district."""
    from linli.places.models import Level

    for place, user in ((street.community, street.secretary), (far[Level.COMMUNITY], street.admin)):
        point = actions.do_create_point(place, name="物资室", kind=PointKind.COMMUNITY_ROOM,
                                        reserve_type=ReserveType.GOVERNMENT, owner="居委会", acting_user=street.admin)
        actions.do_receive(point, item(), 100, acting_user=user)
        actions.do_start_count(point, acting_user=user)
        # a shipment planned from the street's warehouse to the community
        street_place = place.parent
        warehouse = actions.do_create_point(street_place, name="仓库", kind=PointKind.STREET_WAREHOUSE,
                                            reserve_type=ReserveType.GOVERNMENT, owner="街道", acting_user=street.admin)
        actions.do_receive(warehouse, item(), 50, acting_user=street.admin)
        actions.do_approve_plan(street_place, [(street_place.path, place.path, item(), 20, "")], acting_user=street.admin)
