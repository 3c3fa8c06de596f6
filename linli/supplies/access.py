"""Who sees and moves emergency materials.

The street and community offices see the stock of their area (``supplies.view``) and move it
(``supplies.keep``); the keepers named on a point (a caretaker, the pharmacy's or the
company's clerk) see and move that point's stock without any role. Stock-taking variances are
approved by a second person holding ``supplies.approve`` where the point lies. The street sets
reserve targets and manages the catalogue and points (``supplies.manage``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.access import (
    NOTHING,
    AnyOf,
    Anywhere,
    PlaceScope,
    Policy,
    declare,
    register_actions,
)
from linli.places.models import Place
from linli.supplies.models import (
    CountLine,
    CountSheet,
    Item,
    Lot,
    Movement,
    Shipment,
    StoragePoint,
    Target,
)

VIEW, KEEP, COUNT, APPROVE, MANAGE = "supplies.view", "supplies.keep", "supplies.count", "supplies.approve", "supplies.manage"

register_actions({
    VIEW: _("see the emergency materials of one's area: stock, lots, movements, targets"),
    KEEP: _("receive, issue, transfer and write off emergency materials at the points of one's area"),
    COUNT: _("count the stock of a point (stock-taking)"),
    APPROVE: _("approve the variances of a stock-taking counted by someone else"),
    MANAGE: _("keep the catalogue of materials, the storage points and the reserve targets"),
})


@dataclass(frozen=True)
class Keeper(Policy):
    """Rows of a point the user keeps (``field`` leads to the point)."""

    field: str = "point__"

    def q(self, user: Any, action: str) -> Q:
        if not getattr(user, "is_authenticated", False):
            return NOTHING
        return Q(**{f"{self.field}keepers": user.pk})

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        if not getattr(user, "is_authenticated", False):
            return False
        point = obj
        for part in self.field.strip("_").split("__") if self.field else []:
            point = getattr(point, part)
        return point.keepers.filter(pk=user.pk).exists()

    def describe(self) -> str:
        return "keeper of the point"


PLACE = PlaceScope()
KEPT = AnyOf(PLACE, Keeper())

declare(Item, {VIEW: Anywhere(), KEEP: Anywhere(), MANAGE: Anywhere()})
declare(StoragePoint, {VIEW: AnyOf(PLACE, Keeper("")), KEEP: AnyOf(PLACE, Keeper("")),
                       COUNT: AnyOf(PLACE, Keeper("")), MANAGE: PLACE})
declare(Lot, {VIEW: KEPT, KEEP: KEPT, COUNT: KEPT})
declare(Movement, {VIEW: KEPT})
declare(CountSheet, {VIEW: KEPT, COUNT: KEPT, APPROVE: PLACE})
declare(CountLine, {VIEW: AnyOf(PLACE, Keeper("sheet__point__")), COUNT: AnyOf(PLACE, Keeper("sheet__point__"))})
declare(Target, {VIEW: PLACE, MANAGE: PLACE})
# Shipments: seen and moved by either end (its offices, its keepers); approved and closed by the street.
ENDS = AnyOf(PLACE, PlaceScope("source_path"), Keeper("source_point__"), Keeper("destination_point__"))
declare(Shipment, {VIEW: ENDS, KEEP: ENDS, MANAGE: PlaceScope("street_path")})
# The communities whose targets the street sets and whose stock it sees.
declare(Place, {VIEW: PLACE, MANAGE: PLACE})
