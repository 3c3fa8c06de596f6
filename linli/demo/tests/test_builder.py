from __future__ import annotations

from linli.core.models import RoleAssignment, User
from linli.demo.builder import DEMO_ACCOUNTS
from linli.people.models import Household, Person, Residence
from linli.places.models import Level, Place


def test_demo_street_shape(street):
    assert Person.objects.count() == 1200
    assert Residence.objects.count() == Person.objects.count()
    assert Household.objects.filter(head__isnull=True).count() == 0
    assert Place.objects.filter(level=Level.COMMUNITY).count() == 3
    assert {u for u, _ in DEMO_ACCOUNTS} <= set(User.objects.values_list("username", flat=True))
    assert RoleAssignment.objects.filter(user__username="demo-resident", place__level=Level.HOUSE).exists()
    for place in Place.objects.filter(level=Level.HOUSE)[:200]:
        place.full_clean()  # generated data passes the same rules as user input
    ids = Person.objects.exclude(id_number="")
    from linli.core.validators import validate_id_number
    for person in ids[:200]:
        assert validate_id_number(person.id_number).birth_date == person.birth_date


def test_same_seed_same_street(street):
    """A second builder with the same seed generates identical people (checked without saving)."""
    import random

    from linli.demo.builder import Plan, StreetBuilder

    def sample(seed):
        builder = StreetBuilder(Plan(residents=100, seed=seed), show_progress=False)
        builder.rng = random.Random(seed)
        house = Place.objects.filter(level=Level.HOUSE).first()
        return [(p.name, p.id_number, p.phone) for p, _, _ in builder.household_members(house)]

    assert sample(5) == sample(5)
    assert sample(5) != sample(6)
