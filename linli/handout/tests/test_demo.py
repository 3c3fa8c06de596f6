"""The demo's rounds: fewer households here (the test street is small), the same shape as the demo's."""

from __future__ import annotations

import pytest

from linli.handout import actions
from linli.handout.demo import prepare_demo_handout
from linli.handout.models import Reservation, Round, Status
from linli.supplies.demo import prepare_demo_supplies

pytestmark = pytest.mark.django_db


def test_demo_round(street):
    prepare_demo_supplies(seed=1)
    made = prepare_demo_handout(seed=1, limit=60)
    assert made is not None and made["reservations"] == 60 + 60 and made["collected"] > 0
    first, second = Round.objects.order_by("opens_at")
    statuses = set(Reservation.objects.filter(round=first).values_list("status", flat=True))
    assert {Status.COLLECTED, Status.WAITING} <= statuses and made["released"] > 0 and made["promoted"] > 0
    for round_ in (first, second):
        assert round_.taken == Reservation.objects.filter(round=round_, status__in=[Status.HELD, Status.COLLECTED]).count()
        assert round_.taken <= round_.shares
    # the second round is open and the demo resident's household may still reserve
    house = street.resident.person.current_house
    assert not Reservation.objects.filter(house=house).exists()
    assert actions.do_reserve(second, house, acting_user=street.resident).status == Status.HELD
    assert prepare_demo_handout(seed=1) is None  # nothing added the second time
