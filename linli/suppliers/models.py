"""Suppliers of emergency materials, their qualifications, purchase orders and donations.

A supplier belongs to the street that buys from it (``path`` is the street's). Its
qualifications (business licence, medical device registration, production licence) are
checked by a person; each check and each delivery's quality result is also appended to the
shared ledger (``linli.ledger``) under the supplier's credit code, so the trail cannot be
rewritten. A purchase order is placed for a storage point (``path`` is the point's); its
delivery enters stock only through the supplies' own receipt action. Donations are receipts
with a donor, listed in public only with the donor's consent.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.models import PlaceScopedModel, path_index
from linli.supplies.models import AppendOnly


class Grade(models.TextChoices):
    A = "A", _("A: reliable")
    B = "B", _("B: acceptable")
    C = "C", _("C: use only when needed")


class Supplier(PlaceScopedModel):
    street = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    credit_code = models.CharField(_("unified social credit code"), max_length=18)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    capacity = models.CharField(_("capacity"), max_length=100, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=40, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    grade_override = models.CharField(_("grade set by hand"), max_length=1, choices=Grade.choices, blank=True)
    override_reason = models.CharField(_("why the grade was set by hand"), max_length=200, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name"]
        indexes = [path_index("suppliers_supplier_path_prefix")]
        constraints = [models.UniqueConstraint(fields=["credit_code"], name="suppliers_credit_code_once",
                                               violation_error_message=_("A supplier with this credit code exists."))]

    def __str__(self) -> str:
        return self.name

    @property
    def ledger_ref(self) -> str:
        """The supplier's subject in the shared ledger: its public credit code, so another
        department can look the trail up without this server's keys."""
        return f"supplier:{self.credit_code}"


class QualificationKind(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", _("business licence (营业执照)")
    DEVICE_REGISTRATION = "device_registration", _("medical device registration (医疗器械注册证)")
    PRODUCTION_LICENCE = "production_licence", _("production licence (生产许可证)")


class QualificationStatus(models.TextChoices):
    UNCHECKED = "unchecked", _("not checked yet")
    VERIFIED = "verified", _("checked and valid")
    REJECTED = "rejected", _("rejected")


class Qualification(PlaceScopedModel):
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="qualifications")
    kind = models.CharField(_("kind"), max_length=24, choices=QualificationKind.choices)
    number = models.CharField(_("number"), max_length=64)
    issuer = models.CharField(_("issued by"), max_length=100)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    document = models.TextField(_("document (base64)"), blank=True)
    document_name = models.CharField(_("document"), max_length=100, blank=True)
    document_type = models.CharField(max_length=40, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=QualificationStatus.choices,
                              default=QualificationStatus.UNCHECKED)

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        ordering = ["supplier", "kind", "-valid_until"]
        indexes = [path_index("suppliers_qual_path_prefix"),
                   models.Index(fields=["valid_until"], name="suppliers_qual_valid_until")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class CheckResult(models.TextChoices):
    VALID = "valid", _("valid")
    INVALID = "invalid", _("not valid")


class QualificationCheck(PlaceScopedModel):
    """One check of a qualification against its document and the issuer's register; never
    changed (the same record sits in the shared ledger)."""

    qualification = models.ForeignKey(Qualification, on_delete=models.PROTECT, related_name="checks")
    result = models.CharField(_("result"), max_length=8, choices=CheckResult.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    ledger_submission = models.UUIDField(null=True, blank=True)

    class Meta:
        verbose_name = _("qualification check")
        verbose_name_plural = _("qualification checks")
        ordering = ["-pk"]
        indexes = [path_index("suppliers_check_path_prefix")]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnly("qualification checks are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnly("qualification checks are append-only")


class OrderStatus(models.TextChoices):
    OPEN = "open", _("ordered")
    PARTLY = "partly", _("partly delivered")
    DELIVERED = "delivered", _("delivered")
    SHORT = "short", _("closed short")
    CANCELLED = "cancelled", _("cancelled")


# An order that still waits for (the rest of) its delivery.
RECEIVING = (OrderStatus.OPEN, OrderStatus.PARTLY)


class PurchaseOrder(PlaceScopedModel):
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="orders")
    point = models.ForeignKey("supplies.StoragePoint", verbose_name=_("deliver to"), on_delete=models.PROTECT,
                              related_name="+")
    supplier_path = models.CharField(max_length=64, editable=False)
    ordered_on = models.DateField(_("ordered on"))
    expected_on = models.DateField(_("expected delivery"))
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # why the rest was given up when the order was closed short
    short_reason = models.CharField(_("why the rest was given up"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        ordering = ["-pk"]
        indexes = [path_index("suppliers_order_path_prefix")]

    def __str__(self) -> str:
        return f"PO-{self.pk}"


class OrderLine(PlaceScopedModel):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("supplies.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price (yuan)"), max_digits=12, decimal_places=2)
    # the running total of what was accepted into stock over the order's deliveries (None: nothing yet)
    received = models.PositiveIntegerField(_("received"), null=True, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="suppliers_line_quantity",
                                              violation_error_message=_("A line orders at least one unit."))]


class Quality(models.TextChoices):
    PASSED = "passed", _("passed")
    MINOR = "minor", _("accepted with minor defects")
    FAILED = "failed", _("failed: refused")


class Delivery(PlaceScopedModel):
    """One delivery for an order (an order may arrive in several), when, and the quality
    inspection's result; what arrived per line is in its ``lines``."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="deliveries")
    delivered_on = models.DateField(_("delivered on"))
    on_time = models.BooleanField(_("on time"))
    quality = models.CharField(_("quality"), max_length=8, choices=Quality.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    movements = models.JSONField(default=list, blank=True)  # the receipts it made
    ledger_submission = models.UUIDField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-delivered_on", "-pk"]
        indexes = [path_index("suppliers_delivery_path_prefix")]


class DeliveryLine(PlaceScopedModel):
    """What one delivery brought of one order line. It entered stock (``movement``) unless the
    delivery failed the quality inspection."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="deliveries")
    quantity = models.PositiveIntegerField(_("quantity"))
    movement = models.ForeignKey("supplies.Movement", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")

    class Meta:
        verbose_name = _("delivery line")
        verbose_name_plural = _("delivery lines")
        ordering = ["delivery", "line"]
        constraints = [models.UniqueConstraint(fields=["delivery", "line"], name="suppliers_delivery_line_once",
                                               violation_error_message=_("A delivery lists each order line once."))]


class DonorKind(models.TextChoices):
    COMPANY = "company", _("company or organisation")
    RESIDENT = "resident", _("resident")


class Donation(PlaceScopedModel):
    """A donation received into stock (a receipt movement) with its donor."""

    point = models.ForeignKey("supplies.StoragePoint", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("supplies.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    donor_kind = models.CharField(_("donor"), max_length=10, choices=DonorKind.choices)
    donor_name = models.CharField(_("donor's name"), max_length=100)
    public = models.BooleanField(_("the donor agrees to be listed in public"), default=False)
    received_on = models.DateField(_("received on"))
    movement = models.ForeignKey("supplies.Movement", on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-received_on", "-pk"]
        indexes = [path_index("suppliers_donation_path_prefix")]
