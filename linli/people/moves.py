"""Moves the registry records, told to the apps that keep something per house.

A move is a person leaving a house: moved out (``do_move_out``: the new house is not known) or
moved to another house (an import that finds her registered elsewhere). Apps that keep
something for a household by its house (the hand-out's reservations) connect a receiver to
:data:`households_moved`; the registry does not know them.

The signal is sent inside the move's own transaction, by ``send`` (not ``send_robust``): a
receiver's writes commit or roll back with the move, and a receiver that fails undoes the move,
so the registry and what follows from it never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.dispatch import Signal

# sent with ``moves`` (a list of :class:`Move`) and ``acting_user``
households_moved = Signal()


@dataclass(frozen=True)
class Move:
    person_id: int
    from_house_id: int
    to_house_id: int | None  # None: moved out, the new house is not known


def tell(moves: Sequence[Move], *, acting_user: Any) -> None:
    """Tell the receivers about ``moves`` (nothing when there are none), in the caller's transaction."""
    if moves:
        households_moved.send(sender=Move, moves=list(moves), acting_user=acting_user)
