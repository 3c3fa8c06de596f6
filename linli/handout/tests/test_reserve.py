"""Reserving, collecting and settling a round, through the actions and the pages."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent
from linli.handout import actions, queries
from linli.handout.models import Group, Reservation, ReserveCheck, Slot, Status, Tier, Via
from linli.handout.tests.helpers import houses, open_round
from linli.handout.tokens import pickup_code, read_pickup
from linli.supplies import actions as supplies
from linli.supplies.models import Lot, Movement, MovementKind
from linli.tasks.tests.helpers import codes

pytestmark = pytest.mark.django_db


def test_resident_reserves_once_for_her_household(street):
    round_ = open_round(street)
    house = street.resident.person.current_house
    reservation = actions.do_reserve(round_, house, acting_user=street.resident)
    assert reservation.status == Status.HELD and reservation.slot is not None
    round_.refresh_from_db()
    assert round_.taken == 1
    with pytest.raises(ValidationError) as refused:
        actions.do_reserve(round_, house, acting_user=street.secretary, via=Via.STAFF)
    assert refused.value.error_dict["house"][0].code == "already_reserved"
    round_.refresh_from_db()
    assert round_.taken == 1 and Reservation.objects.filter(round=round_).count() == 1
    assert AuditEvent.objects.filter(action="handout.reserve", object_id=str(reservation.pk)).exists()


def test_resident_cannot_reserve_for_a_neighbour(street):
    round_ = open_round(street)
    other = houses(street.community, 1, exclude=(street.resident.person.current_house_id,))[0]
    with pytest.raises(PermissionDenied):
        actions.do_reserve(round_, other, acting_user=street.resident)


def test_held_back_shares_and_the_waiting_list(street):
    round_ = open_round(street, households=3, held_back=1)
    ordinary = houses(street.community, 3, group="ordinary")
    priority = houses(street.community, 1, group="priority")[0]
    got = [actions.do_reserve(round_, h, acting_user=street.secretary, via=Via.STAFF) for h in ordinary]
    assert [r.status for r in got] == [Status.HELD, Status.HELD, Status.WAITING]
    late = actions.do_reserve(round_, priority, acting_user=street.secretary, via=Via.STAFF)
    assert late.status == Status.HELD and late.tier == Tier.PRIORITY and late.group != Group.OTHER
    round_.refresh_from_db()
    assert (round_.taken, round_.taken_ordinary) == (3, 2)
    # the results count households by group, without names
    result = queries.results(round_)
    assert result.totals == {Status.HELD: 3, Status.WAITING: 1}
    assert sum(row.counts.get(Status.HELD, 0) for row in result.rows if row.group != Group.OTHER) == 1


def test_pickup_issues_the_stock_and_is_audited(street):
    round_ = open_round(street, quota=5)
    reservation = actions.do_reserve(round_, street.resident.person.current_house, acting_user=street.resident)
    point = reservation.slot.point
    before = sum(Lot.objects.filter(point=point).values_list("quantity", flat=True))
    assert read_pickup(pickup_code(reservation.pk)) == reservation.pk
    done = actions.do_collect(reservation, acting_user=street.secretary)
    assert done.status == Status.COLLECTED and done.movements
    movement = Movement.objects.get(pk=done.movements[0])
    assert movement.kind == MovementKind.ISSUE and movement.quantity == -5
    assert sum(Lot.objects.filter(point=point).values_list("quantity", flat=True)) == before - 5
    with pytest.raises(ValidationError):  # not twice
        actions.do_collect(reservation, acting_user=street.secretary)
    assert AuditEvent.objects.filter(action="handout.collect").count() == 1


def test_a_slots_pickups_at_once_are_each_what_one_pickup_would_be(street):
    round_ = open_round(street, households=4, quota=5, slots=2)
    homes = houses(street.community, 5, group="ordinary")
    held = [actions.do_reserve(round_, h, acting_user=street.secretary, via=Via.STAFF) for h in homes[:4]]
    waiting = actions.do_reserve(round_, homes[4], acting_user=street.secretary, via=Via.STAFF)
    assert waiting.status == Status.WAITING
    later = Slot.objects.filter(round=round_).order_by("starts_at")[1]
    Reservation.objects.filter(pk=held[3].pk).update(slot=later)  # a household that chose tomorrow
    actions.do_collect(held[2], acting_user=street.secretary)
    point = held[0].slot.point
    before = sum(Lot.objects.filter(point=point).values_list("quantity", flat=True))
    answers = actions.do_collect_many([held[0], waiting, held[2], held[3], held[1], held[0]],
                                      acting_user=street.secretary)
    assert [a.status if isinstance(a, Reservation) else codes(a) for a in answers] == [
        Status.COLLECTED, {"not_held"}, {"collected"}, {"too_early"}, Status.COLLECTED, {"collected"}]
    assert sum(Lot.objects.filter(point=point).values_list("quantity", flat=True)) == before - 10
    for done in (held[0], held[1]):
        done.refresh_from_db()
        assert done.status == Status.COLLECTED and done.collected_by == street.secretary
        assert [m.quantity for m in Movement.objects.filter(pk__in=done.movements)] == [-5]
        event = AuditEvent.objects.get(action="handout.collect", object_id=str(done.pk))
        assert event.detail["movements"] == done.movements
    held[3].refresh_from_db()
    assert held[3].status == Status.HELD and not held[3].movements


def test_pickups_at_once_need_the_keepers_permission_for_every_point(street):
    round_ = open_round(street, households=2)
    held = [actions.do_reserve(round_, h, acting_user=street.secretary, via=Via.STAFF)
            for h in houses(street.community, 2, group="ordinary")]
    with pytest.raises(PermissionDenied):
        actions.do_collect_many(held, acting_user=street.grid_worker)
    assert set(Reservation.objects.filter(round=round_).values_list("status", flat=True)) == {Status.HELD}
    assert not AuditEvent.objects.filter(action="handout.collect").exists()


def test_pickups_beyond_the_stock_are_refused_one_by_one(street):
    round_ = open_round(street, households=3, quota=5)
    held = [actions.do_reserve(round_, h, acting_user=street.secretary, via=Via.STAFF)
            for h in houses(street.community, 3, group="ordinary")]
    point = held[0].slot.point
    left = sum(Lot.objects.filter(point=point).values_list("quantity", flat=True))
    supplies.do_issue(point, round_.item, left - 7, acting_user=street.secretary)  # 7 left: one share
    answers = actions.do_collect_many(held, acting_user=street.secretary)
    assert [a.status if isinstance(a, Reservation) else codes(a) for a in answers] == [
        Status.COLLECTED, {"not_enough"}, {"not_enough"}]
    assert sorted(Reservation.objects.filter(round=round_).values_list("status", flat=True)) == [
        Status.COLLECTED, Status.HELD, Status.HELD]


def test_a_forged_code_reads_as_nothing():
    code = pickup_code(42)
    assert read_pickup(code) == 42 and read_pickup(code.lower()) == 42
    assert read_pickup(code[:-1] + ("0" if code[-1] != "0" else "1")) is None
    assert read_pickup("LLH2B-") is None and read_pickup("") is None and read_pickup("x" * 500) is None


def test_unclaimed_shares_go_to_the_waiting_list_after_the_slot(street):
    round_ = open_round(street, households=2, slots=2)
    first, second, third = houses(street.community, 3, group="ordinary")
    a = actions.do_reserve(round_, first, acting_user=street.secretary, via=Via.STAFF)
    b = actions.do_reserve(round_, second, acting_user=street.secretary, via=Via.STAFF)
    c = actions.do_reserve(round_, third, acting_user=street.secretary, via=Via.STAFF)
    assert c.status == Status.WAITING
    actions.do_collect(a, acting_user=street.secretary)
    slot = a.slot
    after = slot.ends_at + datetime.timedelta(minutes=1)
    done = actions.settle(round_, after)
    assert done == {"released": 1, "promoted": 1}
    b.refresh_from_db()
    c.refresh_from_db()
    assert b.status == Status.RELEASED and c.status == Status.HELD and c.slot_id != slot.pk
    round_.refresh_from_db()
    assert round_.taken == 2
    assert actions.settle(round_, after) == {"released": 0, "promoted": 0}  # idempotent


def test_window_must_be_open(street):
    round_ = open_round(street)
    later = round_.closes_at + datetime.timedelta(seconds=1)
    with pytest.raises(ValidationError) as refused:
        actions.do_reserve(round_, street.resident.person.current_house, acting_user=street.resident, now=later)
    assert refused.value.error_dict["round"][0].code == "window_closed"


def test_opening_needs_the_stock(street):
    from linli.supplies.tests.helpers import item, point_at

    point = point_at(street, name="空仓")
    now = timezone.now()
    with pytest.raises(ValidationError) as refused:
        actions.do_open_round(street.community, title="口罩", item=item(), quota=5, households=10, held_back=0,
                              opens_at=now, closes_at=now + datetime.timedelta(hours=1),
                              slots=[actions.SlotInput(point, now, now + datetime.timedelta(hours=2))],
                              acting_user=street.secretary)
    assert refused.value.error_dict["households"][0].code == "not_enough"
    with pytest.raises(PermissionDenied):
        actions.do_open_round(street.community, title="口罩", item=item(), quota=5, households=1, held_back=0,
                              opens_at=now, closes_at=now + datetime.timedelta(hours=1),
                              slots=[actions.SlotInput(point, now, now + datetime.timedelta(hours=2))],
                              acting_user=street.resident)


def test_checklist_counts_without_households(street):
    house = street.resident.person.current_house
    actions.do_tick_reserve(house, ["water", "food"], acting_user=street.resident)
    actions.do_tick_reserve(house, ["water", "medicine"], acting_user=street.resident)
    assert ReserveCheck.objects.get(house=house).ticked == ["medicine", "water"]
    with pytest.raises(ValidationError):
        actions.do_tick_reserve(house, ["gold"], acting_user=street.resident)
    totals = queries.checklist_totals(ReserveCheck.objects.restrict(street.secretary, "handout.view"))
    counts = {code: n for code, _label, n in totals.ticked}
    assert totals.households == 1 and counts["water"] == 1 and counts["food"] == 0
    # a resident sees no totals (not even her own household's row through them)
    assert queries.checklist_totals(ReserveCheck.objects.restrict(street.resident, "handout.view")).households == 0


def test_pages_phone_journey(street):
    round_ = open_round(street)
    client = street.client_for(street.resident)
    page = client.get("/handout/")
    assert page.status_code == 200 and "口罩预约" in page.content.decode()
    detail = client.get(f"/handout/rounds/{round_.pk}/")
    assert detail.status_code == 200 and "reserve-button" in detail.content.decode()
    response = client.post(f"/handout/rounds/{round_.pk}/reserve/")
    assert response.status_code == 302
    reservation = Reservation.objects.get(round=round_)
    detail = client.get(f"/handout/rounds/{round_.pk}/").content.decode()
    assert pickup_code(reservation.pk) in detail and "<svg" in detail
    # a second tap is refused with a clear message, and changes nothing
    client.post(f"/handout/rounds/{round_.pk}/reserve/")
    assert Reservation.objects.filter(round=round_).count() == 1
    # the keeper scans the code
    keeper = street.client_for(street.secretary)
    found = keeper.get("/handout/pickup/", {"code": pickup_code(reservation.pk)})
    assert found.status_code == 200 and "collect-button" in found.content.decode()
    done = keeper.post("/handout/pickup/", {"code": pickup_code(reservation.pk), "collect": "1"})
    assert done.status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == Status.COLLECTED
    assert keeper.get("/handout/pickup/", {"code": "LLH1-0000000000"}).status_code == 404
    # another community's staff see nothing of it
    assert street.client_for(street.outsider).get(f"/handout/rounds/{round_.pk}/").status_code in (403, 404)


def test_staff_open_a_round_on_the_page(street):
    from linli.supplies.tests.helpers import item, point_at, stock

    point = point_at(street, name="页面发放点")
    stock(street, point, 500)
    client = street.client_for(street.secretary)
    assert client.get("/handout/new/").status_code == 200
    now = timezone.localtime()
    fmt = "%Y-%m-%dT%H:%M"
    data = {"community": street.community.pk, "title": "口罩第一轮", "item": item().pk, "quota": 5, "households": 40,
            "held_back": 10, "opens_at": now.strftime(fmt), "closes_at": (now + datetime.timedelta(hours=5)).strftime(fmt),
            "point": point.pk, "first_pickup": (now + datetime.timedelta(hours=6)).strftime(fmt), "slot_hours": 3,
            "days": 2}
    response = client.post("/handout/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    too_many = client.post("/handout/new/", {**data, "households": 1000})
    assert too_many.status_code == 422
    assert "库存不足" in too_many.content.decode() or "Not enough in stock" in too_many.content.decode()


def test_checklist_page(street):
    client = street.client_for(street.resident)
    assert client.post("/handout/checklist/", {"ticked": ["water", "food"]}).status_code == 302
    staff = street.client_for(street.secretary).get("/handout/checklist/").content.decode()
    assert "checklist-totals" in staff


def test_held_back_shares_go_to_the_waiting_list_when_reservations_close(street):
    round_ = open_round(street, households=2, held_back=1, slots=2)
    first, second = houses(street.community, 2, group="ordinary")
    a = actions.do_reserve(round_, first, acting_user=street.secretary, via=Via.STAFF)
    b = actions.do_reserve(round_, second, acting_user=street.secretary, via=Via.STAFF)
    assert (a.status, b.status) == (Status.HELD, Status.WAITING)  # the second share waits for priority
    assert actions.settle_due(round_.closes_at - datetime.timedelta(minutes=1))["promoted"] == 0
    after = round_.closes_at + datetime.timedelta(minutes=1)
    assert actions.settle_due(after) == {"rounds": 1, "released": 0, "promoted": 1}
    b.refresh_from_db()
    assert b.status == Status.HELD and b.slot is not None
    assert actions.settle_due(after)["rounds"] == 0  # nothing left to settle until a slot ends


def test_a_batch_of_reservations_answers_each_household_and_audits_each_with_its_own_request(street):
    """What the combiner writes for several requests at once: one transaction, the shares in
    arrival order, a second ask of the same household refused alone, each audit entry with the
    address of the request it answers."""
    from linli.core.context import RequestContext

    round_ = open_round(street, households=2)
    first, second, third = houses(street.community, 3, group="ordinary")
    now = timezone.now()

    def ask(house, ip):  # type: ignore[no-untyped-def]
        return actions._Ask(house, street.secretary, Via.STAFF, None, now, RequestContext(ip=ip, channel="api"))

    answers = actions._write_reservations(round_.pk, [ask(first, "10.0.0.1"), ask(second, "10.0.0.2"),
                                                     ask(first, "10.0.0.3"), ask(third, "10.0.0.4")])
    assert [a.status if isinstance(a, Reservation) else a.error_dict["house"][0].code for a in answers] == [
        Status.HELD, Status.HELD, "already_reserved", Status.WAITING]
    round_.refresh_from_db()
    assert round_.taken == 2
    events = {e.object_id: e for e in AuditEvent.objects.filter(action="handout.reserve")}
    assert {events[str(a.pk)].ip for a in answers if isinstance(a, Reservation)} == {"10.0.0.1", "10.0.0.2",
                                                                                      "10.0.0.4"}
    assert all(events[str(a.pk)].detail["channel"] == "api" for a in answers if isinstance(a, Reservation))
    # the batch after it sees what the first wrote
    again = actions._write_reservations(round_.pk, [ask(third, "10.0.0.5")])
    assert again[0].error_dict["house"][0].code == "already_reserved"


def _capped_round(street, *, households, capacity, slots=2, **fields):  # type: ignore[no-untyped-def]
    """A round whose slots each take ``capacity`` households (the first under way, the next tomorrow)."""
    from linli.supplies.tests.helpers import item, point_at, stock

    point = point_at(street, street.community, name="限额发放点")
    stock(street, point, households * 5 + 50, user=street.admin)
    now = timezone.now()
    starts = now - datetime.timedelta(minutes=30)
    return actions.do_open_round(
        street.community, title="限额预约", item=item(), quota=5, households=households, held_back=0,
        opens_at=now - datetime.timedelta(hours=1), closes_at=now + datetime.timedelta(hours=1),
        slots=[actions.SlotInput(point, starts + datetime.timedelta(days=n), starts + datetime.timedelta(days=n, hours=3),
                                 capacity) for n in range(slots)], acting_user=street.secretary, **fields)


def test_a_full_slot_sends_the_next_household_to_the_next_slot(street):
    round_ = _capped_round(street, households=5, capacity=2, slots=3)
    first, second, _third = round_.slots.order_by("starts_at")
    got = [actions.do_reserve(round_, h, acting_user=street.secretary, via=Via.STAFF)
           for h in houses(street.community, 4, group="ordinary")]
    assert [r.slot_id for r in got] == [first.pk, first.pk, second.pk, second.pk]
    assert actions.room_in([first, second]) == {first.pk: 0, second.pk: 0}
    # choosing the full slot is refused for that household alone, with a reason
    late = houses(street.community, 1, group="ordinary", exclude=tuple(r.house_id for r in got))[0]
    with pytest.raises(ValidationError) as refused:
        actions.do_reserve(round_, late, acting_user=street.secretary, via=Via.STAFF, slot=first)
    assert refused.value.error_dict["slot"][0].code == "slot_full"
    assert not Reservation.objects.filter(round=round_, house=late).exists()


def test_slots_must_take_every_share(street):
    with pytest.raises(ValidationError) as refused:
        _capped_round(street, households=5, capacity=2)  # two slots of two for five shares
    assert refused.value.error_dict["capacity"][0].code == "capacity"
    with pytest.raises(ValidationError):
        _capped_round(street, households=2, capacity=0)


def test_the_waiting_list_is_offered_only_the_room_left_in_the_slots(street):
    round_ = _capped_round(street, households=2, capacity=1)
    first, second = round_.slots.order_by("starts_at")
    a, b, c = houses(street.community, 3, group="ordinary")
    held = [actions.do_reserve(round_, h, acting_user=street.secretary, via=Via.STAFF) for h in (a, b, c)]
    assert [r.status for r in held] == [Status.HELD, Status.HELD, Status.WAITING]
    # the first slot ends with a's share not collected: it is released, and c is offered a place
    # only if a slot ahead has room — the second slot is full (b), so c waits on
    after = first.ends_at + datetime.timedelta(minutes=1)
    done = actions.settle(round_, now=after)
    assert done == {"released": 1, "promoted": 0}
    round_.refresh_from_db()
    assert round_.taken == 1
    assert Reservation.objects.get(pk=held[2].pk).status == Status.WAITING


def test_a_staff_list_of_households_is_reserved_in_batches_each_answered(street):
    round_ = open_round(street, households=2)
    a, b, c = houses(street.community, 3, group="ordinary", exclude=(street.resident.person.current_house_id,))
    staff = street.secretary
    answers = actions.do_reserve_many(round_, [(a, staff, Via.STAFF, None, None), (b, staff, Via.STAFF, None, None),
                                               (a, staff, Via.STAFF, None, None), (c, staff, Via.STAFF, None, None)])
    assert [x.status if isinstance(x, Reservation) else x.error_dict["house"][0].code for x in answers] == [
        Status.HELD, Status.HELD, "already_reserved", Status.WAITING]
    # a household the user may not reserve for stops the whole list before anything is written
    other = houses(street.community, 1, exclude=(a.pk, b.pk, c.pk, street.resident.person.current_house_id))[0]
    with pytest.raises(PermissionDenied):
        actions.do_reserve_many(round_, [(street.resident.person.current_house, street.resident, Via.APP, None, None),
                                         (other, street.resident, Via.APP, None, None)])
    assert not Reservation.objects.filter(round=round_, house=street.resident.person.current_house).exists()
