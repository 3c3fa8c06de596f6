"""The push server (``linli push``, decision 0026): holds the signed-in pages' live streams
(server-sent events at ``/live/``) in one asyncio loop, so hundreds of open streams cost no
thread of the WSGI servers, and sends each of them the events its user may receive.

- Events come from ``linli.core.push``'s backend (the database, polled every
  ``LINLI_PUSH_POLL_MS``; or a Redis stream), read by one thread, handed to the loop.
- A stream is opened with the page's session cookie. The user is found as Django finds her (the
  session, its auth hash, the second factor); her role assignments are read then and again every
  ``RECHECK_SECONDS``: a revoked role or an ended session stops the events within that time.
- The last ``RING`` events stay in memory: a page that reconnects with ``Last-Event-ID`` (or
  ``?last=``) gets those it missed (that it may see), or a ``live.missed`` event when they are gone.
- Comments every ``HEARTBEAT_SECONDS`` keep proxies from closing a quiet stream and find dead ones;
  a stream that does not read its events (a megabyte waiting) is closed.

Database work (sign-in, polling) runs in threads: Django's ORM is synchronous.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import time
from collections import deque
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.db import close_old_connections
from django.http.request import split_domain_port, validate_host

from linli.core.push import Event, backend, visible_to

log = logging.getLogger("linli.push")

RING = 1000
HEARTBEAT_SECONDS = 15.0
RECHECK_SECONDS = 60.0
PURGE_SECONDS = 60.0
MAX_HEAD_BYTES = 8192
MAX_STREAMS_PER_USER = 20
MAX_BUFFERED_BYTES = 1 << 20


def session_user(session_key: str) -> Any | None:
    """The active, signed-in user of this session who owes no second factor, with her roles
    read (so that deciding who receives an event needs no database), or None."""
    from importlib import import_module

    from django.contrib.auth import get_user
    from django.http import HttpRequest
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.middleware import is_verified
    from django_otp.models import Device

    from linli.core import twofactor
    from linli.core.scope import needs_second_factor

    close_old_connections()
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(request)
    if not user.is_authenticated or not user.is_active:
        return None
    device_id = request.session.get(DEVICE_ID_SESSION_KEY)
    device = Device.from_persistent_id(device_id) if device_id else None
    user.otp_device = device if device is not None and getattr(device, "user_id", None) == user.pk else None  # type: ignore[attr-defined]
    user.is_verified = functools.partial(is_verified, user)  # type: ignore[attr-defined]
    if twofactor.pending(user):
        return None
    needs_second_factor(user)  # reads her role assignments now, in this thread
    return user


def _allowed_hosts() -> list[str]:
    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:
        hosts = [".localhost", "127.0.0.1", "[::1]"]
    return hosts


def origin_allowed(origin: str, host: str) -> bool:
    """A page may open a stream from its own site: a trusted origin, or the same host name as
    the push server's (another port of it)."""
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    name, _port = split_domain_port(host)
    return bool(name) and parts.hostname == name.strip("[]") and validate_host(name, _allowed_hosts())


def _id_key(ident: str) -> tuple[int, ...]:
    """Event ids compare as numbers: "123" (database) or "1700000000000-3" (Redis)."""
    try:
        return tuple(int(part) for part in ident.split("-"))
    except ValueError:
        return ()


class Client:
    __slots__ = ("writer", "user", "session_key", "checked")

    def __init__(self, writer: asyncio.StreamWriter, user: Any, session_key: str) -> None:
        self.writer = writer
        self.user = user
        self.session_key = session_key
        self.checked = time.monotonic()

    def send(self, data: bytes) -> bool:
        if self.writer.is_closing():
            return False
        if self.writer.transport.get_write_buffer_size() > MAX_BUFFERED_BYTES:
            self.writer.close()  # it does not read: let it reconnect and catch up
            return False
        self.writer.write(data)
        return True


