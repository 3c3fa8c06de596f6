"""Who may see a file made for download: its author, while she still holds the right it was
made under (``people.export`` for lists, ``health.report`` for health reports, ``handout.manage``
for a round's reservations, ``supplies.view`` for the stock) where it lies; administrators see
all. Nobody else, whatever her role: the file is what she exported. The first two are declared
here; the apps making the others declare theirs on ``Download`` in their own access.py (the
stock's author may be a keeper named on a point, without a role).

Who may approve a list or a department's report with many people's full values (four eyes,
decision 0023): someone else, holding ``people.approve_export`` where the file lies and able to make
the same file there herself (the rights it takes, kept on the request as ``approver_needs``: for a
list ``people.export`` and ``people.reveal``; for a report those of its mode). She decides on the
request; she never reads the file."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from linli.core.access import NOTHING, Author, PlaceScope, Policy, declare
from linli.downloads.models import Download

ACTIONS = ("people.export", "health.report", "handout.manage", "supplies.view")
APPROVE = "people.approve_export"
# The requests a decision is taken on: files that wait (or waited) for a second person.
APPROVABLE = Q(needs_approval=True)
# The rights a request may ask its approver to hold (``Download.approver_needs``).
APPROVER_RIGHTS = ("people.export", "people.reveal", "health.report", "health.view")


class OwnFile(Policy):
    """Her own files made under ``action``, while she holds it over their area."""

    author = Author(place=PlaceScope())

    def q(self, user: Any, action: str) -> Q:
        return self.author.q(user, action) & Q(action=action)

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        return getattr(obj, "action", None) == action and self.author.allows(user, action, obj)

    def describe(self) -> str:
        return "own file, made under this action"


class OthersRequests(Policy):
    """Files with full values that others asked for, which wait (or waited) for a second
    person's approval, in an area where she may approve and make the same file herself."""

    scope = PlaceScope()
    needs = {right: PlaceScope(via=right) for right in APPROVER_RIGHTS}

    def q(self, user: Any, action: str) -> Q:
        if not getattr(user, "is_authenticated", False):
            return NOTHING
        condition = APPROVABLE & ~Q(created_by_id=user.pk) & self.scope.q(user, action)
        for right, scope in self.needs.items():
            where = scope.q(user, action)
            if where:  # an empty Q is everywhere (and would vanish from the "or")
                condition &= ~Q(approver_needs__contains=right) | where
        return condition

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        return (getattr(user, "is_authenticated", False) and obj.needs_approval and obj.created_by_id != user.pk
                and self.scope.allows(user, action, obj)
                and all(right in self.needs and self.needs[right].allows(user, action, obj)
                        for right in obj.approver_needs.split()))

    def describe(self) -> str:
        return "others' requests, where she may make them herself"


OWN_FILE = OwnFile()
declare(Download, {"people.export": OWN_FILE, "health.report": OWN_FILE, APPROVE: OthersRequests()})
