"""Swaps between colleagues, on a frozen clock: the person on call offers her shift, the
colleague accepts or declines, the office sees and may cancel; the chain then pages whoever is
on call after the swap."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from linli.alerts import actions, swaps
from linli.alerts.models import EntryKind, Shift, SwapOffer, SwapState
from linli.alerts.tests.helpers import fall_in
from linli.conftest import Street
from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent, Role, RoleAssignment, User
from linli.core.today import items_for
from linli.grids.models import Grid, GridMember

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=8))


class Clock:
    def __init__(self, now: datetime.datetime) -> None:
        self.now = now

    def __call__(self) -> datetime.datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """Wednesday 2026-12-09, 07:00 in Shanghai: before the day shift starts."""
    frozen = Clock(datetime.datetime(2026, 12, 9, 7, 0, tzinfo=TZ).astimezone(datetime.UTC))
    monkeypatch.setattr(timezone, "now", frozen)
    yield frozen


def _grid(street: Street) -> Grid:
    return Grid.objects.get(pk=fall_grid_id(street))


def fall_grid_id(street: Street) -> int:
    from linli.tasks.targets import grids_by_building

    return grids_by_building([street.grid_building.path + "x/"])[street.grid_building.path]


def colleague(street: Street, grid: Grid, name: str = "gw-colleague") -> User:
    user = User.objects.create_user(name, display_name="网格员 王芳")
    RoleAssignment.objects.create(user=user, role=Role.objects.get(code="grid_worker"), grid=grid, path=grid.path)
    GridMember.objects.create(grid=grid, user=user, role=GridMember.Role.MEMBER, duty="网格员")
    return user


def day_shift(street: Street, grid: Grid) -> Shift:
    """demo-grid on the day shifts of the week starting today (8:00–20:00)."""
    actions.do_create_shifts(street.community, acting_user=street.secretary, grid=grid,
                             first_day=timezone.localdate(), weeks=1,
                             day={d: street.grid_worker for d in range(7)}, night={})
    return Shift.objects.filter(grid=grid).order_by("starts_at").first()


def test_offer_accept_and_the_chain_pages_the_colleague(street: Street, clock: Clock) -> None:
    grid = _grid(street)
    mate = colleague(street, grid)
    shift = day_shift(street, grid)
    assert timezone.localtime(shift.starts_at).hour == 8
    offer = swaps.do_offer_swap(shift, acting_user=street.grid_worker, to=mate, note="家里有事")
    assert offer.state == SwapState.OFFERED
    # nothing changes hands before the colleague answers
    clock.now = shift.starts_at + datetime.timedelta(hours=1)
    before = fall_in(street)
    assert before.entries.get(kind=EntryKind.PAGED).data["users"] == [street.grid_worker.pk]
    actions.do_resolve(before, acting_user=street.grid_worker, outcome="false_alarm")
    swaps.do_answer_swap(offer, acting_user=mate, accept=True)
    shift.refresh_from_db()
    assert (shift.user, shift.swapped_from) == (mate, street.grid_worker)
    after = fall_in(street)
    assert after.entries.get(kind=EntryKind.PAGED).data["users"] == [mate.pk]
    assert list(AuditEvent.objects.filter(action__startswith="alert.swap_").order_by("pk")
                .values_list("action", flat=True)) == ["alert.swap_offer", "alert.swap_accept"]
    # the next day's shift is still hers
    nxt = Shift.objects.filter(grid=grid, starts_at__gt=shift.starts_at).order_by("starts_at").first()
    assert nxt.user == street.grid_worker


def test_only_the_holder_offers_and_only_the_colleague_answers(street: Street, clock: Clock) -> None:
    grid = _grid(street)
    mate, other = colleague(street, grid), colleague(street, grid, "gw-other")
    shift = day_shift(street, grid)
    with pytest.raises(PermissionDenied):
        swaps.do_offer_swap(shift, acting_user=mate, to=other)
    with pytest.raises(ValidationError) as refused:
        swaps.do_offer_swap(shift, acting_user=street.grid_worker, to=street.health_officer)
    assert refused.value.error_dict["to"][0].code == "not_colleague"
    offer = swaps.do_offer_swap(shift, acting_user=street.grid_worker, to=mate)
    with pytest.raises(ValidationError) as twice:
        swaps.do_offer_swap(shift, acting_user=street.grid_worker, to=other)
    assert twice.value.error_dict["shift"][0].code == "already_offered"
    for intruder in (other, street.grid_worker, street.secretary):
        with pytest.raises(PermissionDenied):
            swaps.do_answer_swap(offer, acting_user=intruder, accept=True)
    swaps.do_answer_swap(offer, acting_user=mate, accept=False)
    shift.refresh_from_db()
    assert shift.user == street.grid_worker and SwapOffer.objects.get().state == SwapState.DECLINED
    with pytest.raises(ValidationError) as again:
        swaps.do_answer_swap(offer, acting_user=mate, accept=True)
    assert again.value.error_dict["state"][0].code == "answered"
    assert Shift.objects.get(pk=shift.pk).user == street.grid_worker


def test_the_office_cancels_and_a_stale_or_past_offer_changes_nothing(street: Street, clock: Clock) -> None:
    grid = _grid(street)
    mate, other = colleague(street, grid), colleague(street, grid, "gw-other")
    shift = day_shift(street, grid)
    offer = swaps.do_offer_swap(shift, acting_user=street.grid_worker, to=mate)
    with pytest.raises(PermissionDenied):
        swaps.do_cancel_swap(offer, acting_user=mate)
    swaps.do_cancel_swap(offer, acting_user=street.secretary)
    assert SwapOffer.objects.get(pk=offer.pk).state == SwapState.CANCELLED
    # the office hands the shift over directly while an offer waits: the offer is cancelled with it
    # (no longer listed as waiting) and can no longer be accepted
    offer = swaps.do_offer_swap(shift, acting_user=street.grid_worker, to=mate)
    actions.do_swap_shift(shift, acting_user=street.secretary, to=other)
    assert SwapOffer.objects.get(pk=offer.pk).state == SwapState.CANCELLED
    swap = AuditEvent.objects.filter(action="alert.swap").latest("pk")
    assert swap.detail["offers_cancelled"] == [offer.pk]
    with pytest.raises(ValidationError) as stale:
        swaps.do_answer_swap(offer, acting_user=mate, accept=True)
    assert stale.value.error_dict["state"][0].code == "answered"
    assert Shift.objects.get(pk=shift.pk).user == other
    # an offer for a shift that ended meanwhile is refused, and nothing is written
    later = Shift.objects.filter(grid=grid, user=street.grid_worker).order_by("starts_at").first()
    offer = swaps.do_offer_swap(later, acting_user=street.grid_worker, to=mate)
    clock.now = later.ends_at + datetime.timedelta(minutes=1)
    with pytest.raises(ValidationError) as over:
        swaps.do_answer_swap(offer, acting_user=mate, accept=True)
    assert over.value.error_dict["shift"][0].code == "over"
    assert SwapOffer.objects.get(pk=offer.pk).state == SwapState.OFFERED
    assert Shift.objects.get(pk=later.pk).user == street.grid_worker


def test_the_pages_offer_answer_and_cancel_in_both_languages(street: Street, clock: Clock) -> None:
    grid = _grid(street)
    mate = colleague(street, grid)
    shift = day_shift(street, grid)
    worker = street.client_for(street.grid_worker)
    page = worker.get(reverse("alerts:my_shifts"))
    assert page.status_code == 200 and reverse("alerts:swap_offer", args=[shift.pk]) in page.content.decode()
    assert f'value="{mate.pk}"' in page.content.decode()
    refused = worker.post(reverse("alerts:swap_offer", args=[shift.pk]), {"to": street.health_officer.pk},
                          follow=True)
    assert "不能在这里值班" in refused.content.decode() or "cannot be on call here" in refused.content.decode()
    worker.post(reverse("alerts:swap_offer", args=[shift.pk]), {"to": mate.pk, "note": "换个班"})
    offer = SwapOffer.objects.get(state=SwapState.OFFERED)
    assert [i.url for i in items_for(mate, timezone.localdate())][:1] == [reverse("alerts:my_shifts")]
    office = street.client_for(street.secretary).get(reverse("alerts:rota")).content.decode()
    assert reverse("alerts:swap_cancel", args=[offer.pk]) in office
    mates = street.client_for(mate)
    assert reverse("alerts:swap_accept", args=[offer.pk]) in mates.get(reverse("alerts:my_shifts")).content.decode()
    # the offerer cannot accept her own offer: a clear message, nothing changes
    own = worker.post(reverse("alerts:swap_accept", args=[offer.pk]), follow=True)
    assert "Only the colleague" in own.content.decode() or "只有被邀请的同事" in own.content.decode()
    mates.post(reverse("alerts:swap_accept", args=[offer.pk]))
    assert Shift.objects.get(pk=shift.pk).user == mate
    mates.cookies.load({"django_language": "en"})
    again = mates.post(reverse("alerts:swap_accept", args=[offer.pk]), follow=True)
    assert "This swap offer was already answered or cancelled." in again.content.decode()
    far = street.client_for(street.outsider)
    assert far.post(reverse("alerts:swap_accept", args=[offer.pk])).status_code in (403, 404)
