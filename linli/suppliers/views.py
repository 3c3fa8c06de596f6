"""Pages of the suppliers (/supplies/suppliers/), purchase orders, donations and the stock as
a spreadsheet; phone first like the supplies pages they are linked from."""

from __future__ import annotations

import base64
import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core import audit
from linli.core.access import PermissionDenied, allows, get_or_404, may, route
from linli.core.errors import Bilingual
from linli.core.http import denied
from linli.imports.tokens import pack_upload, unpack_upload
from linli.places.models import Level, Place
from linli.suppliers import actions, queries, stockfile, trail
from linli.suppliers.access import MANAGE, VIEW
from linli.suppliers.forms import (
    CheckForm,
    DeliveryForm,
    DonationForm,
    GradeForm,
    OrderForm,
    QualificationForm,
    StockImportForm,
    SupplierForm,
)
from linli.suppliers.models import (
    RECEIVING,
    Donation,
    OrderStatus,
    PurchaseOrder,
    Qualification,
    Supplier,
)
from linli.supplies import queries as supplies_queries
from linli.supplies.access import COUNT, KEEP
from linli.supplies.access import VIEW as SUPPLIES_VIEW
from linli.supplies.models import Category, StoragePoint

IMPORT_SALT = "linli.suppliers.stock_import"


def _message(error: ValidationError) -> str:
    return str(Bilingual.of_error(error))


@route(VIEW)
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The suppliers of one's area with their grades, and the qualifications expiring soon."""
    user = request.user
    if not may(user, VIEW):
        return denied(request)
    suppliers = list(queries.visible_suppliers(user).filter(is_active=True))
    today = timezone.localdate()
    expiring = list(queries.expiring(Qualification.objects.restrict(user, VIEW), today))
    return render(request, "suppliers/index.html", {
        "rows": queries.graded(suppliers), "expiring": expiring, "today": today,
        "urgent_day": today + datetime.timedelta(days=queries.URGENT_DAYS), "can_manage": may(user, MANAGE),
        "orders": PurchaseOrder.objects.restrict(user, VIEW).filter(status__in=RECEIVING)
        .select_related("supplier", "point")[:30]})


