"""Who sees and does what in the hand-out.

- ``handout.reserve``: reserve for a household of one's scope. A resident holds it on her own
  house (her household only); grid workers and community offices hold it over their area, to
  reserve on behalf of elders without a smartphone. The rounds she may reserve in are those of
  the community above her scope (``Reach``); she sees her household's reservation.
- ``handout.view``: the offices see the rounds and reservations of their area (addresses and
  groups, never names) and the checklist totals.
- ``handout.manage``: open and cancel rounds, import and export reservations.
- Handing out at a pickup is keeping stock: ``supplies.keep`` over the slot's point (the
  offices, or the keeper named on the point).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from linli.core.access import AnyOf, PlaceScope, Reach, declare, register_actions
from linli.downloads.access import OWN_FILE
from linli.downloads.models import Download
from linli.handout.models import Reservation, ReserveCheck, Round, Slot
from linli.places.models import Place

VIEW, RESERVE, MANAGE = "handout.view", "handout.reserve", "handout.manage"

register_actions({
    VIEW: _("see the reservation rounds, reservations and household-reserve totals of one's area"),
    RESERVE: _("reserve scarce materials for the households of one's scope (one's own, or on their behalf)"),
    MANAGE: _("open reservation rounds, import and export their reservations"),
})

PLACE = PlaceScope()
ROUND_SEEN = AnyOf(PLACE, Reach(via=RESERVE))
declare(Round, {VIEW: ROUND_SEEN, RESERVE: Reach(via=RESERVE), MANAGE: PLACE})
declare(Slot, {VIEW: ROUND_SEEN, MANAGE: PLACE})
declare(Reservation, {VIEW: AnyOf(PLACE, PlaceScope(via=RESERVE)), RESERVE: PLACE, MANAGE: PLACE})
declare(ReserveCheck, {VIEW: PLACE, RESERVE: PLACE})
# The communities a round is opened in, and the households (houses) reserved for.
declare(Place, {MANAGE: PLACE, RESERVE: PLACE})
# The round's list made in the background: its author's, while she manages where it lies.
declare(Download, {MANAGE: OWN_FILE})
