"""Exports on the home page: long lists with full values waiting for the user's approval (0023)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import ngettext

from linli.core.access import may
from linli.core.today import Item
from linli.downloads.access import APPROVE


def items(user: Any, today: datetime.date) -> Iterator[Item]:
    from linli.downloads.actions import waiting_for

    if not may(user, APPROVE):
        return
    n = waiting_for(user).count()
    if n:
        yield Item(ngettext("%(n)d export of full values waits for your approval",
                            "%(n)d exports of full values wait for your approval", n) % {"n": n},
                   reverse("downloads:approvals"), count=n, order=35)
