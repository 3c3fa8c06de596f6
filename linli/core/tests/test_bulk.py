"""Bulk inserts write the rows the ORM would have written (run on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from linli.core import bulk
from linli.people.models import Person, Residence

pytestmark = pytest.mark.django_db(transaction=False)


def _person(number: int, house_id: int) -> Person:
    return Person(name=f"张{number}", id_number=f"11010519491231{number:03d}X", phone="+8613812345678",
                  birth_date=datetime.date(1949, 12, 31), sex="F", population_type="floating",
                  special_groups=["alone_elder"], community_roles=["volunteer"], current_house_id=house_id,
                  path=f"p{number}", notes="第一行\n第二行")


def test_insert_assigns_ids_and_writes_what_the_orm_reads_back(street):
    house = street.house_in(street.grid_building)
    people = [_person(n, house.pk) for n in range(bulk.CHUNK + 3)]  # more than one chunk
    bulk.insert(Person, people)
    assert len({p.pk for p in people}) == len(people) and all(not p._state.adding for p in people)
    stored = Person.objects.get(pk=people[-1].pk)
    assert (stored.name, stored.id_number, stored.phone) == (people[-1].name, people[-1].id_number, "+8613812345678")
    assert stored.special_groups == ["alone_elder"] and stored.community_roles == ["volunteer"]
    assert stored.birth_date == datetime.date(1949, 12, 31) and stored.current_house_id == house.pk
    assert stored.notes == "第一行\n第二行" and stored.created_at is not None
    # Sealed at rest: the database holds no plain ID number.
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM people_person WHERE id = %s", [stored.pk])
        assert people[-1].id_number not in cursor.fetchone()[0]
    # The next ids do not collide with the ones taken.
    more = [_person(999, house.pk)]
    bulk.insert(Person, more)
    assert more[0].pk > max(p.pk for p in people)


def test_update_writes_only_the_named_fields(street):
    house = street.house_in(street.grid_building)
    people = [_person(n, house.pk) for n in range(3)]
    bulk.insert(Person, people)
    for person in people:
        person.name, person.notes = person.name + "改", "not written"
    bulk.update(Person, people, ["name"])
    assert [(p.name, p.notes) for p in Person.objects.filter(pk__in=[p.pk for p in people]).order_by("pk")] == \
        [(f"张{n}改", "第一行\n第二行") for n in range(3)]


def test_insert_rows_takes_converted_values_for_the_named_fields(street):
    house = street.house_in(street.grid_building)
    person = _person(1, house.pk)
    bulk.insert(Person, [person])
    now = connection.ops.adapt_datetimefield_value(datetime.datetime.now(tz=datetime.UTC))
    moved_in = connection.ops.adapt_datefield_value(datetime.date(2026, 1, 5))
    bulk.insert_rows(connection, Residence, ["person", "house", "relation", "relation_to_head", "moved_in", "path",
                                             "created_at", "updated_at"],
                     [(person.pk, house.pk, "tenant", "", moved_in, house.path, now, now)])
    bulk.insert_rows(connection, Residence, ["person"], [])  # nothing to write: no statement
    residence = Residence.objects.get(person=person)
    assert (residence.house_id, residence.relation, residence.moved_in) == (house.pk, "tenant", datetime.date(2026, 1, 5))


def test_write_keeps_the_given_keys_and_stamps_the_times(street):
    house = street.house_in(street.grid_building)
    first = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    people = [_person(n, house.pk) for n in range(3)]
    for offset, person in enumerate(people):
        person.pk = first + offset
    bulk.write(Person, people)
    stored = list(Person.objects.filter(pk__gte=first).order_by("pk"))
    assert [p.pk for p in stored] == [first, first + 1, first + 2]
    assert [p.name for p in stored] == ["张0", "张1", "张2"]
    assert all(p.created_at is not None and p.updated_at is not None for p in stored)
    assert stored[0].special_groups == ["alone_elder"] and stored[0].id_number == people[0].id_number
    bulk.write(Person, [])  # nothing to write


def _indexes(tables: list[str]) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY indexname",
                       [tables])
        return cursor.fetchall()


def test_secondary_indexes_come_back_as_they_were(street):
    tables = [Person._meta.db_table, Residence._meta.db_table]
    if connection.vendor != "postgresql":
        assert bulk.drop_secondary_indexes(Person, Residence) == []
        bulk.create_indexes([])
        return
    before = _indexes(tables)
    dropped = bulk.drop_secondary_indexes(Person, Residence)
    names = {name for name, _ in dropped}
    # the partial unique index on the ID number's hash is an index, not a constraint: it goes too
    assert "person_id_number_unique" in names
    left = {name for name, _ in _indexes(tables)}
    assert left and not left & names  # the primary keys stay
    house = street.house_in(street.grid_building)
    bulk.insert(Person, [_person(7, house.pk)])  # a load between, its foreign key check pending
    bulk.create_indexes(dropped)
    assert _indexes(tables) == before


def test_overlapping_pauses_of_the_cycle_collector_end_with_it_as_it_was() -> None:
    import gc
    import threading

    from linli.core.bulk import no_cycle_collection

    was = gc.isenabled()
    try:
        gc.enable()
        first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
        seen: dict[str, bool] = {}

        def second() -> None:  # comes in while the first is inside and leaves after it
            first_in.wait(5)
            with no_cycle_collection():
                second_in.set()
                first_out.wait(5)
                seen["after the first left"] = gc.isenabled()

        thread = threading.Thread(target=second)
        thread.start()
        with no_cycle_collection():
            first_in.set()
            second_in.wait(5)
            seen["both inside"] = gc.isenabled()
        first_out.set()
        thread.join(5)
        assert seen == {"both inside": False, "after the first left": False}
        assert gc.isenabled()  # back on when the last one left

        gc.disable()  # off before: stays off
        with no_cycle_collection():
            pass
        assert not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
