"""Demands filed as requests or dismissed; the monthly report generated, downloaded and sent."""

from __future__ import annotations

import datetime
import importlib
import io
import sys
import types

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from python_calamine import CalamineWorkbook

from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent
from linli.opinion import actions, reporting
from linli.opinion.models import Demand, DemandStatus, ReportStatus
from linli.opinion.tests.helpers import month_start, upload
from linli.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def analysed(street):
    made = upload(street)
    assert made.status == "done", made.error
    return made


def _lift(street) -> Demand:
    return Demand.objects.filter(community=street.community, kind="lift", compound__isnull=False).order_by("day").first()


def test_a_demand_becomes_a_request_of_its_compound_in_one_step(street, analysed):
    demand = _lift(street)
    filed = actions.do_file_demand(demand, acting_user=street.secretary)
    assert filed.status == DemandStatus.REQUESTED and filed.decided_by == street.secretary
    ticket = Ticket.objects.get(pk=filed.ticket_id)
    assert ticket.place_id == demand.compound_id and ticket.category.code == "repair-public"
    assert "电梯" in ticket.description
    assert AuditEvent.objects.filter(action="opinion.demand.file", object_id=str(demand.pk)).exists()
    with pytest.raises(ValidationError):
        actions.do_file_demand(filed, acting_user=street.secretary)


def test_a_demand_without_a_compound_needs_one_chosen(street, analysed):
    demand = Demand.objects.filter(community=street.community, compound__isnull=True).first()
    if demand is None:  # every demand of the made-up month named a compound: make one that did not
        demand = _lift(street)
        Demand.objects.filter(pk=demand.pk).update(compound=None)
        demand.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        actions.do_file_demand(demand, acting_user=street.secretary)
    assert error.value.code == "no_compound"
    compound = street.grid_building.parent
    filed = actions.do_file_demand(demand, acting_user=street.secretary, compound=compound)
    assert filed.ticket is not None and filed.compound_id == compound.pk


def _demand(street, compound, day: int, **fields) -> Demand:
    return Demand.objects.create(**{"community": street.community, "path": street.community.path, "kind": "lift",
                                    "label": "电梯故障", "category": "repair-public", "compound": compound,
                                    "day": datetime.date(2026, 3, day), "sample": "电梯又坏了", **fields})


