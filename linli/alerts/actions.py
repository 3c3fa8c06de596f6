"""Raising, paging, acknowledging, attending, resolving and clearing alerts; chains and rota.

Every change is atomic, checks its own permission (the internal ones, raised by devices and the
clock, have no acting user and are audited as the system's) and is audited. Live screens hear
of an alert raised, escalated, acknowledged, attended, resolved or cleared through
``linli.core.push.publish`` once the transaction commits; texts and calls that leave the
platform go through ``linli.core.gateways`` after the commit too.
"""

from __future__ import annotations

import datetime
import hmac
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from linli.alerts import clock, roster
from linli.alerts.access import MANAGE, RESPOND, VIEW
from linli.alerts.models import (
    OPEN_STATES,
    Alert,
    AlertEntry,
    Condition,
    EntryKind,
    EscalationChain,
    EscalationStep,
    OnSiteMethod,
    Outcome,
    Severity,
    Shift,
    State,
    SwapOffer,
    SwapState,
    Target,
    Team,
)
from linli.core import audit, gateways, push
from linli.core.access import PermissionDenied, allows, require
from linli.core.crypto import blind_index
from linli.core.text import has_control_characters, strip_invisible
from linli.core.validators import mask_phone
from linli.grids.models import Grid, GridMember
from linli.places.models import Level, Place
from linli.tasks.targets import addresses, building_path, grids_by_building

COMMUNITY_DEPTH = 5
STICKER_PURPOSE = "alerts.house_sticker"
TICK_BATCH = 500
MAX_WEEKS = 12

# The chain a community without its own follows (issue 13): the grid worker on duty (2 min),
# the grid leader (3), the community's duty officer (5), the family by text, the call-out.
DEFAULT_CHAIN = (
    clock.Step(Target.GRID_ON_DUTY, 2), clock.Step(Target.GRID_LEADER, 3), clock.Step(Target.COMMUNITY_DUTY, 5),
    clock.Step(Target.FAMILY, 5, by_phone=True), clock.Step(Target.CALL_OUT, 5),
)
# Quarantine conditions go to the health officers first, then the community: the health chain
# of a community that has not saved its own (``EscalationChain`` with ``team`` health).
HEALTH_CHAIN = (clock.Step(Target.HEALTH, 5), clock.Step(Target.COMMUNITY_DUTY, 5))


def community_path(path: str) -> str:
    return "/".join(path.split("/")[:COMMUNITY_DEPTH]) + "/"


def sticker_token(house: Place) -> str:
    """The code printed on a house's QR sticker: a keyed hash of its code, so a sticker cannot
    be made for a house without the site's key."""
    return blind_index(house.code, purpose=STICKER_PURPOSE)[:12]


def sticker_matches(house: Place, token: str) -> bool:
    """Whether a code typed or scanned is the house's: case, spaces and the printed dashes aside."""
    typed = "".join(ch for ch in (token or "") if ch not in " -\t").lower()
    return hmac.compare_digest(typed.encode(), sticker_token(house).encode())


def _error(field: str, message: Any, code: str, **params: Any) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code, params=params or None)]})


def _closed_error() -> ValidationError:
    return _error("state", _("This alert is already closed (resolved or cleared)."), "closed")


def _clean_text(value: str, field: str, limit: int, *, required: bool = False) -> str:
    text = strip_invisible(value or "").replace("\r\n", "\n").strip()
    if has_control_characters(text, allowed="\n"):
        raise _error(field, _("This text contains control characters; please retype it."), "control_chars")
    if required and not text:
        raise _error(field, _("This field is required."), "required")
    if len(text) > limit:
        raise _error(field, _("At most %(limit)d characters (this has %(length)d)."), "too_long",
                     limit=limit, length=len(text))
    return text


def short_address(alert: Alert) -> str:
    cached = alert.__dict__.get("_short_address")
    if cached is None:
        cached = alert.__dict__["_short_address"] = addresses([alert.house.path])[alert.house.path] or alert.house.name
    return str(cached)


