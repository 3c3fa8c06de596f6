"""A household that moves: its reservation follows it to the new house, or goes back to the
waiting list; in the move's own transaction."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.handout import actions, moves
from linli.handout.models import Reservation, Round, Status, Via
from linli.handout.tests.helpers import open_round
from linli.handout.tokens import pickup_code, read_pickup
from linli.people import actions as people
from linli.people.models import Person, Residence
from linli.people.moves import Move
from linli.places.models import Level, Place

pytestmark = pytest.mark.django_db


def lone_houses(community: Place, n: int, *, exclude: tuple[int, ...] = ()) -> list[Place]:
    """Houses of the community where exactly one person is registered (her move empties it)."""
    ids = (Person.objects.filter(path__startswith=community.path, is_active=True, current_house__isnull=False)
           .values("current_house_id").annotate(n=Count("pk")).filter(n=1).exclude(current_house_id__in=exclude)
           .order_by("current_house_id").values_list("current_house_id", flat=True)[:n])
    found = list(Place.objects.filter(pk__in=list(ids), level=Level.HOUSE).order_by("pk"))
    assert len(found) == n
    return found


def empty_house(community: Place, *, exclude: tuple[int, ...] = ()) -> Place:
    lived = Person.objects.filter(current_house__isnull=False).values("current_house_id")
    return (Place.objects.filter(level=Level.HOUSE, path__startswith=community.path)
            .exclude(pk__in=lived).exclude(pk__in=exclude).order_by("pk").first())


def reserve(round_: Round, house: Place, user: Any) -> Reservation:
    return actions.do_reserve(round_, house, acting_user=user, via=Via.STAFF)


def move(person: Person, to: Place | None, user: Any) -> None:
    """The registry's move: as an import records it (to a known house) or a move-out."""
    residence = Residence.objects.get(person=person, house_id=person.current_house_id, moved_out__isnull=True)
    if to is None:
        people.do_move_out(residence, acting_user=user, moved_out=timezone.localdate())
        return
    with transaction.atomic():
        from_id = person.current_house_id
        Residence.objects.filter(pk=residence.pk).update(moved_out=timezone.localdate())
        Residence.objects.create(person=person, house=to, path=to.path)
        Person.objects.filter(pk=person.pk).update(current_house=to, path=to.path)
        from linli.people.moves import tell

        tell([Move(person.pk, from_id, to.pk)], acting_user=user)


def one_person(house: Place) -> Person:
    return Person.objects.get(current_house=house, is_active=True)


def test_moving_out_gives_the_share_to_the_waiting_list(street):
    round_ = open_round(street, households=1)
    gone, waiting = lone_houses(street.community, 2)
    held = reserve(round_, gone, street.secretary)
    queued = reserve(round_, waiting, street.secretary)
    assert (held.status, queued.status) == (Status.HELD, Status.WAITING)
    move(one_person(gone), None, street.secretary)
    held.refresh_from_db()
    queued.refresh_from_db()
    assert held.status == Status.MOVED and held.house == gone
    assert queued.status == Status.HELD and queued.slot is not None  # offered through the settling
    round_.refresh_from_db()
    assert round_.taken == 1
    event = AuditEvent.objects.get(action="handout.move_release", object_id=str(held.pk))
    assert event.detail["why"] == moves.NO_NEW_HOUSE and event.detail["was"] == Status.HELD
    assert event.actor_id == street.secretary.pk


def move_events(round_: Round, action: str = "handout.move") -> Any:
    """The round's own move events (on PostgreSQL, other tests' committed ones stay in the chain)."""
    ids = [str(pk) for pk in Reservation.objects.filter(round=round_).values_list("pk", flat=True)]
    return AuditEvent.objects.filter(action__startswith=action, object_type="handout.reservation", object_id__in=ids)


