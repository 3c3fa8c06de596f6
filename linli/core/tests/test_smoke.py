from linli.core.models import RoleAssignment
from linli.people.models import Person


def test_street_has_personas(street):
    assert Person.objects.count() > 1000
    assert RoleAssignment.objects.filter(user=street.grid_worker).count() == 1
    assert street.grid_building.path.startswith(street.community.path)
    assert not street.far_building.path.startswith(street.community.path)
