"""The rows behind the 15-minute figures (``linli.alerts.measures``) for a reader's area."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from linli.alerts import measures
from linli.alerts.access import REPORT
from linli.alerts.models import Alert, State
from linli.places.models import names_by_path

COMMUNITY_DEPTH = 5
MONTHS = 13


def figures(user: Any, months: int = MONTHS) -> list[dict[str, Any]]:
    """Per community and month (the last ``months`` months), drills apart, newest month first."""
    since = timezone.now() - datetime.timedelta(days=31 * months)
    rows = (Alert.objects.restrict(user, REPORT).filter(opened_at__gte=since)
            .values_list("path", "opened_at", "acknowledged_at", "on_site_at", "is_drill", "state"))
    found = [measures.Row("/".join(path.split("/")[:COMMUNITY_DEPTH]) + "/", opened, acked, site, drill,
                          cleared_unanswered=state == State.CLEARED and acked is None)
             for path, opened, acked, site, drill, state in rows]
    summary = measures.summarise(found, timezone.get_current_timezone())
    names = names_by_path({f.community for f in summary})
    ordered = sorted(summary, key=lambda f: (f.month, f.community, f.is_drill), reverse=True)
    return [{"name": names.get(f.community, f.community), "figures": f} for f in ordered]
