"""A request's states and the moves between them, in one table.

Every ``do_*`` action that changes a request's status names its move here; a move from a state
the table does not list is refused with a message the user can act on. The table is tested
exhaustively (every move from every state).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from linli.tickets.models import Status

NEW, ACCEPTED, RESOLVED = Status.NEW, Status.ACCEPTED, Status.RESOLVED
CLOSED, UNRESOLVABLE, MERGED = Status.CLOSED, Status.UNRESOLVABLE, Status.MERGED

# move → (states it may start from, state it ends in; None: stays where it is)
MOVES: dict[str, tuple[frozenset[str], str | None]] = {
    "accept": (frozenset({NEW}), ACCEPTED),
    "note": (frozenset({NEW, ACCEPTED}), None),
    "transfer": (frozenset({NEW, ACCEPTED}), NEW),
    "return": (frozenset({NEW, ACCEPTED}), NEW),
    "assign": (frozenset({NEW, ACCEPTED}), NEW),
    "resolve": (frozenset({ACCEPTED}), RESOLVED),
    "close_unfixed": (frozenset({NEW, ACCEPTED}), UNRESOLVABLE),
    "merge": (frozenset({NEW, ACCEPTED}), MERGED),
    "rate": (frozenset({RESOLVED, CLOSED, UNRESOLVABLE}), CLOSED),
    "reopen": (frozenset({RESOLVED, CLOSED, UNRESOLVABLE}), NEW),
    "auto_close": (frozenset({RESOLVED}), CLOSED),
    # a merged request follows its main request's outcome
    "follow_resolved": (frozenset({MERGED}), MERGED),
    # a delivery for a quarantined household: a volunteer taking it is the first response, her
    # steps leave the request where it is, and the household's receipt resolves it
    "take_delivery": (frozenset({NEW, ACCEPTED}), ACCEPTED),
    "delivery_step": (frozenset({NEW, ACCEPTED}), None),
    "confirm_receipt": (frozenset({NEW, ACCEPTED}), RESOLVED),
}

MOVE_NAMES = {
    "accept": _("accept"), "note": _("add a progress note"), "transfer": _("transfer"), "return": _("return"),
    "assign": _("assign"), "resolve": _("resolve"), "close_unfixed": _("close without a fix"),
    "merge": _("merge"), "rate": _("rate"), "reopen": _("reopen"), "auto_close": _("close"),
    "follow_resolved": _("share the outcome"), "take_delivery": _("take the delivery of"),
    "delivery_step": _("record a delivery step of"), "confirm_receipt": _("confirm receipt of"),
}


def check(move: str, status: str) -> str:
    """The state after ``move`` from ``status``; refuses a move the table does not allow."""
    sources, target = MOVES[move]
    if status not in sources:
        raise ValidationError(
            _("This request is now “%(status)s”: you cannot %(move)s it."), code="ticket_state",
            params={"status": Status(status).label, "move": MOVE_NAMES[move]},
        )
    return target or status


def allowed_moves(status: str) -> list[str]:
    return [move for move, (sources, _target) in MOVES.items() if status in sources]
