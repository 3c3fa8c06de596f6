"""Reservation rounds: opening one, reserving (one share per household, fairly, under a burst),
collecting at the pickup point, and settling the waiting list when the window closes or a slot
ends. Every ``do_*`` checks its own permission, runs in one transaction and is audited.

One reservation per household per round holds under any number of requests at once: the round's
row is locked (``select_for_update``) for the short time a reservation is decided and written,
the unique constraint on (round, house) refuses a second row whatever happens, and the shares
given out are counted on the round in the same transaction, never past ``shares`` (a check
constraint as well). The households' groups are read before the lock, and the reservations that
arrive at once are written together (decision 0045), so the lock is held for a few statements a
batch, not a household.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit, bulk, combine, context
from linli.core.access import require
from linli.handout import checklist, fairness
from linli.handout.access import MANAGE, RESERVE
from linli.handout.models import (
    GONE,
    Group,
    Reservation,
    ReserveCheck,
    Round,
    Slot,
    Status,
    Tier,
    Via,
)
from linli.health.models import OrderStatus, QuarantineOrder
from linli.notices.audience import OLDEST_OLD_AGE, born_by
from linli.people.models import Person
from linli.people.search import group_token
from linli.places.models import Level, Place
from linli.supplies import actions as supplies
from linli.supplies.access import KEEP
from linli.supplies.models import Item, Lot, StoragePoint

MAX_SHARES = 200_000
MAX_SLOTS = 20


def _error(field_name: str, message: Any, code: str, **params: Any) -> ValidationError:
    return ValidationError({field_name: [ValidationError(message, code=code, params=params or None)]})


# --- the household and its group ----------------------------------------------------------------

def household_of(user: Any) -> Place | None:
    """The house the signed-in resident lives in (her household), if the registry knows it.
    One query for the house alone: the resident's own row (with its sealed fields) is not read."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return None
    house = Person.objects.filter(pk=person_id, is_active=True).values("current_house_id")[:1]
    return Place.objects.filter(pk=Subquery(house)).first()


def group_of(house: Place, today: datetime.date) -> str:
    """Why the household has priority (the first that applies), or ``other``. Read from the
    registry's keyed group index and the active quarantine orders; nothing is decrypted."""
    return groups_of([house], today)[house.pk]


def groups_of(houses: Sequence[Place], today: datetime.date) -> dict[int, str]:
    """:func:`group_of` for several households, in one query."""
    quarantined = Exists(QuarantineOrder.objects.filter(person=OuterRef("pk"), status=OrderStatus.ACTIVE))
    members: dict[int, list[tuple[str, datetime.date | None, bool]]] = {h.pk: [] for h in houses}
    for house_id, index, born, held in (Person.objects.filter(current_house__in=list(members), is_active=True)
                                        .values_list("current_house_id", "special_groups_index", "birth_date",
                                                     quarantined)):
        members[house_id].append((index, born, held))
    limit = born_by(today, OLDEST_OLD_AGE)
    return {house_id: _group(rows, limit) for house_id, rows in members.items()}


def _group(rows: Sequence[tuple[str, datetime.date | None, bool]], limit: datetime.date) -> str:
    if any(held for _index, _born, held in rows):
        return Group.QUARANTINED
    for group in (Group.ALONE_ELDER, Group.DISABLED):
        if any(group_token(group) in index for index, _born, _held in rows):
            return group
    if any(group_token(Group.OLDEST_OLD) in index or (born is not None and born <= limit)
           for index, born, _held in rows):
        return Group.OLDEST_OLD
    if any(group_token(Group.INFANT) in index for index, _born, _held in rows):
        return Group.INFANT
    return Group.OTHER


def tier_of(group: str) -> str:
    return Tier.ORDINARY if group == Group.OTHER else Tier.PRIORITY


# --- rounds ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SlotInput:
    point: StoragePoint
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int | None = None  # households that may pick up in it; None: no limit


def _stock(points: Iterable[StoragePoint], item: Item) -> int:
    from django.db.models import Sum

    return Lot.objects.filter(point__in=list(points), item=item).aggregate(n=Sum("quantity"))["n"] or 0


