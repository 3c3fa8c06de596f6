"""Filing requests in tests, as the personas would."""

from __future__ import annotations

from typing import Any

from linli.conftest import Street
from linli.core.models import Role, RoleAssignment, User
from linli.grids.models import Grid, GridMember
from linli.places.models import Place
from linli.tickets import actions
from linli.tickets.models import Category, Source, Ticket


def category(code: str = "repair-water") -> Category:
    return Category.objects.get(code=code)


def file(user: Any, place: Place, code: str = "repair-water", *, source: str = Source.APP,
         description: str = "厨房水管漏水，楼下渗水", **extra: Any) -> Ticket:
    return actions.do_submit(actions.NewTicket(category=category(code), place=place, description=description,
                                               source=source, **extra), acting_user=user)


def quarantine(street: Any, person: Any) -> None:
    """Put ``person`` under a home quarantine order, as the district health officer does."""
    import datetime

    from django.utils import timezone

    from linli.health import actions as health

    health.do_order_quarantine(person, acting_user=street.health_officer, reason="close_contact", colour="red",
                               last_exposure=timezone.localdate() - datetime.timedelta(days=2))


def quarantined_neighbour(street: Any, building: Place | None = None) -> Any:
    """Someone living in ``building`` (the grid worker's first building), not the demo resident,
    put under home quarantine."""
    from linli.people.models import Person

    person = (Person.objects.filter(path__startswith=(building or street.grid_building).path, is_active=True,
                                    current_house__isnull=False)
              .exclude(current_house=street.resident.person.current_house).order_by("pk").first())
    quarantine(street, person)
    return person


def deliver_to_door(delivery: Any, volunteer: Any, **at_door: Any) -> Any:
    """Take, buy and leave at the door, as one volunteer."""
    actions.do_take_delivery(delivery, acting_user=volunteer)
    actions.do_pick_up(delivery, acting_user=volunteer)
    return actions.do_leave_at_door(delivery, acting_user=volunteer, **at_door)
def grid_member(street: Street, username: str = "second-worker", name: str = "网格员 李芳") -> User:
    """Another grid worker in the demo grid worker's grid, a member of its team (the demo
    team's other member is a volunteer, who handles nothing)."""
    grid = Grid.objects.get(places=street.grid_building)
    user = User.objects.create_user(username, display_name=name)
    GridMember.objects.create(grid=grid, user=user, role=GridMember.Role.MEMBER)
    RoleAssignment.objects.create(user=user, role=Role.objects.get(code="grid_worker"), grid=grid)
    return user