def _publish(alert: Alert, *, notify: bool) -> None:
    # The banner's words are in the site's language (the event goes to every screen at once).
    with translation.override(settings.LANGUAGE_CODE):
        title = f"{Condition(alert.condition).label} · {Severity(alert.severity).label}"
        if alert.is_drill:
            title = f"{title} ({gettext('drill')})"
    payload = {"id": alert.pk, "condition": alert.condition, "severity": alert.severity, "state": alert.state,
               "house": short_address(alert), "notify": notify, "title": title, "body": short_address(alert),
               "url": reverse("alerts:detail", args=[alert.pk])}
    path = alert.path
    transaction.on_commit(lambda: push.publish("alerts", payload, path=path, action=VIEW))


def _entry(alert: Alert, kind: str, *, at: datetime.datetime, actor: Any = None, text: str = "",
           data: Mapping[str, Any] | None = None) -> AlertEntry:
    return AlertEntry.objects.create(alert=alert, at=at, kind=kind, actor=actor, text=text[:300], data=dict(data or {}),
                                     path=alert.path)


# --- the chain and the clock ---------------------------------------------------------------------------

def chain_for(community: Place | None, severity: str) -> EscalationChain | None:
    if community is None:
        return None
    chains = {c.severity: c for c in EscalationChain.objects.filter(community=community, team=Team.GRID,
                                                                    severity__in=[severity, ""])}
    return chains.get(severity) or chains.get("")


def _chain_steps(chain_id: int) -> tuple[clock.Step, ...]:
    rows = EscalationStep.objects.filter(chain_id=chain_id).order_by("order")
    return tuple(clock.Step(s.target, s.wait_minutes, s.by_phone) for s in rows)


def steps_of(alert: Alert) -> tuple[clock.Step, ...]:
    if alert.team == Team.HEALTH:
        # the community's health chain as it is now (edited as data), else the default one
        chain_id = (EscalationChain.objects.filter(path=community_path(alert.path), team=Team.HEALTH)
                    .values_list("pk", flat=True).first())
        return (_chain_steps(chain_id) if chain_id is not None else ()) or HEALTH_CHAIN
    if alert.chain is not None:
        steps = _chain_steps(alert.chain.pk)
        if steps:
            return steps
    return DEFAULT_CHAIN


def _notify(alert: Alert, page: clock.Page[roster.Recipient]) -> None:
    """Page the staff in the platform; text the family; call staff on a by-phone step. The
    call-out to 120/110 is asked of the duty officer and recorded by her, never dialled."""
    title = str(Condition(alert.condition).label)
    body = short_address(alert)
    purpose = f"alert:{alert.pk}"
    for recipient in page.recipients:
        user, phone = recipient.user, recipient.phone
        if user is not None:
            transaction.on_commit(partial(gateways.send_app_push, user, title, body, purpose=purpose))
        if phone and (page.target == Target.FAMILY or (page.by_phone and page.target != Target.CALL_OUT)):
            send = gateways.send_sms if page.target == Target.FAMILY else gateways.place_call
            transaction.on_commit(partial(send, phone, f"{title}: {body}", purpose=purpose))


def _page_entries(alert: Alert, tick: clock.Tick[roster.Recipient], now: datetime.datetime) -> list[AlertEntry]:
    """The timeline lines of what the clock did (unsaved), its texts and calls queued for the
    commit, and the step and next time set on the alert (unsaved)."""
    entries = []
    for page in tick.pages:
        kind = EntryKind.ESCALATED if page.escalated else EntryKind.PAGED
        names = "、".join(r.name if r.user is not None else mask_phone(r.phone) for r in page.recipients)
        data = {"step": page.index, "target": page.target, "by_phone": page.by_phone, "repeat": page.repeat,
                "users": [r.user.pk for r in page.recipients if r.user is not None],
                "phones": [mask_phone(r.phone) for r in page.recipients if r.user is None]}
        entries.append(AlertEntry(alert=alert, at=now, kind=kind, text=names[:300], data=data, path=alert.path))
        if page.recipients and page.target == Target.FAMILY:
            entries.append(AlertEntry(alert=alert, at=now, kind=EntryKind.NOTIFIED, text=names[:300],
                                      data={"target": page.target, "by": "sms"}, path=alert.path))
        _notify(alert, page)
    alert.step = tick.step
    alert.next_step_at = tick.next_at
    return entries


