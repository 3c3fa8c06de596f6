"""Emergency materials (应急物资): the catalogue, storage points, lots and the stock ledger.

Stock is never edited: every change is a :class:`Movement` (receipt, issue, transfer out or
in, loss, correction after stock-taking), appended in the same transaction that moves the
balance of its lot. A lot's ``quantity`` is that balance; a database constraint and the
conditional updates in ``actions`` keep it from going below zero. Stock-taking (盘点) is a
:class:`CountSheet` whose variances a second person approves before they move the ledger.

Points, lots, movements and sheets carry the path of the point's place (its community or
the street), so scoping is the usual prefix filter.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.models import PlaceScopedModel, RestrictedQuerySet, TimeStampedModel, path_index


class Category(models.TextChoices):
    MASKS = "masks", _("masks")
    THERMOMETERS = "thermometers", _("thermometers")
    DISINFECTANT = "disinfectant", _("disinfectant")
    SUITS = "suits", _("protective suits")
    FOOD = "food", _("food packs")
    BLANKETS = "blankets", _("blankets")
    TENTS = "tents", _("tents")
    RESCUE = "rescue", _("rescue tools")


class Item(TimeStampedModel):
    """A kind of material in the street's catalogue (a mask grade is an item of its own)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=60)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    grade = models.CharField(_("grade"), max_length=30, blank=True)
    unit = models.CharField(_("unit"), max_length=10)
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"), null=True, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return self.name


class PointKind(models.TextChoices):
    COMMUNITY_ROOM = "community_room", _("community store room")
    STREET_WAREHOUSE = "street_warehouse", _("street warehouse")
    AGREEMENT = "agreement", _("company holding an agreement reserve")
    PHARMACY = "pharmacy", _("partner pharmacy")


class ReserveType(models.TextChoices):
    GOVERNMENT = "government", _("government reserve")
    AGREEMENT = "agreement", _("agreement reserve (协议储备)")
    COMPANY = "company", _("held by a company (企业代储)")


class StoragePoint(PlaceScopedModel):
    """Where stock lies: ``place`` is the community (or the street) it serves; ``path`` is its path."""

    place = models.ForeignKey("places.Place", verbose_name=_("serves"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=PointKind.choices)
    reserve_type = models.CharField(_("reserve type"), max_length=12, choices=ReserveType.choices)
    owner = models.CharField(_("owner"), max_length=60)
    keepers = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("keepers"), related_name="+",
                                     blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("storage point")
        verbose_name_plural = _("storage points")
        ordering = ["path", "name"]
        indexes = [path_index("supplies_point_path_prefix")]
        constraints = [models.UniqueConstraint(fields=["place", "name"], name="supplies_point_unique_name",
                                               violation_error_message=_("This place already has a point of that name."))]

    def __str__(self) -> str:
        return self.name


class Lot(PlaceScopedModel):
    """A batch of one item at one point; ``quantity`` is its balance, moved only by movements."""

    point = models.ForeignKey(StoragePoint, on_delete=models.PROTECT, related_name="lots")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="lots")
    quantity = models.PositiveIntegerField(_("quantity"), default=0)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    received_on = models.DateField(_("received on"))

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["point", "item", "expires_on", "pk"]
        indexes = [path_index("supplies_lot_path_prefix"),
                   models.Index(fields=["point", "item"], name="supplies_lot_point_item"),
                   # The stock views sum the lots in stock by place and item: lots drawn down to zero
                   # pile up with the ledger (a quarter of a million after a million movements), so
                   # only the lots in stock are indexed, with every column the sums read.
                   models.Index(fields=["path", "item", "point", "quantity"], name="supplies_lot_in_stock",
                                condition=models.Q(quantity__gt=0),
                                opclasses=["varchar_pattern_ops", "int8_ops", "int8_ops", "int4_ops"])]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gte=0), name="supplies_lot_not_negative",
                                              violation_error_message=_("Stock cannot go below zero."))]

    def __str__(self) -> str:
        return f"{self.item} #{self.pk}"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("receipt")
    ISSUE = "issue", _("issue")
    TRANSFER_OUT = "transfer_out", _("transfer out")
    TRANSFER_IN = "transfer_in", _("transfer in")
    LOSS = "loss", _("loss")
    CORRECTION = "correction", _("stock-taking correction")


class AppendOnly(Exception):
    """A movement is never changed or removed; a mistake is put right by a new movement."""


