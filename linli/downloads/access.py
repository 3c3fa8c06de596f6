"""Who may see a file made for download: its author, while she still holds the right it was
made under (``people.export`` for lists, ``health.report`` for health reports) where it lies;
administrators see all. Nobody else, whatever her role: the file is what she exported.

Who may approve a list with many people's full values (four eyes, decision 0023): someone else,
holding ``people.approve_export`` where the list lies and able to make such a list there herself
(``people.export`` and ``people.reveal``). She decides on the request; she never reads the file."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from linli.core.access import NOTHING, Author, PlaceScope, Policy, declare
from linli.downloads.models import Download

ACTIONS = ("people.export", "health.report")
APPROVE = "people.approve_export"
# The requests a decision is taken on: lists that wait (or waited) for a second person.
APPROVABLE = Q(action="people.export", needs_approval=True)


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
    """Lists with full values that others asked for, which wait (or waited) for a second
    person's approval, in an area where she may approve and make such a list herself."""

    scopes = (PlaceScope(), PlaceScope(via="people.export"), PlaceScope(via="people.reveal"))

    def q(self, user: Any, action: str) -> Q:
        if not getattr(user, "is_authenticated", False):
            return NOTHING
        condition = APPROVABLE & ~Q(created_by_id=user.pk)
        for scope in self.scopes:
            condition &= scope.q(user, action)
        return condition

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        return (getattr(user, "is_authenticated", False) and obj.action == "people.export" and obj.needs_approval
                and obj.created_by_id != user.pk and all(scope.allows(user, action, obj) for scope in self.scopes))

    def describe(self) -> str:
        return "others' requests, where she may make them herself"


OWN_FILE = OwnFile()
declare(Download, {**dict.fromkeys(ACTIONS, OWN_FILE), APPROVE: OthersRequests()})
