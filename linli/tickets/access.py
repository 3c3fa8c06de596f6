"""Who may do what with requests.

- ``tickets.submit``: file a request about a place one reaches (a resident: her own house and
  the public places of her building and compound; staff: their area, on a resident's behalf).
- ``tickets.follow``: one's own requests (filed by her, or filed for her by the office): read
  their public history, rate, reopen.
- ``tickets.view`` / ``tickets.handle``: the office's side, in one's area; handling is further
  limited to the requests assigned to one's grid or oneself (``actions.may_handle``).
- ``tickets.dispatch``: assign, merge, and settle requests that bounced (community and street).
- ``tickets.supervise``: the supervision page and the three rates of one's area.
- ``tickets.catalogue``: the categories, the working calendar and the duty lists (the street).
- ``tickets.deliver``: a volunteer's deliveries for quarantined households: those of the
  communities where she holds the role (a role on a grid or a compound counts for its whole
  community), while they wait for a volunteer or once she took them (decision 0018).
- ``tickets.hotline``: import the 12345 hotline's work orders for the places of one's area
  (the community and the street office); the street's remembered column and category mappings
  are shared by everyone who imports there, an uploaded file only by its author.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.access import (
    NOTHING,
    AnyOf,
    Anywhere,
    Author,
    OwnPerson,
    PlaceScope,
    Policy,
    Reach,
    Related,
    declare,
    register_actions,
)
from linli.core.scope import scope_for
from linli.places.models import Level as PlaceLevel
from linli.places.models import Place
from linli.tickets.models import (
    CalendarDay,
    Category,
    Delivery,
    DeliveryStatus,
    DutyItem,
    HotlineBatch,
    HotlineCategory,
    HotlineColumns,
    Ticket,
    TicketEvent,
    TicketPhoto,
)

COMMUNITY_DEPTH = 5  # province/city/district/street/community/

SUBMIT, FOLLOW, VIEW, HANDLE = "tickets.submit", "tickets.follow", "tickets.view", "tickets.handle"
DISPATCH, SUPERVISE, CATALOGUE = "tickets.dispatch", "tickets.supervise", "tickets.catalogue"
DELIVER = "tickets.deliver"
HOTLINE = "tickets.hotline"

register_actions({
    SUBMIT: _("file requests about one's own house and its public places, or for residents of one's area"),
    FOLLOW: _("follow, rate and reopen one's own requests"),
    VIEW: _("see the requests of one's area"),
    HANDLE: _("accept, answer, transfer, return and resolve requests assigned to one's grid"),
    DISPATCH: _("assign, merge and settle bounced requests in one's area"),
    SUPERVISE: _("supervise overdue requests and read the three rates of one's area"),
    CATALOGUE: _("edit request categories, time limits, the working calendar and duty lists"),
    DELIVER: _("take and deliver groceries and medicine to quarantined households of one's community"),
    HOTLINE: _("import the 12345 hotline's work orders for one's area"),
})

class TicketScope(Policy):
    """The request's place lies in the user's area, or the request is assigned to a grid she
    works in (a compound's shared lawn is assigned to one of its grids, whose worker does not
    cover the whole compound)."""

    def q(self, user: Any, action: str) -> Q:
        scope = scope_for(user, action)
        if scope.everything:
            return Q()
        return scope.q("path") | Q(grid_id__in=sorted(scope.grid_ids))

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        scope = scope_for(user, action)
        return scope.covers(obj.path) or (obj.grid_id is not None and obj.grid_id in scope.grid_ids)

    def describe(self) -> str:
        return "place scope, or the grid one works in"


def community_prefixes(user: Any, action: str) -> tuple[str, ...] | None:
    """The communities where the user holds ``action`` (a grid or a house counts for its whole
    community; a street, for all of its own); None when she holds it everywhere."""
    scope = scope_for(user, action)
    if scope.everything:
        return None
    return tuple(sorted({"/".join(p.split("/")[:-1][:COMMUNITY_DEPTH]) + "/" for p in scope.prefixes}))


class OnDutyInCommunity(Policy):
    """Deliveries of the communities where the user is a volunteer, while they wait for one, and
    the deliveries she took herself (as long as she keeps the role there): another volunteer's
    delivery is none of her business once taken."""

    def _communities(self, user: Any, action: str) -> Q | None:
        prefixes = community_prefixes(user, action)
        if prefixes is None:
            return None
        condition = Q(pk__in=[])
        for prefix in prefixes:
            condition |= Q(path__under=prefix)
        return condition

    def q(self, user: Any, action: str) -> Q:
        communities = self._communities(user, action)
        if communities is None:
            return Q()
        return communities & (Q(status=DeliveryStatus.OPEN) | Q(volunteer_id=user.pk))

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        prefixes = community_prefixes(user, action)
        if prefixes is None:
            return True
        return any(obj.path.startswith(p) for p in prefixes) and (
            obj.status == DeliveryStatus.OPEN or obj.volunteer_id == user.pk)

    def describe(self) -> str:
        return "open deliveries of one's communities, and one's own"


PLACE = PlaceScope()
IN_AREA = TicketScope()
OWN = AnyOf(Author(field="submitted_by"), OwnPerson(field="person"))

declare(Ticket, {
    FOLLOW: OWN, VIEW: IN_AREA, HANDLE: IN_AREA, DISPATCH: PLACE, SUPERVISE: PLACE,
    # the catalogue page counts each category's open requests in the editor's area
    CATALOGUE: PLACE,
})
declare(TicketEvent, {
    FOLLOW: AnyOf(Author(field="ticket__submitted_by"), OwnPerson(field="ticket__person")),
    VIEW: Related(rows=lambda user, action: TicketEvent.objects.filter(ticket__in=Ticket.objects.restrict(user, action)),
                  check=lambda user, action, event: IN_AREA.allows(user, action, event.ticket), name="its request"),
})
# A request's photos are seen where the request is: the office of its area (every photo), its
# resident (the photos of its public history: hers, and the handler's of the fix).
declare(TicketPhoto, {
    FOLLOW: Related(rows=lambda user, action: TicketPhoto.objects.filter(
                        public=True, ticket__in=Ticket.objects.restrict(user, action)),
                    check=lambda user, action, photo: photo.public and OWN.allows(user, action, photo.ticket),
                    name="its request, public photos"),
    VIEW: Related(rows=lambda user, action: TicketPhoto.objects.filter(ticket__in=Ticket.objects.restrict(user, action)),
                  check=lambda user, action, photo: IN_AREA.allows(user, action, photo.ticket), name="its request"),
})
declare(Delivery, {
    DELIVER: OnDutyInCommunity(),
    FOLLOW: AnyOf(Author(field="ticket__submitted_by"), OwnPerson(field="ticket__person")),
    VIEW: Related(rows=lambda user, action: Delivery.objects.filter(ticket__in=Ticket.objects.restrict(user, action)),
                  check=lambda user, action, delivery: IN_AREA.allows(user, action, delivery.ticket),
                  name="its request"),
})


class AllStreets(Policy):
    """Rows that every street of the installation shares (the request catalogue, the working
    calendar): changed only by whoever holds the action over every street there is (the street
    office where Linli serves one street; the district office above several), so one street's
    officer cannot change another street's time limits."""

    def _holds(self, user: Any, action: str) -> bool:
        scope = scope_for(user, action)
        if scope.everything or scope.empty:
            return scope.everything
        cache: dict[str, bool] = user.__dict__.setdefault("_linli_all_streets", {})
        if action not in cache:
            streets = Place.objects.filter(level=PlaceLevel.STREET).values_list("path", flat=True)
            cache[action] = all(scope.covers(path) for path in streets)
        return cache[action]

    def q(self, user: Any, action: str) -> Q:
        return Q() if self._holds(user, action) else NOTHING

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        return self._holds(user, action)

    def describe(self) -> str:
        return "every street the installation holds"


for model in (Category, CalendarDay):
    declare(model, {SUBMIT: Anywhere(), VIEW: Anywhere(), CATALOGUE: AllStreets()})
# A grid worker reads her street's lists (above her grid: reach); the street keeps them.
declare(DutyItem, {VIEW: Reach(), CATALOGUE: PLACE})
# A resident reaches her building and compound from her house: the public places she may report;
# the street office keeps the duty lists of its street; a community office reaches its street:
# the street whose hotline exports it imports.
declare(Place, {SUBMIT: Reach(), CATALOGUE: PLACE, HOTLINE: Reach()})
# The street's mappings serve everyone who imports there; a file and its rows, only its author
# while she may still import in that street.
declare(HotlineColumns, {HOTLINE: Reach()})
declare(HotlineCategory, {HOTLINE: Reach()})
declare(HotlineBatch, {HOTLINE: Author(place=Reach())})
