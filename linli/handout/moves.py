"""A household that moves keeps its place in a round, or gives it back: never two places, never
one left behind for the house's next occupants.

A reservation is the household's, kept by its house. When the last person registered in a house
leaves it (the registry's :data:`linli.people.moves.households_moved`), each of the house's
reservations still live (a share held, or a place on the waiting list, in a round not cancelled):

- **follows the household** to its new house when everyone who left in that move went to one
  house, that house is in the round's community, and it has no reservation in the round yet.
  The same row is kept, with the new house and path: its status, place in the queue, pickup
  slot and pickup code stay as they were (the code names the reservation, not the house).
  Audited ``handout.move``.
- **is given back** otherwise (the new house is unknown, outside the community, already has a
  reservation, or the household split between houses): a share held goes back and is offered
  to the waiting list by the round's settling (``actions.settle``), a place on the waiting list
  ends. Audited ``handout.move_release``, with why.

While someone is still registered in the house, the household is still there and nothing
changes. It all happens in the move's transaction, under the round's row lock as every change of
a round's counters does. No right of the hand-out is asked of the person recording the move:
this follows from the registry, and the audit entry names who recorded it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from linli.core import audit
from linli.handout import actions
from linli.handout.models import GONE, Reservation, Round, Status
from linli.people.models import Person
from linli.people.moves import Move
from linli.places.models import Level, Place

LIVE = (Status.HELD, Status.WAITING)
# why a reservation was given back (the audit entry's ``why``)
NO_NEW_HOUSE, HOUSEHOLD_SPLIT, OUTSIDE_ROUND, ALREADY_RESERVED = (
    "no_new_house", "household_split", "outside_round", "already_reserved")


def on_households_moved(sender: Any, *, moves: Sequence[Move], acting_user: Any = None, **kwargs: Any) -> None:
    """The receiver of the registry's moves (connected in ``apps``)."""
    follow_moves(moves, acting_user=acting_user)


def follow_moves(moves: Sequence[Move], *, acting_user: Any, now: datetime.datetime | None = None
                 ) -> dict[str, int]:
    """Apply the rule above to the houses ``moves`` left; counts of reservations followed and
    given back. One query when none of those houses has a live reservation (an import's moves)."""
    now = now or timezone.now()
    done = {"followed": 0, "released": 0}
    destinations: dict[int, set[int | None]] = defaultdict(set)
    for move in moves:
        destinations[move.from_house_id].add(move.to_house_id)
    live = (Reservation.objects.filter(house_id__in=list(destinations), status__in=LIVE, round__cancelled=False)
            .values_list("round_id", "house_id"))
    by_round: dict[int, list[int]] = defaultdict(list)
    for round_id, house_id in live:
        by_round[round_id].append(house_id)
    if not by_round:
        return done
    left = set(destinations) - set(Person.objects.filter(
        current_house_id__in=list(destinations), is_active=True).values_list("current_house_id", flat=True))
    for round_id in sorted(by_round):  # rounds locked in one order: no deadlock with another move
        gone = [house_id for house_id in by_round[round_id] if house_id in left]
        if gone:
            for key, n in _follow_round(round_id, gone, destinations, acting_user, now).items():
                done[key] += n
    return done


def _follow_round(round_id: int, gone: list[int], destinations: dict[int, set[int | None]], acting_user: Any,
                  now: datetime.datetime) -> dict[str, int]:
    done = {"followed": 0, "released": 0}
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round_id)
        taken = actions._taken(locked)
        for reservation in (Reservation.objects.filter(round=locked, house_id__in=gone, status__in=LIVE)
                            .select_related("house").order_by("pk")):
            to, why = _new_house(locked, destinations[reservation.house_id])
            if to is not None and _move_to(reservation, to, acting_user):
                done["followed"] += 1
                continue
            before = reservation.status
            reservation.status = Status.MOVED
            reservation.save(update_fields=["status", "updated_at"])
            if before == Status.HELD:
                taken = taken.minus(reservation.tier)
            audit.record("handout.move_release", actor=acting_user, obj=reservation,
                         detail={"round": locked.pk, "from": reservation.house.code, "was": before,
                                 "why": why or ALREADY_RESERVED,
                                 "to": _code(destinations[reservation.house_id])})
            done["released"] += 1
        actions._save_taken(locked, taken)
        if done["released"]:
            actions.settle(locked, now)  # the shares given back go to the waiting list, in its order
    return done


def _new_house(round_: Round, to: set[int | None]) -> tuple[Place | None, str]:
    """Where the reservation may follow (None and why not)."""
    if len(to) > 1:
        return None, HOUSEHOLD_SPLIT
    to_id = next(iter(to))
    if to_id is None:
        return None, NO_NEW_HOUSE
    house = Place.objects.filter(pk=to_id, level=Level.HOUSE).first()
    if house is None or not house.path.startswith(round_.path):
        return None, OUTSIDE_ROUND
    if Reservation.objects.filter(round=round_, house=house).exclude(status__in=GONE).exists():
        return None, ALREADY_RESERVED
    return house, ""


def _move_to(reservation: Reservation, house: Place, acting_user: Any) -> bool:
    """The same row, at the new house; False if the house reserved meanwhile (the unique
    constraint: one reservation per household and round)."""
    before = reservation.house
    try:
        with transaction.atomic():
            Reservation.objects.filter(pk=reservation.pk).update(house=house, path=house.path,
                                                                 updated_at=timezone.now())
    except IntegrityError:
        return False
    reservation.house, reservation.path = house, house.path
    audit.record("handout.move", actor=acting_user, obj=reservation,
                 detail={"round": reservation.round_id, "from": before.code, "to": house.code,
                         "status": reservation.status})
    return True


def _code(to: set[int | None]) -> str:
    ids = [pk for pk in to if pk is not None]
    return ",".join(Place.objects.filter(pk__in=ids).order_by("code").values_list("code", flat=True))[:200]
