"""The demo's emergency materials on the test street."""

from __future__ import annotations

import pytest
from django.utils import timezone

from linli.supplies import queries
from linli.supplies.demo import prepare_demo_supplies
from linli.supplies.models import CountSheet, SheetStatus, StoragePoint

pytestmark = pytest.mark.django_db


def test_the_demo_has_shortfalls_expiring_lots_and_a_count_to_approve(street):
    made = prepare_demo_supplies(seed=1)
    assert made and made["points"] == StoragePoint.objects.count()
    assert prepare_demo_supplies(seed=1) is None  # nothing added the second time
    today = timezone.localdate()
    view = queries.street_view(street.community.parent, today)
    cells = [cell for row in view["rows"] for cell in row["cells"]]
    assert any(cell.shortfall for cell in cells) and any(cell.surplus for cell in cells)
    assert queries.expiring(StoragePoint.objects.all(), today).exists()
    assert CountSheet.objects.get().status == SheetStatus.SUBMITTED
    plan = queries.dispatch_plan(street.community.parent, view)
    assert plan.lines and plan.weighted_shortfall < sum(plan.before.values())
    page = street.client_for(street.street_officer).get("/supplies/street/?plan=1")
    assert page.status_code == 200 and "→" in page.content.decode()