class Movement(PlaceScopedModel):
    """One line of the stock ledger: ``quantity`` is signed (in > 0, out < 0)."""

    point = models.ForeignKey(StoragePoint, on_delete=models.PROTECT, related_name="movements")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=12, choices=MovementKind.choices)
    quantity = models.IntegerField(_("quantity"))
    balance_after = models.PositiveIntegerField(_("lot balance after"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    counterpart = models.ForeignKey(StoragePoint, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("from or to"))
    sheet = models.ForeignKey("CountSheet", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-pk"]
        indexes = [path_index("supplies_move_path_prefix"),
                   models.Index(fields=["point", "item", "-id"], name="supplies_move_point_item")]
        constraints = [models.CheckConstraint(condition=~models.Q(quantity=0), name="supplies_move_not_zero",
                                              violation_error_message=_("A movement moves at least one unit."))]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnly("stock movements are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnly("stock movements are append-only")


class SheetStatus(models.TextChoices):
    OPEN = "open", _("counting")
    SUBMITTED = "submitted", _("waiting for approval")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class CountSheet(PlaceScopedModel):
    """Stock-taking (盘点) at one point: one line per lot with what was on the books and what was
    counted. Its variances move the ledger only when a second person approves them."""

    point = models.ForeignKey(StoragePoint, on_delete=models.PROTECT, related_name="sheets")
    status = models.CharField(_("status"), max_length=10, choices=SheetStatus.choices, default=SheetStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("count sheet")
        verbose_name_plural = _("count sheets")
        ordering = ["-pk"]
        indexes = [path_index("supplies_sheet_path_prefix")]


class CountLine(PlaceScopedModel):
    sheet = models.ForeignKey(CountSheet, on_delete=models.CASCADE, related_name="lines")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    expected = models.PositiveIntegerField(_("on the books"))
    counted = models.PositiveIntegerField(_("counted"), null=True, blank=True)

    class Meta:
        verbose_name = _("count line")
        verbose_name_plural = _("count lines")
        ordering = ["sheet", "lot"]
        constraints = [models.UniqueConstraint(fields=["sheet", "lot"], name="supplies_countline_once")]

    @property
    def variance(self) -> int:
        return 0 if self.counted is None else self.counted - self.expected


class Target(PlaceScopedModel):
    """The reserve a community should hold of an item: ``per_resident`` units for each resident,
    ``per_elder_household`` for each household with an elder, plus ``fixed``. The street sets it."""

    community = models.ForeignKey("places.Place", on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    per_resident = models.DecimalField(_("per resident"), max_digits=7, decimal_places=3, default=0)
    per_elder_household = models.DecimalField(_("per household with an elder"), max_digits=7, decimal_places=3,
                                              default=0)
    fixed = models.PositiveIntegerField(_("fixed amount"), default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("reserve target")
        verbose_name_plural = _("reserve targets")
        ordering = ["path", "item"]
        constraints = [models.UniqueConstraint(fields=["community", "item"], name="supplies_target_once",
                                               violation_error_message=_("This community already has a target for this item."))]


class ShipmentStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    SENT = "sent", _("sent")
    RECEIVED = "received", _("received")
    CLOSED = "closed", _("closed")


class Shipment(PlaceScopedModel):
    """One line of an approved dispatch plan: from a point to a point, planned → sent → received
    (with the count received and any discrepancy) → closed. Sending and receiving move the
    ledgers of both points. ``path`` is the destination's, ``source_path`` the source's,
    ``street_path`` the street that approved it."""

    source_point = models.ForeignKey(StoragePoint, on_delete=models.PROTECT, related_name="shipments_out")
    destination_point = models.ForeignKey(StoragePoint, on_delete=models.PROTECT, related_name="shipments_in")
    source_path = models.CharField(max_length=64, editable=False)
    street_path = models.CharField(max_length=64, editable=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    planned = models.PositiveIntegerField(_("planned"))
    sent = models.PositiveIntegerField(_("sent"), null=True, blank=True)
    received = models.PositiveIntegerField(_("received"), null=True, blank=True)
    discrepancy = models.IntegerField(_("discrepancy"), default=0)
    # what left, lot by lot (expiry, source, units), so the lots arrive as they left
    sent_lots = models.JSONField(default=list, blank=True)
    explanation = models.CharField(_("why"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ShipmentStatus.choices,
                              default=ShipmentStatus.PLANNED)
    note = models.CharField(_("note"), max_length=200, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-pk"]
        indexes = [path_index("supplies_ship_path_prefix")]
        constraints = [models.CheckConstraint(condition=models.Q(planned__gt=0), name="supplies_ship_planned",
                                              violation_error_message=_("A shipment moves at least one unit."))]