def test_nothing_changes_while_someone_still_lives_there(street):
    round_ = open_round(street)
    shared = (Person.objects.filter(path__startswith=street.community.path, is_active=True,
                                    current_house__isnull=False)
              .values("current_house_id").annotate(n=Count("pk")).filter(n__gte=2)
              .order_by("current_house_id").values_list("current_house_id", flat=True).first())
    house = Place.objects.get(pk=shared)
    reservation = reserve(round_, house, street.secretary)
    move(Person.objects.filter(current_house=house).order_by("pk").first(), None, street.secretary)
    reservation.refresh_from_db()
    assert reservation.status == Status.HELD and reservation.house == house
    assert not move_events(round_).exists()


def test_the_reservation_follows_the_household_to_its_new_house(street):
    round_ = open_round(street)
    old = lone_houses(street.community, 1)[0]
    new = empty_house(street.community)
    reservation = reserve(round_, old, street.secretary)
    code = pickup_code(reservation.pk)
    move(one_person(old), new, street.secretary)
    reservation.refresh_from_db()
    assert (reservation.house, reservation.path, reservation.status) == (new, new.path, Status.HELD)
    round_.refresh_from_db()
    assert round_.taken == 1
    event = AuditEvent.objects.get(action="handout.move", object_id=str(reservation.pk))
    assert (event.detail["from"], event.detail["to"]) == (old.code, new.code)
    # the same pickup code: the keeper hands the share out
    assert read_pickup(code) == reservation.pk
    assert actions.do_collect(reservation, acting_user=street.secretary).status == Status.COLLECTED
    # the new house has its reservation: the household cannot reserve again there …
    with pytest.raises(Exception) as refused:
        reserve(round_, new, street.secretary)
    assert "already_reserved" in str(refused.value.error_dict["house"][0].code)  # type: ignore[attr-defined]
    # … and the next people of the old house can
    assert reserve(round_, old, street.secretary).status == Status.HELD


def test_a_waiting_household_keeps_its_place_in_the_queue(street):
    round_ = open_round(street, households=1)
    first, old = lone_houses(street.community, 2)
    reserve(round_, first, street.secretary)
    waiting = reserve(round_, old, street.secretary)
    new = empty_house(street.community)
    move(one_person(old), new, street.secretary)
    waiting.refresh_from_db()
    assert (waiting.house, waiting.status) == (new, Status.WAITING)


def test_to_a_house_that_has_reserved_the_share_goes_back(street):
    round_ = open_round(street, households=1)
    old, joined, behind = lone_houses(street.community, 3)
    held = reserve(round_, old, street.secretary)
    other = reserve(round_, joined, street.secretary)
    queued = reserve(round_, behind, street.secretary)
    move(one_person(old), joined, street.secretary)
    held.refresh_from_db()
    other.refresh_from_db()
    queued.refresh_from_db()
    assert held.status == Status.MOVED and held.house == old
    assert other.status == Status.WAITING and queued.status == Status.HELD  # the queue's order
    event = AuditEvent.objects.get(action="handout.move_release", object_id=str(held.pk))
    assert event.detail["why"] == moves.ALREADY_RESERVED and event.detail["to"] == joined.code


def test_to_another_community_the_share_goes_back(street):
    round_ = open_round(street)
    old = lone_houses(street.community, 1)[0]
    held = reserve(round_, old, street.secretary)
    far = empty_house(street.other_community)
    move(one_person(old), far, street.admin)
    held.refresh_from_db()
    assert held.status == Status.MOVED
    round_.refresh_from_db()
    assert round_.taken == 0
    event = AuditEvent.objects.get(action="handout.move_release", object_id=str(held.pk))
    assert event.detail["why"] == moves.OUTSIDE_ROUND


def test_a_household_split_between_houses_gives_the_share_back(street):
    round_ = open_round(street)
    pair = (Person.objects.filter(path__startswith=street.community.path, is_active=True,
                                  current_house__isnull=False)
            .values("current_house_id").annotate(n=Count("pk")).filter(n=2)
            .order_by("current_house_id").values_list("current_house_id", flat=True).first())
    old = Place.objects.get(pk=pair)
    held = reserve(round_, old, street.secretary)
    a = empty_house(street.community)
    b = empty_house(street.community, exclude=(a.pk,))
    two = list(Person.objects.filter(current_house=old).order_by("pk"))
    Person.objects.filter(pk=two[0].pk).update(current_house=a)
    Person.objects.filter(pk=two[1].pk).update(current_house=b)
    done = moves.follow_moves([Move(two[0].pk, old.pk, a.pk), Move(two[1].pk, old.pk, b.pk)],
                              acting_user=street.secretary)
    assert done == {"followed": 0, "released": 1}
    held.refresh_from_db()
    assert held.status == Status.MOVED
    assert move_events(round_, "handout.move_release").get().detail["why"] == moves.HOUSEHOLD_SPLIT


