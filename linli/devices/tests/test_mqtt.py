"""The MQTT consumer: topics, addresses, batching, acknowledgement after the handler, shutdown.

The end-to-end tests talk to the real Mosquitto at 127.0.0.1:1883, each under its own topic
root so that tests never see each other's messages. Without a broker they are skipped, unless
LINLI_REQUIRE_MQTT is set (CI sets it): then they fail.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from linli.devices import mqtt

HOST, PORT = "127.0.0.1", 1883


def _broker_up() -> bool:
    try:
        with socket.create_connection((HOST, PORT), timeout=1):
            return True
    except OSError:
        return False


needs_broker = pytest.mark.skipif(not os.environ.get("LINLI_REQUIRE_MQTT") and not _broker_up(),
                                  reason=f"no MQTT broker at {HOST}:{PORT} (CI requires one: LINLI_REQUIRE_MQTT)")


@dataclasses.dataclass(frozen=True)
class Item:
    """Stands for ``linli.devices.wire.Incoming`` (same fields)."""

    community: str
    uid: str
    payload: bytes
    received_at: datetime.datetime


class Recorder:
    """A fake handler: records each batch; fails the first ``fail`` calls."""

    def __init__(self, fail: int = 0, on_call: Callable[[list[Any]], None] | None = None) -> None:
        self.batches: list[list[Item]] = []
        self.calls: list[list[Item]] = []
        self.vias: list[str] = []
        self.fail = fail
        self.on_call = on_call

    def __call__(self, batch: list[Item], *, via: str) -> None:
        self.calls.append(list(batch))
        self.vias.append(via)
        if self.on_call:
            self.on_call(batch)
        if self.fail:
            self.fail -= 1
            raise RuntimeError("database is down")
        self.batches.append(list(batch))

    def payloads(self) -> list[bytes]:
        return [i.payload for b in self.batches for i in b]


# --- pure parts ------------------------------------------------------------------------------

@pytest.mark.parametrize(("topic", "expected"), [
    ("linli/310115099001/DOOR-001/events", ("310115099001", "DOOR-001")),
    ("linli/c/u/events", ("c", "u")),
    ("linli/c/u/event", None),
    ("linli/c/events", None),
    ("linli//u/events", None),
    ("linli/c//events", None),
    ("linli/c/u/events/extra", None),
    ("other/c/u/events", None),
    ("linlix/c/u/events", None),
    ("linli/c/" + "u" * 65 + "/events", None),
])
def test_topic_parsing(topic: str, expected: tuple[str, str] | None) -> None:
    assert mqtt.parse_topic(topic) == expected


def test_topic_parsing_under_another_root() -> None:
    assert mqtt.parse_topic("t1/linli/c/u/events", root="t1/linli") == ("c", "u")
    assert mqtt.parse_topic("linli/c/u/events", root="t1/linli") is None


def test_topic_filters() -> None:
    assert mqtt.topic_filters() == ["linli/+/+/events"]
    assert mqtt.topic_filters(shared=True) == ["$share/linli/linli/+/+/events"]
    assert mqtt.topic_filters(communities=["b", " a ", "a", ""]) == ["linli/a/+/events", "linli/b/+/events"]
    assert mqtt.topic_filters(shared=True, communities=["a"], group="g") == ["$share/g/linli/a/+/events"]
    for bad in ("a/b", "+", "#", "$x"):
        with pytest.raises(mqtt.MqttConfigError):
            mqtt.topic_filters(communities=[bad])


def test_broker_urls() -> None:
    plain = mqtt.parse_url("mqtt://127.0.0.1:1883/")
    assert (plain.host, plain.port, plain.username, plain.password, plain.tls) == ("127.0.0.1", 1883, None, None, False)
    creds = mqtt.parse_url("mqtt://ingest:p%40ss%3Aword@broker.example")
    assert (creds.host, creds.port, creds.username, creds.password) == ("broker.example", 1883, "ingest", "p@ss:word")
    assert "p@ss" not in creds.describe() and "ingest@" in creds.describe()
    tls = mqtt.parse_url("mqtts://broker.example/", ca="/ca.pem", cert="/c.pem", key="/k.pem")
    assert (tls.port, tls.tls, tls.ca, tls.cert, tls.key) == (8883, True, "/ca.pem", "/c.pem", "/k.pem")
    for url, kwargs in [("http://x/", {}), ("mqtt:///", {}), ("mqtt://x:99999/", {}),
                        ("mqtt://x/", {"cert": "/c.pem", "key": "/k.pem"}), ("mqtts://x/", {"cert": "/c.pem"})]:
        with pytest.raises(mqtt.MqttConfigError) as err:
            mqtt.parse_url(url, **kwargs)
        assert " / " in str(err.value)  # Chinese / English


def test_client_id_is_stable_and_says_what_it_takes() -> None:
    assert mqtt.default_client_id() == mqtt.default_client_id()
    assert mqtt.default_client_id(shared=True).endswith("-shared")
    assert mqtt.default_client_id(communities=["b", "a"]).endswith("-a-b")


def test_a_consumer_without_a_broker_keeps_trying_and_stops_when_asked() -> None:
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
    handler = Recorder()
    consumer = mqtt.Consumer(mqtt.Broker(HOST, port), handler=handler, make_incoming=Item,
                             client_id="linli-test-nobroker", backoff_first=0.01, backoff_max=0.05,
                             report=lambda line: None)
    thread = threading.Thread(target=consumer.run)
    thread.start()
    time.sleep(0.3)
    assert thread.is_alive()
    consumer.stop()
    thread.join(5)
    assert not thread.is_alive()
    assert consumer.counts.connects == 0 and handler.calls == []


# --- against the real broker ---------------------------------------------------------------------

def _root() -> str:
    return f"test-{uuid.uuid4().hex[:12]}/linli"


def _publish(messages: list[tuple[str, bytes]], *, retain: bool = False) -> None:
    client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    client.connect(HOST, PORT)
    client.loop_start()
    try:
        infos = [client.publish(topic, payload, qos=1) for topic, payload in messages]
        for info in infos:
            info.wait_for_publish(10)
            assert info.is_published()
    finally:
        client.disconnect()
        client.loop_stop()


class Running:
    """A consumer running in a thread, stopped at the end of the ``with``."""

    def __init__(self, root: str, handler: Recorder, *, client_id: str = "", **kwargs: Any) -> None:
        self.lines: list[str] = []
        kwargs.setdefault("backoff_first", 0.05)
        kwargs.setdefault("session_expiry", 60)  # the broker forgets the test's session soon
        self.consumer = mqtt.Consumer(mqtt.Broker(HOST, PORT), handler=handler, make_incoming=Item, root=root,
                                      filters=kwargs.pop("filters", None) or mqtt.topic_filters(root=root),
                                      client_id=client_id or f"linli-test-{uuid.uuid4().hex[:10]}",
                                      report=self.lines.append, **kwargs)
        self.thread = threading.Thread(target=self.consumer.run, daemon=True)

    def __enter__(self) -> mqtt.Consumer:
        self.thread.start()
        _until(lambda: self.consumer.counts.connects >= 1 or not self.thread.is_alive())
        assert self.consumer.counts.connects >= 1, self.lines
        return self.consumer

    def __exit__(self, *exc: object) -> None:
        self.consumer.stop()
        self.thread.join(10)
        assert not self.thread.is_alive()


def _until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def _messages(root: str, n: int, community: str = "310115099001") -> list[tuple[str, bytes]]:
    return [(f"{root}/{community}/dev-{i % 5}/events", f'{{"id":"e{i}","type":"heartbeat"}}'.encode())
            for i in range(n)]


@needs_broker
def test_messages_reach_the_handler_in_batches_and_bad_topics_are_counted() -> None:
    root = _root()
    handler = Recorder()
    sent = _messages(root, 40)
    with Running(root, handler) as consumer:
        _publish([*sent, (f"{root}//dev-1/events", b"{}")])
        _until(lambda: consumer.counts.stored_messages >= 40 and consumer.counts.rejected >= 1)
    assert sorted(handler.payloads()) == sorted(p for _, p in sent)
    first = handler.batches[0][0]
    assert (first.community, first.uid) == ("310115099001", "dev-0")
    assert first.received_at.tzinfo is not None
    assert set(handler.vias) == {"mqtt"}
    assert consumer.counts.received == 41 and consumer.counts.rejected == 1
    assert consumer.counts.batches == len(handler.batches) and consumer.counts.errors == 0
    assert consumer.protocol_used == "5"


@needs_broker
def test_a_batch_holds_at_most_batch_size_messages_and_the_rest_waits_for_the_window() -> None:
    root = _root()
    handler = Recorder()
    with Running(root, handler, batch_size=10, batch_seconds=30) as consumer:
        _publish(_messages(root, 35))
        _until(lambda: consumer.counts.received >= 35)
        _until(lambda: consumer.counts.batches >= 3)
        # the last five wait for the 30 s window (or the stop, which hands them over)
        assert [len(b) for b in handler.batches] == [10, 10, 10]
    assert [len(b) for b in handler.batches] == [10, 10, 10, 5]


@needs_broker
def test_a_failing_handler_gets_the_same_messages_again_after_reconnecting() -> None:
    root = _root()
    handler = Recorder(fail=2)
    sent = _messages(root, 20)
    with Running(root, handler, backoff_first=0.05) as consumer:
        _publish(sent)
        _until(lambda: consumer.counts.stored_messages >= 20, seconds=20)
    assert consumer.counts.errors == 2
    assert consumer.counts.connects >= 3  # reconnected after each failure
    assert sorted(handler.payloads()) == sorted(p for _, p in sent)
    failed = {i.payload for i in handler.calls[0]}
    assert failed <= set(handler.payloads())  # not acknowledged: delivered again


@needs_broker
def test_messages_of_a_consumer_that_died_before_acknowledging_are_delivered_again() -> None:
    root = _root()
    client_id = f"linli-test-crash-{uuid.uuid4().hex[:8]}"
    sent = _messages(root, 15)

    class Crash(BaseException):
        pass

    def crash(batch: list[Any]) -> None:
        raise Crash  # not an Exception: the process "dies" inside the handler

    dying = Recorder(on_call=crash)
    first = mqtt.Consumer(mqtt.Broker(HOST, PORT), handler=dying, make_incoming=Item, root=root,
                          filters=mqtt.topic_filters(root=root), client_id=client_id, batch_seconds=0.2,
                          session_expiry=60, report=lambda line: None)
    outcome: list[BaseException] = []

    def run_first() -> None:
        try:
            first.run()
        except Crash as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run_first, daemon=True)
    thread.start()
    _until(lambda: first.counts.connects >= 1)
    _publish(sent)
    thread.join(10)
    assert outcome and dying.calls, "the first consumer should have died in its handler"
    sock = first._client.socket() if first._client else None  # noqa: SLF001 - the dead process's socket
    if sock is not None:
        sock.close()  # no DISCONNECT: the connection just drops, as when a process is killed
    handler = Recorder()
    with Running(root, handler, client_id=client_id) as second:
        _until(lambda: second.counts.stored_messages >= 15)
    assert sorted(handler.payloads()) == sorted(p for _, p in sent)


@needs_broker
def test_mqtt_3_1_1_works_too() -> None:
    root = _root()
    handler = Recorder()
    sent = _messages(root, 5)
    with Running(root, handler, protocol="3.1.1") as consumer:
        _publish(sent)
        _until(lambda: consumer.counts.stored_messages >= 5)
    assert consumer.protocol_used == "3.1.1"
    assert sorted(handler.payloads()) == sorted(p for _, p in sent)


@needs_broker
def test_a_partition_of_communities_and_a_shared_subscription() -> None:
    root = _root()
    mine, theirs = Recorder(), Recorder()
    with Running(root, mine, filters=mqtt.topic_filters(root=root, communities=["A"])) as a, \
            Running(root, theirs, filters=mqtt.topic_filters(root=root, communities=["B"])) as b:
        _publish(_messages(root, 6, "A") + _messages(root, 4, "B"))
        _until(lambda: a.counts.stored_messages >= 6 and b.counts.stored_messages >= 4)
    assert {i.community for batch in mine.batches for i in batch} == {"A"}
    assert {i.community for batch in theirs.batches for i in batch} == {"B"}

    root = _root()
    one, two = Recorder(), Recorder()
    shared = mqtt.topic_filters(root=root, shared=True, group=uuid.uuid4().hex[:8])
    with Running(root, one, filters=shared) as a, Running(root, two, filters=shared) as b:
        sent = _messages(root, 40)
        _publish(sent)
        _until(lambda: a.counts.stored_messages + b.counts.stored_messages >= 40)
    # each message went to one of the two, none to both
    assert sorted(one.payloads() + two.payloads()) == sorted(p for _, p in sent)


@needs_broker
def test_sigterm_stops_the_consumer_cleanly_after_handing_over_what_it_received() -> None:
    root = _root()
    handler = Recorder()
    consumer = mqtt.Consumer(mqtt.Broker(HOST, PORT), handler=handler, make_incoming=Item, root=root,
                             filters=mqtt.topic_filters(root=root), client_id=f"linli-test-{uuid.uuid4().hex[:8]}",
                             batch_seconds=60, session_expiry=60, report=lambda line: None)
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}

    def publish_then_terminate() -> None:
        _until(lambda: consumer.counts.connects >= 1)
        _publish(_messages(root, 3))
        _until(lambda: consumer.counts.received >= 3)
        os.kill(os.getpid(), signal.SIGTERM)

    helper = threading.Thread(target=publish_then_terminate, daemon=True)
    try:
        consumer.install_signal_handlers()
        helper.start()
        counts = consumer.run()  # returns on SIGTERM
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
    helper.join(5)
    assert counts.received == 3 and counts.stored_messages == 3
    assert [len(b) for b in handler.batches] == [3]  # the 60 s window did not have to pass


@needs_broker
def test_an_error_outside_the_handler_does_not_stop_the_consumer() -> None:
    root = _root()
    handler = Recorder()
    calls = {"n": 0}

    def make(community: str, uid: str, payload: bytes, received_at: datetime.datetime) -> Item:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ValueError("a surprise inside the network loop")
        return Item(community, uid, payload, received_at)

    sent = _messages(root, 5)
    consumer = Running(root, handler)
    consumer.consumer.make_incoming = make
    with consumer as running:
        _publish(sent)
        _until(lambda: running.counts.stored_messages >= 5)
    assert sorted(handler.payloads()) == sorted(p for _, p in sent)
    assert running.counts.disconnects >= 1  # it started again, and the broker delivered again


class OldBroker:
    """A broker that only speaks MQTT 3.1.1: hangs up on an MQTT 5 CONNECT, passes a 3.1.1
    connection through to the real broker."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind((HOST, 0))
        self.server.listen()
        self.port = self.server.getsockname()[1]
        self.levels: list[int] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        data = b""
        while len(data) < 9:  # fixed header, "MQTT" and the protocol level
            chunk = conn.recv(1024)
            if not chunk:
                conn.close()
                return
            data += chunk
        length_bytes = 1
        while data[length_bytes] & 0x80:
            length_bytes += 1
        level = data[1 + length_bytes + 6]
        self.levels.append(level)
        if level != 4:
            conn.close()
            return
        upstream = socket.create_connection((HOST, PORT))
        upstream.sendall(data)

        def pump(src: socket.socket, dst: socket.socket) -> None:
            try:
                while chunk := src.recv(65536):
                    dst.sendall(chunk)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    with contextlib.suppress(OSError):
                        s.shutdown(socket.SHUT_RDWR)

        threading.Thread(target=pump, args=(conn, upstream), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, conn), daemon=True).start()

    def close(self) -> None:
        self.server.close()


@needs_broker
def test_a_broker_without_mqtt_5_gets_3_1_1() -> None:
    old = OldBroker()
    root = _root()
    handler = Recorder()
    sent = _messages(root, 5)
    consumer = mqtt.Consumer(mqtt.Broker(HOST, old.port), handler=handler, make_incoming=Item, root=root,
                             filters=mqtt.topic_filters(root=root), client_id=f"linli-test-{uuid.uuid4().hex[:8]}",
                             session_expiry=60, report=lambda line: None)
    thread = threading.Thread(target=consumer.run, daemon=True)
    try:
        thread.start()
        _until(lambda: consumer.counts.connects >= 1)
        _publish(sent)
        _until(lambda: consumer.counts.stored_messages >= 5)
    finally:
        consumer.stop()
        thread.join(10)
        old.close()
    assert old.levels[:2] == [5, 4]  # tried MQTT 5 first
    assert consumer.protocol_used == "3.1.1"
    assert sorted(handler.payloads()) == sorted(p for _, p in sent)
