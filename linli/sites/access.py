"""Who sees and keeps the field sites.

The community office (secretary) and the street office keep the points and shelters of their
area (``sites.manage``, on the row's place). The disinfection team records visits
(``sites.record``): office staff in their area, and grid workers at the points of the compounds
their grid touches, whole or in part, since a point in a compound's yard lies at no building
(``Reach``: the compound above her grid's buildings). The same reach lets a grid worker see
the points, visits and shelters around her grid (``sites.view``). Nothing here is personal
data: a shelter's contact is a duty phone.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from linli.core.access import PlaceScope, Reach, declare, register_actions
from linli.places.models import Place
from linli.sites.models import DisinfectionPoint, DisinfectionVisit, Shelter

VIEW, MANAGE, RECORD = "sites.view", "sites.manage", "sites.record"

register_actions({
    VIEW: _("see the disinfection points, their visits and the shelters of one's area"),
    MANAGE: _("add and change the disinfection points and shelters of one's area"),
    RECORD: _("record the disinfection of the points of one's area or grid"),
})

PLACE, REACH = PlaceScope(), Reach()

declare(DisinfectionPoint, {VIEW: REACH, RECORD: REACH, MANAGE: PLACE})
declare(DisinfectionVisit, {VIEW: REACH})
declare(Shelter, {VIEW: REACH, MANAGE: PLACE})
# The compounds and communities a point or shelter is added to.
declare(Place, {MANAGE: PLACE})
