"""Devices posting their events over HTTPS, signed with their secret."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from linli.conftest import Street
from linli.devices import api, wire
from linli.devices.models import Device, DeviceEvent
from linli.devices.tests.helpers import active_device, at, register


def post(device: Device | str, body: bytes | Any, secret: str | None, **headers: Any) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    uid = device if isinstance(device, str) else device.uid
    if secret is not None:
        headers["HTTP_X_LINLI_SIGNATURE"] = wire.sign(secret, raw)
    return Client(raise_request_exception=False, enforce_csrf_checks=True).post(f"/api/devices/{uid}/events", raw,
                                                      content_type="application/json", **headers)


@pytest.fixture(autouse=True)
def fresh_limits() -> None:
    api._recent.clear()


def test_one_event_then_a_batch(street: Street) -> None:
    device, secret = active_device(street)
    one = post(device, {"id": "h-1", "ts": at(3), "type": "door_open", "battery": 77}, secret)
    assert one.status_code == 200, one.content
    assert one.json()["stored"] == 1 and one.json()["results"][0] == {
        "index": 0, "id": "h-1", "status": "stored", "code": "", "detail": "", "detail_zh": ""}
    batch = post(device, {"events": [{"id": "h-1", "ts": at(3), "type": "door_open"},
                                     {"id": "h-2", "ts": at(2), "type": "door_close"},
                                     {"id": "h-3", "ts": at(2), "type": "smoke"},
                                     "door_open"]}, secret)
    answer = batch.json()
    assert (answer["stored"], answer["duplicates"], answer["malformed"]) == (1, 1, 2)
    assert [r["status"] for r in answer["results"]] == ["duplicate", "stored", "malformed", "malformed"]
    assert answer["results"][2]["code"] == "unknown_type"
    assert answer["results"][2]["detail_zh"].startswith("此类设备不发送")
    assert set(DeviceEvent.objects.filter(device=device).values_list("event_id", "via")) == {
        ("h-1", "https"), ("h-2", "https")}
    device.refresh_from_db()
    assert device.battery == 77 and device.malformed_count == 2


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "nonsense", "sha256=é"])
def test_a_bad_signature_is_401(street: Street, signature: str | None) -> None:
    device, _ = active_device(street)
    headers = {} if signature is None else {"HTTP_X_LINLI_SIGNATURE": signature}
    response = post(device, {"id": "x", "ts": at(1), "type": "door_open"}, None, **headers)
    assert response.status_code == 401
    assert response.json()["detail_zh"].startswith("设备未知或签名有误")
    assert not DeviceEvent.objects.filter(device=device).exists()


def test_another_devices_secret_or_an_unknown_device_is_401(street: Street) -> None:
    device, _ = active_device(street)
    _, other_secret = active_device(street)
    body = {"id": "x", "ts": at(1), "type": "door_open"}
    assert post(device, body, other_secret).status_code == 401
    assert post("NO-SUCH-DEVICE", body, other_secret).status_code == 401


def test_a_device_not_active_is_refused(street: Street) -> None:
    device, secret = register(street.admin, street.house_in(street.grid_building))
    response = post(device, {"id": "x", "ts": at(1), "type": "door_open"}, secret)
    assert response.status_code == 403 and "启用" in response.json()["detail_zh"]


@pytest.mark.parametrize(("body", "status"), [
    (b"{not json", 400),
    (b"\xff\xfe", 400),
    (b"[1, 2]", 400),
    (b"42", 400),
    (json.dumps({"events": "door_open"}).encode(), 400),
    (json.dumps({"events": [], "more": 1}).encode(), 400),
    (json.dumps({"events": [{"id": f"e{n}", "ts": "2026-01-01T00:00:00Z", "type": "door_open"}
                            for n in range(101)]}).encode(), 413),
    (b" " * (wire.MAX_BODY + 1), 413),
])
def test_bad_bodies_are_refused_in_both_languages(street: Street, body: bytes, status: int) -> None:
    device, secret = active_device(street)
    response = post(device, body, secret)
    assert response.status_code == status, response.content
    assert response.json()["detail"] and response.json()["detail_zh"]
    assert not DeviceEvent.objects.filter(device=device).exists()


def test_posting_too_often_is_429(street: Street, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "POSTS_PER_MINUTE", 3)
    device, secret = active_device(street)
    codes = [post(device, {"id": f"r{n}", "ts": at(1), "type": "heartbeat"}, secret).status_code for n in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_empty_batch_and_odd_events_never_500(street: Street) -> None:
    device, secret = active_device(street)
    for body in ({"events": []}, {"events": [None, [], {"id": {"a": 1}}, {"ts": 10**30}]}, {"id": "x" * 5000},
                 {"id": "v", "ts": at(1), "type": "door_open", "value": 1e308}):
        response = post(device, body, secret)
        assert response.status_code == 200, (body, response.content)
        assert response.json()["stored"] == 0


def test_in_the_openapi_schema() -> None:
    from linli.web.api import api as whole

    operation = whole.get_openapi_schema()["paths"]["/api/devices/{uid}/events"]["post"]
    assert "requestBody" in operation and {200, 401, 413, 429} <= set(operation["responses"])
    assert any(p["name"] == wire.SIGNATURE_HEADER for p in operation["parameters"])
