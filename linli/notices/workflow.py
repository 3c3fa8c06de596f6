"""The review of a notice as one state machine (no Django here: tested alone).

    draft ──submit──▶ checking ──check──▶ editing ──edit──▶ approving ──publish──▶ published
      ▲                  │  (urgent, shortened: check ──▶ approving)   │              │
      └──── send back ───┴───────────────────┴────────────────────────┘          withdraw
                                                                                     ▼
                                                                                 withdrawn

Separation of duties: the three review steps (核实 check, 编辑 edit, 发布 publish) are done by
three different people on the same notice, over all its rounds, and none of them by someone
who wrote its draft. A person who sent the notice back at a step counts as holding that step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

DRAFT, CHECKING, EDITING, APPROVING, PUBLISHED, WITHDRAWN = (
    "draft", "checking", "editing", "approving", "published", "withdrawn")
SUBMIT, CHECK, EDIT, PUBLISH, SEND_BACK, CORRECT, WITHDRAW = (
    "submit", "check", "edit", "publish", "send_back", "correct", "withdraw")
REVIEW_STEPS = (CHECK, EDIT, PUBLISH)
STATUSES = (DRAFT, CHECKING, EDITING, APPROVING, PUBLISHED, WITHDRAWN)
STEPS = (SUBMIT, CHECK, EDIT, PUBLISH, SEND_BACK, CORRECT, WITHDRAW)

# which review step a notice waits for in each status
WAITING_FOR = {CHECKING: CHECK, EDITING: EDIT, APPROVING: PUBLISH}


class Refused(Exception):
    """The step cannot be taken now, or not by this person; ``code`` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class History:
    """Who did what on one notice so far."""

    writers: frozenset[int]  # wrote a draft version
    holders: Mapping[str, frozenset[int]]  # review step → who did it (or sent back at it)

    @classmethod
    def of(cls, writers: Iterable[int], steps: Iterable[tuple[str, int]]) -> History:
        holders: dict[str, set[int]] = {s: set() for s in REVIEW_STEPS}
        for step, user in steps:
            if step in holders:
                holders[step].add(user)
        return cls(frozenset(writers), {k: frozenset(v) for k, v in holders.items()})


def transition(status: str, step: str, *, shortened: bool = False) -> str:
    """The status after ``step`` taken in ``status``; ``Refused("wrong_status")`` when the step
    does not belong there."""
    if step == SUBMIT and status == DRAFT:
        return CHECKING
    if step == CHECK and status == CHECKING:
        return APPROVING if shortened else EDITING
    if step == EDIT and status == EDITING:
        return APPROVING
    if step == PUBLISH and status == APPROVING:
        return PUBLISHED
    if step == SEND_BACK and status in WAITING_FOR:
        return DRAFT
    if step in (CORRECT, WITHDRAW) and status == PUBLISHED:
        return PUBLISHED if step == CORRECT else WITHDRAWN
    raise Refused("wrong_status")


def check_person(status: str, step: str, user: int, history: History) -> None:
    """Refuse a review step (or a send-back, which acts at the step waited for) by someone who
    wrote the draft or holds another review step of this notice."""
    acting_as = WAITING_FOR.get(status) if step == SEND_BACK else step
    if acting_as not in REVIEW_STEPS:
        return
    if user in history.writers:
        raise Refused("own_notice")
    for other in REVIEW_STEPS:
        if other != acting_as and user in history.holders.get(other, frozenset()):
            raise Refused("two_steps")


def take(status: str, step: str, user: int, history: History, *, shortened: bool = False) -> str:
    """Check both rules and return the next status."""
    after = transition(status, step, shortened=shortened)
    check_person(status, step, user, history)
    return after
