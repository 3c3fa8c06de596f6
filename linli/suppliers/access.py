"""Who sees and manages suppliers, orders and donations.

Suppliers belong to the street that buys from them: the street office keeps them, their
qualifications and grades and places purchase orders (``suppliers.manage``); offices see the
suppliers and orders of their area (``suppliers.view``). A delivery is received by whoever
keeps the point it was ordered for (``supplies.keep``, the same as any receipt). Donations are
receipts too: recorded and seen by the point's keepers and offices.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from linli.core.access import NOTHING, AnyOf, PlaceScope, Policy, declare, register_actions
from linli.downloads.access import OWN_FILE
from linli.downloads.models import Download
from linli.places.models import Place
from linli.suppliers.models import (
    Delivery,
    DeliveryLine,
    Donation,
    OrderLine,
    PurchaseOrder,
    Qualification,
    QualificationCheck,
    Supplier,
)
from linli.supplies.access import KEEP, Keeper
from linli.supplies.access import VIEW as SUPPLIES_VIEW
from linli.supplies.models import StoragePoint

VIEW, MANAGE = "suppliers.view", "suppliers.manage"

register_actions({
    VIEW: _("see the suppliers, their qualifications and grades, and the purchase orders of one's area"),
    MANAGE: _("keep the suppliers and their qualifications, check qualifications, place purchase orders"),
})

PLACE = PlaceScope()
# An order is the street's (its supplier's) and the point's it is delivered to.
ORDER = AnyOf(PLACE, PlaceScope("supplier_path"), Keeper("point__"))

declare(Supplier, {VIEW: PLACE, MANAGE: PLACE})
declare(Qualification, {VIEW: PLACE, MANAGE: PLACE})
declare(QualificationCheck, {VIEW: PLACE})
declare(PurchaseOrder, {VIEW: ORDER, MANAGE: PlaceScope("supplier_path"), KEEP: AnyOf(PLACE, Keeper("point__"))})
declare(OrderLine, {VIEW: AnyOf(PLACE, PlaceScope("order__supplier_path"), Keeper("order__point__"))})
declare(Delivery, {VIEW: AnyOf(PLACE, PlaceScope("order__supplier_path"), Keeper("order__point__"))})
declare(DeliveryLine, {VIEW: AnyOf(PLACE, PlaceScope("delivery__order__supplier_path"),
                                   Keeper("delivery__order__point__"))})
declare(Donation, {SUPPLIES_VIEW: AnyOf(PLACE, Keeper("point__")), KEEP: AnyOf(PLACE, Keeper("point__"))})
# The street whose suppliers one keeps (a new supplier, the API's street).
declare(Place, {VIEW: PLACE, MANAGE: PLACE})


class OwnStockFile(Policy):
    """Her own stock file, while she keeps a point named on it in the area it is filed at (a
    keeper without a role; the offices read theirs by ``OWN_FILE``, over their area)."""

    def q(self, user: Any, action: str) -> Q:
        if not getattr(user, "is_authenticated", False):
            return NOTHING
        kept = StoragePoint.objects.filter(keepers=user, is_active=True, path__startswith=OuterRef("path"))
        return Q(created_by_id=user.pk, action=action) & Q(Exists(kept))

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        return (getattr(user, "is_authenticated", False) and obj.created_by_id == user.pk
                and obj.action == action
                and StoragePoint.objects.filter(keepers=user, is_active=True, path__startswith=obj.path).exists())

    def describe(self) -> str:
        return "own stock file, while keeping a point in its area"


# The stock made in the background (linli.downloads): its author's, while she sees stock there.
declare(Download, {SUPPLIES_VIEW: AnyOf(OWN_FILE, OwnStockFile())})
