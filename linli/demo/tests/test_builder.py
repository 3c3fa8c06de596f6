from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import F

from linli.core.models import RoleAssignment, User
from linli.core.validators import validate_id_number
from linli.demo.builder import DEMO_ACCOUNTS, Plan, StreetBuilder
from linli.people.models import Household, Organization, Person, Residence
from linli.places.models import Level, Place


def test_demo_street_shape(street):
    assert Person.objects.count() == 1200
    assert Residence.objects.count() == Person.objects.count()
    assert Household.objects.filter(head__isnull=True).count() == 0
    assert Place.objects.filter(level=Level.COMMUNITY).count() == 3
    assert Organization.objects.count() > 0
    assert {u for u, _ in DEMO_ACCOUNTS} <= set(User.objects.values_list("username", flat=True))
    assert RoleAssignment.objects.filter(user__username="demo-resident", place__level=Level.HOUSE).exists()
    for place in Place.objects.filter(level=Level.HOUSE)[:200]:
        place.full_clean()  # generated data passes the same rules as user input
    for person in Person.objects.exclude(id_number="")[:200]:
        assert validate_id_number(person.id_number).birth_date == person.birth_date


class Rollback(Exception):
    pass


def _empty_registry() -> None:
    from linli.grids.models import Grid

    for model in (Residence, Household, Organization, Person, Grid, RoleAssignment, User):
        model.objects.all().delete()
    for level in reversed(Level.values):
        Place.objects.filter(level=level).delete()


def _build_and_read(seed: int) -> list[tuple[str, str, str, str]]:
    """Build a small street in a transaction that is rolled back; return what it made."""
    rows: list[tuple[str, str, str, str]] = []
    with pytest.raises(Rollback), transaction.atomic():
        _empty_registry()
        StreetBuilder(Plan(residents=150, seed=seed, residents_per_compound=150), show_progress=False).build()
        rows = [(p.name, p.id_number, p.phone, p.path) for p in Person.objects.order_by("pk")]
        raise Rollback
    return rows


def _reset_sequences() -> None:
    """PostgreSQL sequences are not transactional: the builder's setval survives the rollback."""
    from django.core.management.color import no_style
    from django.db import connection

    from linli.grids.models import Grid

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Place, Person, Household, Residence, Grid]):
            cursor.execute(sql)


def test_same_seed_same_street(street):
    try:
        first = _build_and_read(5)
        second = _build_and_read(5)
        other = _build_and_read(6)
    finally:
        _reset_sequences()
    assert len(first) == 150
    assert first == second
    assert first != other


def test_nobody_in_the_demo_moved_in_before_she_was_born(street):
    from django.db.models import F

    from linli.people.models import Residence

    assert Residence.objects.exists()
    assert not Residence.objects.filter(moved_in__lt=F("person__birth_date")).exists()


def test_demo_accounts_go_by_chinese_names(street):
    """Greetings, report footers and the audit log name the demo accounts as an office would."""
    import re

    names = dict(User.objects.filter(username__in=[u for u, _ in DEMO_ACCOUNTS]).values_list("username", "display_name"))
    assert set(names) == {u for u, _ in DEMO_ACCOUNTS}
    for username, name in names.items():
        assert name and not re.search(r"[A-Za-z]", name), (username, name)
    assert names["demo-community"].startswith("社区书记")


def test_the_demo_resident_is_of_working_age_even_where_the_first_person_is_old(street):
    """The resident's account uses her own phone (her code, check-in, arrival): she is 25 to 60,
    also in a building whose first resident is an elder (the default street's was 95)."""
    from linli.demo.builder import TODAY, demo_resident

    def age(person: Person) -> int:
        return (TODAY - person.birth_date).days // 365

    assert 25 <= age(User.objects.get(username="demo-resident").person) <= 60
    buildings = [b for b in Place.objects.filter(level=Level.BUILDING).order_by("path")
                 if age(Person.objects.filter(path__under=b.path).order_by("pk")[0]) > 60]
    assert buildings, "the test street has a building whose first resident is over 60"
    assert all(25 <= age(demo_resident(b, TODAY)) <= 60 for b in buildings[:5])


def test_rows_made_without_init_hold_what_the_model_would():
    from linli.core.bulk import new as _row

    for model, values in ((Person, {"id": 7, "name": "张三", "current_house_id": 3, "path": "p/"}),
                          (Household, {"id": 8, "house_id": 3, "head_id": 7, "path": "p/"}),
                          (Residence, {"id": 9, "person_id": 7, "house_id": 3, "household_id": 8, "path": "p/"})):
        fast, slow = _row(model, **values), model(**values)
        for field in model._meta.concrete_fields:
            assert getattr(fast, field.attname) == getattr(slow, field.attname), (model, field.name)
        assert fast._state.adding and fast._state.db is None
    first, second = _row(Person, id=1), _row(Person, id=2)
    assert first.special_groups is not second.special_groups  # callable defaults are called for each row


