"""The MQTT consumer: device events from the broker into ``linli.devices.ingest.receive``.

Devices publish to ``linli/<community code>/<device uid>/events`` with QoS 1 (decision 0027).
The consumer subscribes to all of them, to a shared subscription (``$share/linli/…``, several
consumers sharing the load) or to a partition of communities, and hands the messages to the
ingest in batches (up to ``batch_size`` messages or ``batch_seconds`` after the first one).

A message is acknowledged only after the handler returned, that is after the database commit:
if the handler raises (the database is down) or the process dies, the broker still holds the
message in the consumer's persistent session and delivers it again on reconnect. The ingest is
idempotent by event id, so a message delivered twice is stored once.

No Django import here: the handler is injected (``default_handler`` imports the ingest lazily).
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import logging
import signal
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

log = logging.getLogger("linli.devices.mqtt")

TOPIC_ROOT = "linli"
SHARE_GROUP = "linli"
# How long the broker keeps a consumer's session (its subscriptions and unacknowledged or
# queued messages) while it is away: a restart within the hour loses nothing.
SESSION_EXPIRY_SECONDS = 3600
MAX_UID_LENGTH = 64

Handler = Callable[..., Any]
MakeIncoming = Callable[[str, str, bytes, datetime.datetime], Any]


class MqttConfigError(ValueError):
    """A broker address or option that cannot work, said in Chinese and English."""


@dataclasses.dataclass(frozen=True)
class Broker:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca: str = ""
    cert: str = ""
    key: str = ""

    def describe(self) -> str:
        """The address without the password (for logs)."""
        user = f"{self.username}@" if self.username else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{user}{self.host}:{self.port}/"


def parse_url(url: str, *, ca: str = "", cert: str = "", key: str = "") -> Broker:
    """``mqtt://user:pass@host:1883/`` or ``mqtts://…:8883/`` (TLS; ``ca`` the CA file, ``cert``
    and ``key`` a client certificate) → ``Broker``."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in {"mqtt", "mqtts"}:
        raise MqttConfigError(f"LINLI_MQTT_URL 须以 mqtt:// 或 mqtts:// 开头 / "
                              f"LINLI_MQTT_URL must start with mqtt:// or mqtts://, got {url!r}")
    if not parts.hostname:
        raise MqttConfigError(f"LINLI_MQTT_URL 缺少主机名 / LINLI_MQTT_URL has no host: {url!r}")
    try:
        port = parts.port
    except ValueError as exc:
        raise MqttConfigError(f"LINLI_MQTT_URL 端口无效 / LINLI_MQTT_URL has a bad port: {url!r}") from exc
    tls = parts.scheme == "mqtts"
    if (cert or key) and not tls:
        raise MqttConfigError("客户端证书需要 mqtts:// 地址 / a client certificate needs an mqtts:// URL")
    if bool(cert) != bool(key):
        raise MqttConfigError("LINLI_MQTT_CERT 与 LINLI_MQTT_KEY 须同时设置 / "
                              "LINLI_MQTT_CERT and LINLI_MQTT_KEY go together")
    username = urllib.parse.unquote(parts.username) if parts.username is not None else None
    password = urllib.parse.unquote(parts.password) if parts.password is not None else None
    return Broker(host=parts.hostname, port=port or (8883 if tls else 1883), username=username,
                  password=password, tls=tls, ca=ca, cert=cert, key=key)


def topic_filters(*, root: str = TOPIC_ROOT, shared: bool = False, group: str = SHARE_GROUP,
                  communities: Iterable[str] = ()) -> list[str]:
    """What the consumer subscribes to: every community, or only the given ones; as a shared
    subscription when several consumers divide the messages between them."""
    codes = sorted({c.strip() for c in communities if c.strip()})
    for code in codes:
        if any(ch in code for ch in "/+#$") or not code.isprintable():
            raise MqttConfigError(f"社区代码无效 / not a community code: {code!r}")
    filters = [f"{root}/{code}/+/events" for code in codes] or [f"{root}/+/+/events"]
    if shared:
        filters = [f"$share/{group}/{f}" for f in filters]
    return filters