def do_open_round(community: Place, *, title: str, item: Item, quota: Any, households: Any, held_back: Any,
                  opens_at: datetime.datetime, closes_at: datetime.datetime, slots: Sequence[SlotInput],
                  acting_user: Any) -> Round:
    """A community opens a round: ``households`` shares of ``quota`` units each, ``held_back``
    of them kept for priority households while reservations are open. The stock must be there
    at the slots' points when the round opens."""
    require(acting_user, MANAGE, community)
    if community.level != Level.COMMUNITY:
        raise _error("community", _("A reservation round is held by a community."), "round_level")
    title = supplies.clean_text(title, "title", 60, required=True)
    quota = supplies.clean_quantity(quota, "quota")
    shares = supplies.clean_quantity(households, "households")
    held = supplies.clean_quantity(held_back, "held_back", allow_zero=True)
    if shares > MAX_SHARES:
        raise _error("households", _("Enter a number from %(low)d to %(high)d."), "out_of_range", low=1, high=MAX_SHARES)
    if held > shares:
        raise _error("held_back", _("At most all the shares can be held back."), "held_back")
    if closes_at <= opens_at:
        raise _error("closes_at", _("Reservations close after they open."), "window")
    if not 1 <= len(slots) <= MAX_SLOTS:
        raise _error("slots", _("Give from 1 to %(n)d pickup slots."), "slots", n=MAX_SLOTS)
    for slot in slots:
        if slot.ends_at <= slot.starts_at:
            raise _error("slots", _("A slot ends after it starts."), "slot_order")
        if slot.starts_at < opens_at:
            raise _error("slots", _("Pickup slots start after reservations open."), "slot_early")
        if not (community.path.startswith(slot.point.path) and slot.point.is_active):
            raise _error("slots", _("Choose a storage point of this community or its street."), "slot_point")
        require(acting_user, KEEP, slot.point)
    capacities = [supplies.clean_quantity(s.capacity, "capacity") if s.capacity is not None else None for s in slots]
    if all(c is not None for c in capacities) and sum(c or 0 for c in capacities) < shares:
        raise _error("capacity", _("The slots take %(room)d households in all, fewer than the %(shares)d shares."),
                     "capacity", room=sum(c or 0 for c in capacities), shares=shares)
    have = _stock({s.point for s in slots}, item)
    if have < shares * quota:
        raise _error("households", _("Not enough in stock: %(item)s at these points has %(have)d, %(want)d needed."),
                     "not_enough", item=item.name, have=have, want=shares * quota)
    with transaction.atomic():
        round_ = Round.objects.create(community=community, path=community.path, title=title, item=item, quota=quota,
                                      shares=shares, held_back=held, opens_at=opens_at, closes_at=closes_at,
                                      created_by=acting_user)
        Slot.objects.bulk_create([Slot(round=round_, path=community.path, point=s.point, starts_at=s.starts_at,
                                       ends_at=s.ends_at, capacity=c) for s, c in zip(slots, capacities, strict=True)])
        audit.record("handout.round_open", actor=acting_user, obj=round_,
                     detail={"item": item.code, "quota": quota, "shares": shares, "held_back": held,
                             "slots": len(slots), "capacities": capacities})
    return round_


def window_open(round_: Round, now: datetime.datetime) -> bool:
    return not round_.cancelled and round_.opens_at <= now < round_.closes_at


def room_in(slots: Sequence[Slot]) -> dict[int, int | None]:
    """How many more households each slot takes (None: no limit): its capacity less the shares
    held or collected in it. One query, over the capped slots' own reservations only."""
    capped = [s.pk for s in slots if s.capacity is not None]
    used: dict[int, int] = {}
    if capped:
        used = dict(Reservation.objects.filter(slot_id__in=capped, status__in=(Status.HELD, Status.COLLECTED))
                    .values("slot_id").annotate(n=Count("id")).values_list("slot_id", "n"))
    return {s.pk: None if s.capacity is None else max(0, s.capacity - used.get(s.pk, 0)) for s in slots}


def _pickup(slots: Sequence[Slot], now: datetime.datetime, chosen: Slot | None,
            room: dict[int, int | None]) -> Slot | ValidationError | None:
    """The chosen slot if it is still to come and has room, else the earliest still to come with
    room (of ``slots``, in order); None when every slot is over or full."""
    for slot in slots:
        if slot.ends_at > now and (chosen is None or slot.pk == chosen.pk):
            if room.get(slot.pk, 0) != 0:
                return slot
            if chosen is not None:
                return _error("slot", _("This pickup slot is full; choose another."), "slot_full")
    return None


def _take_room(room: dict[int, int | None], slot: Slot) -> None:
    left = room.get(slot.pk)
    if left is not None:
        room[slot.pk] = left - 1


def _rule(round_: Round) -> fairness.Rule:
    return fairness.Rule(round_.shares, round_.held_back)


def _taken(round_: Round) -> fairness.Taken:
    return fairness.Taken(round_.taken, round_.taken_ordinary)


