"""Imports on the home page: dry runs done and waiting for the user's decision."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import ngettext

from linli.core.access import may
from linli.core.today import Item
from linli.imports.models import BatchStatus, ImportBatch


def items(user: Any, today: datetime.date) -> Iterator[Item]:
    if not may(user, "people.change"):
        return
    n = ImportBatch.objects.restrict(user, "people.change").filter(status=BatchStatus.READY).count()
    if n:
        yield Item(ngettext("%(n)d import checked and waiting for your decision",
                            "%(n)d imports checked and waiting for your decision", n) % {"n": n},
                   reverse("imports:index"), count=n, order=40)
