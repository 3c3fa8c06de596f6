"""The gate pages: my gates, the gate screen (works offline once loaded, for a while), the duty
roster, and the gates' records for the office."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from linli.core.access import allows, get_or_404, route
from linli.core.pagination import Pager
from linli.gates import actions, records, verdicts
from linli.gates.access import REVIEW, ROSTER
from linli.gates.forms import RecordsFilter, ShiftForm
from linli.gates.models import DutyShift, Gate
from linli.health import keys

HTML5_QRCODE = "vendor/html5-qrcode-2.3.8/html5-qrcode.min.js"
NOBLE_ED25519 = "vendor/noble-ed25519-3.2.0/index.js"
SERVICE_WORKER = Path(__file__).parent / "static" / "gates" / "sw.js"


# What the gate screen's JavaScript says, in the interface language (placeholders filled in there).
SCREEN_TEXTS = {
    "idle": gettext_lazy("Waiting for a pass"),
    "trust_ok": gettext_lazy("Trust list version %(version)s, issued %(issued)s: passes are checked on this device, "
                      "also offline."),
    "trust_missing": gettext_lazy("No trust list on this device: passes cannot be checked. Go online and reload this page."),
    "trust_stale": gettext_lazy("The trust list is older than 24 hours: passes cannot be checked. Go online to update it."),
    "trust_invalid": gettext_lazy("The trust list is not genuine: passes cannot be checked. Reload this page online."),
    "insecure": gettext_lazy("This page must be opened over HTTPS to check passes."),
    "no_verifier": gettext_lazy("This browser cannot check signatures: update it, or use another phone."),
    "online": gettext_lazy("online"),
    "offline": gettext_lazy("offline: records are kept on this device"),
    "queue_empty": gettext_lazy("Nothing waiting to upload."),
    "queue_waiting": gettext_lazy("%(count)s records waiting to upload."),
    "synced": gettext_lazy("All records uploaded (%(time)s)."),
    "uploaded_today": gettext_lazy("Uploaded today: %(pass)s let in, %(deny)s turned away, %(refer)s referred, "
                                   "%(visitors)s visitors."),
    "refused_today": gettext_lazy("Refused by the server today: %(rejected)s (the community office sees why)."),
    "rejected": gettext_lazy("%(count)s records were refused by the server; tell the community office."),
    "refused_now": gettext_lazy("The server refused %(count)s of the records just uploaded: %(reasons)s "
                                "The community office sees them."),
    "offline_until": gettext_lazy("Works offline until %(time)s."),
    "session_expired": gettext_lazy("This screen may no longer be used offline (since %(time)s): go online and open "
                                    "it again, signing in if asked. Records waiting stay on this device."),
    "signed_out": gettext_lazy("You are signed out: sign in again and open this gate to go on. Records waiting "
                               "stay on this device."),
    "login": gettext_lazy("Log in again to upload the records (they are kept on this device)."),
    "not_on_duty": gettext_lazy("The server says you are not on duty at this gate; records are kept on this device."),
    "storage": gettext_lazy("This device cannot store records: its storage is full or blocked."),
    "bad_temperature": gettext_lazy("Enter the temperature as a number between 30 and 45, or leave it empty."),
    "empty_code": gettext_lazy("Scan or paste a pass first."),
    "visitor_required": gettext_lazy("Fill in the name, phone, purpose and whom they visit."),
    "visitor_phone": gettext_lazy("The phone number is not valid: 11 digits starting with 1, or + and a country code."),
    "visitor_saved": gettext_lazy("Visitor registered."),
    "manual_saved": gettext_lazy("Decision recorded."),
    "expires": gettext_lazy("valid until %(time)s"),
    "expired_at": gettext_lazy("expired at %(time)s"),
    "issuer": gettext_lazy("issued by %(name)s"),
    "temperature": gettext_lazy("temperature %(value)s °C"),
    "camera_start": gettext_lazy("Scan with the camera"),
    "camera_stop": gettext_lazy("Stop the camera"),
    "camera_error": gettext_lazy("The camera cannot be used here; use the hand scanner or type the pass."),
}


@route(signed_in=True)
@login_required
def gate_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    usable = {gate.pk: gate for gate in actions.usable_gates(user)}
    managed = {gate.pk: gate for gate in Gate.objects.restrict(user, actions.MANAGE).select_related("place")}
    # the gates whose roster she reads: her compounds', and those she is on duty at from today on
    readable = {gate.pk: gate for gate in Gate.objects.restrict(user, ROSTER).select_related("place")}
    until = actions.on_duty_until(user)
    rows = [{"gate": gate, "open": gate.pk in usable, "manage": gate.pk in managed, "roster": gate.pk in readable,
             "until": until.get(gate.pk)}
            for gate in sorted({**readable, **managed, **usable}.values(), key=lambda gate: (gate.path, gate.name))]
    can_review = Gate.objects.restrict(user, REVIEW).exists()
    return render(request, "gates/list.html", {"rows": rows, "can_review": can_review})


@route(actions.OPERATE, model=Gate)
@login_required
def gate_screen(request: HttpRequest, pk: int) -> HttpResponse:
    gate = actions.gate_for_screen(request.user, pk)
    start = actions.day_start(timezone.localdate())
    roster = (DutyShift.objects.filter(gate=gate, starts_at__lt=start + datetime.timedelta(days=1), ends_at__gt=start)
              .select_related("user").order_by("starts_at"))
    staff = actions.is_gate_staff(request.user, gate)
    until = actions.on_duty_until(request.user).get(gate.pk)
    config = {
        "gate": gate.pk,
        "user": request.user.pk,
        # Offline, the screen works until then (the page says so and stops after it); online it
        # asks the server again (session_url) and stops if she is signed out or off duty.
        "offline_until": int(actions.offline_until(staff, until).timestamp()),
        "session_url": "/api/gates",
        "root_public_key": keys.root_key().public_key,  # stored as unpadded base64url
        "trust_list_url": "/api/health/trust-list",
        "events_url": f"/api/gates/{gate.pk}/events",
        "html5_qrcode_url": static(HTML5_QRCODE),
        "ed25519_fallback_url": static(NOBLE_ED25519),
        "service_worker_url": reverse("gates:service_worker"),
        "table": verdicts.gate_table(),
        # times on the screen are the street's clock, whatever the phone's own zone and language
        "time_zone": settings.TIME_ZONE,
        "language": translation.get_language() or settings.LANGUAGE_CODE,
    }
    counts = actions.today_counts(gate)
    return render(request, "gates/gate.html", {
        "gate": gate, "config": config, "roster": roster, "on_duty_until": until,
        "counts": SCREEN_TEXTS["uploaded_today"] % counts,
        "refused": SCREEN_TEXTS["refused_today"] % counts if counts["rejected"] else "",
        "texts": {key: str(text) for key, text in SCREEN_TEXTS.items()}, "staff": staff,
        "can_manage": allows(request.user, actions.MANAGE, gate.path),
        "can_read_roster": allows(request.user, ROSTER, gate), "can_review": allows(request.user, REVIEW, gate)})


def _roster_page(request: HttpRequest, gate: Gate, form: ShiftForm | None, status: int = 200) -> HttpResponse:
    """The shifts from today for two weeks: names and hours only. Who may change the roster
    also gets the form to add a shift and a button to remove each."""
    start = actions.day_start(timezone.localdate())
    shifts = (DutyShift.objects.filter(gate=gate, ends_at__gt=start, starts_at__lt=start + datetime.timedelta(days=15))
              .select_related("user").order_by("starts_at"))
    return render(request, "gates/roster.html", {"gate": gate, "form": form, "shifts": shifts}, status=status)


@route(ROSTER, model=Gate)
@login_required
@require_safe
def gate_roster(request: HttpRequest, pk: int) -> HttpResponse:
    """Read by the compound's staff and by everyone on the roster (decision 0020)."""
    gate = get_or_404(Gate.objects.select_related("place"), request.user, ROSTER, pk=pk)
    manage = allows(request.user, actions.MANAGE, gate)
    form = ShiftForm(candidates=actions.roster_candidates(gate)) if manage else None
    return _roster_page(request, gate, form)


