"""Bulk inserts write the rows the ORM would have written (run on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

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


@pytest.mark.parametrize("through_copy_from", [bulk.UPDATE_THROUGH_COPY, 2], ids=["statements", "staging-table"])
def test_many_updates_write_the_named_fields_of_each_row(street, monkeypatch, through_copy_from):
    """From UPDATE_THROUGH_COPY rows on, PostgreSQL updates through a staging table: the same rows
    come out, sealed fields sealed, JSON as JSON, and the other rows untouched."""
    monkeypatch.setattr(bulk, "UPDATE_THROUGH_COPY", through_copy_from)
    house = street.house_in(street.grid_building)
    people = [_person(n, house.pk) for n in range(5)]
    bulk.insert(Person, people)
    untouched = people.pop()
    for n, person in enumerate(people):
        person.id_number, person.special_groups = f"31011519800101{n:03d}4", ["disabled", f"g{n}"]
        person.birth_date, person.notes = datetime.date(1980, 1, 1 + n), "not written"
    bulk.update(Person, people, ["id_number", "special_groups", "birth_date"])
    bulk.update(Person, people, ["id_number", "special_groups", "birth_date"])  # twice in one transaction
    stored = {p.pk: p for p in Person.objects.filter(pk__in=[p.pk for p in [*people, untouched]])}
    for n, person in enumerate(people):
        found = stored[person.pk]
        assert (found.id_number, found.special_groups, found.birth_date, found.notes) == \
            (f"31011519800101{n:03d}4", ["disabled", f"g{n}"], datetime.date(1980, 1, 1 + n), "第一行\n第二行")
    assert stored[untouched.pk].id_number == untouched.id_number
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM people_person WHERE id = %s", [people[0].pk])
        assert "310115198001010004" not in cursor.fetchone()[0]


def test_insert_values_writes_plain_values_as_the_fields_would(street):
    house = street.house_in(street.grid_building)
    rows = [(f"李{n}", f"31011519700101{n:03d}1", datetime.date(1970, 1, 1), "M", "registered", house.pk, house.path,
             ["oldest_old"]) for n in range(bulk.CHUNK + 2)]  # more than one chunk
    ids = bulk.insert_values(Person, ["name", "id_number", "birth_date", "sex", "population_type", "current_house",
                                      "path", "special_groups"], rows)
    assert len(ids) == len(set(ids)) == len(rows)
    last = Person.objects.get(pk=ids[-1])
    assert (last.name, last.id_number, last.birth_date, last.current_house_id) == \
        (f"李{bulk.CHUNK + 1}", f"31011519700101{bulk.CHUNK + 1:03d}1", datetime.date(1970, 1, 1), house.pk)
    assert last.special_groups == ["oldest_old"] and last.created_at is not None and last.updated_at is not None
    assert (last.phone, last.is_active, last.community_roles) == ("", True, [])  # the fields' defaults
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM people_person WHERE id = %s", [last.pk])
        assert last.id_number not in cursor.fetchone()[0]
    assert bulk.insert_values(Person, ["name"], []) == []
    assert bulk.insert_values(Person, ["name", "path"], [("王", house.path)])[0] > ids[-1]


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


def test_copy_text_goes_in_as_the_rows_would(street):
    """A seed's helper process formats its rows as COPY text; they must read back the same as
    the tuples written one by one: tabs, newlines, backslashes, NULLs, JSON, dates and sealed text."""
    house = street.house_in(street.grid_building)
    first = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    people = [_person(n, house.pk) for n in range(4)]
    people[1].notes = "制表\t符\\反斜杠\r回车"
    people[2].name, people[2].phone, people[2].special_groups = "O'Brien\\N", "", []
    people[3].birth_date = None
    for offset, person in enumerate(people):
        person.pk = first + offset
    names, rows = bulk.prepared(Person, people[:2])
    as_rows = bulk.copy_text(connection, rows)
    if connection.vendor == "postgresql":
        assert isinstance(as_rows, bytes) and as_rows.count(b"\n") == 2
    else:
        assert as_rows is rows  # elsewhere the tuples themselves
    bulk.insert_rows(connection, Person, names, as_rows)
    names, rows = bulk.prepared(Person, people[2:])
    bulk.insert_rows(connection, Person, names, bulk.copy_text(connection, rows))
    stored = list(Person.objects.filter(pk__gte=first).order_by("pk"))
    assert [(p.name, p.notes, p.phone, p.special_groups, p.birth_date, p.id_number) for p in stored] == [
        (p.name, p.notes, p.phone, p.special_groups, p.birth_date, p.id_number) for p in people]
    assert bulk.copy_text(connection, []) == []
    if connection.vendor != "postgresql":
        with pytest.raises(TypeError):
            bulk.insert_rows(connection, Person, names, b"1\t2\n")


def test_new_makes_an_unsaved_object_with_the_defaults_and_refuses_a_relation_by_name(street):
    house = street.house_in(street.grid_building)
    residence = bulk.new(Residence, person_id=None, house_id=house.pk, path=house.path)
    assert residence._state.adding and residence.pk is None and residence.house_id == house.pk
    assert residence.relation == Residence._meta.get_field("relation").get_default()
    with pytest.raises(TypeError, match="house"):
        bulk.new(Residence, house=house)  # by the relation's name it would be lost


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


def _foreign_keys(tables: list[str]) -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
                       "JOIN pg_class c ON c.oid = k.conrelid WHERE k.contype = 'f' AND c.relname = ANY(%s) "
                       "ORDER BY c.relname, k.conname", [tables])
        return cursor.fetchall()


def test_foreign_keys_come_back_as_they_were_and_check_the_load(street):
    tables = [Person._meta.db_table, Residence._meta.db_table]
    if connection.vendor != "postgresql":
        assert bulk.drop_foreign_keys(Person, Residence) == []
        bulk.add_foreign_keys([])
        return
    before = _foreign_keys(tables)
    assert {table for table, _name, _definition in before} == set(tables)  # the house, the person, …
    house = street.house_in(street.grid_building)
    bulk.insert(Person, [_person(7, house.pk)])  # written before: its check is pending
    dropped = bulk.drop_foreign_keys(Person, Residence)
    assert sorted(dropped) == before and _foreign_keys(tables) == []
    bulk.insert(Person, [_person(8, house.pk)])  # a load between, checked when the keys come back
    bulk.add_foreign_keys(dropped)
    assert _foreign_keys(tables) == before
    # a row that refers to no house fails the transaction when the keys come back, which takes
    # the load and the dropped keys away with it
    with pytest.raises(IntegrityError), transaction.atomic():
        dropped = bulk.drop_foreign_keys(Person)
        bulk.insert(Person, [_person(9, 10**9)])
        bulk.add_foreign_keys(dropped)
    assert _foreign_keys(tables) == before and not Person.objects.filter(path="p9").exists()


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
