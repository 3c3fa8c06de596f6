"""What the home page asks of a grid worker or an office about notices."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.access import may
from linli.core.today import Item
from linli.notices.access import CHECK, EDIT, FOLLOW_UP, PUBLISH
from linli.notices.models import Notice, NoticeHousehold, Status


def items(user: Any, today: datetime.date) -> Iterator[Item]:
    waiting = 0
    for status, action in ((Status.CHECKING, CHECK), (Status.EDITING, EDIT), (Status.APPROVING, PUBLISH)):
        if may(user, action):
            waiting += Notice.objects.restrict(user, action).filter(status=status).count()
    if waiting:
        yield Item(_("%(n)d notices wait for your review") % {"n": waiting}, reverse("notices:list"), count=waiting)
    if may(user, FOLLOW_UP):
        overdue = NoticeHousehold.objects.restrict(user, FOLLOW_UP).filter(
            notice__status=Status.PUBLISHED, notice__deadline__lte=timezone.now(), reached_at__isnull=True).count()
        if overdue:
            yield Item(_("%(n)d households have not yet read a notice past its deadline") % {"n": overdue},
                       reverse("notices:follow_up"), count=overdue, urgent=False)
