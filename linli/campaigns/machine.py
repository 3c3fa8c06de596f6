"""What happens to one household of a campaign after each attempt: the state machine.

A household starts *waiting* for the campaign's first automatic channel: an outbound call
now (a screening campaign with calls), or its link sent by text message (then the household
answers when it likes). A call nobody answers (or a busy line) is tried again
``retry_minutes`` later, up to ``max_calls`` calls; then the household is handed to its grid
worker for a *knock* (a door-knock, or a call from her own phone with the script). A link
that is not answered within ``link_hours`` is handed over the same way. A knock that finds
nobody home stays on her list until ``max_knocks`` knocks, then the household is
*unreachable*. An answer whose extraction was uncertain puts the household in *review* for a
person; answers that were typed (link, page, knock) or read with confidence make it *done*.
Refusing ends it too. A campaign without the knock channel marks the household unreachable
where a knock would have come.

Plain Python (no Django): ``linli.campaigns.actions`` stores what it decides.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

WAITING, KNOCK, REVIEW, DONE, REFUSED, UNREACHABLE = "waiting", "knock", "review", "done", "refused", "unreachable"
STATES = (WAITING, KNOCK, REVIEW, DONE, REFUSED, UNREACHABLE)
OPEN = (WAITING, KNOCK)  # may still be answered by any channel
FINISHED = (DONE, REFUSED, UNREACHABLE)

CALL, LINK, KNOCK_CHANNEL, PAGE = "call", "link", "knock", "page"
CHANNELS = (CALL, LINK, KNOCK_CHANNEL, PAGE)

ANSWERED, NO_ANSWER, BUSY, REFUSED_OUTCOME, NOT_HOME, FAILED = (
    "answered", "no_answer", "busy", "refused", "not_home", "failed")
OUTCOMES = (ANSWERED, NO_ANSWER, BUSY, REFUSED_OUTCOME, NOT_HOME, FAILED)


class Refused(Exception):
    """The attempt does not fit the household's state (already answered, a channel the
    campaign does not use)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Plan:
    channels: tuple[str, ...]
    max_calls: int = 2
    retry_minutes: int = 120
    link_hours: int = 24
    max_knocks: int = 3

    @property
    def calls(self) -> bool:
        return CALL in self.channels

    @property
    def knocks(self) -> bool:
        return KNOCK_CHANNEL in self.channels


@dataclass(frozen=True)
class State:
    status: str
    calls: int = 0
    knocks: int = 0
    next_at: datetime.datetime | None = None  # when the next automatic step is due (call or handover)


def start(plan: Plan, now: datetime.datetime) -> State:
    """The household's state when the campaign starts."""
    if plan.calls:
        return State(WAITING, next_at=now)
    if LINK in plan.channels and plan.knocks:
        return State(WAITING, next_at=now + datetime.timedelta(hours=plan.link_hours))
    if plan.knocks and LINK not in plan.channels and PAGE not in plan.channels:
        return State(KNOCK)
    return State(WAITING)  # answered by link, page or a grid worker whenever they come


def _hand_over(plan: Plan, state: State, now: datetime.datetime) -> State:
    if plan.knocks:
        return State(KNOCK, calls=state.calls, knocks=state.knocks)
    return State(UNREACHABLE, calls=state.calls, knocks=state.knocks)


def after_call(plan: Plan, state: State, outcome: str, now: datetime.datetime, *, uncertain: bool = False) -> State:
    """An outbound call ended with ``outcome`` (``uncertain``: some answer needs a person)."""
    if state.status not in OPEN:
        raise Refused("not_open")
    if outcome not in OUTCOMES:
        raise ValueError(outcome)
    calls = state.calls + 1
    if outcome == ANSWERED:
        return State(REVIEW if uncertain else DONE, calls=calls, knocks=state.knocks)
    if outcome == REFUSED_OUTCOME:
        return State(REFUSED, calls=calls, knocks=state.knocks)
    tried = State(state.status, calls=calls, knocks=state.knocks)
    if outcome != FAILED and calls < plan.max_calls:
        return State(WAITING, calls=calls, knocks=state.knocks,
                     next_at=now + datetime.timedelta(minutes=plan.retry_minutes))
    return _hand_over(plan, tried, now)  # no phone, or the calls are used up: a knock


def after_typed(plan: Plan, state: State, channel: str, outcome: str) -> State:
    """Answers typed by the resident (link, page) or by a grid worker (knock), or a knock that
    found nobody home or a refusal."""
    if channel not in plan.channels:
        raise Refused("channel")
    if state.status not in OPEN:
        raise Refused("not_open")
    knocks = state.knocks + (1 if channel == KNOCK_CHANNEL else 0)
    if outcome == ANSWERED:
        return State(DONE, calls=state.calls, knocks=knocks)
    if outcome == REFUSED_OUTCOME:
        return State(REFUSED, calls=state.calls, knocks=knocks)
    if channel != KNOCK_CHANNEL or outcome not in (NOT_HOME, NO_ANSWER):
        raise Refused("outcome")
    if knocks >= plan.max_knocks:
        return State(UNREACHABLE, calls=state.calls, knocks=knocks)
    return State(KNOCK, calls=state.calls, knocks=knocks)


def due(plan: Plan, state: State, now: datetime.datetime) -> str:
    """What is due now for a waiting household: "call", "hand_over" or ""."""
    if state.status != WAITING or state.next_at is None or state.next_at > now:
        return ""
    if plan.calls and state.calls < plan.max_calls:
        return CALL
    return "hand_over"


def handed_over(plan: Plan, state: State, now: datetime.datetime) -> State:
    """The link was not answered in time (or the calls are used up): to a knock."""
    return _hand_over(plan, state, now)


def reviewed(state: State) -> State:
    """A person settled the uncertain answers."""
    if state.status != REVIEW:
        raise Refused("not_in_review")
    return State(DONE, calls=state.calls, knocks=state.knocks)
