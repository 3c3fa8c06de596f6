"""The demo's epidemic scenario on the test street: arrivals, check-ins, a traced case,
quarantine orders in the ledger, red and yellow codes; running it twice adds nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from linli.health.demo import prepare_demo_epidemic
from linli.health.models import (
    Arrival,
    Case,
    Channel,
    CheckIn,
    EpidemicMode,
    FollowUp,
    HealthStatus,
    MonitoringDevice,
    OrderStatus,
    QuarantineOrder,
    RiskArea,
    Trace,
)
from linli.ledger import log
from linli.ledger.models import LedgerEntry


@pytest.fixture(autouse=True)
def quiet(settings: Any) -> Any:
    settings.LINLI_CHECKIN_DEADLINE_HOUR = 24
    log.forget_tree()
    yield
    log.forget_tree()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (
        Arrival, CheckIn, QuarantineOrder, Case, Trace, FollowUp, RiskArea, MonitoringDevice, LedgerEntry)}


def test_the_demo_scenario_on_the_test_street(street, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        figures = prepare_demo_epidemic(seed=3)
    assert figures is not None
    today = timezone.localdate()
    assert EpidemicMode.objects.get(place=street.community.parent).active
    assert Arrival.objects.count() >= 8 and Arrival.objects.filter(origin_code__startswith="4201").exists()
    assert RiskArea.objects.filter(region_code="420100", level="high").exists()
    # the demo resident arrived and checked in today herself
    me = street.resident.person
    assert Arrival.objects.filter(person=me, channel=Channel.SELF).exists()
    assert CheckIn.objects.get(person=me, day=today).channel == Channel.SELF
    # one elder of the first grid was checked in today by the grid worker
    on_behalf = CheckIn.objects.get(day=today, channel=Channel.ON_BEHALF)
    assert on_behalf.recorded_by == street.grid_worker and on_behalf.path.startswith(street.community.path)
    # a case in the first grid, traced, her contacts in quarantine (and in the ledger)
    case = Case.objects.get()
    assert case.path.startswith(street.community.path)
    trace = Trace.objects.get(case=case)
    degrees = sorted(c["degree"] for c in trace.contacts)
    assert degrees.count(1) == 3 and degrees.count(2) == 2
    active = QuarantineOrder.objects.filter(status=OrderStatus.ACTIVE)
    assert active.filter(trace=trace).count() == 5 and active.count() >= 5
    assert LedgerEntry.objects.filter(entry_type="quarantine_order").count() >= active.count()
    assert MonitoringDevice.objects.filter(order__trace=trace).exists()
    colours = set(HealthStatus.objects.values_list("colour", flat=True))
    assert {"red", "yellow"} <= colours
    assert HealthStatus.objects.get(person=case.person).colour == "red"
    # some who must check in have not yet; follow-ups of the running orders were recorded
    assert figures["checkins_missing_today"] >= 1 and FollowUp.objects.exists()


def test_the_demo_scenario_runs_once(street, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        prepare_demo_epidemic(seed=3)
    before = _counts()
    with django_capture_on_commit_callbacks(execute=True):
        assert prepare_demo_epidemic(seed=3) is None
    assert _counts() == before


def test_the_demo_resident_sees_her_code(street):
    prepare_demo_epidemic(seed=3)
    page = street.client_for(street.resident).get("/health/me/")
    text = page.content.decode()
    assert page.status_code == 200 and "<svg" in text and "420602" not in text
    assert "襄阳" in text  # her arrival is shown, with the days she must check in
    grid = street.client_for(street.grid_worker)
    assert grid.get("/health/checkins/").context["total"] >= 3
    assert 'href="/health/"' in grid.get("/").content.decode()
