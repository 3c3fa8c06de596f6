"""Devices posting their events over HTTPS: ``POST /api/devices/{uid}/events``.

No user signs in here: the device proves itself by signing the raw body with its secret
(``X-Linli-Signature: sha256=<hex HMAC-SHA256>``). An unknown serial number and a wrong
signature get the same 401, so the endpoint tells nobody which devices exist. The body is one
event or ``{"events": [...]}`` (at most 100); the answer says, for each, whether it was stored,
already known, or unreadable (and why, in English and Chinese). Larger bodies are refused with
413 before they are read, and a device posting too often with 429.
"""

# No ``from __future__ import annotations``: ninja reads these annotations at import time.
import json
import threading
import time
from collections import deque
from typing import Any, Literal

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError

from linli.core.access import route
from linli.core.api_auth import ErrorOut
from linli.core.errors import Bilingual
from linli.devices import ingest, wire
from linli.devices.models import Device, DeviceStatus

router = Router()

POSTS_PER_MINUTE = 120  # a device posting more often than every half second is broken or abused
_recent: dict[str, deque[float]] = {}
_recent_lock = threading.Lock()

BAD_SIGNATURE = Bilingual("Unknown device or wrong signature: sign the raw body with the device's secret "
                          "in X-Linli-Signature (sha256=<hex>).",
                          "设备未知或签名有误：请用设备密钥对请求原文签名，放在 X-Linli-Signature（sha256=<十六进制>）。")
NOT_ACTIVE = Bilingual("This device is not active: record its consent and activate it first.",
                       "此设备未启用：请先记录同意并启用。")
TOO_BIG = Bilingual(f"The body is larger than {wire.MAX_BODY // 1024} KB.", f"请求内容超过 {wire.MAX_BODY // 1024} KB。")
TOO_MANY = Bilingual(f"At most {wire.MAX_BATCH} events in one post.", f"每次最多提交 {wire.MAX_BATCH} 个事件。")
NOT_JSON = Bilingual(*wire.REASONS["not_json"])
NOT_EVENTS = Bilingual("Send one event object, or {\"events\": [...]} with a list of them.",
                       "请提交一个事件对象，或 {\"events\": [...]} 事件列表。")
TOO_OFTEN = Bilingual(f"Too many posts from this device (at most {POSTS_PER_MINUTE} a minute).",
                      f"此设备提交过于频繁（每分钟最多 {POSTS_PER_MINUTE} 次）。")

_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "ts", "type"],
    "properties": {
        "id": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$"},
        "ts": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "integer"}],
               "description": "ISO-8601 with an offset, or epoch milliseconds"},
        "type": {"type": "string", "description": "one of the device kind's event types"},
        "value": {"type": "number"},
        "battery": {"type": "integer", "minimum": 0, "maximum": 100},
    },
}
BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"anyOf": [
            _EVENT_SCHEMA,
            {"type": "object", "required": ["events"], "properties": {
                "events": {"type": "array", "items": _EVENT_SCHEMA, "maxItems": wire.MAX_BATCH}}},
        ]}}},
    },
    "parameters": [{"in": "header", "name": wire.SIGNATURE_HEADER, "required": True,
                    "description": "sha256=<hex HMAC-SHA256 of the raw body under the device's secret>",
                    "schema": {"type": "string"}}],
    "security": [],
}


class EventResult(Schema):
    index: int
    id: str | None = None
    status: Literal["stored", "duplicate", "malformed"]
    code: str = ""
    detail: str = ""
    detail_zh: str = ""


class IngestOut(Schema):
    stored: int
    duplicates: int
    malformed: int
    results: list[EventResult]


class Refused(HttpError):
    """A refusal in both languages (the API's error handler reads ``bilingual``)."""

    def __init__(self, status: int, message: Bilingual) -> None:
        super().__init__(status, message.en)
        self.bilingual = message


def _refuse(status: int, message: Bilingual) -> HttpError:
    return Refused(status, message)


def _too_often(uid: str) -> bool:
    """A sliding minute per device, in this process."""
    now = time.monotonic()
    with _recent_lock:
        posts = _recent.setdefault(uid, deque())
        while posts and posts[0] < now - 60:
            posts.popleft()
        if len(posts) >= POSTS_PER_MINUTE:
            return True
        posts.append(now)
        if len(_recent) > 100_000:  # forget the quiet ones rather than grow without end
            for key in [k for k, v in _recent.items() if not v or v[-1] < now - 60]:
                del _recent[key]
    return False


def _body(request: HttpRequest) -> bytes:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > wire.MAX_BODY:
        raise _refuse(413, TOO_BIG)
    try:
        body = request.body
    except RequestDataTooBig as exc:
        raise _refuse(413, TOO_BIG) from exc
    if len(body) > wire.MAX_BODY:
        raise _refuse(413, TOO_BIG)
    return body


def _payloads(body: bytes) -> list[bytes]:
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=lambda name: None)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _refuse(400, NOT_JSON) from exc
    if isinstance(data, dict) and "events" in data:
        events = data["events"]
        if not isinstance(events, list) or set(data) != {"events"}:
            raise _refuse(400, NOT_EVENTS)
        if len(events) > wire.MAX_BATCH:
            raise _refuse(413, TOO_MANY)
    elif isinstance(data, dict):
        events = [data]
    else:
        raise _refuse(400, NOT_EVENTS)
    return [json.dumps(event, ensure_ascii=False).encode() for event in events]


@router.post("/{uid}/events", auth=None, response={200: IngestOut, frozenset({400, 401, 403, 413, 429}): ErrorOut},
             openapi_extra=BODY, summary="A device posts its events (signed with its secret)")
@route(public=True, model=Device, kwarg="uid", field="uid")
def post_events(request: HttpRequest, uid: str) -> IngestOut:
    body = _body(request)
    device = Device.objects.filter(uid=uid[:64]).select_related("kind").first()
    secret = device.secret if device is not None else ""
    if not wire.signature_ok(secret or "-", body, request.headers.get(wire.SIGNATURE_HEADER)) or device is None:
        raise _refuse(401, BAD_SIGNATURE)
    if device.status != DeviceStatus.ACTIVE:
        raise _refuse(403, NOT_ACTIVE)
    if _too_often(device.uid):
        raise _refuse(429, TOO_OFTEN)
    now = timezone.now()
    community = wire.community_of(device.path)
    payloads = _payloads(body)
    outcome, results = ingest.receive_detailed(
        [wire.Incoming(community, device.uid, payload, now) for payload in payloads], via="https")
    answers = []
    for index, result in enumerate(results):
        status: Literal["stored", "duplicate", "malformed"] = (
            "stored" if result.status == ingest.STORED else "malformed" if result.status == ingest.MALFORMED
            else "duplicate")
        answer = EventResult(index=index, status=status)
        if result.event is not None:
            answer.id = result.event.event_id
        if result.error is not None:
            answer.code, answer.detail, answer.detail_zh = result.error.code, result.error.en, result.error.zh
            if result.error.detail:
                answer.detail += f" ({result.error.detail})"
                answer.detail_zh += f"（{result.error.detail}）"
        answers.append(answer)
    return IngestOut(stored=outcome.stored, duplicates=outcome.duplicates, malformed=outcome.malformed,
                     results=answers)
