"""The stock ledger: receipts, issues, transfers and losses, never below zero; stock-taking
with four eyes."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linli.core.access import PermissionDenied
from linli.core.errors import Bilingual
from linli.core.models import AuditEvent
from linli.supplies import actions
from linli.supplies.models import AppendOnly, Lot, Movement, MovementKind, SheetStatus, StoragePoint
from linli.supplies.tests.helpers import item, point_at, stock
from linli.tasks.tests.helpers import codes

pytestmark = pytest.mark.django_db


def on_hand(point: StoragePoint, code: str = "mask-kn95") -> int:
    return Lot.objects.filter(point=point, item__code=code).aggregate(n=Sum("quantity"))["n"] or 0


def ledger_sum(point: StoragePoint, code: str = "mask-kn95") -> int:
    return Movement.objects.filter(point=point, item__code=code).aggregate(n=Sum("quantity"))["n"] or 0


def test_receipt_and_issue_move_the_ledger_first_expiring_first(street):
    point = point_at(street)
    stock(street, point, 500, days=300)
    stock(street, point, 200, days=30)
    movements = actions.do_issue(point, item(), 300, acting_user=street.secretary, note="发放给隔离户")
    # the lot expiring in 30 days goes first, then 100 of the other
    assert [m.quantity for m in movements] == [-200, -100]
    assert [m.balance_after for m in movements] == [0, 400]
    assert on_hand(point) == ledger_sum(point) == 400
    assert AuditEvent.objects.filter(action="supplies.issue", object_id=str(point.pk)).count() == 1


def test_stock_never_goes_below_zero_and_a_refusal_leaves_nothing(street):
    point = point_at(street)
    stock(street, point, 50)
    before = Movement.objects.count()
    with pytest.raises(ValidationError) as refused:
        actions.do_issue(point, item(), 51, acting_user=street.secretary)
    assert codes(refused.value) == {"not_enough"}
    message = Bilingual.of_error(refused.value)
    assert "50" in message.en and "库存" in message.zh  # both languages, with the numbers
    assert Movement.objects.count() == before and on_hand(point) == 50


def test_several_issues_at_once_are_each_what_one_issue_would_be(street):
    point = point_at(street)
    stock(street, point, 500, days=300)
    stock(street, point, 200, days=30)
    before = AuditEvent.objects.filter(action="supplies.issue").count()
    answers = actions.do_issue_many(point, item(), [(150, "甲"), (100, "乙"), (600, "丙"), (440, "丁"), (20, "戊")],
                                    acting_user=street.secretary)
    # first expiring first, across the issues: 150 of the 30-day lot, then its last 50 and 50 more
    assert [[(m.quantity, m.balance_after) for m in a] for a in answers if isinstance(a, list)] == [
        [(-150, 50)], [(-50, 0), (-50, 450)], [(-440, 10)]]
    # 600 was more than the 450 left: refused alone, in both languages, with the numbers; 20 after
    # the 440 is more than the 10 left
    assert [codes(a) for a in answers if isinstance(a, ValidationError)] == [{"not_enough"}, {"not_enough"}]
    assert "450" in Bilingual.of_error(answers[2]).en
    assert on_hand(point) == ledger_sum(point) == 10
    notes = dict(Movement.objects.filter(point=point, kind=MovementKind.ISSUE).values_list("pk", "note"))
    assert [{notes[m.pk] for m in a} for a in answers if isinstance(a, list)] == [{"甲"}, {"乙"}, {"丁"}]
    events = list(AuditEvent.objects.filter(action="supplies.issue").order_by("seq"))[before:]
    assert [(e.detail["quantity"], e.detail["movements"]) for e in events] == [
        (sum(m.quantity for m in a), [m.pk for m in a]) for a in answers if isinstance(a, list)]


def test_several_issues_at_once_need_the_keepers_permission_first(street):
    point = point_at(street)
    stock(street, point, 10)
    with pytest.raises(PermissionDenied):
        actions.do_issue_many(point, item(), [(1, "")], acting_user=street.grid_worker)
    with pytest.raises(ValidationError):  # a bad quantity refuses the lot
        actions.do_issue_many(point, item(), [(1, ""), (0, "")], acting_user=street.secretary)
    assert on_hand(point) == 10 and not Movement.objects.filter(point=point, kind=MovementKind.ISSUE).exists()


def test_the_database_refuses_a_negative_lot(street):
    point = point_at(street)
    stock(street, point, 5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Lot.objects.filter(point=point).update(quantity=-1)


def test_movements_are_append_only(street):
    point = point_at(street)
    stock(street, point, 5)
    movement = Movement.objects.get(point=point)
    movement.note = "改写"
    with pytest.raises(AppendOnly):
        movement.save()
    with pytest.raises(AppendOnly):
        movement.delete()


def test_a_second_issue_of_the_same_stock_is_refused(street):
    """Two keepers see 10 on the shelf and each issues 7: the conditional update lets one through."""
    point = point_at(street)
    stock(street, point, 10)
    lot = Lot.objects.get(point=point)
    seen_by_second = Lot.objects.get(pk=lot.pk)  # read before the first issue
    actions.do_issue(point, item(), 7, acting_user=street.secretary)
    with pytest.raises(ValidationError), transaction.atomic():
        actions._move(seen_by_second, -7, MovementKind.ISSUE, acting_user=street.street_officer)
    assert on_hand(point) == 3 == ledger_sum(point)


def test_transfer_sent_equals_received(street):
    source = point_at(street)
    destination = point_at(street, street.other_community, name="牡丹社区物资室")
    stock(street, source, 300, days=90)
    stock(street, source, 300, days=500)
    out, arrived = actions.do_transfer(source, destination, item(), 400, acting_user=street.street_officer)
    assert sum(m.quantity for m in out) == -400 and sum(m.quantity for m in arrived) == 400
    assert on_hand(source) == 200 and on_hand(destination) == 400
    # the lots keep their expiry: the one expiring first moved whole
    expiries = sorted(Lot.objects.filter(point=destination).values_list("expires_on", flat=True))
    assert expiries[0] == timezone.localdate() + datetime.timedelta(days=90)


def test_permissions(street):
    point = point_at(street)
    stock(street, point, 10)
    far = point_at(street, street.other_community, name="远处")
    for user in (street.resident, street.grid_worker, street.outsider):
        with pytest.raises(PermissionDenied):
            actions.do_issue(point, item(), 1, acting_user=user)
    # the secretary keeps her own community's points only
    with pytest.raises(PermissionDenied):
        stock(street, far, 10, user=street.secretary)
    assert on_hand(far) == 0
    # a keeper named on a point moves its stock without any role
    point.keepers.add(street.volunteer)
    actions.do_issue(point, item(), 1, acting_user=street.volunteer)
    assert StoragePoint.objects.restrict(street.volunteer, "supplies.view").get() == point
    assert not Lot.objects.restrict(street.volunteer, "supplies.view").filter(point=far).exists()
    with pytest.raises(PermissionDenied):
        actions.do_issue(far, item(), 1, acting_user=street.volunteer)


@pytest.mark.parametrize(("value", "code"), [(0, "out_of_range"), (-3, "out_of_range"), ("十", "not_a_number"),
                                             (10**9, "out_of_range")])
def test_bad_quantities_are_refused_in_both_languages(street, value, code):
    point = point_at(street)
    with pytest.raises(ValidationError) as refused:
        actions.do_receive(point, item(), value, acting_user=street.secretary)
    assert codes(refused.value) == {code}
    message = Bilingual.of_error(refused.value)
    assert message.en != message.zh
    assert not Lot.objects.filter(point=point).exists()


def test_an_expired_lot_is_not_taken_in(street):
    point = point_at(street)
    with pytest.raises(ValidationError) as refused:
        actions.do_receive(point, item(), 5, acting_user=street.secretary,
                           expires_on=timezone.localdate() - datetime.timedelta(days=1))
    assert codes(refused.value) == {"expired"}


def test_loss_needs_a_reason(street):
    point = point_at(street)
    stock(street, point, 10)
    with pytest.raises(ValidationError):
        actions.do_issue(point, item(), 2, kind=MovementKind.LOSS, acting_user=street.secretary)
    actions.do_issue(point, item(), 2, kind=MovementKind.LOSS, note="受潮霉变", acting_user=street.secretary)
    assert Movement.objects.filter(point=point, kind=MovementKind.LOSS).get().quantity == -2


# --- stock-taking ----------------------------------------------------------------------------------

def test_stock_taking_needs_a_second_person(street):
    point = point_at(street)
    stock(street, point, 100)
    stock(street, point, 40, code="disinfectant-84", days=200)
    sheet = actions.do_start_count(point, acting_user=street.secretary)
    lines = {line.lot.item.code: line for line in sheet.lines.select_related("lot__item")}
    assert {code: line.expected for code, line in lines.items()} == {"mask-kn95": 100, "disinfectant-84": 40}
    with pytest.raises(ValidationError) as uncounted:
        actions.do_record_counts(sheet, {lines["mask-kn95"].pk: 96}, acting_user=street.secretary, submit=True)
    assert codes(uncounted.value) == {"uncounted"}
    assert CountLineCounted(sheet) == 0  # the refused submit wrote nothing
    actions.do_record_counts(sheet, {lines["mask-kn95"].pk: 96, lines["disinfectant-84"].pk: 40},
                             acting_user=street.secretary, submit=True)
    # the one who counted cannot approve her own count, even holding the right
    with pytest.raises(PermissionDenied):
        actions.do_decide_count(sheet, approve=True, acting_user=street.secretary)
    assert on_hand(point) == 100
    sheet = actions.do_decide_count(sheet, approve=True, acting_user=street.street_officer)
    assert sheet.status == SheetStatus.APPROVED
    correction = Movement.objects.get(sheet=sheet)
    assert (correction.kind, correction.quantity, correction.balance_after) == (MovementKind.CORRECTION, -4, 96)
    assert on_hand(point) == 96 == ledger_sum(point)
    assert on_hand(point, "disinfectant-84") == 40


def CountLineCounted(sheet):  # noqa: N802 - reads as a count in the assertion
    return sheet.lines.filter(counted__isnull=False).count()


def test_a_count_overtaken_by_a_movement_must_be_redone(street):
    point = point_at(street)
    stock(street, point, 100)
    sheet = actions.do_start_count(point, acting_user=street.secretary)
    line = sheet.lines.get()
    actions.do_record_counts(sheet, {line.pk: 90}, acting_user=street.secretary, submit=True)
    actions.do_issue(point, item(), 5, acting_user=street.secretary)
    with pytest.raises(ValidationError) as moved:
        actions.do_decide_count(sheet, approve=True, acting_user=street.street_officer)
    assert codes(moved.value) == {"moved_since_count"}
    assert on_hand(point) == 95
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.SUBMITTED
    actions.do_decide_count(sheet, approve=False, note="发放后重新盘点", acting_user=street.street_officer)
    assert actions.do_start_count(point, acting_user=street.secretary).lines.get().expected == 95


def test_only_one_count_at_a_time(street):
    point = point_at(street)
    stock(street, point, 10)
    actions.do_start_count(point, acting_user=street.secretary)
    with pytest.raises(ValidationError):
        actions.do_start_count(point, acting_user=street.street_officer)


# --- random sequences ------------------------------------------------------------------------------

step = st.tuples(st.sampled_from(["receive", "issue", "loss", "transfer", "count"]), st.integers(1, 120))


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_random_movements_never_go_negative_and_the_ledger_adds_up(street, steps):
    with transaction.atomic():
        a, b = point_at(street, name="甲"), point_at(street, street.other_community, name="乙")
        for kind, n in steps:
            try:
                if kind == "receive":
                    stock(street, a, n, days=n)
                elif kind == "issue":
                    actions.do_issue(a, item(), n, acting_user=street.secretary)
                elif kind == "loss":
                    actions.do_issue(a, item(), n, kind=MovementKind.LOSS, note="破损", acting_user=street.secretary)
                elif kind == "transfer":
                    actions.do_transfer(a, b, item(), n, acting_user=street.street_officer)
                else:
                    sheet = actions.do_start_count(a, acting_user=street.secretary)
                    actions.do_record_counts(sheet, {line.pk: max(line.expected - n % 7, 0) for line in sheet.lines.all()},
                                             acting_user=street.secretary, submit=True)
                    actions.do_decide_count(sheet, approve=True, acting_user=street.street_officer)
            except ValidationError:
                pass
            assert not Lot.objects.filter(quantity__lt=0).exists()
            for point in (a, b):
                assert on_hand(point) == ledger_sum(point)
                for lot in Lot.objects.filter(point=point):
                    last = lot.movements.order_by("-pk").first()
                    assert last is None or last.balance_after == lot.quantity
        transaction.set_rollback(True)
