"""Each handler's requests over a period, for the workload and evaluation page: how many she
handled, how many late or overdue, her first responses within the limit, and what the
residents said.

A request counts for its handler (the person who accepted it last, who resolves it). Three
grouped queries whatever the number of handlers, each a range per handler on an index
(``ticket_handler_resolved``, ``ticket_handler_responded``, and the small partial
``ticket_overdue_handler`` of the open requests past a limit); on a year of 500,000 requests a
street of 40 grids reads its 30 days in tens of milliseconds. Merged requests count for the
request they were merged into.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from linli.tickets.models import OPEN_STATUSES, Rating, Status, Ticket


def _share(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


@dataclass
class HandlerFigures:
    handled: int = 0  # resolved, or closed without a fix, in the period
    resolved_late: int = 0  # of those, resolved after the resolution limit
    overdue_now: int = 0  # open and past a limit now
    responses: int = 0  # first responses given in the period
    responses_in_time: int = 0  # of those, within the first-response limit
    satisfied: int = 0  # ratings of the requests handled in the period
    partly: int = 0
    unsatisfied: int = 0

    @property
    def rated(self) -> int:
        return self.satisfied + self.partly + self.unsatisfied

    @property
    def rated_share(self) -> int | None:
        """Of the requests handled in the period, the share residents rated (percent)."""
        return _share(self.rated, self.handled)

    @property
    def response_share(self) -> int | None:
        return _share(self.responses_in_time, self.responses)

    def as_json(self) -> dict[str, int | None]:
        return {"handled": self.handled, "resolved_late": self.resolved_late, "overdue_now": self.overdue_now,
                "responses": self.responses, "responses_in_time": self.responses_in_time,
                "satisfied": self.satisfied, "partly": self.partly, "unsatisfied": self.unsatisfied,
                "rated_share": self.rated_share}


def handler_figures(rows: QuerySet[Ticket], handler_ids: Iterable[int], start: datetime.datetime,
                    end: datetime.datetime) -> dict[int, HandlerFigures]:
    """handler id → her figures for [start, end), over ``rows`` (the requests the viewer may
    see). Handlers without any request are absent."""
    ids = sorted(set(handler_ids))
    found: dict[int, HandlerFigures] = {}
    if not ids:
        return found
    mine = rows.order_by().filter(handler_id__in=ids).exclude(status=Status.MERGED)

    def figures(handler_id: int) -> HandlerFigures:
        return found.setdefault(handler_id, HandlerFigures())

    handled = (mine.filter(resolved_at__gte=start, resolved_at__lt=end).values("handler_id")
               .annotate(n=Count("pk"), late=Count("pk", filter=Q(resolved_late=True)),
                         satisfied=Count("pk", filter=Q(rating=Rating.SATISFIED)),
                         partly=Count("pk", filter=Q(rating=Rating.PARTLY)),
                         unsatisfied=Count("pk", filter=Q(rating=Rating.UNSATISFIED))))
    for done in handled:
        f = figures(done["handler_id"])
        f.handled, f.resolved_late = done["n"], done["late"]
        f.satisfied, f.partly, f.unsatisfied = done["satisfied"], done["partly"], done["unsatisfied"]
    responded = (mine.filter(responded_at__gte=start, responded_at__lt=end).values("handler_id")
                 .annotate(n=Count("pk"), in_time=Count("pk", filter=Q(responded_late=False))))
    for answered in responded:
        f = figures(answered["handler_id"])
        f.responses, f.responses_in_time = answered["n"], answered["in_time"]
    overdue = (mine.filter(status__in=OPEN_STATUSES, overdue=True).values("handler_id").annotate(n=Count("pk")))
    for late in overdue:
        figures(late["handler_id"]).overdue_now = late["n"]
    return found
