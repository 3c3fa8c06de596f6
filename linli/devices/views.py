"""Pages of devices (/devices/), phone first: the area's devices, one device, registering,
consent and activation, the installer's spreadsheet."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core import audit
from linli.core.access import PermissionDenied, allows, get_or_404, may, route
from linli.core.errors import reads_english
from linli.core.http import denied
from linli.core.pagination import Pager
from linli.devices import actions, importing, wire
from linli.devices.access import EVENTS, MANAGE, VIEW
from linli.devices.forms import ConsentForm, FilterForm, ImportForm, RegisterForm
from linli.devices.kinds import EVENT_TYPES
from linli.devices.models import Device, DeviceEvent, DeviceStatus
from linli.health.queries import masked_name
from linli.imports.tokens import pack_upload, unpack_upload
from linli.people.models import Person
from linli.places.models import Level, Place, full_names

LOW_BATTERY = 20  # %
PER_PAGE = 50
LAST_EVENTS = 50
IMPORT_SALT = "linli.devices.import"


def _filtered(rows: Any, data: dict[str, Any], now: datetime.datetime) -> Any:
    if data.get("kind"):
        rows = rows.filter(kind=data["kind"])
    if data.get("status"):
        rows = rows.filter(status=data["status"])
    if data.get("silent"):
        rows = rows.filter(pk__in=actions.silent_devices(now).values("pk"))
    if data.get("low_battery"):
        rows = rows.filter(battery__lt=LOW_BATTERY)
    if data.get("unreadable"):
        rows = rows.filter(malformed_count__gt=0)
    return rows


@route(VIEW)
@login_required
def device_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, VIEW):
        return denied(request)
    now = timezone.now()
    visible = Device.objects.restrict(user, VIEW)
    form = FilterForm(request.GET or None)
    rows = _filtered(visible, form.cleaned_data if form.is_valid() else {}, now)
    counts = visible.aggregate(
        total=Count("pk"), active=Count("pk", filter=Q(status=DeviceStatus.ACTIVE)),
        low=Count("pk", filter=Q(status=DeviceStatus.ACTIVE, battery__lt=LOW_BATTERY)),
        unreadable=Count("pk", filter=Q(malformed_count__gt=0)))
    counts["silent"] = visible.filter(pk__in=actions.silent_devices(now).values("pk")).count()
    page = Pager(rows.select_related("kind", "house").order_by("path", "uid"), PER_PAGE).get_page(request.GET.get("page"))
    names = full_names([d.house for d in page.object_list])
    silent = set(visible.filter(pk__in=[d.pk for d in page.object_list])
                 .filter(pk__in=actions.silent_devices(now).values("pk")).values_list("pk", flat=True))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "devices/list.html", {
        "form": form, "page": page, "counts": counts, "low_battery": LOW_BATTERY, "query": query.urlencode(),
        "rows": [{"device": d, "address": names.get(d.house_id, ""), "silent": d.pk in silent}
                 for d in page.object_list],
        "can_manage": may(user, MANAGE)})


def _reason(device: Device, english: bool) -> str:
    if not device.last_malformed_reason:
        return ""
    en, zh = wire.reason_words(device.last_malformed_reason)
    return en if english else zh


@route(VIEW, model=Device)
@login_required
def device_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    device = get_or_404(Device.objects.select_related("kind", "house", "person"), user, VIEW, pk=pk)
    events = None
    if allows(user, EVENTS, device):
        events = list(DeviceEvent.objects.filter(device=device).order_by("-occurred_at", "-pk")[:LAST_EVENTS])
        for event in events:
            event.type_label = _(EVENT_TYPES[event.type]) if event.type in EVENT_TYPES else event.type  # type: ignore[attr-defined]
        if device.kind.watches_person or device.person_id:
            # A door opening at 3 a.m. is the life of the person it watches: a read of her data.
            audit.record("devices.read_events", actor=user, obj=device, detail={"events": len(events)})
    relation, consent_name = actions.consent_words(device)
    english = reads_english(getattr(request, "LANGUAGE_CODE", ""))
    return render(request, "devices/detail.html", {
        "device": device, "address": full_names([device.house]).get(device.house_id, ""),
        "person": masked_name(device.person.name) if device.person else "",
        "events": events, "relation": relation, "consent_name": masked_name(consent_name),
        "silent": actions.silent_devices().filter(pk=device.pk).exists(),
        "reason": _reason(device, english), "low_battery": LOW_BATTERY,
        "battery_label": Device._meta.get_field("battery").verbose_name,
        "can_manage": allows(user, MANAGE, device),
        "can_activate": device.status in (DeviceStatus.REGISTERED, DeviceStatus.SUSPENDED),
        "active": device.status == DeviceStatus.ACTIVE, "retired": device.status == DeviceStatus.RETIRED})


def _person_in(house: Place, name: str) -> Person | None:
    found = list(Person.objects.filter(current_house=house, is_active=True, name=name)[:2])
    return found[0] if len(found) == 1 else None


@route(MANAGE)
@login_required
def device_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, MANAGE):
        return denied(request)
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        house = Place.objects.restrict(user, MANAGE).filter(code=importing.half_width(data["house"]),
                                                            level=Level.HOUSE).first()
        person = _person_in(house, data["person"]) if house is not None and data["person"] else None
        if house is None:
            form.add_error("house", _("No house with this code in your area."))
        elif data["person"] and person is None:
            form.add_error("person", _("No one (or more than one) living in this house matches this name and ID "
                                       "number."))
        else:
            try:
                device, secret = actions.do_register_device(actions.NewDevice(
                    importing.half_width(data["uid"]), data["kind"], house, person, data["label"]), acting_user=user)
            except ValidationError as exc:
                form.add_action_errors(exc)
            except PermissionDenied:
                form.add_error(None, _("You may not register devices in this house."))
            else:
                return render(request, "devices/secret.html", {"device": device, "secret": secret, "new": True})
    return render(request, "devices/new.html", {"form": form}, status=422 if form.errors else 200)


@route(MANAGE, model=Device)
@login_required
def device_activate(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    device = get_or_404(Device.objects.select_related("kind", "house", "person"), user, MANAGE, pk=pk)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        consent_at = data["consent_at"]
        if consent_at is not None and timezone.is_naive(consent_at):
            consent_at = timezone.make_aware(consent_at)
        try:
            actions.do_record_consent_and_activate(device, acting_user=user, legal_basis=data["legal_basis"],
                                                   consent_by=data["consent_by"], relation=data["relation"],
                                                   consent_at=consent_at)
        except ValidationError as exc:
            form.add_action_errors(exc)
        else:
            messages.success(request, _("The consent is recorded and the device is active."))
            return redirect("devices:detail", pk=device.pk)
    return render(request, "devices/activate.html", {
        "form": form, "device": device, "needs_consent": actions.needs_consent(device),
        "person": masked_name(device.person.name) if device.person else ""}, status=422 if form.errors else 200)


@route(MANAGE, model=Device)
@login_required
@require_POST
def device_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Suspend or retire (``do``), or make a new secret (shown once)."""
    user = request.user
    device = get_or_404(Device.objects.select_related("kind"), user, MANAGE, pk=pk)
    what = request.POST.get("do", "")
    try:
        if what == "suspend":
            actions.do_suspend(device, acting_user=user, reason=request.POST.get("reason", ""))
        elif what == "retire":
            actions.do_retire(device, acting_user=user, reason=request.POST.get("reason", ""))
        elif what == "secret":
            secret = actions.do_rotate_secret(device, acting_user=user)
            return render(request, "devices/secret.html", {"device": device, "secret": secret, "new": False})
        else:
            messages.error(request, _("Choose what to do with the device."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("devices:detail", pk=device.pk)


def _pack(data: bytes, name: str) -> str:
    return pack_upload(data, name, salt=IMPORT_SALT)


def _unpack(token: str) -> tuple[bytes, str] | None:
    return unpack_upload(token, salt=IMPORT_SALT)


@route(MANAGE)
@login_required
def device_import(request: HttpRequest) -> HttpResponse:
    """Upload: a preview of every row with its problems. Confirm: every device or none."""
    user = request.user
    if not may(user, MANAGE):
        return denied(request)
    form = ImportForm()
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and request.POST.get("token"):
        unpacked = _unpack(request.POST["token"])
        if unpacked is None:
            messages.error(request, _("This preview has expired; upload the file again."))
            return redirect("devices:import")
        try:
            devices = importing.do_import_devices(user, *unpacked)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("devices:import")
        except PermissionDenied:
            return denied(request)
        messages.success(request, _("%(n)d devices were registered.") % {"n": len(devices)})
        return render(request, "devices/imported.html", {"devices": devices})
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read(importing.MAX_FILE + 1)
            if len(data) > importing.MAX_FILE:
                form.add_error("file", _("The file is larger than %(mb)d MB; split it into several files.")
                               % {"mb": importing.MAX_FILE // (1024 * 1024)})
            else:
                checked = importing.preview(user, data, upload.name or "devices.csv")
                context.update({"preview": checked, "token": _pack(data, upload.name or "devices.csv")
                                if checked.ok else ""})
        status = 422 if form.errors or (context.get("preview") and not context["preview"].ok) else 200
        return render(request, "devices/import.html", context, status=status)
    return render(request, "devices/import.html", context)