@route(MANAGE)
@login_required
def create(request: HttpRequest) -> HttpResponse:
    user = request.user
    streets = Place.objects.restrict(user, MANAGE).filter(level=Level.STREET).order_by("path")
    street = streets.first()
    if not may(user, MANAGE) or street is None:
        return denied(request)
    form = SupplierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            supplier = actions.do_create_supplier(street, acting_user=user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_action_errors(exc)
        else:
            messages.success(request, _("The supplier is saved; add its qualifications."))
            return redirect("suppliers:supplier", pk=supplier.pk)
    return render(request, "suppliers/create.html", {"form": form, "street": street},
                  status=422 if form.errors else 200)


@route(VIEW, model=Supplier)
@login_required
def supplier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    supplier = get_or_404(Supplier.objects.select_related("street"), user, VIEW, pk=pk)
    graded = queries.graded([supplier])[0]
    can_manage = allows(user, MANAGE, supplier)
    qualification_form = QualificationForm(prefix="q")
    grade_form = GradeForm(prefix="g", initial={"grade": supplier.grade_override, "reason": supplier.override_reason})
    status = 200
    if request.method == "POST" and can_manage:
        status, qualification_form, grade_form = _post_supplier(request, supplier)
        if status == 302:
            return redirect("suppliers:supplier", pk=supplier.pk)
    today = timezone.localdate()
    return render(request, "suppliers/supplier.html", {
        "supplier": supplier, "graded": graded, "can_manage": can_manage, "today": today,
        "soon": today + datetime.timedelta(days=queries.WARN_DAYS),
        "qualifications": supplier.qualifications.prefetch_related("checks__by"),
        "orders": supplier.orders.select_related("point").prefetch_related("lines__item", "deliveries")[:30],
        "prices": queries.price_history(supplier), "check_form": CheckForm(prefix="c"),
        "qualification_form": qualification_form, "grade_form": grade_form,
        "categories": [label for value, label in Category.choices if value in supplier.categories]}, status=status)


def _post_supplier(request: HttpRequest, supplier: Supplier) -> tuple[int, QualificationForm, GradeForm]:
    """Add a qualification, or set the grade by hand."""
    user = request.user
    qualification_form, grade_form = QualificationForm(prefix="q"), GradeForm(prefix="g")
    if request.POST.get("do") == "grade":
        grade_form = GradeForm(request.POST, prefix="g")
        if grade_form.is_valid():
            try:
                actions.do_set_grade(supplier, grade_form.cleaned_data["grade"],
                                     reason=grade_form.cleaned_data["reason"], acting_user=user)
            except ValidationError as exc:
                grade_form.add_action_errors(exc)
            else:
                messages.success(request, _("The grade is saved."))
                return 302, qualification_form, grade_form
        return 422, qualification_form, grade_form
    qualification_form = QualificationForm(request.POST, request.FILES, prefix="q")
    if qualification_form.is_valid():
        data = dict(qualification_form.cleaned_data)
        upload = data.pop("document")
        content = upload.read(actions.MAX_DOCUMENT + 1) if upload else None
        try:
            actions.do_add_qualification(supplier, document=content, document_name=upload.name if upload else "",
                                         acting_user=user, **data)
        except ValidationError as exc:
            qualification_form.add_action_errors(exc)
        else:
            messages.success(request, _("The qualification is saved; check it against the document."))
            return 302, qualification_form, grade_form
    return 422, qualification_form, grade_form


@route(MANAGE, model=Qualification)
@login_required
@require_POST
def check(request: HttpRequest, pk: int) -> HttpResponse:
    qualification = get_or_404(Qualification.objects.select_related("supplier__street"), request.user, MANAGE, pk=pk)
    form = CheckForm(request.POST, prefix="c")
    if form.is_valid():
        try:
            actions.do_check_qualification(qualification, result=form.cleaned_data["result"],
                                           note=form.cleaned_data["note"], acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(request, _("The check is recorded in the shared ledger."))
    else:
        messages.error(request, _("Choose the result of the check."))
    return redirect("suppliers:supplier", pk=qualification.supplier_id)


@route(VIEW, model=Qualification)
@login_required
def document(request: HttpRequest, pk: int) -> HttpResponse:
    qualification = get_or_404(Qualification.objects.exclude(document=""), request.user, VIEW, pk=pk)
    audit.record("suppliers.document_view", actor=request.user, obj=qualification)
    response = HttpResponse(base64.b64decode(qualification.document), content_type=qualification.document_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@route(VIEW, model=Supplier)
@login_required
def supplier_trail(request: HttpRequest, pk: int) -> HttpResponse:
    """The supplier's qualification checks and delivery results as the shared ledger holds them."""
    supplier = get_or_404(Supplier.objects.all(), request.user, VIEW, pk=pk)
    rows = trail.rows_of(supplier)
    return render(request, "suppliers/trail.html", {"supplier": supplier, "rows": rows,
                                                    "waiting": trail.waiting(supplier),
                                                    "all_verified": bool(rows) and all(r.status == "verified"
                                                                                       for r in rows)})


# --- purchase orders -----------------------------------------------------------------------------

@route(MANAGE)
@login_required
def order_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, MANAGE):
        return denied(request)
    suppliers = Supplier.objects.restrict(user, MANAGE).filter(is_active=True)
    points = StoragePoint.objects.restrict(user, SUPPLIES_VIEW).filter(is_active=True).order_by("path", "name")
    form = OrderForm(request.POST or None, suppliers=suppliers, points=points,
                     initial={"supplier": request.GET.get("supplier")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = actions.do_place_order(data["supplier"], data["point"], expected_on=data["expected_on"],
                                           lines=form.lines(), note=data["note"], acting_user=user)
        except ValidationError as exc:
            form.add_action_errors(exc)
        else:
            messages.success(request, _("Order PO-%(n)d placed.") % {"n": order.pk})
            return redirect("suppliers:order", pk=order.pk)
    return render(request, "suppliers/order_new.html", {"form": form}, status=422 if form.errors else 200)


@route(VIEW, model=PurchaseOrder)
@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An order with what arrived so far and, for the point's keeper, the next delivery to
    record; the keeper or the street may close the rest short."""
    user = request.user
    order = get_or_404(PurchaseOrder.objects.select_related("supplier", "point", "created_by"), user, VIEW, pk=pk)
    lines = list(order.lines.select_related("item"))
    receiving = order.status in RECEIVING
    can_receive = receiving and allows(user, KEEP, order)
    can_close = order.status == OrderStatus.PARTLY and (allows(user, KEEP, order) or allows(user, MANAGE, order))
    outstanding = [line for line in lines if (line.received or 0) < line.quantity]
    form = DeliveryForm(request.POST or None, lines=outstanding, initial={"delivered_on": timezone.localdate()})
    step = request.POST.get("do") if request.method == "POST" else None
    if step in ("cancel", "close") and (can_close if step == "close" else allows(user, MANAGE, order)):
        try:
            if step == "cancel":
                actions.do_cancel_order(order, reason=request.POST.get("reason", ""), acting_user=user)
            else:
                actions.do_close_order_short(order, reason=request.POST.get("reason", ""), acting_user=user)
                messages.success(request, _("The order is closed short."))
        except ValidationError as exc:
            messages.error(request, _message(exc))
        return redirect("suppliers:order", pk=order.pk)
    if request.method == "POST" and not step and can_receive and form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_record_delivery(order, delivered_on=data["delivered_on"], quality=data["quality"],
                                       received={line.pk: data[f"line-{line.pk}"] for line in outstanding},
                                       expires_on={line.pk: data.get(f"expires-{line.pk}") for line in outstanding},
                                       note=data["note"], acting_user=user)
        except ValidationError as exc:
            form.add_action_errors(exc)
        else:
            messages.success(request, _("The delivery is recorded."))
            return redirect("suppliers:order", pk=order.pk)
    total = sum((line.quantity * line.unit_price for line in lines), start=0)
    deliveries = list(order.deliveries.prefetch_related("lines__line__item").order_by("delivered_on", "pk"))
    for delivery in deliveries:
        delivery.late_days = max((delivery.delivered_on - order.expected_on).days, 0)  # type: ignore[attr-defined]
    rows = [{"line": line, "received": line.received or 0, "remaining": line.quantity - (line.received or 0)}
            for line in lines]
    return render(request, "suppliers/order.html", {
        "order": order, "rows": rows, "total": total, "deliveries": deliveries,
        "form": form if can_receive else None, "can_close": can_close,
        "can_cancel": order.status == OrderStatus.OPEN and allows(user, MANAGE, order)},
        status=422 if request.method == "POST" and not step and form.errors else 200)


# --- donations -----------------------------------------------------------------------------------

@route(SUPPLIES_VIEW, KEEP)
@login_required
def donations(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not supplies_queries.keeps_any(user):
        return denied(request)
    points = StoragePoint.objects.restrict(user, KEEP).filter(is_active=True).order_by("path", "name")
    form = DonationForm(request.POST or None, points=points)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            actions.do_record_donation(data.pop("point"), data.pop("item"), data.pop("quantity"), acting_user=user,
                                       **data)
        except ValidationError as exc:
            form.add_action_errors(exc)
        else:
            messages.success(request, _("The donation is received into stock. Thank the donor!"))
            return redirect("suppliers:donations")
    rows = Donation.objects.restrict(user, SUPPLIES_VIEW).select_related("point", "item")[:100]
    return render(request, "suppliers/donations.html", {"form": form, "rows": rows, "can_keep": points.exists()},
                  status=422 if form.errors else 200)


@route(public=True)
def donors(request: HttpRequest) -> HttpResponse:
    """The public thanks: donors who agreed to be named, with what they gave (no sign-in)."""
    listed = (Donation.objects.filter(public=True).values("donor_name", "donor_kind", "item__name", "item__unit")
              .annotate(quantity=Sum("quantity")).order_by("donor_kind", "donor_name", "item__name"))
    counts = Donation.objects.aggregate(total=Count("pk"), unnamed=Count("pk", filter=Q(public=False)))
    return render(request, "suppliers/donors.html", {"listed": listed, "counts": counts})


# --- the stock as a spreadsheet --------------------------------------------------------------------

@route(SUPPLIES_VIEW, KEEP)
@login_required
@require_POST
def stock_export(request: HttpRequest) -> HttpResponse:
    """The stock is made in the background: the next page shows how far it got, then offers it."""
    from linli.downloads.actions import do_request_download
    from linli.suppliers.downloads import KIND, area_of_points

    user = request.user
    if not supplies_queries.keeps_any(user):
        return denied(request)
    try:
        download = do_request_download(KIND, scope=area_of_points(user), params={}, acting_user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("supplies:index")
    except PermissionDenied:
        return denied(request)
    return redirect("downloads:detail", pk=download.pk)


@route(KEEP, COUNT)
@login_required
def stock_import(request: HttpRequest) -> HttpResponse:
    """Upload: a dry run that lists every bad row (in Chinese and English); then import."""
    user = request.user
    if not (StoragePoint.objects.restrict(user, KEEP).exists() or StoragePoint.objects.restrict(user, COUNT).exists()):
        return denied(request)
    if request.method == "POST" and request.POST.get("token"):
        unpacked = unpack_upload(request.POST["token"], salt=IMPORT_SALT)
        if unpacked is None:
            messages.error(request, _("This preview has expired; upload the file again."))
            return redirect("suppliers:stock_import")
        try:
            made = stockfile.do_import(user, *unpacked, request.POST.get("mode", ""))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _message(exc) if isinstance(exc, ValidationError)
                           else _("You may not change the stock of this point."))
            return redirect("suppliers:stock_import")
        messages.success(request, _("Imported: %(receipts)d receipts, %(sheets)d stock-takings sent for approval.")
                         % made)
        return redirect("supplies:index")
    form = StockImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "max_rows": stockfile.MAX_ROWS,
                               "max_mb": stockfile.MAX_FILE // 2**20}
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(stockfile.MAX_FILE + 1)
        name = upload.name or "stock.xlsx"
        checked = stockfile.preview(user, data, name, form.cleaned_data["mode"])
        context.update({"preview": checked, "token": pack_upload(data, name, salt=IMPORT_SALT) if checked.ok else ""})
        status = 200 if checked.ok else 422
    elif request.method == "POST":
        status = 422
    return render(request, "suppliers/stock_import.html", context, status=status)
