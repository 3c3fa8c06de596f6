from __future__ import annotations

import contextlib
import datetime
import secrets
import signal
import sys
import threading
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

HELP = """Devices (智能设备): the MQTT side.

  linli devices listen [--url URL] [--shared] [--communities A,B] [--client-id ID]
        receive device events from the MQTT broker (LINLI_MQTT_URL) into the database; run it on
        several machines with --shared (MQTT 5 shared subscription) or with a partition of
        communities each (--communities); stops cleanly on SIGTERM / Ctrl-C
  linli devices simulate [--url URL] [--rate R] [--fall-every SECONDS] [--seed N] [--duration S]
        publish realistic traffic for the active devices (the demo's), with a fall in the first
        grid every --fall-every seconds
"""


def _codes(raw: str | None) -> list[str]:
    if raw is None:
        return list(settings.LINLI_MQTT_COMMUNITIES)
    return [c.strip() for c in raw.split(",") if c.strip()]


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listen = sub.add_parser("listen", help="run the MQTT consumer / 接收设备消息")
        listen.add_argument("--url", default=None, help="broker URL (default LINLI_MQTT_URL)")
        listen.add_argument("--shared", action="store_true", default=None,
                            help="join the shared subscription $share/linli/… (several consumers share the messages)")
        listen.add_argument("--communities", default=None,
                            help="only these communities' devices (comma-separated codes; default LINLI_MQTT_COMMUNITIES)")
        listen.add_argument("--client-id", default=None,
                            help="MQTT client id, stable across restarts (default linli-<host>…)")
        listen.add_argument("--protocol", choices=["auto", "5", "3.1.1"], default="auto")
        listen.add_argument("--batch-size", type=int, default=500)
        listen.add_argument("--batch-ms", type=int, default=50)
        listen.add_argument("--report-every", type=float, default=60.0, help="seconds between count lines")
        simulate = sub.add_parser("simulate", help="publish demo device traffic / 模拟设备消息")
        simulate.add_argument("--url", default=None, help="broker URL (default LINLI_MQTT_URL)")
        simulate.add_argument("--rate", type=float, default=1.0, help="traffic scale (2 = twice as many messages)")
        simulate.add_argument("--fall-every", type=float, default=180.0,
                              help="seconds between falls in the first grid (0: none)")
        simulate.add_argument("--seed", type=int, default=None)
        simulate.add_argument("--duration", type=float, default=0.0, help="seconds to run (0: until stopped)")

    def handle(self, *args: Any, action: str, **opts: Any) -> None:
        getattr(self, "_" + action)(opts)

    def _broker(self, url: str | None) -> Any:
        from linli.devices import mqtt

        try:
            return mqtt.parse_url(url or settings.LINLI_MQTT_URL, ca=settings.LINLI_MQTT_CA,
                                  cert=settings.LINLI_MQTT_CERT, key=settings.LINLI_MQTT_KEY)
        except mqtt.MqttConfigError as exc:
            raise CommandError(str(exc)) from exc

    def _listen(self, opts: dict[str, Any]) -> None:
        from linli.devices import mqtt

        broker = self._broker(opts["url"])
        shared = settings.LINLI_MQTT_SHARED if opts["shared"] is None else True
        communities = _codes(opts["communities"])
        try:
            handler, make_incoming = mqtt.default_handler()
        except ImportError as exc:
            raise CommandError(f"设备接收模块不可用 / the device ingest is not available: {exc}") from exc
        try:
            consumer = mqtt.Consumer(
                broker, handler=handler, make_incoming=make_incoming,
                filters=mqtt.topic_filters(shared=shared, communities=communities),
                client_id=opts["client_id"] or settings.LINLI_MQTT_CLIENT_ID
                or mqtt.default_client_id(shared=shared, communities=communities),
                batch_size=opts["batch_size"], batch_seconds=opts["batch_ms"] / 1000,
                protocol=opts["protocol"], report_every=opts["report_every"], report=self.stdout.write)
        except mqtt.MqttConfigError as exc:
            raise CommandError(str(exc)) from exc
        consumer.install_signal_handlers()
        consumer.run()

    def _simulate(self, opts: dict[str, Any]) -> None:
        import paho.mqtt.client as paho
        from paho.mqtt.enums import CallbackAPIVersion

        from linli.devices import simulator

        if opts["rate"] <= 0:
            raise CommandError("--rate 须大于 0 / --rate must be more than 0")
        broker = self._broker(opts["url"])
        devices, fall_device = simulator.load_devices()
        if not devices:
            raise CommandError("没有已启用的设备 / there are no active devices to simulate")

        traffic = simulator.Traffic(devices, start=datetime.datetime.now(datetime.UTC),
                                    seed=opts["seed"] if opts["seed"] is not None else secrets.randbits(32),
                                    rate=opts["rate"], fall_every=opts["fall_every"], fall_device=fall_device,
                                    tz=ZoneInfo(settings.TIME_ZONE))
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id="", protocol=paho.MQTTv5)
        if broker.username is not None:
            client.username_pw_set(broker.username, broker.password)
        if broker.tls:
            client.tls_set(ca_certs=broker.ca or None, certfile=broker.cert or None, keyfile=broker.key or None)
        client.max_queued_messages_set(10000)
        client.max_inflight_messages_set(100)
        try:
            client.connect(broker.host, broker.port, 30)
        except OSError as exc:
            raise CommandError(f"无法连接 MQTT 服务器 / cannot reach the MQTT broker {broker.describe()}: {exc}") from exc
        client.loop_start()
        stop = threading.Event()
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, lambda *_: stop.set())
        self.stdout.write(f"simulating {len(devices)} devices to {broker.describe()}"
                          + (f", a fall from {fall_device} every {opts['fall_every']:g} s" if fall_device else ""))
        last: list[Any] = []

        def send(topic: str, payload: bytes) -> None:
            last[:] = [client.publish(topic, payload, qos=1)]

        try:
            sent = simulator.publish(traffic, send, duration=opts["duration"], stopping=stop.is_set, sleep=stop.wait)
            if last:
                with contextlib.suppress(ValueError, RuntimeError):  # not connected: nothing to wait for
                    last[0].wait_for_publish(10)  # what is still in flight reaches the broker
        finally:
            client.disconnect()
            client.loop_stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write(f"sent {sent} messages ({traffic.malformed} unreadable, {traffic.duplicates} repeated)")
        sys.stdout.flush()