@pytest.mark.parametrize("in_compound", [True, False])
def test_one_demand_a_kind_a_day_kept_by_every_database(street, in_compound):
    """One demand per kind, compound and day, and one per kind and day for the community as a
    whole (no compound): the database refuses a second, SQLite as well as PostgreSQL."""
    compound = street.grid_building.parent if in_compound else None
    _demand(street, compound, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        _demand(street, compound, 1)
    _demand(street, compound, 2)  # another day
    _demand(street, None if in_compound else street.grid_building.parent, 1)  # the other kind of the same day
    assert Demand.objects.filter(community=street.community, kind="lift").count() == 3


def test_the_migration_keeps_one_community_wide_demand_a_day(street):
    """Before the partial indexes SQLite kept no uniqueness at all: the migration keeps the
    decided demand of a day (else the first) and drops the others, so the indexes can be built."""
    migration = importlib.import_module("linli.opinion.migrations.0002_demand_unique_on_every_database")
    with connection.cursor() as cursor:  # as SQLite had it before: rolled back with the test
        cursor.execute("DROP INDEX opinion_demand_unique_community")
    first = _demand(street, None, 1)
    decided = _demand(street, None, 1, status=DemandStatus.DISMISSED)
    third = _demand(street, None, 1)
    other_day = _demand(street, None, 2)
    migration.keep_one_demand_a_day(apps, None)
    left = set(Demand.objects.filter(pk__in=[first.pk, decided.pk, third.pk, other_day.pk]).values_list("pk", flat=True))
    assert left == {decided.pk, other_day.pk}


def test_dismissing_and_scope(street, analysed):
    demand = _lift(street)
    with pytest.raises(PermissionDenied):
        actions.do_dismiss_demand(demand, acting_user=street.grid_worker)
    far_compound = street.far_building.parent
    with pytest.raises(PermissionDenied):
        actions.do_file_demand(demand, acting_user=street.secretary, compound=far_compound)
    actions.do_dismiss_demand(demand, acting_user=street.secretary)
    demand.refresh_from_db()
    assert demand.status == DemandStatus.DISMISSED and demand.ticket is None


def test_a_decided_demand_keeps_its_decision_when_the_month_is_analysed_again(street, analysed):
    demand = _lift(street)
    actions.do_dismiss_demand(demand, acting_user=street.secretary)
    actions.analyse_month(street.community, demand.day.replace(day=1))
    demand.refresh_from_db()
    assert demand.status == DemandStatus.DISMISSED


def test_the_community_report_is_generated_downloaded_and_sent_to_the_street(street, analysed):
    demand = _lift(street)
    actions.do_file_demand(demand, acting_user=street.secretary)
    report = actions.do_generate_report(street.community, month_start(), acting_user=street.secretary)
    content = report.content
    assert content["messages"] > 0 and content["topics"]
    assert content["topics"][0]["trend"] in ("rising", "falling", "steady")
    assert any(d["ticket"] for d in content["demands"])
    lift = next(row for row in content["demand_summary"] if row["label"] == "电梯故障" and row["tickets"])
    assert lift["days"] == sum(1 for d in content["demands"] if d["label"] == "电梯故障" and d["compound"] == lift["compound"])
    # the rumours app is installed: the report carries what its queue saw this month
    assert content["rumours_available"] is True
    assert all(r["claim"] and r["verdict"] and r["count"] > 0 for r in content["rumours"])
    negative = [t for t in content["negative_topics"] if any(c["count"] for c in t["compounds"])]
    assert negative, content["negative_topics"]
    book = CalamineWorkbook.from_filelike(io.BytesIO(reporting.workbook(report)))
    assert "热点话题 Topics" in book.sheet_names and "诉求 Demands" in book.sheet_names
    rows = book.get_sheet_by_name("诉求 Demands").to_python()
    assert any(row[6] for row in rows[1:])  # the request's number
    sent = actions.do_send_report(report, acting_user=street.secretary)
    assert sent.status == ReportStatus.SENT
    with pytest.raises(ValidationError):
        actions.do_generate_report(street.community, month_start(), acting_user=street.secretary)
    # the street reads it, and its own report lists the community as sent
    street_report = actions.do_generate_report(street.community.parent, month_start(), acting_user=street.street_officer)
    assert any(c["report"] == "sent" for c in street_report.content["communities"])
    assert street_report.content["messages"] == content["messages"]


def test_a_report_outside_ones_area_or_without_the_right_is_refused(street, analysed):
    with pytest.raises(PermissionDenied):
        actions.do_generate_report(street.other_community, month_start(), acting_user=street.secretary)
    with pytest.raises(PermissionDenied):
        actions.do_generate_report(street.community, month_start(), acting_user=street.grid_worker)
    with pytest.raises(ValidationError):
        actions.do_generate_report(street.grid_building, month_start(), acting_user=street.street_officer)


def test_rumours_seen_come_from_the_rumours_module_when_installed(street, analysed, monkeypatch):
    module = types.ModuleType("linli.rumours.intake")
    module.seen_in = lambda community_id, start, end: [{"claim": "板蓝根能预防新病毒", "verdict": "false", "count": 7}]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "linli.rumours.intake", module)
    monkeypatch.setattr(actions.apps, "is_installed", lambda name: name == "linli.rumours")
    report = actions.do_generate_report(street.community, month_start(), acting_user=street.secretary)
    assert report.content["rumours_available"] is True
    assert report.content["rumours"] == [{"claim": "板蓝根能预防新病毒", "verdict": "false", "count": 7}]


def test_the_trend_compares_the_halves_of_the_days_with_messages():
    rising = {"2026-12-01": 5, "2026-12-02": 5, "2026-12-03": 20, "2026-12-04": 20}
    assert reporting.trend(rising, "2026-12-01", "2026-12-04") == "rising"
    assert reporting.trend({"2026-11-01": 30, "2026-11-29": 2}, "2026-11-01", "2026-11-30") == "falling"
    assert reporting.trend({"2026-11-01": 5, "2026-11-30": 5}, "2026-11-01", "2026-11-30") == "steady"
