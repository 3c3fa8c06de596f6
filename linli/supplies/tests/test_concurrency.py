"""Two keepers issue the last stock at the same moment, on PostgreSQL: one gets it, the other is
refused, and the lot is never negative. The rows are committed by other threads (the test's
own transaction would hide them) and removed at the end."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone

from linli.places.models import Level, Place
from linli.supplies import actions
from linli.supplies.models import (
    Item,
    Lot,
    Movement,
    MovementKind,
    PointKind,
    ReserveType,
    StoragePoint,
)

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")]


def in_thread(work: Callable[[], Any]) -> Any:
    """Run ``work`` on a connection of its own, outside the test's transaction."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = work()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            result["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    if "error" in result:
        raise result["error"]
    return result.get("value")


@pytest.mark.parametrize("keepers", [2, 8])
def test_concurrent_issues_of_the_last_stock(keepers):
    def setup() -> tuple[StoragePoint, Item]:
        community = Place.objects.filter(level=Level.COMMUNITY).order_by("code").first()
        point = StoragePoint.objects.create(place=community, path=community.path, name="并发测试点",
                                            kind=PointKind.COMMUNITY_ROOM, reserve_type=ReserveType.GOVERNMENT,
                                            owner="居委会")
        item = Item.objects.get(code="mask-kn95")
        for quantity in (6, 4):  # two lots: an issue of 7 spans both
            lot = Lot.objects.create(point=point, path=point.path, item=item, received_on=timezone.localdate())
            actions._move(lot, quantity, MovementKind.RECEIPT, acting_user=None)
        return point, item

    point, item = in_thread(setup)
    try:
        barrier = threading.Barrier(keepers)
        outcomes: list[str] = []

        def issue() -> None:
            try:
                barrier.wait(10)
                with transaction.atomic():
                    actions._take(point, item, 7, MovementKind.ISSUE, acting_user=None, note="")
                outcomes.append("issued")
            except ValidationError:
                outcomes.append("refused")
            finally:
                connections.close_all()

        threads = [threading.Thread(target=issue) for _ in range(keepers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(outcomes) == ["issued"] + ["refused"] * (keepers - 1)

        def state() -> tuple[list[int], int]:
            lots = list(Lot.objects.filter(point=point).values_list("quantity", flat=True))
            moved = sum(Movement.objects.filter(point=point).values_list("quantity", flat=True))
            return lots, moved

        lots, moved = in_thread(state)
        assert min(lots) >= 0 and sum(lots) == 3 == moved
    finally:
        def cleanup() -> None:
            Movement.objects.filter(point=point).delete()
            Lot.objects.filter(point=point).delete()
            StoragePoint.objects.filter(pk=point.pk).delete()

        in_thread(cleanup)
