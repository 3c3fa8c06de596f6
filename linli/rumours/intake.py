"""What the chat-opinion import calls: messages in, suspected rumours queued; and the claims seen
in a period, for the opinion report.

The caller (an import that already checked its user's permission over the community, and masked
the messages) hands in batches; every message repeating a false or misleading claim of the
community's fact base counts on that claim's one queue item. Sending the same messages twice
counts them twice: the caller imports each message once.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit
from linli.places.models import Level, Place
from linli.rumours.actions import Seen, queue_matches
from linli.rumours.models import Sighting

BATCH = 2000


def _community(community_id: int) -> Place:
    community = Place.objects.filter(pk=community_id, level=Level.COMMUNITY).first()
    if community is None:
        raise ValidationError(_("No such community."), code="community")
    return community


def take_messages(community_id: int, items: list[tuple[str, str, datetime.datetime, str]]) -> int:
    """Each item is (source_ref, masked_text, sent_at, group_name), ``sent_at`` aware. Returns how
    many messages were queued as suspected rumours (counted on one item per claim)."""
    community = _community(community_id)
    seen = []
    for ref, text, sent_at, group in items:
        if timezone.is_naive(sent_at):
            raise ValidationError(_("Give the time a message was sent with its time zone."), code="naive")
        if text and text.strip():
            seen.append(Seen(text.strip(), group or "", sent_at, ref or ""))
    queued = 0
    for start in range(0, len(seen), BATCH):
        batch = seen[start:start + BATCH]
        with transaction.atomic():
            n = queue_matches(community, batch)
            audit.record("rumours.intake", obj=community, detail={"messages": len(batch), "queued": n})
        queued += n
    return queued


def seen_in(community_id: int, start: datetime.date, end: datetime.date) -> list[dict[str, Any]]:
    """The suspected rumours seen in the community from ``start`` to ``end`` (both included), the
    most seen first: 'claim' (the fact's claim, or the reported message), 'verdict' (the fact's,
    or "" when it matches no fact yet), 'count', and 'status' of its review."""
    community = _community(community_id)
    rows = (Sighting.objects.filter(suspect__community=community, day__gte=start, day__lte=end)
            .values("suspect_id", "suspect__text", "suspect__status", "suspect__fact__claim",
                    "suspect__fact__verdict")
            .annotate(total=Sum("count")).order_by("-total", "suspect_id"))
    return [{"claim": r["suspect__fact__claim"] or r["suspect__text"], "verdict": r["suspect__fact__verdict"] or "",
             "count": r["total"], "status": r["suspect__status"]} for r in rows]
