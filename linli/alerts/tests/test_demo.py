"""The demo street's alert history and rota (``linli demo``)."""

from __future__ import annotations

import datetime
import random

from django.db.models import F
from django.utils import timezone

from linli.alerts import queries, roster
from linli.alerts.demo import prepare_demo_alerts
from linli.alerts.measures import GOAL
from linli.alerts.models import OPEN_STATES, Alert, AlertEntry, EntryKind, State
from linli.conftest import Street
from linli.devices.demo import build_devices
from linli.places.models import Level, Place


def test_the_demo_history_fills_the_figures_and_the_grid_worker_is_on_call(street: Street) -> None:
    build_devices(Place.objects.get(level=Level.STREET), random.Random(1))
    made = prepare_demo_alerts(seed=1)
    alerts = Alert.objects.all()
    assert made["alerts"] == alerts.count() >= 20
    # nothing open is left over: the demo starts with a quiet board
    assert not alerts.filter(state__in=OPEN_STATES).exists()
    assert set(alerts.values_list("state", flat=True)) <= {State.RESOLVED, State.CLEARED}
    assert {"fall", "sos", "smoke", "door_idle", "silent"} <= set(alerts.values_list("condition", flat=True))
    drills = alerts.filter(is_drill=True)
    assert drills.exists() and set(drills.values_list("condition", flat=True)) == {"drill"}
    assert not alerts.filter(is_drill=False, condition="drill").exists()
    now = timezone.now()
    assert all(now - datetime.timedelta(days=61) < a.opened_at < now for a in alerts)
    for alert in alerts.filter(state=State.RESOLVED)[:50]:
        assert alert.opened_at <= alert.acknowledged_at <= alert.on_site_at <= alert.resolved_at
        kinds = list(AlertEntry.objects.filter(alert=alert).values_list("kind", flat=True))
        assert kinds[0] == EntryKind.RAISED and kinds[-1] == EntryKind.RESOLVED and EntryKind.ON_SITE in kinds
    # the 15-minute figures: most within the goal, some not; drills apart
    figures = [row["figures"] for row in queries.figures(street.admin)]
    real = [f for f in figures if not f.is_drill]
    assert real and any(f.is_drill for f in figures)
    within, counted = sum(f.within_goal for f in real), sum(f.alerts for f in real)
    assert 0.5 < within / counted < 0.98
    answered = alerts.filter(is_drill=False, on_site_at__isnull=False)
    assert answered.filter(on_site_at__gt=F("opened_at") + GOAL).exists()
    # the demo grid worker is on call now for the first grid, so the chain pages her
    grid_alert = alerts.filter(grid__isnull=False, grid__places__path=street.grid_building.path).first()
    assert grid_alert is not None
    assert roster.lookup_for(grid_alert)("grid_on_duty", now)[0].user == street.grid_worker
    assert roster.on_shift(street.community.pk, grid_alert.grid_id, now) == [street.grid_worker.pk]
    assert roster.on_shift(street.community.pk, None, now) == [street.secretary.pk]
    # again: nothing added
    assert prepare_demo_alerts(seed=1)["alerts"] == 0 and Alert.objects.count() == made["alerts"]
