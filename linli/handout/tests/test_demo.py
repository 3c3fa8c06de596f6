"""The demo's round: a few households here (the test street is small), the same shape as the demo's."""

from __future__ import annotations

import pytest

from linli.handout.demo import prepare_demo_handout
from linli.handout.models import Reservation, Round, Status
from linli.supplies.demo import prepare_demo_supplies

pytestmark = pytest.mark.django_db


def test_demo_round(street):
    prepare_demo_supplies(seed=1)
    made = prepare_demo_handout(seed=1, limit=60)
    assert made is not None and made["reservations"] == 60 and made["collected"] > 0
    round_ = Round.objects.get()
    statuses = set(Reservation.objects.filter(round=round_).values_list("status", flat=True))
    assert {Status.COLLECTED, Status.HELD} <= statuses
    assert not Reservation.objects.filter(round=round_, house=street.resident.person.current_house).exists()
    round_.refresh_from_db()
    assert round_.taken <= round_.shares
    assert prepare_demo_handout(seed=1) is None  # nothing added the second time