def test_a_district_of_several_streets(street):
    """Above a street's size (or with --streets) the residents live in several streets of one
    district, the communities shared out evenly, and a district account sees them all."""
    from django.db.models import Count

    from linli.demo.builder import DISTRICT_ACCOUNT, RESIDENTS_PER_STREET

    assert Plan(residents=RESIDENTS_PER_STREET, seed=1).street_count == 1
    assert Plan(residents=RESIDENTS_PER_STREET + 1, seed=1).street_count == 2
    assert Plan(residents=1_000_000, seed=1).street_count == 4
    assert Plan(residents=300, seed=1, residents_per_compound=100, streets=9).street_count == 1  # 1 community
    try:
        with pytest.raises(Rollback), transaction.atomic():
            _empty_registry()
            plan = Plan(residents=1200, seed=3, residents_per_compound=100, compounds_per_community=2, streets=3)
            builder = StreetBuilder(plan, show_progress=False)
            builder.build()
            streets = list(Place.objects.filter(level=Level.STREET).order_by("code"))
            assert [s.code for s in streets] == ["310115099", "310115100", "310115101"]
            assert len({s.name for s in streets}) == 3
            district = Place.objects.get(level=Level.DISTRICT)
            assert all(s.parent_id == district.pk for s in streets)
            communities = dict(Place.objects.filter(level=Level.COMMUNITY).values_list("parent")
                               .annotate(n=Count("pk")).values_list("parent", "n"))
            assert sorted(communities.values()) == [2, 2, 2]  # 12 compounds, 6 communities, 2 a street
            for s in streets:  # every street has residents and its own outline, centred on its compounds
                assert Person.objects.filter(path__startswith=s.path).count() > 300
                assert s.boundary and s.latitude and s.longitude
                assert all(c.path.startswith(s.path) for c in Place.objects.filter(parent__parent=s))
            assert len({(s.latitude, s.longitude) for s in streets}) == 3
            officer = RoleAssignment.objects.get(user__username=DISTRICT_ACCOUNT[0])
            assert officer.place_id == district.pk and officer.role.code == "street_officer"
            street_officer = RoleAssignment.objects.get(user__username="demo-street")
            assert street_officer.place_id == streets[0].pk
            raise Rollback
    finally:
        _reset_sequences()


@pytest.mark.parametrize("option", [{"residents": 5}, {"residents": 3_000_000}, {"streets": -1}, {"streets": 51}])
def test_the_demo_command_refuses_sizes_out_of_range(option):  # type: ignore[no-untyped-def]
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="须在"):  # both languages, before touching the database
        call_command("demo", **{"residents": 100, "no_serve": True, "quiet": True, **option})


def _build_in_lanes(seed: int, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str, str, str, str, int]]:
    """A small street drawn the way a large one is (helper processes), rolled back."""
    from linli.demo import builder

    monkeypatch.setattr(builder, "PARALLEL_FROM", 500)
    rows: list[tuple[int, str, str, str, str, int]] = []
    with pytest.raises(Rollback), transaction.atomic():
        _empty_registry()
        made = StreetBuilder(Plan(residents=900, seed=seed, residents_per_compound=150), show_progress=False).build()
        assert (made.residents, made.households) == (Person.objects.count(), Household.objects.count())
        base = Person.objects.order_by("pk").values_list("pk", flat=True).first() or 0
        rows = [(p.pk - base, p.name, p.id_number, p.phone, p.path, p.current_house_id - p.path.count("/"))
                for p in Person.objects.order_by("pk")]
        # every resident lives where her household is; every household's head is one of them
        assert Residence.objects.count() == len(rows) == 900
        assert not Residence.objects.exclude(house=F("person__current_house")).exists()
        assert not Residence.objects.exclude(household__house=F("house")).exists()
        assert not Household.objects.exclude(head__current_house=F("house")).exists()
        raise Rollback
    return rows


def test_a_large_street_is_drawn_in_lanes_that_never_clash(street, monkeypatch):
    from linli.demo import builder

    try:
        first = _build_in_lanes(5, monkeypatch)
        again = _build_in_lanes(5, monkeypatch)
    finally:
        _reset_sequences()
    assert first == again  # the same seed gives the same street, lanes and all
    ids = [r[2] for r in first if r[2]]
    phones = [r[3] for r in first if r[3]]
    assert len(ids) == len(set(ids)) > 800 and len(phones) == len(set(phones)) > 600
    for number in ids[:100]:
        assert validate_id_number(number)
    # Both lanes drew, each its own block of ids and its own share of ID numbers (the sequence's
    # first two digits) and phones (the last digit): in id order, lane 0's share, then lane 1's.
    assert builder.LANES == 2
    id_shares = [int(r[2][14:16]) % 2 for r in first if r[2]]
    phone_shares = [int(r[3][-1]) % 2 for r in first if r[3] and r[3].startswith("+86")]
    for shares in (id_shares, phone_shares):
        assert shares == sorted(shares) and set(shares) == {0, 1}


def test_a_lane_that_fails_stops_the_build_with_its_reason(street, monkeypatch):
    from linli.demo import builder

    monkeypatch.setattr(builder, "PARALLEL_FROM", 500)

    def broken(self, *args):  # type: ignore[no-untyped-def]
        raise ValueError("no houses")

    monkeypatch.setattr(builder.StreetBuilder, "household_members", broken)
    try:
        with pytest.raises(builder.LaneFailed, match="no houses"), transaction.atomic():
            _empty_registry()
            StreetBuilder(Plan(residents=900, seed=1, residents_per_compound=150), show_progress=False).build()
    finally:
        _reset_sequences()
    assert Person.objects.filter(path__startswith=street.community.path).exists()  # rolled back, nothing lost
