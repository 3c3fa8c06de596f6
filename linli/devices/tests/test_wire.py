"""Reading device messages: every rule, each way of breaking it (no database)."""

from __future__ import annotations

import datetime
import json

import pytest

from linli.devices import wire

DOOR = ["door_open", "door_close", "heartbeat", "battery", "tamper"]
WEARABLE = ["temperature", "heart_rate", "sos", "fall", "heartbeat", "battery"]
NOW = datetime.datetime(2026, 12, 4, 8, 0, tzinfo=datetime.UTC)


def _raw(data: object) -> bytes:
    return json.dumps(data).encode()


@pytest.mark.parametrize(("payload", "types", "expected"), [
    ({"id": "e1", "ts": "2026-12-04T15:59:00+08:00", "type": "door_open"}, DOOR,
     wire.Event("e1", "door_open", datetime.datetime(2026, 12, 4, 7, 59, tzinfo=datetime.UTC))),
    ({"id": "e.2:x-y_z", "ts": 1796371140000, "type": "heartbeat", "battery": 55}, DOOR,
     wire.Event("e.2:x-y_z", "heartbeat", datetime.datetime.fromtimestamp(1796371140, tz=datetime.UTC), battery=55)),
    ({"id": "t", "ts": "2026-12-04T07:00:00Z", "type": "temperature", "value": 37.6}, WEARABLE,
     wire.Event("t", "temperature", datetime.datetime(2026, 12, 4, 7, 0, tzinfo=datetime.UTC), value=37.6)),
    ({"id": "b", "ts": "2026-12-04T07:00:00Z", "type": "battery", "value": 12}, DOOR,
     wire.Event("b", "battery", datetime.datetime(2026, 12, 4, 7, 0, tzinfo=datetime.UTC), value=12.0, battery=12)),
    ({"id": "h", "ts": "2026-12-04T07:00:00+00:00", "type": "heart_rate", "value": 72, "battery": 90.0}, WEARABLE,
     wire.Event("h", "heart_rate", datetime.datetime(2026, 12, 4, 7, 0, tzinfo=datetime.UTC), value=72.0, battery=90)),
])
def test_good_messages(payload: object, types: list[str], expected: wire.Event) -> None:
    assert wire.parse(_raw(payload), types, now=NOW) == expected


GOOD = {"id": "e1", "ts": "2026-12-04T07:00:00Z", "type": "door_open"}


@pytest.mark.parametrize(("payload", "code"), [
    (b"\xff\xfe{}", "not_utf8"),
    (b"{not json", "not_json"),
    (b'{"id": "x", "ts": NaN, "type": "door_open"}', "not_json"),
    (b"[" * 5000, "too_big"),
    (b"[1, 2]", "not_object"),
    (b'"door_open"', "not_object"),
    (_raw({**GOOD, "id": None}), "missing_id"),
    (_raw({**GOOD, "id": ""}), "missing_id"),
    (_raw({**GOOD, "id": "has space"}), "bad_id"),
    (_raw({**GOOD, "id": "x" * 65}), "bad_id"),
    (_raw({**GOOD, "id": 42}), "bad_id"),
    (_raw({"id": "e1", "type": "door_open"}), "missing_ts"),
    (_raw({**GOOD, "ts": "2026-12-04T07:00:00"}), "bad_ts"),  # no offset
    (_raw({**GOOD, "ts": "yesterday at noon"}), "bad_ts"),
    (_raw({**GOOD, "ts": True}), "bad_ts"),
    (_raw({**GOOD, "ts": 1.5}), "bad_ts"),
    (_raw({**GOOD, "ts": "2001-01-01T00:00:00Z"}), "ts_out_of_range"),
    (_raw({**GOOD, "ts": "2026-12-04T09:00:00Z"}), "ts_out_of_range"),  # an hour ahead of NOW
    (_raw({**GOOD, "ts": 10**20}), "ts_out_of_range"),
    (_raw({"id": "e1", "ts": GOOD["ts"]}), "missing_type"),
    (_raw({**GOOD, "type": "flood"}), "unknown_type"),
    (_raw({**GOOD, "type": ["door_open"]}), "unknown_type"),
    (_raw({**GOOD, "value": "high"}), "bad_value"),
    (_raw({**GOOD, "value": True}), "bad_value"),
    (_raw({**GOOD, "type": "battery", "value": 140}), "value_out_of_range"),
    (_raw({**GOOD, "battery": 101}), "bad_battery"),
    (_raw({**GOOD, "battery": "full"}), "bad_battery"),
    (_raw({**GOOD, "battery": 50.5}), "bad_battery"),
    (_raw({**GOOD, "colour": "red"}), "unknown_field"),
])
def test_malformed_messages(payload: bytes, code: str) -> None:
    with pytest.raises(wire.Malformed) as caught:
        wire.parse(payload, DOOR, now=NOW)
    assert caught.value.code == code
    en, zh = wire.reason_words(caught.value.reason)
    assert en.startswith(wire.REASONS[code][0]) and zh.startswith(wire.REASONS[code][1])


@pytest.mark.parametrize(("payload", "code"), [
    ({"id": "t", "ts": "2026-12-04T07:00:00Z", "type": "temperature"}, "missing_value"),
    ({"id": "t", "ts": "2026-12-04T07:00:00Z", "type": "temperature", "value": 80}, "value_out_of_range"),
    ({"id": "t", "ts": "2026-12-04T07:00:00Z", "type": "heart_rate", "value": 400}, "value_out_of_range"),
    ({"id": "t", "ts": "2026-12-04T07:00:00Z", "type": "door_open"}, "unknown_type"),  # not a wearable's
])
def test_values_by_type(payload: object, code: str) -> None:
    with pytest.raises(wire.Malformed) as caught:
        wire.parse(_raw(payload), WEARABLE, now=NOW)
    assert caught.value.code == code


def test_every_reason_has_both_languages() -> None:
    for code, (en, zh) in wire.REASONS.items():
        assert en and zh and en != zh, code


def test_activity() -> None:
    at = NOW
    assert wire.Event("a", "door_open", at).is_activity
    assert wire.Event("a", "water", at, value=3.0).is_activity
    assert not wire.Event("a", "water", at, value=0.0).is_activity
    assert not wire.Event("a", "heartbeat", at).is_activity


def test_signature() -> None:
    body = b'{"id": "e1"}'
    header = wire.sign("s3cret", body)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert wire.signature_ok("s3cret", body, header)
    assert wire.signature_ok("s3cret", body, f"  {header} ")
    assert not wire.signature_ok("other", body, header)
    assert not wire.signature_ok("s3cret", body + b" ", header)
    assert not wire.signature_ok("s3cret", body, None)
    assert not wire.signature_ok("", body, wire.sign("", body))
    assert not wire.signature_ok("s3cret", body, "sha256=" + "é" * 64)


def test_community_of() -> None:
    assert wire.community_of("31/01/15/099/001/001/001/01/0101/") == "310115099001"
    assert wire.community_of("31/01/15/099/001/") == "310115099001"
    assert wire.community_of("31/01/15/") == ""
    assert wire.new_secret() != wire.new_secret()
