"""What the home page asks of an office about consultations, and tells a resident."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from linli.consult.access import MANAGE
from linli.consult.models import Participant, Proposal, Status
from linli.core.access import may
from linli.core.today import Item


def items(user: Any, today: datetime.date) -> Iterator[Item]:
    if may(user, MANAGE):
        waiting = (Proposal.objects.restrict(user, MANAGE)
                   .filter(hidden_at__isnull=True, answered_at__isnull=True,
                           supports__gte=F("consultation__threshold"))
                   .exclude(consultation__status=Status.DRAFT).count())
        if waiting:
            yield Item(_("%(n)d residents' proposals reached their threshold and wait for an answer") % {"n": waiting},
                       reverse("consult:list"), count=waiting)
    person_id = getattr(user, "person_id", None)
    if person_id is not None:
        new = Participant.objects.filter(person_id=person_id, told_at__isnull=False).filter(
            Q(seen_at__isnull=True) | Q(seen_at__lt=F("told_at"))).count()
        if new:
            yield Item(_("%(n)d consultations you took part in have a new answer") % {"n": new},
                       reverse("consult:mine"), count=new)
