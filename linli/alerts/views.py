"""Alert pages (/alerts/), phone first: the open alerts of one's area, an alert with its
timeline and the three big steps (acknowledge, at the door, resolve); the chains, the rota,
the drills and the 15-minute figures for the community office."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from linli.alerts import actions, report, stickers, swaps
from linli.alerts.access import MANAGE, REPORT, RESPOND, VIEW, in_chain
from linli.alerts.models import (
    OPEN_STATES,
    Alert,
    EscalationChain,
    Outcome,
    Severity,
    Shift,
    SwapOffer,
    SwapState,
    Target,
    Team,
)
from linli.alerts.queries import figures
from linli.core import audit
from linli.core.access import PermissionDenied, allows, get_or_404, may, route
from linli.core.http import attachment, denied
from linli.core.models import User
from linli.core.validators import mask_phone
from linli.grids.models import Grid, GridMember
from linli.places.models import Level, Place
from linli.tasks.targets import addresses, building_path

SEVERITY_ORDER = Case(When(severity=Severity.CRITICAL, then=Value(0)), When(severity=Severity.MAJOR, then=Value(1)),
                      default=Value(2), output_field=IntegerField())
MAX_LIST = 200


def _rows(user: Any) -> list[dict[str, Any]]:
    alerts = list(Alert.objects.restrict(user, VIEW).filter(state__in=OPEN_STATES).select_related("house")
                  .annotate(rank=SEVERITY_ORDER).order_by("rank", "opened_at")[:MAX_LIST])
    names = addresses(a.house.path for a in alerts)
    now = timezone.now()
    return [{"alert": a, "address": names.get(a.house.path, a.house.name),
             "minutes": int((now - a.opened_at).total_seconds() // 60),
             "can_respond": allows(user, RESPOND, a)} for a in alerts]


@route(VIEW)
@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, VIEW):
        return denied(request)
    closed = (Alert.objects.restrict(user, VIEW).exclude(state__in=OPEN_STATES).select_related("house")
              .order_by("-opened_at")[:20])
    return render(request, "alerts/list.html", {
        "rows": _rows(user), "closed": closed, "can_manage": may(user, MANAGE), "can_report": may(user, REPORT),
        "can_respond": may(user, RESPOND)})


@route(VIEW)
@login_required
def alert_rows(request: HttpRequest) -> HttpResponse:
    """The open alerts' rows alone: what the list page fetches when a live event arrives."""
    if not may(request.user, VIEW):
        return denied(request)
    return render(request, "alerts/_rows.html", {"rows": _rows(request.user)})


def _person_card(user: Any, alert: Alert) -> dict[str, Any] | None:
    """The person's name and masked phone, for the roles in the chain only; showing it is
    recorded in the audit log like every read of personal data."""
    person = alert.person
    if person is None or not in_chain(user, alert):
        return None
    audit.record("alert.person_view", actor=user, obj=alert, detail={"person": person.pk})
    return {"person": person, "phone": mask_phone(person.phone),
            "can_reveal": allows(user, "people.reveal", person)}


