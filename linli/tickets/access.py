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
- ``tickets.hotline``: import the 12345 hotline's work orders for the places of one's area
  (the community and the street office); the street's remembered column and category mappings
  are shared by everyone who imports there, an uploaded file only by its author.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.access import (
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
from linli.places.models import Place
from linli.tickets.models import (
    CalendarDay,
    Category,
    DutyItem,
    HotlineBatch,
    HotlineCategory,
    HotlineColumns,
    Ticket,
    TicketEvent,
)

SUBMIT, FOLLOW, VIEW, HANDLE = "tickets.submit", "tickets.follow", "tickets.view", "tickets.handle"
DISPATCH, SUPERVISE, CATALOGUE = "tickets.dispatch", "tickets.supervise", "tickets.catalogue"
HOTLINE = "tickets.hotline"

register_actions({
    SUBMIT: _("file requests about one's own house and its public places, or for residents of one's area"),
    FOLLOW: _("follow, rate and reopen one's own requests"),
    VIEW: _("see the requests of one's area"),
    HANDLE: _("accept, answer, transfer, return and resolve requests assigned to one's grid"),
    DISPATCH: _("assign, merge and settle bounced requests in one's area"),
    SUPERVISE: _("supervise overdue requests and read the three rates of one's area"),
    CATALOGUE: _("edit request categories, time limits, the working calendar and duty lists"),
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


PLACE = PlaceScope()
IN_AREA = TicketScope()
OWN = AnyOf(Author(field="submitted_by"), OwnPerson(field="person"))

declare(Ticket, {
    FOLLOW: OWN, VIEW: IN_AREA, HANDLE: IN_AREA, DISPATCH: PLACE, SUPERVISE: PLACE,
})
declare(TicketEvent, {
    FOLLOW: AnyOf(Author(field="ticket__submitted_by"), OwnPerson(field="ticket__person")),
    VIEW: Related(rows=lambda user, action: TicketEvent.objects.filter(ticket__in=Ticket.objects.restrict(user, action)),
                  check=lambda user, action, event: IN_AREA.allows(user, action, event.ticket), name="its request"),
})
for model in (Category, CalendarDay):
    declare(model, {SUBMIT: Anywhere(), VIEW: Anywhere(), CATALOGUE: Anywhere()})
declare(DutyItem, {VIEW: Reach(), CATALOGUE: PLACE})
# A resident reaches her building and compound from her house: the public places she may report.
# A community office reaches its street: the street whose hotline exports it imports.
declare(Place, {SUBMIT: Reach(), HOTLINE: Reach()})
# The street's mappings serve everyone who imports there; a file and its rows, only its author
# while she may still import in that street.
declare(HotlineColumns, {HOTLINE: Reach()})
declare(HotlineCategory, {HOTLINE: Reach()})
declare(HotlineBatch, {HOTLINE: Author(place=Reach())})
