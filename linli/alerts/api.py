"""Alerts over the API: the open alerts of one's area, one alert with its timeline, the three
steps (acknowledge, at the door, resolve) and the 15-minute figures. Scoped like the pages."""

# No ``from __future__ import annotations``: ninja reads these annotations at import time.

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from linli.alerts import actions
from linli.alerts.access import REPORT, RESPOND, VIEW
from linli.alerts.models import OPEN_STATES, Alert
from linli.alerts.queries import figures
from linli.core.access import PermissionDenied, get_or_404, may, route
from linli.core.api_auth import ERRORS, Id, api_user

router = Router()


class AlertOut(Schema):
    id: int
    condition: str
    severity: str
    team: str
    state: str
    is_drill: bool
    house: str = Field(description="a short address")
    opened_at: datetime.datetime
    event_count: int
    acknowledged_at: datetime.datetime | None
    on_site_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    outcome: str
    why: str = Field(description="the rule's sentence, in Chinese")


class AlertEntryOut(Schema):
    at: datetime.datetime
    kind: str
    text: str


class AlertDetailOut(AlertOut):
    timeline: list[AlertEntryOut]


class OnSiteIn(Schema):
    method: Literal["qr", "location", "confirmed"]
    token: str = Field("", max_length=64, description="the code on the house's sticker (qr)")
    latitude: float | None = None
    longitude: float | None = None
    accuracy: float | None = None


class ResolveIn(Schema):
    outcome: Literal["false_alarm", "helped", "hospital", "family", "other"]
    note: str = Field("", max_length=1000)


class FiguresOut(Schema):
    community: str
    month: str
    is_drill: bool
    alerts: int
    acknowledged: int
    on_site: int
    ack_p50: float | None
    ack_p90: float | None
    site_p50: float | None
    site_p90: float | None
    within_goal: int
    share_within_goal: float | None


def _out(alert: Alert) -> dict[str, Any]:
    return {"id": alert.pk, "condition": alert.condition, "severity": alert.severity, "team": alert.team,
            "state": alert.state, "is_drill": alert.is_drill, "house": actions.short_address(alert),
            "opened_at": alert.opened_at, "event_count": alert.event_count, "acknowledged_at": alert.acknowledged_at,
            "on_site_at": alert.on_site_at, "resolved_at": alert.resolved_at, "outcome": alert.outcome,
            "why": str(alert.explanation.get("reason_zh", ""))}


def _detail(alert: Alert) -> dict[str, Any]:
    timeline = [{"at": e.at, "kind": e.kind, "text": e.text} for e in alert.entries.order_by("at", "pk")]
    return {**_out(alert), "timeline": timeline}


@router.get("", response={200: list[AlertOut], **ERRORS}, summary="The open alerts of my area, oldest first")
@route(VIEW)
def list_alerts(request: HttpRequest) -> list[dict[str, Any]]:
    user = api_user(request)
    if not may(user, VIEW):
        raise PermissionDenied(VIEW)
    alerts = (Alert.objects.restrict(user, VIEW).filter(state__in=OPEN_STATES).select_related("house")
              .order_by("opened_at")[:200])
    return [_out(a) for a in alerts]


@router.get("/figures", response={200: list[FiguresOut], **ERRORS},
            summary="Times to acknowledge and to be at the door, per community and month (drills apart)")
@route(REPORT)
def list_figures(request: HttpRequest) -> list[dict[str, Any]]:
    user = api_user(request)
    if not may(user, REPORT):
        raise PermissionDenied(REPORT)
    return [{**vars(row["figures"]), "community": row["name"]} for row in figures(user)]


@router.get("/{alert_id}", response={200: AlertDetailOut, **ERRORS}, summary="One alert with its timeline")
@route(VIEW, model=Alert, kwarg="alert_id")
def get_alert(request: HttpRequest, alert_id: Id) -> dict[str, Any]:
    alert = get_or_404(Alert.objects.select_related("house"), api_user(request), VIEW, pk=alert_id)
    return _detail(alert)


@router.post("/{alert_id}/acknowledge", response={200: AlertDetailOut, **ERRORS},
             summary="Acknowledge an alert (stops its escalation; twice changes nothing)")
@route(RESPOND, model=Alert, kwarg="alert_id")
def acknowledge(request: HttpRequest, alert_id: Id) -> dict[str, Any]:
    user = api_user(request)
    alert = get_or_404(Alert.objects.select_related("house"), user, RESPOND, pk=alert_id)
    return _detail(actions.do_acknowledge(alert, acting_user=user))


@router.post("/{alert_id}/on-site", response={200: AlertDetailOut, **ERRORS}, summary="Check in at the door")
@route(RESPOND, model=Alert, kwarg="alert_id")
def on_site(request: HttpRequest, alert_id: Id, payload: OnSiteIn) -> dict[str, Any]:
    user = api_user(request)
    alert = get_or_404(Alert.objects.select_related("house"), user, RESPOND, pk=alert_id)
    return _detail(actions.do_check_in_on_site(alert, acting_user=user, method=payload.method, token=payload.token,
                                               latitude=payload.latitude, longitude=payload.longitude,
                                               accuracy=payload.accuracy))


@router.post("/{alert_id}/resolve", response={200: AlertDetailOut, **ERRORS}, summary="Resolve with an outcome")
@route(RESPOND, model=Alert, kwarg="alert_id")
def resolve(request: HttpRequest, alert_id: Id, payload: ResolveIn) -> dict[str, Any]:
    user = api_user(request)
    alert = get_or_404(Alert.objects.select_related("house"), user, RESPOND, pk=alert_id)
    return _detail(actions.do_resolve(alert, acting_user=user, outcome=payload.outcome, note=payload.note))