def parse_topic(topic: str, root: str = TOPIC_ROOT) -> tuple[str, str] | None:
    """``linli/<community>/<uid>/events`` → ``(community, uid)``; anything else → None."""
    prefix = root + "/"
    if not topic.startswith(prefix):
        return None
    parts = topic[len(prefix):].split("/")
    if len(parts) != 3 or parts[2] != "events":
        return None
    community, uid = parts[0], parts[1]
    if not community or not uid or len(uid) > MAX_UID_LENGTH or len(community) > 64:
        return None
    return community, uid


def default_client_id(*, shared: bool = False, communities: Sequence[str] = ()) -> str:
    """Stable across restarts (the broker keeps the session under it): the host, and what this
    consumer takes. Two consumers on one host with the same subscription need --client-id."""
    name = "linli-" + (socket.gethostname() or "consumer")
    if shared:
        name += "-shared"
    if communities:
        name += "-" + "-".join(sorted(communities))
    return name[:128]


def default_handler() -> tuple[Handler, MakeIncoming]:
    """``linli.devices.ingest.receive`` and ``linli.devices.wire.Incoming`` (imported on use)."""
    ingest = importlib.import_module("linli.devices.ingest")
    wire = importlib.import_module("linli.devices.wire")
    return ingest.receive, wire.Incoming


@dataclasses.dataclass
class Counts:
    received: int = 0
    batches: int = 0
    stored_messages: int = 0  # messages handed to a handler that returned, and acknowledged
    rejected: int = 0  # messages on a topic that is not ``<root>/<community>/<uid>/events``
    errors: int = 0  # handler calls that raised (their messages were not acknowledged)
    connects: int = 0
    disconnects: int = 0

    def line(self) -> str:
        return (f"received {self.received}, batches {self.batches}, acknowledged {self.stored_messages}, "
                f"rejected topics {self.rejected}, handler errors {self.errors}, "
                f"connections {self.connects}, lost {self.disconnects}")


@dataclasses.dataclass
class _Pending:
    generation: int
    mid: int
    qos: int
    item: Any  # the Incoming, or None for a rejected topic (acknowledged, never handled)