def _apply_clock(alert: Alert, now: datetime.datetime, *, first: bool) -> clock.Tick[roster.Recipient]:
    """Run the clock for one alert and write what it did: the pages, the step, the next time."""
    tick = clock.advance(steps_of(alert), step=alert.step, next_at=None if first else alert.next_step_at,
                         acknowledged=alert.state != State.NEW, now=now, who=roster.lookup_for(alert))
    for entry in _page_entries(alert, tick, now):
        entry.save()
    return tick


def tick(now: datetime.datetime | None = None) -> int:
    """Apply the clock to every open, unacknowledged alert whose next step is due; returns how
    many were paged. Each alert in its own transaction (one stuck row stops nothing else)."""
    now = now or timezone.now()
    due = list(Alert.objects.filter(state=State.NEW, next_step_at__lte=now).order_by("next_step_at")
               .values_list("pk", flat=True)[:TICK_BATCH])
    paged = 0
    for pk in due:
        with transaction.atomic():
            alert = (Alert.objects.select_for_update(of=("self",)).select_related("house", "chain")
                     .filter(pk=pk, state=State.NEW, next_step_at__lte=now).first())
            if alert is None:
                continue  # acknowledged or moved on meanwhile
            result = _apply_clock(alert, now, first=False)
            alert.save(update_fields=["step", "next_step_at"])
            if result.pages:
                paged += 1
                audit.record("alert.escalate", obj=alert, detail={"step": alert.step, "status": result.status})
                _publish(alert, notify=True)
    return paged


# --- raising -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Raise:
    house: Place
    condition: str
    severity: str
    at: datetime.datetime
    team: str = Team.GRID
    person_id: int | None = None
    device_id: int | None = None
    explanation: Mapping[str, Any] | None = None
    events: int = 1


def _attach(alert: Alert, *, at: datetime.datetime, events: int, data: Mapping[str, Any] | None = None) -> None:
    Alert.objects.filter(pk=alert.pk).update(event_count=F("event_count") + events, last_event_at=at)
    _entry(alert, EntryKind.EVENT, at=at, data={"events": events, **(data or {})})


def do_raise(spec: Raise, *, is_drill: bool = False, acting_user: Any = None, note: str = "") -> tuple[Alert, bool]:
    """Raise an alert (from the intake, or a drill): returns (alert, created). A second alert
    for a house and condition already open attaches to the open one instead, also when two
    raise it at once (the database's unique constraint decides, the loser attaches)."""
    with transaction.atomic():
        if not is_drill:
            existing = (Alert.objects.filter(house=spec.house, condition=spec.condition, state__in=OPEN_STATES,
                                             is_drill=False).first())
            if existing is not None:
                _attach(existing, at=spec.at, events=spec.events)
                return existing, False
        community = Place.objects.filter(path=community_path(spec.house.path)).first()
        grid_id = grids_by_building([spec.house.path]).get(building_path(spec.house.path))
        alert = Alert(house=spec.house, path=spec.house.path, person_id=spec.person_id, device_id=spec.device_id,
                      grid_id=grid_id, condition=spec.condition, severity=spec.severity, team=spec.team,
                      is_drill=is_drill, explanation=dict(spec.explanation or {}), opened_at=spec.at,
                      last_event_at=spec.at if spec.events else None, event_count=spec.events,
                      chain=chain_for(community, spec.severity), note=note)
        try:
            with transaction.atomic():
                alert.save()
        except IntegrityError:
            winner = Alert.objects.get(house=spec.house, condition=spec.condition, state__in=OPEN_STATES,
                                       is_drill=False)
            _attach(winner, at=spec.at, events=spec.events)
            return winner, False
        _entry(alert, EntryKind.RAISED, at=spec.at, actor=acting_user,
               text=str(alert.explanation.get("reason_zh", ""))[:300], data={"drill": is_drill})
        _apply_clock(alert, timezone.now(), first=True)
        alert.save(update_fields=["step", "next_step_at"])
        audit.record("alert.drill" if is_drill else "alert.raise", actor=acting_user, obj=alert,
                     detail={"condition": alert.condition, "severity": alert.severity, "team": alert.team})
        _publish(alert, notify=True)
    return alert, True