def _save_taken(round_: Round, taken: fairness.Taken) -> None:
    round_.taken, round_.taken_ordinary = taken.total, taken.ordinary
    Round.objects.filter(pk=round_.pk).update(taken=taken.total, taken_ordinary=taken.ordinary)


# --- reserving ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Ask:
    """One household's reservation, checked and waiting to be written (perhaps with others)."""
    house: Place
    acting_user: Any
    via: str
    slot: Slot | None
    now: datetime.datetime
    request_context: context.RequestContext


def do_reserve(round_: Round, house: Place, *, acting_user: Any, via: str = Via.APP, slot: Slot | None = None,
               now: datetime.datetime | None = None) -> Reservation:
    """The household's reservation: a share now if the rule gives one, else the waiting list.
    A second reservation of the same household is refused, however many arrive at once.

    Reservations of one round that arrive at once in a server process are written together,
    one transaction for the lot (``linli.core.combine``): a burst costs one lock of the round
    and one audit append per batch rather than per household. Each still gets its own answer."""
    ask = _checked(round_, house, acting_user, via, slot, now)
    if combine.combinable():
        result = _reservations.submit(round_.pk, ask)
    else:  # inside the caller's transaction: written in it, alone
        [result] = _write_reservations(round_.pk, [ask])
        if isinstance(result, BaseException):
            raise result
    return result  # type: ignore[no-any-return]


def _checked(round_: Round, house: Place, acting_user: Any, via: str, slot: Slot | None,
             now: datetime.datetime | None) -> _Ask:
    require(acting_user, RESERVE, house)
    if house.level != Level.HOUSE or not house.path.startswith(round_.path):
        raise _error("house", _("This household is not in the round's community."), "outside_round")
    if slot is not None and slot.round_id != round_.pk:
        raise _error("slot", _("Choose one of the round's pickup slots."), "unknown_slot")
    return _Ask(house, acting_user, via, slot, now or timezone.now(), context.current())


def do_reserve_many(round_: Round, households: Sequence[tuple[Place, Any, str, Slot | None, datetime.datetime | None]],
                    ) -> list[Reservation | ValidationError]:
    """Several households' reservations (house, acting user, via, slot, time), each checked and
    answered as :func:`do_reserve` would, written a batch per transaction: a staff member's list,
    the demo's burst. A permission refused stops the lot before anything is written."""
    asks = [_checked(round_, house, user, via, slot, now) for house, user, via, slot, now in households]
    answers: list[Reservation | ValidationError] = []
    for start in range(0, len(asks), combine.MAX_BATCH):
        answers.extend(_write_reservations(round_.pk, asks[start:start + combine.MAX_BATCH]))
    return answers


def _write_reservations(round_id: Any, asks: Sequence[_Ask]) -> list[Reservation | ValidationError]:
    """Decide and write ``asks`` in order, in one transaction: each gets its reservation, or the
    error meant for it alone (window closed, household already reserved, slot over)."""
    # Read before the lock, which is held only to decide, write and count: slots change only
    # when one ends (``settle``); the households' groups come from the registry.
    groups = groups_of([a.house for a in asks], timezone.localtime(asks[0].now).date())
    slots = list(Slot.objects.filter(round_id=round_id, ends_at__gt=min(a.now for a in asks), released=False)
                 .order_by("starts_at", "pk"))
    try:
        with transaction.atomic():
            locked = Round.objects.select_for_update().get(pk=round_id)
            already = set(Reservation.objects.filter(round_id=round_id, house_id__in=[a.house.pk for a in asks])
                          .exclude(status__in=GONE).values_list("house_id", flat=True))
            rule, taken = _rule(locked), _taken(locked)
            room = room_in(slots)
            answers: list[Reservation | ValidationError] = []
            rows: list[tuple[Reservation, _Ask]] = []
            for ask in asks:
                if not window_open(locked, ask.now):
                    answers.append(_error("round", _("Reservations for this round are not open now."),
                                          "window_closed"))
                    continue
                if ask.house.pk in already:
                    answers.append(_duplicate())
                    continue
                group = groups[ask.house.pk]
                tier = tier_of(group)
                given = fairness.admits(rule, taken, tier, window_open=True)
                pickup = _pickup(slots, ask.now, ask.slot, room) if given else None
                if isinstance(pickup, ValidationError):
                    answers.append(pickup)
                    continue
                if given and pickup is None:
                    answers.append(_error("slot", _("This pickup slot is over; choose another."), "slot_over"))
                    continue
                if pickup is not None:
                    _take_room(room, pickup)
                already.add(ask.house.pk)
                reservation = Reservation(
                    round=locked, house=ask.house, path=ask.house.path, tier=tier, group=group, via=ask.via,
                    slot=pickup if given else None, status=Status.HELD if given else Status.WAITING,
                    by=ask.acting_user if getattr(ask.acting_user, "is_authenticated", False) else None)
                if given:
                    taken = taken.plus(tier)
                rows.append((reservation, ask))
                answers.append(reservation)
            if rows:
                Reservation.objects.bulk_create([r for r, _ask in rows])
                _save_taken(locked, taken)
                audit.record_many([audit.Entry("handout.reserve", actor=ask.acting_user, obj=r,
                                               request_context=ask.request_context,
                                               detail={"round": locked.pk, "status": r.status, "tier": r.tier,
                                                       "via": r.via})
                                   for r, ask in rows])
    except IntegrityError:
        # The unique constraint caught what the check above could not see (a reservation written
        # outside the round's lock): each household alone, so only the one concerned is refused.
        if len(asks) == 1:
            return [_duplicate()]
        return [answer for ask in asks for answer in _write_reservations(round_id, [ask])]
    return answers


