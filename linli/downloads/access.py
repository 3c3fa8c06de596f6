"""Who may see a file made for download: its author, while she still holds the right it was
made under (``people.export`` for lists, ``health.report`` for health reports) where it lies;
administrators see all. Nobody else, whatever her role: the file is what she exported."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from linli.core.access import Author, PlaceScope, Policy, declare
from linli.downloads.models import Download

ACTIONS = ("people.export", "health.report")


class OwnFile(Policy):
    """Her own files made under ``action``, while she holds it over their area."""

    author = Author(place=PlaceScope())

    def q(self, user: Any, action: str) -> Q:
        return self.author.q(user, action) & Q(action=action)

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        return getattr(obj, "action", None) == action and self.author.allows(user, action, obj)

    def describe(self) -> str:
        return "own file, made under this action"


OWN_FILE = OwnFile()
declare(Download, dict.fromkeys(ACTIONS, OWN_FILE))
