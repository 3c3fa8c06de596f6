"""The 15-minute figures (pure: no database)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from linli.alerts import measures
from linli.alerts.measures import Row

SHANGHAI = ZoneInfo("Asia/Shanghai")
T = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)
M = datetime.timedelta(minutes=1)


def test_percentile_is_nearest_rank() -> None:
    assert measures.percentile([], 50) is None
    assert measures.percentile([5.0], 90) == 5.0
    values = [float(n) for n in range(1, 11)]
    assert measures.percentile(values, 50) == 5.0
    assert measures.percentile(values, 90) == 9.0
    assert measures.percentile(list(reversed(values)), 100) == 10.0


def test_figures_per_community_and_month_with_drills_apart() -> None:
    rows = [
        Row("a", T, T + 1 * M, T + 10 * M),
        Row("a", T, T + 3 * M, T + 14 * M),
        Row("a", T, T + 5 * M, T + 20 * M),
        Row("a", T, T + 2 * M, None),  # never reached on site: counts against the share
        Row("a", T, None, None, cleared_unanswered=True),  # ended on its own: not a response
        Row("a", T, T + 1 * M, T + 30 * M, is_drill=True),
        Row("b", T + datetime.timedelta(days=30), T + datetime.timedelta(days=30, minutes=4), None),
        # 23:30 UTC on 31 March is 1 April in Shanghai.
        Row("a", datetime.datetime(2026, 3, 31, 23, 30, tzinfo=datetime.UTC), None, None),
    ]
    by_key = {(f.community, f.month, f.is_drill): f for f in measures.summarise(rows, SHANGHAI)}
    assert set(by_key) == {("a", "2026-03", False), ("a", "2026-03", True), ("b", "2026-04", False),
                           ("a", "2026-04", False)}
    march = by_key[("a", "2026-03", False)]
    assert (march.alerts, march.acknowledged, march.on_site, march.within_goal) == (4, 4, 3, 2)
    assert march.share_within_goal == 0.5
    assert (march.ack_p50, march.ack_p90) == (2.0, 5.0)
    assert (march.site_p50, march.site_p90) == (14.0, 20.0)
    drill = by_key[("a", "2026-03", True)]
    assert (drill.alerts, drill.within_goal, drill.share_within_goal) == (1, 0, 0.0)
    assert by_key[("a", "2026-04", False)].site_p50 is None