_reservations: combine.Combiner[_Ask] = combine.Combiner(_write_reservations)


def _duplicate() -> ValidationError:
    return _error("house", _("This household has already reserved in this round."), "already_reserved")


# --- pickup ---------------------------------------------------------------------------------------

def do_collect(reservation: Reservation, *, acting_user: Any, now: datetime.datetime | None = None) -> Reservation:
    """The keeper hands the share out: the stock leaves the slot's point as an issue (first
    expiring first) in the same transaction, so the ledger and the reservation agree."""
    answer = do_collect_many([reservation], acting_user=acting_user, now=now)[0]
    if isinstance(answer, ValidationError):
        raise answer
    return answer


def do_collect_many(reservations: Sequence[Reservation], *, acting_user: Any,
                    now: datetime.datetime | None = None) -> list[Reservation | ValidationError]:
    """Several pickups at once, in order (a slot's households at the counter, the demo's round):
    each checked and answered as :func:`do_collect` would, its share issued from the point's stock
    with its own movements and audit events, in one transaction with one lock of the point's lots.
    A permission refused stops the lot before anything is written."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = {r.pk: r for r in Reservation.objects.select_for_update(of=("self",))
                  .select_related("round__item", "slot__point").filter(pk__in=[r.pk for r in reservations]).order_by("pk")}
        for point in {r.slot.point for r in locked.values() if r.slot is not None}:
            require(acting_user, KEEP, point)
        answers: list[Reservation | ValidationError] = []
        due: dict[tuple[StoragePoint, Item], list[tuple[int, Reservation]]] = {}  # -> (place in answers, …)
        for given in reservations:
            checked = _collectable(locked.get(given.pk), now)
            if isinstance(checked, ValidationError):
                answers.append(checked)
                continue
            reservation, slot = checked
            reservation.status = Status.COLLECTED  # a second mention of it in the list is collected already
            due.setdefault((slot.point, reservation.round.item), []).append((len(answers), reservation))
            answers.append(reservation)
        for (point, item), pickups in due.items():
            issued = supplies.do_issue_many(point, item, [(r.round.quota, f"预约领取 {r.round.title} #{r.pk}"[:200])
                                                          for _place, r in pickups], acting_user=acting_user)
            for (index, reservation), moved in zip(pickups, issued, strict=True):
                if isinstance(moved, ValidationError):
                    reservation.status = Status.HELD
                    answers[index] = moved
                    continue
                reservation.collected_at, reservation.collected_by = now, acting_user
                reservation.movements, reservation.updated_at = [m.pk for m in moved], timezone.now()
        collected = [r for r in answers if isinstance(r, Reservation)]
        bulk.update(Reservation, collected, ["status", "collected_at", "collected_by", "movements", "updated_at"])
        audit.record_many([audit.Entry("handout.collect", actor=acting_user, obj=r, detail={
            "round": r.round_id, "point": r.slot.point_id if r.slot is not None else None,
            "movements": r.movements}) for r in collected])
    return answers


def _collectable(reservation: Reservation | None, now: datetime.datetime,
                 ) -> tuple[Reservation, Slot] | ValidationError:
    """The reservation and its slot if its share can be handed out ``now``, else why not."""
    if reservation is None or reservation.slot is None:
        return _error("code", _("This household has no share to collect (waiting list or released)."), "not_held")
    if reservation.status == Status.COLLECTED:
        at = reservation.collected_at or now
        return _error("code", _("Already collected at %(at)s."), "collected",
                      at=timezone.localtime(at).strftime("%Y-%m-%d %H:%M"))
    if reservation.status != Status.HELD:
        return _error("code", _("This household has no share to collect (waiting list or released)."), "not_held")
    if now < reservation.slot.starts_at:
        return _error("code", _("Its pickup slot starts at %(at)s."), "too_early",
                      at=timezone.localtime(reservation.slot.starts_at).strftime("%Y-%m-%d %H:%M"))
    return reservation, reservation.slot


# --- settling: the window closes, slots end -----------------------------------------------------------

def settle(round_: Round, now: datetime.datetime | None = None) -> dict[str, int]:
    """Release the shares not collected in slots that have ended and offer the free shares to the
    waiting list in order (at the window's close, the shares held back go too). Idempotent; run
    by the worker every minute (``tasks.settle_rounds``)."""
    now = now or timezone.now()
    released = promoted = 0
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        if locked.cancelled:
            return {"released": 0, "promoted": 0}
        taken = _taken(locked)
        for slot in Slot.objects.filter(round=locked, ends_at__lte=now, released=False):
            for reservation in Reservation.objects.filter(slot=slot, status=Status.HELD):
                reservation.status = Status.RELEASED
                reservation.save(update_fields=["status", "updated_at"])
                taken = taken.minus(reservation.tier)
                released += 1
            slot.released = True
            slot.save(update_fields=["released", "updated_at"])
        is_open = window_open(locked, now)
        if not is_open and now >= locked.closes_at:
            locked.window_settled = True
        ahead = list(Slot.objects.filter(round=locked, ends_at__gt=now, released=False).order_by("starts_at", "pk"))
        room = room_in(ahead)
        if any(left != 0 for left in room.values()) and (is_open or locked.window_settled):
            waiting = [fairness.Waiting(pk, tier, pk) for pk, tier in
                       Reservation.objects.filter(round=locked, status=Status.WAITING).values_list("pk", "tier")]
            tiers = {w.key: w.tier for w in waiting}
            before = taken
            given, taken = fairness.offer(_rule(locked), taken, waiting, window_open=is_open)
            places: dict[int, list[int]] = {}
            for pk in given:  # in the order the rule gave them, each to the earliest slot with room
                pickup = _pickup(ahead, now, None, room)
                if not isinstance(pickup, Slot):
                    break
                _take_room(room, pickup)
                places.setdefault(pickup.pk, []).append(pk)
            placed = [pk for pks in places.values() for pk in pks]
            if len(placed) < len(given):  # the slots are full: the rest wait on
                taken = before
                for pk in placed:
                    taken = taken.plus(tiers[pk])
            for slot_id, pks in places.items():
                Reservation.objects.filter(pk__in=pks).update(status=Status.HELD, slot_id=slot_id, updated_at=now)
            promoted = len(placed)
        _save_taken(locked, taken)
        Round.objects.filter(pk=locked.pk).update(window_settled=locked.window_settled)
        if released or promoted:
            audit.record("handout.settle", obj=locked, detail={"released": released, "promoted": promoted})
    return {"released": released, "promoted": promoted}


def settle_due(now: datetime.datetime | None = None) -> dict[str, int]:
    """Every round with an ended slot not yet released, or a closed window not yet offered."""
    now = now or timezone.now()
    due = Round.objects.filter(cancelled=False).filter(
        Q(slots__ends_at__lte=now, slots__released=False) | Q(closes_at__lte=now, window_settled=False)).distinct()
    totals = {"rounds": 0, "released": 0, "promoted": 0}
    for round_ in due:
        done = settle(round_, now)
        totals["rounds"] += 1
        totals["released"] += done["released"]
        totals["promoted"] += done["promoted"]
    return totals


# --- the household's own reserve --------------------------------------------------------------------------

def do_tick_reserve(house: Place, ticked: Iterable[str], *, acting_user: Any) -> ReserveCheck:
    """The household ticks what it keeps at home (the checklist replaces the last one)."""
    require(acting_user, RESERVE, house)
    codes = sorted(set(ticked))
    unknown = [code for code in codes if code not in checklist.CODES]
    if unknown:
        raise _error("ticked", _("Not on the checklist: %(codes)s."), "unknown_item", codes=", ".join(unknown)[:60])
    with transaction.atomic():
        check, _created = ReserveCheck.objects.update_or_create(
            house=house, defaults={"path": house.path, "ticked": codes, "by": acting_user})
        audit.record("handout.reserve_checklist", actor=acting_user, obj=check, detail={"ticked": codes})
    return check
