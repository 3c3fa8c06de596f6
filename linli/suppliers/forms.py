"""Forms of the supplier, order, donation and stock-file pages; the actions check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.core.forms import FilePickerInput, IsoDateInput, StyledForm
from linli.suppliers.models import (
    CheckResult,
    DonorKind,
    Grade,
    QualificationKind,
    Quality,
    Supplier,
)
from linli.suppliers.stockfile import COUNTS, RECEIPTS
from linli.supplies.forms import ItemField
from linli.supplies.models import Category, Item, StoragePoint

ORDER_LINES = 5


class SupplierForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    credit_code = forms.CharField(label=_("Unified social credit code (18 characters)"), max_length=40)
    categories = forms.MultipleChoiceField(label=_("Categories"), choices=Category.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    capacity = forms.CharField(label=_("Capacity (e.g. 500,000 masks a month)"), max_length=100, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)


class QualificationForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=QualificationKind.choices)
    number = forms.CharField(label=_("Number"), max_length=64)
    issuer = forms.CharField(label=_("Issued by"), max_length=100)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=IsoDateInput())
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=IsoDateInput())
    document = forms.FileField(label=_("Document (PDF, JPEG or PNG, at most 5 MB)"), required=False,
                               widget=FilePickerInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))


class CheckForm(StyledForm):
    result = forms.ChoiceField(label=_("Result of the check"), choices=CheckResult.choices)
    note = forms.CharField(label=_("Note (required when not valid)"), max_length=200, required=False)


class GradeForm(StyledForm):
    grade = forms.ChoiceField(label=_("Grade"), choices=[("", _("from the delivery record")), *Grade.choices],
                              required=False)
    reason = forms.CharField(label=_("Why"), max_length=200, required=False)


class OrderForm(StyledForm):
    supplier = forms.ModelChoiceField(label=_("Supplier"), queryset=Supplier.objects.none())
    point = forms.ModelChoiceField(label=_("Deliver to"), queryset=StoragePoint.objects.none())
    expected_on = forms.DateField(label=_("Expected delivery"), widget=IsoDateInput())
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, suppliers: Any, points: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = suppliers  # type: ignore[attr-defined]
        self.fields["point"].queryset = points  # type: ignore[attr-defined]
        for n in range(ORDER_LINES):
            required = n == 0
            self.fields[f"item-{n}"] = self.style(ItemField(label=_("Material %(n)d") % {"n": n + 1},
                                                            queryset=Item.objects.filter(is_active=True),
                                                            required=required))
            self.fields[f"quantity-{n}"] = self.style(forms.IntegerField(label=_("Quantity"), min_value=1,
                                                                         required=required))
            self.fields[f"price-{n}"] = self.style(forms.DecimalField(label=_("Unit price (yuan)"), min_value=0,
                                                                      max_digits=12, decimal_places=2,
                                                                      required=required))

    def lines(self) -> list[tuple[Item, int, Any]]:
        data = self.cleaned_data
        return [(data[f"item-{n}"], data[f"quantity-{n}"], data[f"price-{n}"]) for n in range(ORDER_LINES)
                if data.get(f"item-{n}") and data.get(f"quantity-{n}") and data.get(f"price-{n}") is not None]


class DeliveryForm(StyledForm):
    delivered_on = forms.DateField(label=_("Delivered on"), widget=IsoDateInput())
    quality = forms.ChoiceField(label=_("Quality inspection"), choices=Quality.choices)
    note = forms.CharField(label=_("Note (required unless passed)"), max_length=200, required=False)

    def __init__(self, *args: Any, lines: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for line in lines:
            outstanding = line.quantity - (line.received or 0)
            self.fields[f"line-{line.pk}"] = self.style(forms.IntegerField(
                label=_("%(item)s arrived now (%(n)d %(unit)s outstanding)") % {
                    "item": line.item.name, "n": outstanding, "unit": line.item.unit},
                min_value=0, initial=outstanding))
            if line.item.shelf_life_days:
                self.fields[f"expires-{line.pk}"] = self.style(forms.DateField(
                    label=_("%(item)s expires on") % {"item": line.item.name}, required=False,
                    widget=IsoDateInput()))


class DonationForm(StyledForm):
    point = forms.ModelChoiceField(label=_("Received at"), queryset=StoragePoint.objects.none())
    item = ItemField(label=_("Material"), queryset=Item.objects.filter(is_active=True))
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=IsoDateInput())
    donor_kind = forms.ChoiceField(label=_("Donor"), choices=DonorKind.choices)
    donor_name = forms.CharField(label=_("Donor's name"), max_length=100)
    public = forms.BooleanField(label=_("The donor agrees to be thanked by name on the public list"),
                                required=False)

    def __init__(self, *args: Any, points: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["point"].queryset = points  # type: ignore[attr-defined]


class StockImportForm(StyledForm):
    mode = forms.ChoiceField(label=_("The file holds"), widget=forms.RadioSelect, initial=RECEIPTS, choices=[
        (RECEIPTS, _("an opening stock: each row is received into stock")),
        (COUNTS, _("a count: the exported file with the counted column filled in (a second person approves)"))])
    file = forms.FileField(label=_("Spreadsheet (xlsx or csv)"), widget=FilePickerInput(attrs={"accept": ".xlsx,.csv"}))
