""""Today" on the home page: what each app asks of the signed-in user now.

The home page answers "what do I do now?". Each app that has work for someone (the epidemic
app: check-ins not done, people who checked in unwell, quarantine follow-ups; the gates: duty
shifts; imports: dry runs waiting for a decision; later requests, tasks and alerts) registers
a provider from its ``AppConfig.ready()``; the home page lists what the providers return,
urgent items first. The home page imports no app for this, and a new app plugs in without
touching it::

    from linli.core.today import Item, register

    def my_items(user, today):
        n = Ticket.objects.restrict(user, "tickets.handle").filter(state="new").count()
        if n:
            yield Item(_("%(n)d new requests") % {"n": n}, reverse("tickets:inbox"), count=n)

    register("tickets", my_items)

A provider only counts (it names nobody), so it writes no audit row; the page it links to
audits what it shows.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Item:
    text: str  # in the reader's language, e.g. "3 people have not checked in"
    url: str
    count: int = 0
    urgent: bool = False  # shown first, in red: someone needs a call
    order: int = 50  # among items of the same urgency, lower first


Provider = Callable[[Any, datetime.date], Iterable[Item]]
_PROVIDERS: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Add (or replace, by name) a provider of today's items."""
    _PROVIDERS[name] = provider


def items_for(user: Any, today: datetime.date) -> list[Item]:
    found = [item for provider in _PROVIDERS.values() for item in provider(user, today)]
    return sorted(found, key=lambda item: (not item.urgent, item.order))
