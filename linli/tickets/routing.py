"""Where a request goes, and why: by address first, then by the catalogue.

1. A category outside the community's remit goes to the department the catalogue names; a
   category the community or the street answers goes to that office.
2. Otherwise the request goes to the grid of its place: a house's grid (the grid covering its
   building), or for a public place the grid covering it (for a compound shared by grids, the
   one covering most of its buildings).
3. Inside the grid, to the leader, then the members, skipping a role whose negative list
   (负面清单) names the category and anyone who may not handle requests there; when nobody is
   left, to the community office.

Every decision carries its reason, shown to the office and, in plain words, to the resident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from linli.core.models import RoleAssignment
from linli.core.scope import Scope, scope_for
from linli.grids.models import Grid, GridMember
from linli.places.models import Level as PlaceLevel
from linli.places.models import Place
from linli.places.rules import ancestor_paths
from linli.tickets.access import HANDLE
from linli.tickets.models import Category, DutyItem, DutyKind, Level

COMMUNITY_DEPTH = 5  # province/city/district/street/community/


@dataclass
class Destination:
    level: str
    grid: Grid | None = None
    handler: Any = None
    department: str = ""
    reason: dict[str, Any] = field(default_factory=dict)


def community_path(path: str) -> str:
    return "/".join(path.split("/")[:COMMUNITY_DEPTH]) + "/"


def street_path(path: str) -> str:
    return "/".join(path.split("/")[:COMMUNITY_DEPTH - 1]) + "/"


def grid_of(place: Place) -> tuple[Grid | None, str]:
    """The grid answering for a place, and how it was found."""
    paths = [*ancestor_paths(place.path), place.path]
    grids = Grid.objects.only("pk", "code", "name", "community_id", "path")  # not the boundary polygon
    grid = grids.filter(places__path__in=paths).order_by("code").first()
    if grid is not None:
        return grid, "house_grid" if place.level == PlaceLevel.HOUSE else "place_grid"
    # A public place above the grids' buildings: the grid covering most of what lies below it.
    grid = (grids.filter(places__path__startswith=place.path)
            .annotate(n=Count("places")).order_by("-n", "code").first())
    return grid, "shared_place_grid" if grid is not None else "no_grid"


def negative_roles(category: Category, path: str) -> set[str]:
    """The grid roles whose negative list names the category, where the place lies."""
    return set(DutyItem.objects.filter(kind=DutyKind.NEGATIVE, category=category,
                                       path__in=ancestor_paths(path)).values_list("role", flat=True))


def route(category: Category, place: Place, *, unmatched_address: str = "") -> Destination:
    """Where a request goes. ``unmatched_address``: the caller's address named a house the
    registry does not hold, and ``place`` is the nearest place found (its building or compound):
    what the grid would answer goes to the community office, which finds the house."""
    return Router(batch=False).route(category, place, unmatched_address=unmatched_address)


def may_handle_here(users: list[Any], grid: Grid, path: str) -> set[int]:
    """Which of ``users`` may handle requests about ``path`` in ``grid`` now: the same answer as
    their scopes for ``tickets.handle`` (an assignment in force on this grid, on a place above
    the request's, or on another grid covering it), read for the whole team in one query."""
    found = {u.pk for u in users if u.is_superuser}
    rest = [u.pk for u in users if not u.is_superuser]
    if rest:
        above = [*ancestor_paths(path), path]
        rows = (RoleAssignment.objects.filter(user_id__in=rest).current()
                .filter(Q(grid=grid) | Q(place__path__in=above) | Q(grid__places__path__in=above))
                .values_list("user_id", "role__actions"))
        found.update(user_id for user_id, actions in rows if HANDLE in actions)
    return found


class Router:
    """``route`` for many requests in one transaction (a hotline file): each place's grid, each
    grid's team, each member's scope and each negative list is read once, and each (category,
    place) is routed once. For one request (``batch=False``) the team's rights are read in one
    query instead of each member's whole scope."""

    def __init__(self, *, batch: bool = True) -> None:
        self.batch = batch
        self._grids: dict[str, tuple[Grid | None, str]] = {}
        self._teams: dict[int, list[GridMember]] = {}
        self._scopes: dict[int, Scope] = {}
        self._negative: dict[tuple[int, str], set[str]] = {}
        self._routes: dict[tuple[int, int, str], Destination] = {}
        self._communities: dict[str, int] = {}

    def route(self, category: Category, place: Place, *, unmatched_address: str = "") -> Destination:
        key = (category.pk, place.pk, unmatched_address[:100])
        if key not in self._routes:
            self._routes[key] = self._route(category, place, unmatched_address)
        return self._routes[key]

    def _route(self, category: Category, place: Place, unmatched_address: str) -> Destination:
        if category.level == Level.DEPARTMENT:
            return Destination(Level.DEPARTMENT, department=category.department,
                               reason={"code": "department", "category": category.name,
                                       "department": category.department})
        if category.level in (Level.COMMUNITY, Level.STREET):
            return Destination(category.level, reason={"code": f"{category.level}_category",
                                                       "category": category.name})
        if unmatched_address:
            nearest = "".join(p.name for p in place.ancestors()[5:]) + place.name  # 玉兰苑3号楼1单元
            return Destination(Level.COMMUNITY, reason={"code": "address_unmatched", "place": nearest,
                                                        "address": unmatched_address[:100]})
        if place.path not in self._grids:
            self._grids[place.path] = grid_of(place)
        grid, how = self._grids[place.path]
        if grid is None:
            return Destination(Level.COMMUNITY, reason={"code": "no_grid", "place": place.name})
        parent = place.path.rsplit("/", 2)[0] + "/"  # places of one unit share their ancestors
        if (category.pk, parent) not in self._negative:
            self._negative[(category.pk, parent)] = negative_roles(category, place.path)
        excluded = self._negative[(category.pk, parent)]
        candidates = [m for m in self._team(grid) if m.role not in excluded and m.user.is_active]
        able = self._able(candidates, grid, place.path)
        for member in candidates:
            if member.user_id in able:
                return Destination(Level.GRID, grid=grid, handler=member.user,
                                   reason={"code": how, "grid": grid.name, "place": place.name,
                                           "handler": str(member.user), "role": member.role})
        if excluded:
            return Destination(Level.COMMUNITY, reason={"code": "negative_list", "grid": grid.name,
                                                        "category": category.name})
        return Destination(Level.COMMUNITY, reason={"code": "no_handler", "grid": grid.name})

    def community_id(self, place: Place) -> int:
        """The id of the community a place lies in (the place itself for a community)."""
        path = community_path(place.path)
        if place.path == path:
            return place.pk
        if path not in self._communities:
            self._communities[path] = Place.objects.only("pk").get(path=path).pk
        return self._communities[path]

    def _team(self, grid: Grid) -> list[GridMember]:
        if grid.pk not in self._teams:
            team = list(grid.members.select_related("user").only(
                "grid_id", "role", "user__username", "user__display_name", "user__is_active", "user__is_superuser",
            ).order_by("-role", "pk"))  # "member" < "leader"
            team.sort(key=lambda m: m.role != GridMember.Role.LEADER)
            self._teams[grid.pk] = team
        return self._teams[grid.pk]

    def _able(self, members: list[GridMember], grid: Grid, path: str) -> set[int]:
        if not self.batch:
            return may_handle_here([m.user for m in members], grid, path)
        able = set()
        for member in members:
            scope = self._scope(member.user)
            if scope.covers(path) or grid.pk in scope.grid_ids:
                able.add(member.user_id)
        return able

    def _scope(self, user: Any) -> Scope:
        if user.pk not in self._scopes:
            self._scopes[user.pk] = scope_for(user, HANDLE)
        return self._scopes[user.pk]


def reason_text(reason: dict[str, Any]) -> str:
    """The routing reason in the reader's language."""
    code = reason.get("code", "")
    texts = {
        "department": _("“%(category)s” is not the community's to answer: it goes to %(department)s."),
        "community_category": _("“%(category)s” is answered by the community office."),
        "street_category": _("“%(category)s” is answered by the street office."),
        "house_grid": _("The house lies in %(grid)s; %(handler)s answers for it."),
        "place_grid": _("%(place)s lies in %(grid)s; %(handler)s answers for it."),
        "shared_place_grid": _("%(place)s is shared by several grids; %(grid)s covers most of it, and "
                               "%(handler)s answers for it."),
        "no_grid": _("No grid covers %(place)s: the community office answers."),
        "address_unmatched": _("The address “%(address)s” names a house not in the registry (nearest place: "
                               "%(place)s): the community office finds the house and decides who answers."),
        "negative_list": _("“%(category)s” is on the negative list of %(grid)s's roles: the community office "
                           "answers."),
        "no_handler": _("Nobody in %(grid)s may handle requests now: the community office answers."),
        "escalated": _("Past its time limit: escalated to the %(level)s."),
        "bounced": _("Transferred or returned more than twice: the community secretary decides who answers."),
        "department_bounced": _("Passed between departments: the street office assigns it and closes the loop."),
        "assigned": _("Assigned by %(by)s."),
        "transferred": _("Transferred by %(by)s."),
        "returned": _("Returned by %(by)s: the community office decides who answers."),
    }
    text = texts.get(code)
    if text is None:
        return ""
    params = {k: v for k, v in reason.items() if k != "code"}
    if params.get("level") in Level.values:
        params["level"] = Level(params["level"]).label
    try:
        return text % params
    except (KeyError, TypeError, ValueError):
        return text
