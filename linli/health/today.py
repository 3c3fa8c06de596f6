"""The epidemic app's items on the home page: who checked in unwell (call first), who has not
checked in yet, whose quarantine follow-up is not done today. Counts of the user's own area
only; the lists they link to name the people and audit the read."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import ngettext

from linli.core.access import may
from linli.core.today import Item
from linli.health import queries
from linli.health.actions import ON_BEHALF


def items(user: Any, today: datetime.date) -> Iterator[Item]:
    if not may(user, ON_BEHALF):
        return
    rows = queries.must_check_in(user, today)
    unwell = sum(1 for r in rows if r.unwell)
    missing = sum(1 for r in rows if r.checkin is None)
    checkins = reverse("health:checkins")
    if unwell:
        yield Item(ngettext("%(n)d person checked in unwell (fever or symptoms): call first",
                            "%(n)d people checked in unwell (fever or symptoms): call them first", unwell)
                   % {"n": unwell}, checkins, count=unwell, urgent=True, order=10)
    if missing:
        yield Item(ngettext("%(n)d person has not checked in today", "%(n)d people have not checked in today",
                            missing) % {"n": missing}, checkins + "?missing=1", count=missing, order=20)
    follow_ups = [r for r in queries.follow_up_rows(user, today) if r.today is None]
    if follow_ups:
        n = len(follow_ups)
        yield Item(ngettext("%(n)d quarantine follow-up to do today", "%(n)d quarantine follow-ups to do today", n)
                   % {"n": n}, reverse("health:follow_ups"), count=n, order=30)