class Consumer:
    """One consumer process. ``run()`` blocks until ``stop()`` (or SIGTERM / SIGINT once
    ``install_signal_handlers()`` was called)."""

    def __init__(self, broker: Broker, *, handler: Handler, make_incoming: MakeIncoming,
                 filters: Sequence[str] | None = None, root: str = TOPIC_ROOT, client_id: str = "",
                 batch_size: int = 500, batch_seconds: float = 0.05, protocol: str = "auto",
                 session_expiry: int = SESSION_EXPIRY_SECONDS, keepalive: int = 30,
                 report_every: float = 60.0, report: Callable[[str], None] | None = None,
                 backoff_first: float = 0.5, backoff_max: float = 30.0) -> None:
        if protocol not in {"auto", "5", "3.1.1"}:
            raise MqttConfigError(f"协议须为 auto、5 或 3.1.1 / protocol must be auto, 5 or 3.1.1: {protocol!r}")
        if batch_size < 1 or batch_seconds < 0:
            raise MqttConfigError("批量参数无效 / batch_size must be ≥ 1 and batch_seconds ≥ 0")
        self.broker = broker
        self.handler = handler
        self.make_incoming = make_incoming
        self.root = root
        self.filters = list(filters) if filters is not None else topic_filters(root=root)
        self.client_id = client_id or default_client_id()
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self.protocol = protocol
        self.session_expiry = session_expiry
        self.keepalive = keepalive
        self.report_every = report_every
        self.report = report or log.info
        self.backoff_first = backoff_first
        self.backoff_max = backoff_max
        self.counts = Counts()
        self.protocol_used = ""
        self._stop = threading.Event()
        self._client: paho.Client | None = None
        self._generation = 0
        self._pending: list[_Pending] = []
        self._first_at = 0.0
        self._connack: Any = None
        self._suback: Any = None
        self._lost = False
        self._failures = 0  # handler failures in a row

    # --- control -----------------------------------------------------------------------
    def stop(self, *_: object) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def run(self) -> Counts:
        delay = self.backoff_first
        last_report = time.monotonic()
        while not self.stopping:
            if self._client is None:
                if self._connect():
                    delay = self.backoff_first
                else:
                    self._stop.wait(delay)
                    delay = min(delay * 2, self.backoff_max)
                continue
            try:
                self._step()
            except Exception:  # whatever the network or a callback raised: start again
                log.exception("the MQTT loop failed; reconnecting / MQTT 循环出错，重新连接")
                self._lost = True
            if self._lost:
                self._drop_connection("connection lost / 连接中断")
                self._stop.wait(self.backoff_first)
            now = time.monotonic()
            if self.report_every and now - last_report >= self.report_every:
                last_report = now
                self.report(self.counts.line())
        # a clean stop: what was received is handled and acknowledged, then goodbye
        if self._client is not None and not self._lost:
            self._flush()
        self._close()
        self.report(self.counts.line())
        return self.counts

    # --- connection ----------------------------------------------------------------------
    def _new_client(self, v5: bool) -> paho.Client:
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=self.client_id,
                             protocol=paho.MQTTv5 if v5 else paho.MQTTv311,
                             clean_session=None if v5 else False)
        client.manual_ack_set(True)
        if self.broker.username is not None:
            client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            client.tls_set(ca_certs=self.broker.ca or None, certfile=self.broker.cert or None,
                           keyfile=self.broker.key or None)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        client.on_disconnect = self._on_disconnect
        return client

    def _connect(self) -> bool:
        order = {"auto": [True, False], "5": [True], "3.1.1": [False]}[self.protocol]
        for v5 in order:
            outcome = self._try_connect(v5)
            if outcome == "ok":
                self.protocol = "5" if v5 else "3.1.1"  # keep what worked for reconnects
                self.protocol_used = self.protocol
                return True
            if outcome != "protocol":
                return False
        return False

    def _try_connect(self, v5: bool) -> str:
        client = self._new_client(v5)
        self._connack = None
        self._suback = None
        self._lost = False
        try:
            if v5:
                props = Properties(PacketTypes.CONNECT)
                props.SessionExpiryInterval = self.session_expiry
                # let the broker send a whole batch before the first acknowledgement
                props.ReceiveMaximum = min(65535, max(1000, 2 * self.batch_size))
                client.connect(self.broker.host, self.broker.port, self.keepalive, clean_start=False,
                               properties=props)
            else:
                client.connect(self.broker.host, self.broker.port, self.keepalive)
        except (OSError, ValueError) as exc:
            log.warning("cannot reach the MQTT broker %s: %s / 无法连接 MQTT 服务器", self.broker.describe(), exc)
            return "down"
        if not self._wait(client, lambda: self._connack is not None or self._lost) or self._connack is None:
            closed = self._lost
            self._close_client(client)
            # a broker that only speaks 3.1.1 may hang up on an MQTT 5 CONNECT
            return "protocol" if v5 and closed else "down"
        reason = self._connack
        if reason is None or reason.is_failure:
            log.warning("the MQTT broker refused the connection: %s / MQTT 服务器拒绝连接", reason)
            self._close_client(client)
            if v5 and reason is not None and reason.value in (0x84, 1):
                return "protocol"
            return "refused"
        self._generation += 1
        self._client = client
        if v5:
            subscriptions: list[tuple[str, Any]] = [(f, SubscribeOptions(qos=1)) for f in self.filters]
        else:
            subscriptions = [(f, 1) for f in self.filters]
        client.subscribe(subscriptions)
        if not self._wait(client, lambda: self._suback is not None or self._lost):
            self._drop_connection("no answer to SUBSCRIBE / 订阅无应答")
            return "down"
        refused = [str(r) for r in self._suback if r.is_failure]
        if refused:
            self._drop_connection(f"subscription refused / 订阅被拒绝: {', '.join(refused)}")
            return "refused"
        self.counts.connects += 1
        self.report(f"connected to {self.broker.describe()} (MQTT {'5' if v5 else '3.1.1'}) "
                    f"as {self.client_id}, subscribed to {', '.join(self.filters)}")
        return "ok"

    def _wait(self, client: paho.Client, done: Callable[[], bool], seconds: float = 10.0) -> bool:
        deadline = time.monotonic() + seconds
        while not done() and time.monotonic() < deadline and not self.stopping:
            if client.loop(timeout=0.1) != MQTTErrorCode.MQTT_ERR_SUCCESS:
                self._lost = True
        return done()

    def _drop_connection(self, why: str) -> None:
        """Forget the connection and what it delivered but was not acknowledged: the broker
        delivers it again to the session on reconnect."""
        if self._pending:
            log.warning("%s: %d messages not acknowledged, the broker will deliver them again",
                        why, len(self._pending))
        self._pending = []
        self.counts.disconnects += 1
        self._close()

    def _close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            self._close_client(client)

    @staticmethod
    def _close_client(client: paho.Client) -> None:
        try:
            client.disconnect()
            client.loop(timeout=0.05)  # send the DISCONNECT
        except (OSError, ValueError):
            pass

    # --- callbacks (run inside client.loop(), on this thread) ------------------------------
    def _on_connect(self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        self._connack = reason

    def _on_subscribe(self, client: paho.Client, userdata: Any, mid: int, reasons: Any, properties: Any) -> None:
        self._suback = list(reasons)

    def _on_disconnect(self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if client is self._client or self._client is None:
            self._lost = True

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        self.counts.received += 1
        now = datetime.datetime.now(datetime.UTC)
        topic = message.topic
        parsed = parse_topic(topic, self.root)
        item = None
        if parsed is None:
            self.counts.rejected += 1
            log.warning("message on an unexpected topic %r ignored / 主题不符，已忽略", topic[:200])
        else:
            item = self.make_incoming(parsed[0], parsed[1], bytes(message.payload), now)
        if not self._pending:
            self._first_at = time.monotonic()
        self._pending.append(_Pending(self._generation, message.mid, message.qos, item))

    # --- the loop ----------------------------------------------------------------------------
    def _step(self) -> None:
        client = self._client
        assert client is not None  # noqa: S101 - run() only steps when connected
        if self._pending:
            wait = max(0.0, self._first_at + self.batch_seconds - time.monotonic())
        else:
            wait = 0.05
        if client.loop(timeout=min(wait, 0.05)) != MQTTErrorCode.MQTT_ERR_SUCCESS:
            self._lost = True
            return
        if self._pending and (len(self._pending) >= self.batch_size
                              or time.monotonic() - self._first_at >= self.batch_seconds):
            self._flush()

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        client = self._client
        if not pending or client is None:
            return
        batch = [p.item for p in pending if p.item is not None]
        if batch:
            try:
                self.handler(batch, via="mqtt")
            except Exception:
                self.counts.errors += 1
                self._failures += 1
                log.exception("the handler failed on a batch of %d messages; not acknowledged, "
                              "reconnecting / 处理失败，未确认，将重新连接", len(batch))
                self._pending = pending
                self._drop_connection("handler failed / 处理失败")
                self._stop.wait(min(self.backoff_max, self.backoff_first * 2 ** min(self._failures - 1, 8)))
                return
            self._failures = 0
            self.counts.batches += 1
        for p in pending:
            if p.generation == self._generation and p.qos > 0:
                client.ack(p.mid, p.qos)
        self.counts.stored_messages += len(batch)