@transaction.atomic
def do_raise_drill(house: Place, *, acting_user: Any, note: str = "") -> Alert:
    """A community raises a drill for a house: it follows the whole chain, counted apart."""
    require(acting_user, MANAGE, house.path)
    if house.level != Level.HOUSE:
        raise _error("house", _("Choose a house."), "not_house")
    text = _clean_text(note, "note", 500)
    alert, _created = do_raise(Raise(house, Condition.DRILL, Severity.CRITICAL, timezone.now(), events=0,
                                     explanation={"rule": "drill", "reason_zh": "演练。", "reason_en": "A drill."}),
                               is_drill=True, acting_user=acting_user, note=text)
    return alert


# --- answering ----------------------------------------------------------------------------------------

def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update(of=("self",)).select_related("house", "chain").get(pk=alert.pk)


@transaction.atomic
def do_acknowledge(alert: Alert, *, acting_user: Any) -> Alert:
    """"I have it": stops the escalation clock. Acknowledging twice changes nothing."""
    require(acting_user, RESPOND, alert)
    alert = _locked(alert)
    if not alert.is_open:
        raise _closed_error()
    if alert.state != State.NEW:
        return alert
    now = timezone.now()
    alert.state, alert.acknowledged_at, alert.acknowledged_by, alert.next_step_at = (
        State.ACKNOWLEDGED, now, acting_user, None)
    alert.save(update_fields=["state", "acknowledged_at", "acknowledged_by", "next_step_at"])
    _entry(alert, EntryKind.ACKNOWLEDGED, at=now, actor=acting_user)
    audit.record("alert.acknowledge", actor=acting_user, obj=alert)
    _publish(alert, notify=False)
    return alert


