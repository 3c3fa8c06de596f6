"""``linli devices listen`` and ``linli devices simulate``."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import uuid
from typing import Any

import paho.mqtt.client as paho
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from paho.mqtt.enums import CallbackAPIVersion

from linli.devices import mqtt
from linli.devices.tests.test_mqtt import HOST, PORT, needs_broker


def test_listen_has_its_options() -> None:
    done = subprocess.run([sys.executable, "-m", "linli.cli", "devices", "listen", "--help"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    for option in ("--url", "--shared", "--communities", "--client-id"):
        assert option in done.stdout


def test_a_bad_broker_address_is_refused_in_both_languages() -> None:
    for action in ("listen", "simulate"):
        with pytest.raises(CommandError) as err:
            call_command("devices", action, "--url", "http://broker.example/")
        assert "mqtt://" in str(err.value) and "须" in str(err.value)


@pytest.mark.django_db
def test_simulate_needs_active_devices() -> None:
    with pytest.raises(CommandError, match="no active devices"):
        call_command("devices", "simulate", "--duration", "1")


@needs_broker
@pytest.mark.django_db
def test_simulate_publishes_the_active_devices_traffic_and_a_fall_in_the_first_grid(street: Any) -> None:
    from linli.devices.models import Device, DeviceKind
    from linli.grids.models import Grid
    from linli.places.models import Level, Place

    prefix = f"SIMT{uuid.uuid4().hex[:6]}"
    grid = Grid.objects.order_by("id").first()
    building = grid.places.order_by("path").first()
    houses = list(Place.objects.filter(path__startswith=building.path, level=Level.HOUSE).order_by("path")[:4])
    kinds = {k.code: k for k in DeviceKind.objects.all()}
    Device.objects.filter(status="active").update(status="suspended")  # only ours (rolled back)
    for house, kind in zip(houses, ["door", "wearable", "fall", "water"], strict=True):
        Device.objects.create(uid=f"{prefix}-{kind}", kind=kinds[kind], house=house, path=house.path,
                              status="active")

    seen: list[tuple[str, str, dict[str, Any]]] = []
    subscribed = threading.Event()

    def on_message(client: Any, userdata: Any, message: Any) -> None:
        parsed = mqtt.parse_topic(message.topic)
        if parsed and parsed[1].startswith(prefix):
            try:
                seen.append((parsed[0], parsed[1], json.loads(message.payload)))
            except ValueError:
                seen.append((parsed[0], parsed[1], {}))

    listener = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    listener.on_message = on_message
    listener.on_subscribe = lambda *args: subscribed.set()
    listener.connect(HOST, PORT)
    listener.subscribe("linli/+/+/events", qos=1)
    listener.loop_start()
    try:
        assert subscribed.wait(10)
        call_command("devices", "simulate", "--url", f"mqtt://{HOST}:{PORT}/", "--rate", "600",
                     "--fall-every", "1", "--seed", "5", "--duration", "3")
        deadline = threading.Event()
        deadline.wait(1.0)
    finally:
        listener.disconnect()
        listener.loop_stop()
    assert {community for community, _, _ in seen} == {street.community.code}
    assert {uid for _, uid, _ in seen} >= {f"{prefix}-wearable", f"{prefix}-fall"}
    falls = [uid for _, uid, body in seen if body.get("type") == "fall"]
    assert falls and set(falls) == {f"{prefix}-fall"}
