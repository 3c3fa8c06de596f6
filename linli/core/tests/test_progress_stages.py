"""The stage timings that long jobs (the demo's seed) print at their end."""

from __future__ import annotations

from linli.core.progress import Stages


def test_stages_sum_up_slowest_first_with_rows_a_second() -> None:
    stages = Stages()
    with stages.stage("quick"):
        pass
    with stages.stage("rows", rows=10):
        sum(range(200_000))
    with stages.stage("counted later"):
        pass
    stages.count(5)
    assert [t[0] for t in stages.timings] == ["quick", "rows", "counted later"]
    assert stages.timings[2][3] == 5 and stages.seconds >= stages.timings[1][1] > 0
    lines = stages.summary()
    assert lines[0].split()[:2] == ["stage", "seconds"] and lines[1].startswith("rows")
    assert lines[-1].startswith("total") and "/s" not in lines[-1]