class PushServer:
    def __init__(self, *, poll_seconds: float | None = None) -> None:
        self.backend = backend()
        self.poll_seconds = poll_seconds if poll_seconds is not None else settings.LINLI_PUSH_POLL_MS / 1000
        self.clients: set[Client] = set()
        self.ring: deque[Event] = deque(maxlen=RING)
        self.delivered = 0
        self.sessions = ThreadPoolExecutor(max_workers=4, thread_name_prefix="push-session")
        self.reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="push-tail")
        self.tasks: list[asyncio.Task[Any]] = []
        self.server: asyncio.Server | None = None

    # --- running ---------------------------------------------------------------------------

    async def start(self, host: str, port: int) -> asyncio.Server:
        loop = asyncio.get_running_loop()
        recent = await loop.run_in_executor(self.reader, self._recent)
        self.ring.extend(recent)
        tail = await loop.run_in_executor(self.reader, self.backend.tail, recent[-1].id if recent else None)
        self.server = await asyncio.start_server(self.handle, host, port, backlog=1024, limit=MAX_HEAD_BYTES)
        self.tasks = [asyncio.create_task(coroutine) for coroutine in (
            self._tail(tail), self._heartbeat(), self._recheck(), self._purge())]
        return self.server

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        if self.server is not None:
            self.server.close()
        for client in list(self.clients):
            client.writer.close()
        self.sessions.shutdown(wait=False, cancel_futures=True)
        self.reader.shutdown(wait=False, cancel_futures=True)

    def _recent(self) -> list[Event]:
        close_old_connections()
        return self.backend.recent(RING)

    def _poll(self, tail: Any) -> list[Event]:
        close_old_connections()
        return list(tail.poll(1.0))

    async def _tail(self, tail: Any) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                events = await loop.run_in_executor(self.reader, self._poll, tail)
            except Exception:  # the database or Redis is away for a moment: try again
                log.exception("reading live events failed")
                await asyncio.sleep(2)
                continue
            if events:
                self.fanout(events)
            elif not self.backend.waits:
                await asyncio.sleep(self.poll_seconds)

    def fanout(self, events: Iterable[Event]) -> None:
        """Send each stream the events its user may receive, those of one poll in one write."""
        batch = [(event, event.sse()) for event in events]
        self.ring.extend(event for event, _ in batch)
        for client in list(self.clients):
            try:
                chunk = [data for event, data in batch if visible_to(client.user, event)]
                if chunk and client.send(b"".join(chunk)):
                    self.delivered += len(chunk)
            except Exception:  # one broken stream must not stop the others
                log.exception("sending a live event failed")
                client.writer.close()

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            for client in list(self.clients):
                client.send(b":\n\n")

    async def _recheck(self) -> None:
        """Read each stream's user again (roles, session, second factor) every RECHECK_SECONDS."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(min(5.0, RECHECK_SECONDS))
            now = time.monotonic()
            for client in [c for c in self.clients if now - c.checked >= RECHECK_SECONDS]:
                try:
                    user = await loop.run_in_executor(self.sessions, session_user, client.session_key)
                except Exception:
                    log.exception("checking a live stream's session failed")
                    continue
                client.checked = time.monotonic()
                if user is None:
                    client.writer.close()
                else:
                    client.user = user

    async def _purge(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            with contextlib.suppress(Exception):
                await loop.run_in_executor(self.reader, self.backend.purge)
            await asyncio.sleep(PURGE_SECONDS)

    # --- one connection -----------------------------------------------------------------------

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass
        finally:
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        lines = head.decode("latin-1").split("\r\n")
        try:
            method, target, _version = lines[0].split(" ")
        except ValueError:
            _answer(writer, 400, "Bad request")
            return
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        parts = urlsplit(target)
        host = headers.get("host", "")
        if not validate_host(split_domain_port(host)[0], _allowed_hosts()):
            _answer(writer, 400, "Bad host")
            return
        if parts.path == "/live/status":
            self._status(writer)
            return
        if parts.path != "/live/":
            _answer(writer, 404, "Not found")
            return
        origin = headers.get("origin", "")
        cors: dict[str, str] = {}
        if origin:
            if not origin_allowed(origin, host):
                _answer(writer, 403, "Origin not allowed")
                return
            cors = {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true",
                    "Vary": "Origin"}
        if method == "OPTIONS":
            _answer(writer, 204, "", {**cors, "Access-Control-Allow-Methods": "GET",
                                             "Access-Control-Allow-Headers": "Last-Event-ID, Cache-Control",
                                             "Access-Control-Max-Age": "600"})
            return
        if method != "GET":
            _answer(writer, 405, "Method not allowed", {"Allow": "GET, OPTIONS"})
            return
        session_key = _cookie(headers.get("cookie", ""), settings.SESSION_COOKIE_NAME)
        loop = asyncio.get_running_loop()
        try:
            user = await loop.run_in_executor(self.sessions, session_user, session_key) if session_key else None
        except Exception:  # the database is away: the page tries again later
            log.exception("reading a live stream's session failed")
            _answer(writer, 503, "Try again later / 请稍后重试", cors)
            return
        if user is None:
            _answer(writer, 403, "Sign in first / 请先登录", cors)
            return
        if sum(1 for c in self.clients if c.user.pk == user.pk) >= MAX_STREAMS_PER_USER:
            _answer(writer, 429, "Too many open pages / 打开的页面过多", cors)
            return
        last = headers.get("last-event-id") or (parse_qs(parts.query).get("last") or [""])[0]
        _head(writer, 200, {**cors, "Content-Type": "text/event-stream; charset=utf-8",
                            "Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        client = Client(writer, user, session_key)
        client.send(b"retry: 2000\n: live\n\n")
        # Replay and joining happen without a pause between them: no event falls in between.
        self._replay(client, last[:64])
        self.clients.add(client)
        try:
            while await reader.read(1024):  # the page sends nothing more; EOF when it leaves
                pass
        finally:
            self.clients.discard(client)

    def _replay(self, client: Client, last: str) -> None:
        if not last:
            return
        key = _id_key(last)
        if not key:
            return
        if len(self.ring) == self.ring.maxlen and _id_key(self.ring[0].id) > key:
            missed = {"topic": "live.missed", "payload": {}, "at": time.time()}
            client.send(f"data: {json.dumps(missed)}\n\n".encode())
        for event in self.ring:
            if _id_key(event.id) > key and visible_to(client.user, event):
                client.send(event.sse())

    def _status(self, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        if not peer or peer[0] not in ("127.0.0.1", "::1"):
            _answer(writer, 404, "Not found")
            return
        body = json.dumps({"streams": len(self.clients), "delivered": self.delivered,
                           "pid": os.getpid(), "backend": type(self.backend).__name__})
        _answer(writer, 200, body, {"Content-Type": "application/json"})
        return


_REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 429: "Too Many Requests", 503: "Service Unavailable"}


def _head(writer: asyncio.StreamWriter, status: int, headers: dict[str, str]) -> None:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, '')}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))


def _answer(writer: asyncio.StreamWriter, status: int, text: str, headers: dict[str, str] | None = None) -> None:
    body = text.encode()
    _head(writer, status, {"Content-Type": "text/plain; charset=utf-8", **(headers or {}),
                           "Content-Length": str(len(body)), "Connection": "close"})
    writer.write(body)


def _cookie(header: str, name: str) -> str:
    from django.http.cookie import parse_cookie

    value = parse_cookie(header).get(name, "")
    return value if value.isalnum() and len(value) <= 64 else ""


def raise_open_file_limit() -> int:
    """Each open stream is a file descriptor: raise the soft limit to the hard one (Unix)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = 65536 if hard == resource.RLIM_INFINITY else hard
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            return target
    return soft


async def run(host: str, port: int, *, ready: Any = None, parent: int | None = None) -> None:
    """Serve until cancelled (or, with ``parent``, until that process is gone)."""
    server = PushServer()
    await server.start(host, port)
    if ready is not None:
        ready()
    try:
        while parent is None or os.getppid() == parent:
            await asyncio.sleep(1)
    finally:
        await server.stop()
