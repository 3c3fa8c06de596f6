"""Warnings to the street's supplier managers on their home page: qualifications that expire
within 30 days (urgent) or 60 days, or have expired."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from linli.core.today import Item
from linli.suppliers import queries
from linli.suppliers.access import MANAGE
from linli.suppliers.models import Qualification


def items(user: Any, today: datetime.date) -> Iterator[Item]:
    if not getattr(user, "is_authenticated", False):
        return
    mine = Qualification.objects.restrict(user, MANAGE)
    soon = [day for day in queries.expiring(mine, today).values_list("valid_until", flat=True) if day is not None]
    if not soon:
        return
    url = reverse("suppliers:index")
    urgent = sum(1 for day in soon if day <= today + datetime.timedelta(days=queries.URGENT_DAYS))
    if urgent:
        yield Item(_("Supplier qualifications expired or expiring within 30 days: %(n)d") % {"n": urgent}, url,
                   count=urgent, urgent=True)
    if len(soon) > urgent:
        yield Item(_("Supplier qualifications expiring within 60 days: %(n)d") % {"n": len(soon) - urgent}, url,
                   count=len(soon) - urgent)