@route(VIEW, model=Alert)
@login_required
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    alert = get_or_404(Alert.objects.select_related("house", "person", "grid", "acknowledged_by", "on_site_by",
                                                    "resolved_by"), user, VIEW, pk=pk)
    labels = dict(Target.choices)
    entries = [(e, labels.get(e.data.get("target", ""), "")) for e in
               alert.entries.select_related("actor").order_by("at", "pk")]
    building = Place.objects.filter(path=building_path(alert.house.path)).first()
    lang_en = (request.LANGUAGE_CODE or "").startswith("en")
    reason = alert.explanation.get("reason_en" if lang_en else "reason_zh", "")
    return render(request, "alerts/detail.html", {
        "alert": alert, "entries": entries, "address": addresses([alert.house.path])[alert.house.path],
        "building": building if building and allows(user, "places.view", building) else None,
        "reason": reason, "read": alert.explanation.get("read", {}),
        "neighbours": alert.explanation.get("neighbours", []), "card": _person_card(user, alert),
        "can_respond": allows(user, RESPOND, alert) and alert.is_open, "outcomes": Outcome.choices,
        "minutes": int((timezone.now() - alert.opened_at).total_seconds() // 60),
        "to_ack": _minutes(alert.opened_at, alert.acknowledged_at), "to_site": _minutes(alert.opened_at, alert.on_site_at)})


def _minutes(start: datetime.datetime, end: datetime.datetime | None) -> str:
    return "" if end is None else f"{max((end - start).total_seconds(), 0) / 60:.1f}"


def _attempt(request: HttpRequest, action: Callable[[], Any], success: str | Callable[[Any], str] = "") -> bool:
    """Run an action for a form that posts and goes back: its bilingual errors become error
    messages, its result a success message (a text, or made from what the action returned).
    Returns whether it went through."""
    try:
        result = action()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return False
    text = success(result) if callable(success) else success
    if text:
        messages.success(request, text)
    return True


def _respond(request: HttpRequest, pk: int, step: Any) -> HttpResponse:
    alert = get_or_404(Alert.objects.select_related("house"), request.user, RESPOND, pk=pk)
    try:
        _attempt(request, lambda: step(alert))
    except PermissionDenied:
        return denied(request)
    nxt = request.POST.get("next", "")
    return redirect("alerts:list") if nxt == "list" else redirect("alerts:detail", pk=alert.pk)


@route(RESPOND, model=Alert)
@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    return _respond(request, pk, lambda alert: actions.do_acknowledge(alert, acting_user=request.user))


@route(RESPOND, model=Alert)
@login_required
@require_POST
def on_site(request: HttpRequest, pk: int) -> HttpResponse:
    data = request.POST
    return _respond(request, pk, lambda alert: actions.do_check_in_on_site(
        alert, acting_user=request.user, method=data.get("method", ""), token=data.get("token", ""),
        latitude=data.get("latitude"), longitude=data.get("longitude"), accuracy=data.get("accuracy")))


@route(RESPOND, model=Alert)
@login_required
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    data = request.POST
    return _respond(request, pk, lambda alert: actions.do_resolve(
        alert, acting_user=request.user, outcome=data.get("outcome", ""), note=data.get("note", "")))


@route(RESPOND, model=Alert)
@login_required
@require_POST
def note(request: HttpRequest, pk: int) -> HttpResponse:
    data = request.POST
    return _respond(request, pk, lambda alert: actions.do_add_note(
        alert, acting_user=request.user, text=data.get("text", ""), call_out=data.get("call_out") == "1"))


# --- the house's QR sticker: the door page it opens, and the sheet that prints them -------------------

@route(RESPOND, model=Place, kwarg="code", field="code", where=Q(level=Level.HOUSE))
@login_required
@require_safe
def door(request: HttpRequest, code: str, token: str) -> HttpResponse:
    """What scanning a house's sticker opens: the house's open alerts one may answer, each with
    the button that checks in at the door by the sticker."""
    user = request.user
    house = get_or_404(Place.objects.filter(level=Level.HOUSE), user, RESPOND, code=code)
    good = actions.sticker_matches(house, token)
    alerts = (list(Alert.objects.restrict(user, RESPOND).filter(house=house, state__in=OPEN_STATES)
                   .annotate(rank=SEVERITY_ORDER).order_by("rank", "opened_at")) if good else [])
    return render(request, "alerts/door.html", {
        "house": house, "address": addresses([house.path])[house.path], "good": good, "alerts": alerts,
        "token": token})


STICKER_LEVELS = (Level.BUILDING, Level.COMPOUND)


@route(MANAGE, model=Place, where=Q(level__in=STICKER_LEVELS))
@login_required
def sticker_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """An A4 sheet of the QR stickers of a building's (or a compound's) houses, to print."""
    area = get_or_404(Place.objects.filter(level__in=STICKER_LEVELS), request.user, MANAGE, pk=pk)
    houses = stickers.houses_of(area)
    too_many = len(houses) > stickers.MAX_STICKERS
    made = stickers.stickers(request, houses[:stickers.MAX_STICKERS])
    audit.record("alert.stickers", actor=request.user, obj=area, detail={"houses": len(made)})
    pages = [made[i:i + stickers.PER_SHEET] for i in range(0, len(made), stickers.PER_SHEET)]
    return render(request, "alerts/stickers.html", {
        "area": area, "address": addresses([area.path])[area.path] or area.name, "pages": pages,
        "count": len(made), "too_many": too_many, "limit": stickers.MAX_STICKERS})


# --- the office: drills, chains, rota ----------------------------------------------------------------

def _communities(user: Any) -> QuerySet[Place]:
    return Place.objects.restrict(user, MANAGE).filter(level=Level.COMMUNITY).order_by("code")


@route(MANAGE)
@login_required
def drill(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, MANAGE):
        return denied(request)
    errors: list[str] = []
    if request.method == "POST":
        code = (request.POST.get("house", "") or "").strip()
        house = Place.objects.filter(code=code, level=Level.HOUSE).first() if code else None
        if house is None or not allows(user, MANAGE, house.path):
            errors.append(_("No house with this code in your area."))
        else:
            try:
                alert = actions.do_raise_drill(house, acting_user=user, note=request.POST.get("note", ""))
            except ValidationError as exc:
                errors += exc.messages
            else:
                messages.success(request, _("The drill was raised: the chain is being paged."))
                return redirect("alerts:detail", pk=alert.pk)
    return render(request, "alerts/drill.html", {"errors": errors}, status=422 if errors else 200)


@route(MANAGE)
@login_required
def chains(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, MANAGE):
        return denied(request)
    communities = list(_communities(user)[:50])
    found = {(c.community_id, c.team, c.severity): c for c in EscalationChain.objects.restrict(user, MANAGE)
             .filter(community__in=communities).prefetch_related("steps")}
    rows = []
    for community in communities:
        health = found.get((community.pk, Team.HEALTH, ""))
        steps = ([(s.target, s.wait_minutes, s.by_phone) for s in health.steps.all()] if health else
                 [(s.target, s.wait_minutes, s.by_phone) for s in actions.HEALTH_CHAIN])
        rows.append({"community": community, "health": health,
                     "chains": [found[k] for k in sorted(found) if k[0] == community.pk and k[1] == Team.GRID],
                     "health_slots": [(n, *(steps[n] if n < len(steps) else ("", 3, False)))
                                      for n in range(CHAIN_SLOTS)]})
    return render(request, "alerts/chains.html", {
        "rows": rows, "default": _described(actions.DEFAULT_CHAIN), "default_health": _described(actions.HEALTH_CHAIN),
        "targets": Target.choices, "severities": Severity.choices, "slots": range(CHAIN_SLOTS)})


CHAIN_SLOTS = 6


def _described(steps: Any) -> list[tuple[str, int, bool]]:
    return [(str(Target(s.target).label), s.wait_minutes, s.by_phone) for s in steps]


@route(MANAGE, model=Place, where=Q(level=Level.COMMUNITY))
@login_required
@require_POST
def chain_save(request: HttpRequest, pk: int) -> HttpResponse:
    community = get_or_404(Place.objects.filter(level=Level.COMMUNITY), request.user, MANAGE, pk=pk)
    data = request.POST
    steps = []
    for n in range(CHAIN_SLOTS):
        target = data.get(f"target-{n}", "")
        if not target:
            continue
        try:
            wait = int(data.get(f"wait-{n}", "") or 0)
        except ValueError:
            wait = 0
        steps.append(actions.StepInput(target, wait, data.get(f"phone-{n}") == "1"))
    _attempt(request, lambda: actions.do_save_chain(community, acting_user=request.user,
                                                   severity=data.get("severity", ""), steps=steps,
                                                   name=data.get("name", ""), team=data.get("team", Team.GRID)),
             _("The escalation chain was saved."))
    return redirect("alerts:chains")


@route(MANAGE)
@login_required
def rota(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, MANAGE):
        return denied(request)
    communities = list(_communities(user)[:50])
    grids = Grid.objects.filter(community__in=communities).order_by("code")
    now = timezone.now()
    shifts = (Shift.objects.restrict(user, MANAGE).filter(ends_at__gt=now, starts_at__lt=now + datetime.timedelta(days=7))
              .select_related("grid", "user", "swapped_from", "community").order_by("starts_at")[:300])
    team = {m.user_id: m.user for m in GridMember.objects.filter(grid__in=grids).select_related("user")}
    offers = (SwapOffer.objects.restrict(user, MANAGE).filter(state=SwapState.OFFERED, shift__ends_at__gt=now)
              .select_related("shift", "shift__grid", "offered_by", "offered_to").order_by("shift__starts_at")[:100])
    return render(request, "alerts/rota.html", {
        "communities": communities, "grids": grids, "shifts": shifts, "offers": offers,
        "people": sorted(team.values(), key=lambda u: u.get_username()), "today": timezone.localdate()})


def _user(value: str) -> Any:
    try:
        return User.objects.filter(pk=int(value), is_active=True).first() if value else None
    except ValueError:
        return None


@route(MANAGE, model=Place, where=Q(level=Level.COMMUNITY))
@login_required
@require_POST
def rota_create(request: HttpRequest, pk: int) -> HttpResponse:
    community = get_or_404(Place.objects.filter(level=Level.COMMUNITY), request.user, MANAGE, pk=pk)
    data = request.POST
    grid = Grid.objects.filter(pk=data.get("grid") or 0, community=community).first() if data.get("grid") else None
    day, night = _user(data.get("day_user", "")), _user(data.get("night_user", ""))
    try:
        first = datetime.date.fromisoformat(data.get("first_day", ""))
        weeks = int(data.get("weeks", "") or 0)
    except ValueError:
        messages.error(request, _("Give the first day and the number of weeks."))
        return redirect("alerts:rota")
    _attempt(request, lambda: actions.do_create_shifts(
        community, acting_user=request.user, grid=grid, first_day=first, weeks=weeks,
        day={d: day for d in range(7)} if day else {}, night={d: night for d in range(7)} if night else {}),
        lambda made: _("%(n)d shifts were put on the rota.") % {"n": len(made)})
    return redirect("alerts:rota")


@route(MANAGE, model=Shift)
@login_required
@require_POST
def shift_swap(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_or_404(Shift.objects.all(), request.user, MANAGE, pk=pk)
    to = _user(request.POST.get("to", ""))

    def swap() -> Shift:
        if to is None:
            raise ValidationError(_("Choose who takes the shift."))
        return actions.do_swap_shift(shift, acting_user=request.user, to=to)

    _attempt(request, swap, _("The shift was handed over."))
    return redirect("alerts:rota")


# --- swaps between colleagues: offered by the person on call, answered on the colleague's phone -----

MY_SHIFT_DAYS = 14


def _stand_ins(shift: Shift) -> list[Any]:
    """The colleagues one may offer a shift to (the grid's team, or for community duty the
    community's grid teams and office), who answer alerts there."""
    if shift.grid_id is not None:
        members = GridMember.objects.filter(grid_id=shift.grid_id)
    else:
        members = GridMember.objects.filter(grid__community_id=shift.community_id)
    users = {m.user for m in members.select_related("user") if m.user.is_active and m.user_id != shift.user_id}
    return sorted((u for u in users if swaps.may_stand_in(u, shift)), key=lambda u: u.get_username())


@route(RESPOND)
@login_required
def my_shifts(request: HttpRequest) -> HttpResponse:
    """The worker's own shifts of the next two weeks, with the swap she may offer for each, and
    the swaps colleagues offer her."""
    user = request.user
    if not may(user, RESPOND):
        return denied(request)
    now = timezone.now()
    shifts = list(Shift.objects.restrict(user, RESPOND).filter(
        user=user, ends_at__gt=now, starts_at__lt=now + datetime.timedelta(days=MY_SHIFT_DAYS))
        .select_related("grid", "community").order_by("starts_at")[:60])
    pending = {o.shift_id: o for o in SwapOffer.objects.filter(shift__in=shifts, state=SwapState.OFFERED)
               .select_related("offered_to")}
    to_me = (SwapOffer.objects.restrict(user, RESPOND).filter(offered_to=user, state=SwapState.OFFERED,
                                                              shift__ends_at__gt=now)
             .select_related("shift", "shift__grid", "offered_by").order_by("shift__starts_at"))
    rows = [{"shift": s, "offer": pending.get(s.pk), "colleagues": [] if s.pk in pending else _stand_ins(s)}
            for s in shifts]
    return render(request, "alerts/my_shifts.html", {"rows": rows, "to_me": to_me})


@route(RESPOND, model=Shift)
@login_required
@require_POST
def swap_offer(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_or_404(Shift.objects.all(), request.user, RESPOND, pk=pk)
    to = _user(request.POST.get("to", ""))

    def offer() -> SwapOffer:
        if to is None:
            raise ValidationError(_("Choose who takes the shift."))
        return swaps.do_offer_swap(shift, acting_user=request.user, to=to, note=request.POST.get("note", ""))

    try:
        _attempt(request, offer, _("The swap was offered: your colleague answers on her phone."))
    except PermissionDenied:
        return denied(request)
    return redirect("alerts:my_shifts")


def _answer(request: HttpRequest, pk: int, accept: bool) -> HttpResponse:
    offer = get_or_404(SwapOffer.objects.select_related("shift"), request.user, RESPOND, pk=pk)
    try:
        _attempt(request, lambda: swaps.do_answer_swap(offer, acting_user=request.user, accept=accept),
                 _("The shift is yours now.") if accept else _("You declined the swap."))
    except PermissionDenied:
        messages.error(request, _("Only the colleague it is offered to answers a swap."))
    return redirect("alerts:my_shifts")


@route(RESPOND, model=SwapOffer)
@login_required
@require_POST
def swap_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(request, pk, accept=True)


@route(RESPOND, model=SwapOffer)
@login_required
@require_POST
def swap_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(request, pk, accept=False)


@route(RESPOND, MANAGE, model=SwapOffer)
@login_required
@require_POST
def swap_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    offer = (SwapOffer.objects.restrict(user, MANAGE) | SwapOffer.objects.restrict(user, RESPOND)).filter(pk=pk).first()
    if offer is None:
        raise Http404
    try:
        _attempt(request, lambda: swaps.do_cancel_swap(offer, acting_user=user), _("The swap offer was cancelled."))
    except PermissionDenied:
        messages.error(request, _("Only the office or who offered it cancels a swap."))
    return redirect("alerts:rota" if allows(user, MANAGE, offer) else "alerts:my_shifts")


# --- the 15 minutes -----------------------------------------------------------------------------------

@route(REPORT)
@login_required
def measures(request: HttpRequest) -> HttpResponse:
    if not may(request.user, REPORT):
        return denied(request)
    return render(request, "alerts/measures.html", {"figures": figures(request.user)})


@route(REPORT)
@login_required
def measures_csv(request: HttpRequest) -> HttpResponse:
    """The monthly report: one line per community, month and drill or not."""
    if not may(request.user, REPORT):
        return denied(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["社区 community", "月份 month", "演练 drill", "告警 alerts", "已确认 acknowledged",
                     "到场 on site", "确认P50(分) ack p50 (min)", "确认P90 ack p90", "到场P50 on site p50",
                     "到场P90 on site p90", "15分钟内到场 within 15 min", "15分钟到场率 share"])
    for row in figures(request.user):
        f = row["figures"]
        writer.writerow([row["name"], f.month, "是" if f.is_drill else "否", f.alerts, f.acknowledged, f.on_site,
                         _fmt(f.ack_p50), _fmt(f.ack_p90), _fmt(f.site_p50), _fmt(f.site_p90), f.within_goal,
                         "" if f.share_within_goal is None else f"{f.share_within_goal:.3f}"])
    audit.record("alert.report", actor=request.user, detail={"rows": out.getvalue().count("\n") - 1})
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="alerts-15-minutes.csv"'
    return response


@route(REPORT)
@login_required
def measures_xlsx(request: HttpRequest) -> HttpResponse:
    """The monthly report as a workbook: per community and month, alerts and drills apart."""
    user = request.user
    if not may(user, REPORT):
        return denied(request)
    rows = [(str(row["name"]), row["figures"]) for row in figures(user)]
    now = timezone.localtime()
    made = f"制表：{getattr(user, 'display_name', '') or user.get_username()}，{now:%Y-%m-%d %H:%M}。"
    content = report.write_monthly(rows, title="告警响应 15 分钟到场月报", made=made)
    audit.record("alert.report", actor=user, detail={"rows": len(rows), "format": "xlsx"})
    return attachment(content, f"告警15分钟到场月报_{now:%Y%m%d}.xlsx",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"

