"""The push server's delivery, without sockets: each stream gets the events its user may receive,
a poll's events in one write, what it missed when it comes back, and a stream that stops reading
is let go (decision 0026)."""

from __future__ import annotations

from collections import deque

import pytest

from linli.core.push import Event
from linli.web.push_server import MAX_BUFFERED_BYTES, Client, PushServer, origin_allowed


class Transport:
    def __init__(self, waiting: int = 0) -> None:
        self.waiting = waiting

    def get_write_buffer_size(self) -> int:
        return self.waiting


class Writer:
    def __init__(self, waiting: int = 0) -> None:
        self.transport = Transport(waiting)
        self.writes: list[bytes] = []
        self.closed = False

    def is_closing(self) -> bool:
        return self.closed

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def server():
    server = PushServer()
    yield server
    server.sessions.shutdown()
    server.reader.shutdown()


def _event(n: int, path: str) -> Event:
    return Event(str(n), "alerts.new", "tickets.view", path, {"n": n}, 0.0)


def test_each_stream_gets_what_its_user_may_see_in_one_write(street, server):
    grid_worker, secretary = Client(Writer(), street.grid_worker, "a"), Client(Writer(), street.secretary, "b")
    server.clients = {grid_worker, secretary}
    server.fanout([_event(1, street.grid_building.path), _event(2, street.other_grid_building.path),
                   _event(3, street.far_building.path)])
    [chunk] = grid_worker.writer.writes
    assert chunk.count(b"id: ") == 1 and b"id: 1\n" in chunk
    [chunk] = secretary.writer.writes
    assert chunk.count(b"id: ") == 2 and b"id: 1\n" in chunk and b"id: 2\n" in chunk
    assert server.delivered == 3 and [e.id for e in server.ring] == ["1", "2", "3"]


def test_a_returning_page_gets_what_it_missed_or_is_told_it_cannot(street, server):
    server.fanout([_event(n, street.grid_building.path) for n in (1, 2, 3)])
    back = Client(Writer(), street.grid_worker, "a")
    server._replay(back, "1")
    assert b"".join(back.writer.writes).count(b"id: ") == 2
    server.ring = deque(server.ring, maxlen=3)  # full: the oldest kept is 1
    late = Client(Writer(), street.grid_worker, "a")
    server._replay(late, "0")
    assert b"live.missed" in late.writer.writes[0]


def test_a_stream_that_stops_reading_is_let_go(street, server):
    stuck = Client(Writer(waiting=MAX_BUFFERED_BYTES + 1), street.grid_worker, "a")
    server.clients = {stuck}
    server.fanout([_event(1, street.grid_building.path)])
    assert stuck.writer.closed and stuck.writer.writes == [] and server.delivered == 0


def test_only_the_sites_own_pages_may_open_a_stream(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://linli.example.gov.cn"]
    assert origin_allowed("http://127.0.0.1:8000", "127.0.0.1:8001")
    assert origin_allowed("https://linli.example.gov.cn", "push.internal:8001")
    assert not origin_allowed("http://evil.example", "127.0.0.1:8001")
    assert not origin_allowed("http://localhost:8000", "127.0.0.1:8001")
    assert not origin_allowed("null", "127.0.0.1:8001")