@route(actions.MANAGE, model=Gate)
@login_required
@require_POST
def shift_add(request: HttpRequest, pk: int) -> HttpResponse:
    gate = get_or_404(Gate.objects.select_related("place"), request.user, actions.MANAGE, pk=pk)
    form = ShiftForm(request.POST, candidates=actions.roster_candidates(gate))
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_add_shift(gate, data["user"], data["starts_at"], data["ends_at"], acting_user=request.user)
        except ValidationError as exc:
            form.add_action_errors(exc)
        else:
            messages.success(request, _("Shift added to the roster."))
            return redirect("gates:roster", pk=gate.pk)
    return _roster_page(request, gate, form, status=422)


@route(actions.MANAGE, model=DutyShift, kwarg="shift_id", also={"pk": "gate_id"})
@login_required
@require_POST
def shift_remove(request: HttpRequest, pk: int, shift_id: int) -> HttpResponse:
    shift = get_or_404(DutyShift.objects.all(), request.user, actions.MANAGE, gate_id=pk, pk=shift_id)
    actions.do_remove_shift(shift, acting_user=request.user)
    messages.success(request, _("Shift removed."))
    return redirect("gates:roster", pk=pk)


@route(REVIEW, model=Gate, kwarg="gate", query=True)
@login_required
@require_safe
def gate_records(request: HttpRequest) -> HttpResponse:
    """A day's events and visitors at the gates the user reads (``gates.review``), with what
    the server refused; ``?gate=`` names one of them (any other: 404)."""
    user = request.user
    gates = records.gates_for(user)
    wanted = request.GET.get("gate", "")
    gate = next((g for g in gates if str(g.pk) == wanted), None)
    if not gates or (wanted and gate is None):
        raise Http404
    data = request.GET.copy()
    if not data.get("day"):
        data["day"] = timezone.localdate().isoformat()  # the day shown is the day in the field
    form = RecordsFilter(data, gates=gates)
    form.is_valid()  # what does not fit is shown and left out
    filters = records.Filters(day=form.value("day") or timezone.localdate(), gate=gate,
                              verdict=form.value("verdict") or "", kind=form.value("kind") or "",
                              status=form.value("status") or "")
    page = Pager(records.events(user, gates, filters), 50).get_page(request.GET.get("page"))
    shown = records.rows(user, list(page.object_list))
    records.audit_read(user, gates, filters, shown)
    return render(request, "gates/records.html", {
        "form": form, "filters": filters, "gates": gates, "page": page, "rows": shown,
        "summary": records.summary(user, gates, filters),
        "previous_day": filters.day - datetime.timedelta(days=1), "next_day": filters.day + datetime.timedelta(days=1),
        "today": timezone.localdate()})


@route(public=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """The gate screen's service worker, served under /gates/ so that it may keep the gate
    pages for offline reloads (a worker only controls pages below its own URL)."""
    script = SERVICE_WORKER.read_text(encoding="utf-8")
    assets = [static(path) for path in ("gates/passcheck.js", "linli/qrcamera.js", "gates/gate.js", "gates/gate.css",
                                         NOBLE_ED25519,
                                         "vendor/bootstrap-5.3.9/bootstrap.min.css", "linli/app.css",
                                         "vendor/bootstrap-5.3.9/bootstrap.bundle.min.js",
                                         "vendor/htmx-2.0.11/htmx.min.js", HTML5_QRCODE)]
    script = script.replace("/*ASSETS*/[]", json.dumps(assets))
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/gates/"
    return response
