"""What a device sends, read and checked (no Django here: the MQTT consumer, the HTTPS endpoint
and the tests share it).

A message is a UTF-8 JSON object of at most 4 KB::

    {"id": "e-1042", "ts": "2026-12-04T08:15:00+08:00", "type": "door_open", "battery": 87}

``id`` names the event for the device (1 to 64 of ``A-Z a-z 0-9 _ . : -``), ``ts`` is the
device's own time (ISO-8601 with an offset, or integer epoch milliseconds), ``type`` one of its
kind's event types, ``value`` a number where the type has one, ``battery`` 0 to 100 on any
message. A message that breaks a rule is refused with a :class:`Malformed` naming the rule by a
stable code, with its words in English and Chinese (:data:`REASONS`).

Over HTTPS the raw body is signed: ``X-Linli-Signature: sha256=<hex HMAC-SHA256 of the body
under the device's secret>``, checked in constant time by :func:`signature_ok`.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import math
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

MAX_PAYLOAD = 4096  # bytes of one event
MAX_BATCH = 100  # events in one HTTPS post
MAX_BODY = MAX_PAYLOAD * MAX_BATCH + 1024  # bytes of one HTTPS post
EVENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
UID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{2,63}")
SIGNATURE_HEADER = "X-Linli-Signature"
SIGNATURE_PREFIX = "sha256="
# A device clock may run a little fast; an event from further ahead than this is refused,
# since it would stand as the device's "last event" for as long as its clock is wrong.
FUTURE_SLACK = datetime.timedelta(minutes=10)
EARLIEST = datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC)
# Types whose events happen in the home: the "no sign of life for 24 h" rules read these.
ACTIVITY_TYPES = frozenset({"door_open", "door_close", "water"})
# Types that carry a value, with the range a sensor can plausibly report.
VALUE_RANGES: dict[str, tuple[float, float]] = {
    "temperature": (25.0, 45.0),  # °C on the skin
    "heart_rate": (20.0, 250.0),  # bpm
    "water": (0.0, 100_000.0),  # litres since the last report
    "battery": (0.0, 100.0),  # %
}
NEEDS_VALUE = frozenset({"temperature", "heart_rate", "water"})
ANY_VALUE = (-1_000_000.0, 1_000_000.0)

# code: (English, Chinese)
REASONS: dict[str, tuple[str, str]] = {
    "too_big": ("The message is larger than 4 KB.", "消息超过 4 KB。"),
    "not_utf8": ("The message is not UTF-8 text.", "消息不是 UTF-8 文本。"),
    "not_json": ("The message is not valid JSON.", "消息不是有效的 JSON。"),
    "not_object": ("The message is not a JSON object.", "消息不是 JSON 对象。"),
    "missing_id": ("The event has no id.", "事件缺少编号（id）。"),
    "bad_id": ("The event id must be 1 to 64 letters, digits or _ . : -.",
               "事件编号须为 1 至 64 个字母、数字或 _ . : -。"),
    "missing_ts": ("The event has no time (ts).", "事件缺少时间（ts）。"),
    "bad_ts": ("The event time must be ISO-8601 with an offset or epoch milliseconds.",
               "事件时间须为带时区的 ISO-8601 格式或毫秒时间戳。"),
    "ts_out_of_range": ("The event time is implausible (before 2015 or in the future).",
                        "事件时间不合理（早于 2015 年或在未来）。"),
    "missing_type": ("The event has no type.", "事件缺少类型（type）。"),
    "unknown_type": ("This kind of device does not send this type of event.", "此类设备不发送这种类型的事件。"),
    "missing_value": ("This type of event needs a value.", "这种类型的事件须带数值（value）。"),
    "bad_value": ("The value must be a number.", "数值（value）须为数字。"),
    "value_out_of_range": ("The value is outside what this sensor can report.", "数值超出此传感器的合理范围。"),
    "bad_battery": ("The battery level must be a whole number from 0 to 100.", "电量（battery）须为 0 至 100 的整数。"),
    "unknown_field": ("The message has a field this format does not know.", "消息含有未知字段。"),
}
FIELDS = frozenset({"id", "ts", "type", "value", "battery"})


@dataclass(frozen=True)
class Incoming:
    """One message as it arrived: the community and device named by its topic (or URL), its
    raw bytes, and when it was received."""

    community: str
    uid: str
    payload: bytes
    received_at: datetime.datetime


@dataclass(frozen=True)
class Event:
    """A message that passed every rule."""

    event_id: str
    type: str
    occurred_at: datetime.datetime
    value: float | None = None
    battery: int | None = None

    @property
    def is_activity(self) -> bool:
        return self.type in ACTIVITY_TYPES and (self.type != "water" or (self.value or 0) > 0)


class Malformed(ValueError):
    """A message broke a rule: ``code`` is one of :data:`REASONS`, ``detail`` a short hint
    (the field's bad value, cut short)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail[:80]

    @property
    def en(self) -> str:
        return REASONS[self.code][0]

    @property
    def zh(self) -> str:
        return REASONS[self.code][1]

    @property
    def reason(self) -> str:
        """What a device's page keeps: the code and the hint, at most 200 characters."""
        return f"{self.code}: {self.detail}"[:200] if self.detail else self.code


def reason_words(reason: str) -> tuple[str, str]:
    """(English, Chinese) of a kept reason (``code`` or ``code: hint``); the code itself when unknown."""
    code, _, detail = reason.partition(": ")
    en, zh = REASONS.get(code, (code, code))
    return (f"{en} ({detail})", f"{zh}（{detail}）") if detail else (en, zh)


# --- reading -------------------------------------------------------------------------------------

def parse(payload: bytes, event_types: Collection[str], *, now: datetime.datetime | None = None) -> Event:
    """The event in ``payload``, or :class:`Malformed`."""
    if len(payload) > MAX_PAYLOAD:
        raise Malformed("too_big", f"{len(payload)} bytes")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Malformed("not_utf8") from exc
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise Malformed("not_json") from exc
    return parse_object(data, event_types, now=now)


def _no_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are not JSON


def parse_object(data: Any, event_types: Collection[str], *, now: datetime.datetime | None = None) -> Event:
    """The event in an already decoded JSON value, or :class:`Malformed`."""
    if not isinstance(data, dict):
        raise Malformed("not_object")
    extra = set(data) - FIELDS
    if extra:
        raise Malformed("unknown_field", sorted(map(str, extra))[0])
    event_id = data.get("id")
    if event_id is None or event_id == "":
        raise Malformed("missing_id")
    if not isinstance(event_id, str) or not EVENT_ID.fullmatch(event_id):
        raise Malformed("bad_id", _hint(event_id))
    occurred_at = parse_ts(data.get("ts"), now=now)
    kind = data.get("type")
    if kind is None or kind == "":
        raise Malformed("missing_type")
    if not isinstance(kind, str) or kind not in event_types:
        raise Malformed("unknown_type", _hint(kind))
    value = _value(kind, data.get("value"))
    battery = _battery(data.get("battery"))
    if kind == "battery" and battery is None and value is not None:
        battery = int(value)
    return Event(event_id=event_id, type=kind, occurred_at=occurred_at, value=value, battery=battery)


def parse_ts(raw: Any, *, now: datetime.datetime | None = None) -> datetime.datetime:
    """An aware datetime from ISO-8601 with an offset or integer epoch milliseconds."""
    if raw is None or raw == "":
        raise Malformed("missing_ts")
    if isinstance(raw, bool):
        raise Malformed("bad_ts", _hint(raw))
    if isinstance(raw, int):
        try:
            moment = datetime.datetime.fromtimestamp(raw / 1000, tz=datetime.UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise Malformed("ts_out_of_range", _hint(raw)) from exc
    elif isinstance(raw, str) and 10 <= len(raw) <= 40:
        try:
            moment = datetime.datetime.fromisoformat(raw)
        except ValueError as exc:
            raise Malformed("bad_ts", _hint(raw)) from exc
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise Malformed("bad_ts", _hint(raw))
    else:
        raise Malformed("bad_ts", _hint(raw))
    if moment < EARLIEST or (now is not None and moment > now + FUTURE_SLACK):
        raise Malformed("ts_out_of_range", _hint(raw))
    return moment


def _value(kind: str, raw: Any) -> float | None:
    if raw is None:
        if kind in NEEDS_VALUE:
            raise Malformed("missing_value")
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise Malformed("bad_value", _hint(raw))
    value = float(raw)
    low, high = VALUE_RANGES.get(kind, ANY_VALUE)
    if not math.isfinite(value) or not low <= value <= high:
        raise Malformed("value_out_of_range", _hint(raw))
    return value


def _battery(raw: Any) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 100:
        if isinstance(raw, float) and raw.is_integer() and 0 <= raw <= 100:
            return int(raw)
        raise Malformed("bad_battery", _hint(raw))
    return raw


def _hint(value: Any) -> str:
    return str(value)[:40]


# --- signing -------------------------------------------------------------------------------------

def new_secret() -> str:
    """A device's signing secret: 32 random bytes, as URL-safe text an installer can type in."""
    return secrets.token_urlsafe(32)


def sign(secret: str, body: bytes) -> str:
    """The header value a device sends with ``body``."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` signs ``body`` under ``secret`` (constant-time; False for no secret)."""
    if not secret or not header:
        return False
    return hmac.compare_digest(sign(secret, body).encode(), header.strip().encode("utf-8", "replace"))


def community_of(path: str) -> str:
    """A community's code (12 digits) from a place path under it: ``31/01/15/099/001/…``."""
    parts = path.split("/")
    return "".join(parts[:5]) if len(parts) > 5 else ""
