"""Filing requests in tests, as the personas would."""

from __future__ import annotations

from typing import Any

from linli.places.models import Place
from linli.tickets import actions
from linli.tickets.models import Category, Source, Ticket


def category(code: str = "repair-water") -> Category:
    return Category.objects.get(code=code)


def file(user: Any, place: Place, code: str = "repair-water", *, source: str = Source.APP,
         description: str = "厨房水管漏水，楼下渗水", **extra: Any) -> Ticket:
    return actions.do_submit(actions.NewTicket(category=category(code), place=place, description=description,
                                               source=source, **extra), acting_user=user)
