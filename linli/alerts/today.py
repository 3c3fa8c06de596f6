"""The home page's alert items: the open alerts of one's area, first of all (an elder on the
floor comes before every list)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.alerts.access import RESPOND, VIEW
from linli.alerts.models import OPEN_STATES, Alert, State, SwapOffer, SwapState
from linli.core.access import may
from linli.core.today import Item


def items(user: Any, day: datetime.date) -> list[Item]:
    if not may(user, VIEW):
        return []
    found = []
    swaps = SwapOffer.objects.restrict(user, RESPOND).filter(offered_to=user, state=SwapState.OFFERED,
                                                            shift__ends_at__gt=timezone.now()).count()
    if swaps:
        found.append(Item(_("Shift swaps offered to you: %(n)s") % {"n": swaps}, reverse("alerts:my_shifts"),
                          count=swaps, order=2))
    counts = Alert.objects.restrict(user, VIEW).filter(state__in=OPEN_STATES).aggregate(
        open=Count("pk"), new=Count("pk", filter=Q(state=State.NEW)))
    if not counts["open"]:
        return found
    url = reverse("alerts:list")
    if counts["new"]:
        found.append(Item(_("Alerts nobody has acknowledged: %(n)s") % {"n": counts["new"]}, url,
                          count=counts["new"], urgent=True, order=0))
    if counts["open"] > counts["new"]:
        n = counts["open"] - counts["new"]
        found.append(Item(_("Alerts being handled: %(n)s") % {"n": n}, url, count=n, urgent=True, order=1))
    return found
