"""The policy combinators: what a combination of policies lets through."""

from __future__ import annotations

from linli.core.access import restricted
from linli.people.models import Person


def test_any_of_lets_a_superuser_see_every_row(street):
    # Person's health.view is "her own record, or her place": for a superuser the place part
    # matches every row, and the combination must not lose that.
    assert restricted(Person.objects.all(), street.admin, "health.view").count() == Person.objects.count()
    own = restricted(Person.objects.all(), street.resident, "health.view")
    assert list(own.values_list("pk", flat=True)) == [street.resident.person_id]
