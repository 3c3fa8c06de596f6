"""Bursts of reservations on PostgreSQL: 50 requests at once for one household give one
reservation; 50 households at once for 10 shares give exactly 10 shares, the held-back ones
kept for priority households. The rows are committed by other threads (the test's own
transaction would hide them) and removed at the end."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from linli.conftest import make_street
from linli.core.models import User
from linli.handout import actions
from linli.handout.models import Reservation, Round, Slot, Status, Tier, Via
from linli.handout.tests.helpers import houses, open_round
from linli.supplies.models import Lot, Movement, StoragePoint
from linli.supplies.tests.test_concurrency import in_thread

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")]

BURST = 50


def _burst(work: Any, n: int = BURST) -> list[str]:
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait(20)
            outcome = work(i)
        except ValidationError as exc:
            outcome = exc.error_dict[next(iter(exc.error_dict))][0].code
        except Exception as exc:  # noqa: BLE001 - reported to the test
            outcome = f"error {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return outcomes


def _cleanup(round_id: int) -> None:
    def work() -> None:
        points = list(Slot.objects.filter(round_id=round_id).values_list("point_id", flat=True))
        Reservation.objects.filter(round_id=round_id).delete()
        Slot.objects.filter(round_id=round_id).delete()
        Round.objects.filter(pk=round_id).delete()
        Movement.objects.filter(point_id__in=points).delete()
        Lot.objects.filter(point_id__in=points).delete()
        StoragePoint.objects.filter(pk__in=points).delete()
        User.objects.filter(username="outsider").delete()

    in_thread(work)


def test_one_household_fifty_times_at_once():
    def setup() -> tuple[Round, Any, Any]:
        street = make_street()
        return open_round(street, households=5), street.resident.person.current_house, street.secretary

    round_, house, staff = in_thread(setup)
    try:
        outcomes = _burst(lambda i: actions.do_reserve(round_, house, acting_user=staff, via=Via.STAFF).status)
        assert Counter(outcomes) == {Status.HELD: 1, "already_reserved": BURST - 1}

        def state() -> tuple[int, int]:
            return Reservation.objects.filter(round=round_).count(), Round.objects.get(pk=round_.pk).taken

        assert in_thread(state) == (1, 1)
    finally:
        _cleanup(round_.pk)


def test_fifty_households_for_ten_shares():
    def setup() -> tuple[Round, list[Any], list[Any], Any]:
        street = make_street()
        round_ = open_round(street, households=10, held_back=3)
        ordinary = houses(street.community, 40, group="ordinary")
        priority = houses(street.community, 10, group="priority")
        return round_, ordinary, priority, street.secretary

    round_, ordinary, priority, staff = in_thread(setup)
    everyone = ordinary + priority
    assert len(everyone) == BURST
    try:
        outcomes = _burst(lambda i: actions.do_reserve(round_, everyone[i], acting_user=staff, via=Via.STAFF).status)
        assert Counter(outcomes) == {Status.HELD: 10, Status.WAITING: BURST - 10}

        def state() -> tuple[Counter[str], int, int]:
            rows = Reservation.objects.filter(round=round_, status=Status.HELD)
            locked = Round.objects.get(pk=round_.pk)
            return Counter(rows.values_list("tier", flat=True)), locked.taken, rows.values("house").distinct().count()

        tiers, taken, distinct = in_thread(state)
        assert taken == 10 == distinct
        assert tiers[Tier.ORDINARY] <= 7 and tiers[Tier.PRIORITY] >= 3  # the held-back shares went to priority
    finally:
        _cleanup(round_.pk)


def test_a_move_and_a_reservation_at_the_new_house_at_once():
    """The household moves in while the new house reserves: one reservation at the new house
    either way (the moved one, the other refused; or the new one, the moved one given back)."""
    from django.db import transaction
    from django.utils import timezone

    from linli.handout.tests.test_moves import empty_house, lone_houses
    from linli.people.models import Person, Residence
    from linli.people.moves import Move, tell

    def setup() -> tuple[Round, Any, Any, Any, Any, Any]:
        street = make_street()
        round_ = open_round(street, households=5)
        old = lone_houses(street.community, 1)[0]
        new = empty_house(street.community)
        reservation = actions.do_reserve(round_, old, acting_user=street.secretary, via=Via.STAFF)
        person = Person.objects.get(current_house=old, is_active=True)
        return round_, old, new, reservation, person, street.secretary

    round_, old, new, reservation, person, staff = in_thread(setup)
    residence_id = Residence.objects.get(person=person, house=old, moved_out__isnull=True).pk

    def work(i: int) -> str:
        if i == 1:
            return actions.do_reserve(round_, new, acting_user=staff, via=Via.STAFF).status
        with transaction.atomic():
            Residence.objects.filter(pk=residence_id).update(moved_out=timezone.localdate())
            Residence.objects.create(person=person, house=new, path=new.path)
            Person.objects.filter(pk=person.pk).update(current_house=new, path=new.path)
            tell([Move(person.pk, old.pk, new.pk)], acting_user=staff)
        return "moved"

    try:
        outcomes = _burst(work, 2)
        assert "moved" in outcomes and not any(o.startswith("error") for o in outcomes), outcomes

        def state() -> tuple[int, str, int, int, int]:
            moved = Reservation.objects.get(pk=reservation.pk)
            locked = Round.objects.get(pk=round_.pk)
            return (Reservation.objects.filter(round=round_, house=new).count(), moved.status,
                    moved.house_id, locked.taken, Reservation.objects.filter(round=round_, status=Status.HELD).count())

        at_new, status, house_id, taken, held = in_thread(state)
        assert at_new == 1 and taken == held
        if "already_reserved" in outcomes:  # the move came first: the reservation followed
            assert (house_id, status) == (new.pk, Status.HELD)
        else:  # the new house reserved first: the moved household's share went back
            assert (house_id, status) == (old.pk, Status.MOVED)
    finally:
        def undo() -> None:
            Residence.objects.filter(person=person, house=new).delete()
            Residence.objects.filter(pk=residence_id).update(moved_out=None)
            Person.objects.filter(pk=person.pk).update(current_house=old, path=old.path)

        in_thread(undo)
        _cleanup(round_.pk)