def test_collected_and_cancelled_rounds_are_left_alone(street):
    round_ = open_round(street)
    old, other_house = lone_houses(street.community, 2)
    collected = actions.do_collect(reserve(round_, old, street.secretary), acting_user=street.secretary)
    move(one_person(old), None, street.secretary)
    collected.refresh_from_db()
    assert collected.status == Status.COLLECTED
    other = reserve(round_, other_house, street.secretary)
    Round.objects.filter(pk=round_.pk).update(cancelled=True)
    move(one_person(other_house), None, street.secretary)
    other.refresh_from_db()
    assert other.status == Status.HELD
    assert not move_events(round_).exists()


def test_it_happens_in_the_moves_transaction(street):
    round_ = open_round(street)
    old = lone_houses(street.community, 1)[0]
    held = reserve(round_, old, street.secretary)
    person = one_person(old)
    residence = Residence.objects.get(person=person, moved_out__isnull=True)
    # a failure of the hand-out's part undoes the move itself …
    with mock.patch.object(moves, "_follow_round", side_effect=RuntimeError("boom")), \
            pytest.raises(RuntimeError):
        people.do_move_out(residence, acting_user=street.secretary, moved_out=timezone.localdate())
    residence.refresh_from_db()
    assert residence.moved_out is None and one_person(old).pk == person.pk
    # … and a move rolled back takes the released share back with it
    with pytest.raises(RuntimeError), transaction.atomic():
        people.do_move_out(residence, acting_user=street.secretary, moved_out=timezone.localdate())
        assert Reservation.objects.get(pk=held.pk).status == Status.MOVED
        raise RuntimeError("the caller fails after the move")
    held.refresh_from_db()
    round_.refresh_from_db()
    assert held.status == Status.HELD and round_.taken == 1
    assert not move_events(round_, "handout.move_release").exists()


def test_an_import_that_moves_the_household_moves_its_reservation(street):
    from linli.imports.tests.helpers import address_of, person_row, xlsx_bytes
    from linli.imports.tests.test_import import commit, dry_run

    round_ = open_round(street)
    old = lone_houses(street.community, 1)[0]
    person = one_person(old)
    new = empty_house(street.community)
    held = reserve(round_, old, street.secretary)
    data = xlsx_bytes([person_row(1, person.name, person.id_number, "", address_of(new))])
    batch = commit(dry_run(street.admin, street.community, data), street.admin, on_match="merge")
    assert batch.counts["moved"] == 1, batch.counts
    held.refresh_from_db()
    assert held.house == new and held.status == Status.HELD
    assert AuditEvent.objects.filter(action="handout.move", object_id=str(held.pk), actor=street.admin).exists()
    assert Reservation.objects.filter(Q(house=old) | Q(house=new), round=round_).count() == 1


def test_the_household_that_moves_in_may_reserve_where_a_share_was_given_back(street):
    round_ = open_round(street, households=2)
    gone, = lone_houses(street.community, 1)
    held = reserve(round_, gone, street.secretary)
    move(one_person(gone), None, street.secretary)
    held.refresh_from_db()
    assert held.status == Status.MOVED
    # new people registered at the house: their household reserves in the same round
    again = actions.do_reserve(round_, gone, acting_user=street.secretary, via=Via.STAFF)
    assert again.pk != held.pk and again.status == Status.HELD
    with pytest.raises(ValidationError) as refused:  # and only once
        actions.do_reserve(round_, gone, acting_user=street.secretary, via=Via.STAFF)
    assert refused.value.error_dict["house"][0].code == "already_reserved"
    assert Reservation.objects.filter(round=round_, house=gone).count() == 2