def _coordinate(value: Any, field: str, limit: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _error(field, _("The location could not be read."), "location") from None
    if not math.isfinite(number) or abs(number) > limit:
        raise _error(field, _("The location could not be read."), "location")
    return number


@transaction.atomic
def do_check_in_on_site(alert: Alert, *, acting_user: Any, method: str, token: str = "",
                        latitude: Any = None, longitude: Any = None, accuracy: Any = None) -> Alert:
    """At the door: by the house's QR sticker, by the phone's location, or by a plain
    confirmation. An alert not yet acknowledged is acknowledged by the same person now."""
    require(acting_user, RESPOND, alert)
    alert = _locked(alert)
    if not alert.is_open:
        raise _closed_error()
    if alert.state == State.ON_SITE:
        return alert
    data: dict[str, Any] = {"method": method}
    if method == OnSiteMethod.QR:
        if not sticker_matches(alert.house, token):
            raise _error("token", _("This is not the sticker of this house."), "wrong_sticker")
    elif method == OnSiteMethod.LOCATION:
        data["latitude"] = _coordinate(latitude, "latitude", 90)
        data["longitude"] = _coordinate(longitude, "longitude", 180)
        if accuracy not in (None, ""):
            data["accuracy"] = _coordinate(accuracy, "accuracy", 1e7)
    elif method != OnSiteMethod.CONFIRMED:
        raise _error("method", _("Choose how you confirm you are at the door."), "method")
    now = timezone.now()
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now, acting_user
        _entry(alert, EntryKind.ACKNOWLEDGED, at=now, actor=acting_user)
    alert.state, alert.on_site_at, alert.on_site_by, alert.on_site_method, alert.next_step_at = (
        State.ON_SITE, now, acting_user, method, None)
    alert.save(update_fields=["state", "acknowledged_at", "acknowledged_by", "on_site_at", "on_site_by",
                              "on_site_method", "next_step_at"])
    _entry(alert, EntryKind.ON_SITE, at=now, actor=acting_user, data=data)
    audit.record("alert.on_site", actor=acting_user, obj=alert, detail={"method": method})
    _publish(alert, notify=False)
    return alert


@transaction.atomic
def do_resolve(alert: Alert, *, acting_user: Any, outcome: str, note: str = "") -> Alert:
    require(acting_user, RESPOND, alert)
    if outcome not in Outcome.values:
        raise _error("outcome", _("Choose the outcome."), "outcome")
    text = _clean_text(note, "note", 1000, required=outcome == Outcome.OTHER)
    alert = _locked(alert)
    if not alert.is_open:
        raise _closed_error()
    now = timezone.now()
    alert.state, alert.resolved_at, alert.resolved_by, alert.outcome, alert.next_step_at = (
        State.RESOLVED, now, acting_user, outcome, None)
    if text:
        alert.note = f"{alert.note}\n{text}".strip() if alert.note else text
    alert.save(update_fields=["state", "resolved_at", "resolved_by", "outcome", "note", "next_step_at"])
    _entry(alert, EntryKind.RESOLVED, at=now, actor=acting_user, text=text, data={"outcome": outcome})
    audit.record("alert.resolve", actor=acting_user, obj=alert, detail={"outcome": outcome})
    _publish(alert, notify=False)
    return alert


@transaction.atomic
def do_add_note(alert: Alert, *, acting_user: Any, text: str, call_out: bool = False) -> AlertEntry:
    """A line on the timeline; ``call_out``: the call to 120/110 was made (by a person)."""
    require(acting_user, RESPOND, alert)
    clean = _clean_text(text, "text", 300, required=not call_out)
    entry = _entry(alert, EntryKind.NOTE, at=timezone.now(), actor=acting_user, text=clean,
                   data={"call_out": True} if call_out else {})
    audit.record("alert.note", actor=acting_user, obj=alert, detail={"call_out": call_out})
    return entry


def do_clear(alert: Alert, *, at: datetime.datetime, reason: Mapping[str, Any] | None = None) -> bool:
    """The condition ended (the device says so): a non-critical alert is cleared; a critical one
    only gets the line on its timeline and waits for a person. Returns whether it cleared."""
    with transaction.atomic():
        alert = _locked(alert)
        if not alert.is_open:
            return False
        data = dict(reason or {})
        if alert.severity == Severity.CRITICAL:
            _entry(alert, EntryKind.NOTE, at=at, text=str(data.get("reason_zh", "")), data={**data, "held": True})
            return False
        alert.state, alert.cleared_at, alert.next_step_at = State.CLEARED, at, None
        alert.save(update_fields=["state", "cleared_at", "next_step_at"])
        _entry(alert, EntryKind.CLEARED, at=at, text=str(data.get("reason_zh", "")), data=data)
        audit.record("alert.clear", obj=alert, detail={"rule": data.get("rule", "")})
        _publish(alert, notify=False)
    return True


# --- chains ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StepInput:
    target: str
    wait_minutes: int
    by_phone: bool = False


@transaction.atomic
def do_save_chain(community: Place, *, acting_user: Any, severity: str, steps: Sequence[StepInput],
                  name: str = "", team: str = Team.GRID) -> EscalationChain:
    """Set a community's chain for a severity (blank: every severity without its own), or its
    health officers' chain for the quarantine alerts (``team`` health, every severity)."""
    require(acting_user, MANAGE, community.path)
    if community.level != Level.COMMUNITY:
        raise _error("community", _("Choose a community."), "not_community")
    if team not in Team.values:
        raise _error("team", _("Choose who answers: the grid's chain or the health officers'."), "team")
    if severity and severity not in Severity.values:
        raise _error("severity", _("Choose a severity."), "severity")
    if team == Team.HEALTH and severity:
        raise _error("severity", _("The health officers' chain is for every severity."), "health_severity")
    if not steps:
        raise _error("steps", _("A chain has at least one step."), "no_steps")
    for step in steps:
        if step.target not in Target.values:
            raise _error("steps", _("Choose who each step pages."), "target")
        if not 1 <= step.wait_minutes <= 120:
            raise _error("steps", _("Each step waits 1 to 120 minutes."), "wait")
    label = _clean_text(name, "name", 64) or str(_("escalation chain"))
    chain, _created = EscalationChain.objects.update_or_create(
        community=community, team=team, severity=severity, defaults={"name": label, "path": community.path})
    chain.steps.all().delete()
    EscalationStep.objects.bulk_create([EscalationStep(chain=chain, order=n, target=s.target,
                                                       wait_minutes=s.wait_minutes, by_phone=s.by_phone)
                                        for n, s in enumerate(steps)])
    audit.record("alert.chain", actor=acting_user, obj=chain, detail={
        "team": team, "severity": severity, "steps": [[s.target, s.wait_minutes, s.by_phone] for s in steps]})
    return chain


# --- rota --------------------------------------------------------------------------------------------

def colleague_may_stand_in(user: Any, community: Place, grid: Grid | None) -> bool:
    """Someone who may stand in: a member of the grid's team, or (community duty) someone who
    may answer alerts across the community."""
    if grid is not None:
        return GridMember.objects.filter(grid=grid, user=user).exists()
    return allows(user, RESPOND, community.path)


@transaction.atomic
def do_create_shifts(community: Place, *, acting_user: Any, grid: Grid | None, first_day: datetime.date,
                     weeks: int, day: Mapping[int, Any], night: Mapping[int, Any]) -> list[Shift]:
    """Materialise a weekly pattern (day 8:00–20:00, night 20:00–8:00 next morning) for a grid,
    or for the community's duty officer (no grid), for ``weeks`` weeks; shifts already in that
    period for the same grid (or duty) are replaced."""
    require(acting_user, MANAGE, community.path)
    if community.level != Level.COMMUNITY:
        raise _error("community", _("Choose a community."), "not_community")
    if grid is not None and grid.community_id != community.pk:
        raise _error("grid", _("This grid is not in this community."), "grid_elsewhere")
    if not 1 <= weeks <= MAX_WEEKS:
        raise _error("weeks", _("From 1 to %(n)d weeks."), "weeks", n=MAX_WEEKS)
    if first_day < timezone.localdate() - datetime.timedelta(days=1):
        raise _error("first_day", _("The rota cannot start in the past."), "past")
    people = {u.pk: u for u in [*day.values(), *night.values()]}
    for user in people.values():
        if not colleague_may_stand_in(user, community, grid):
            raise _error("user", _("%(name)s cannot be on call here."), "not_colleague", name=str(user))
    pattern = clock.Pattern(day={d: str(u.pk) for d, u in day.items()}, night={d: str(u.pk) for d, u in night.items()})
    made = clock.weekly_shifts(pattern, first_day, weeks, timezone.get_current_timezone())
    if not made:
        raise _error("user", _("Choose who is on call."), "empty")
    start, end = min(s[1] for s in made), max(s[2] for s in made)
    Shift.objects.filter(community=community, grid=grid, starts_at__gte=start, starts_at__lt=end).delete()
    shifts = Shift.objects.bulk_create([Shift(community=community, grid=grid, path=community.path,
                                              user=people[int(who)], starts_at=s, ends_at=e)
                                        for _kind, s, e, who in made])
    audit.record("alert.rota", actor=acting_user, obj=community, detail={
        "grid": grid.pk if grid else None, "weeks": weeks, "first_day": first_day.isoformat(), "shifts": len(shifts)})
    return shifts


@transaction.atomic
def do_swap_shift(shift: Shift, *, acting_user: Any, to: Any) -> Shift:
    """Hand a shift to a colleague of the same grid (or community duty); who held it is kept."""
    own = shift.user_id == getattr(acting_user, "pk", None) and allows(acting_user, RESPOND, shift)
    if not own and not allows(acting_user, MANAGE, shift):
        raise PermissionDenied(MANAGE)
    shift = Shift.objects.select_for_update(of=("self",)).select_related("community", "grid").get(pk=shift.pk)
    if shift.ends_at <= timezone.now():
        raise _error("shift", _("This shift is over."), "over")
    if to.pk == shift.user_id or not colleague_may_stand_in(to, shift.community, shift.grid):
        raise _error("to", _("%(name)s cannot be on call here."), "not_colleague", name=str(to))
    previous = shift.user
    shift.swapped_from, shift.user = previous, to
    shift.save(update_fields=["swapped_from", "user"])
    # An offer the previous holder made of this shift is moot now: it is no longer hers to give.
    stale = list(SwapOffer.objects.select_for_update(of=("self",)).filter(shift=shift, state=SwapState.OFFERED))
    now = timezone.now()
    for offer in stale:
        offer.state, offer.answered_at, offer.answered_by = SwapState.CANCELLED, now, acting_user
    SwapOffer.objects.bulk_update(stale, ["state", "answered_at", "answered_by"])
    audit.record("alert.swap", actor=acting_user, obj=shift, detail={
        "from": previous.pk, "to": to.pk, "offers_cancelled": [o.pk for o in stale]})
    return shift
