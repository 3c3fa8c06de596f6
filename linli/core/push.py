"""Live events for the staff screens: ``publish`` an event inside an action; once the action's
transaction commits, it reaches the open pages of every signed-in user who may do ``action`` on a
row filed under ``path``, within a second (decision 0026).

    from linli.core.push import publish

    publish("alerts.new", {"id": alert.pk, "title": "…", "notify": True},
            path=alert.path, action="alerts.view")

The publisher may be any process (a web server, the task worker, a device consumer); the pages'
connections are held by the push server (``linli push``, started by ``linli serve``). Events travel
between them through a backend chosen by ``LINLI_PUSH_URL``:

- empty (the default, the demo): the database. An event is a ``PushEvent`` row written when the
  transaction commits; each push server reads the new rows every ``LINLI_PUSH_POLL_MS`` (200 ms).
- ``redis://…``: a Redis stream (XADD on commit; the push servers wait on XREAD), for several
  machines and no polling.

Who receives an event is decided by the policy layer, per connection: the user's place scope for
``action`` must cover ``path`` (``linli.core.scope``), exactly as ``allows(user, action, path)``.
The payload is sent as it is to everyone who passes, so it must carry no more than each of them
may see: ids, a place's name, a kind and a masked name, never a full phone or ID number; the page
loads anything more through its own permission-checked view. Payload keys the browser script
(``linli/static/linli/live.js``) understands: ``notify`` (true: sound, a browser notification and
the in-page banner), ``title``, ``body`` and ``url`` (same-site link to open). A page that was
away too long to be sent what it missed receives a ``live.missed`` event: reload what it shows.
"""

from __future__ import annotations

import datetime
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q

from linli.core.access import ACTIONS
from linli.core.scope import scope_for

log = logging.getLogger("linli.push")

MAX_PAYLOAD_BYTES = 16 * 1024
KEEP_SECONDS = 3600  # how long events stay for a page that reconnects (the database backend)
REDIS_STREAM = "linli:push"
REDIS_MAXLEN = 10_000


@dataclass(frozen=True)
class Event:
    id: str
    topic: str
    action: str
    path: str
    payload: dict[str, Any]
    at: float  # when it was committed (seconds since the epoch)

    def sse(self) -> bytes:
        """The event as a server-sent event: the id lets a reconnecting page ask for what it missed."""
        data = json.dumps({"topic": self.topic, "payload": self.payload, "at": self.at},
                          ensure_ascii=False, separators=(",", ":"))
        return f"id: {self.id}\ndata: {data}\n\n".encode()


def visible_to(user: Any, event: Event) -> bool:
    """Whether ``user`` may receive ``event``: she may do its action on a row filed at its path."""
    return bool(event.path) and scope_for(user, event.action).covers(event.path)


def publish(topic: str, payload: Mapping[str, Any], *, path: str, action: str) -> None:
    """Send ``payload`` to the live pages of everyone who may do ``action`` on a row filed under
    ``path``, once the current transaction commits (at once outside a transaction); nothing if it
    rolls back. The payload must be JSON and carry no more than every such user may see."""
    if action not in ACTIONS:
        raise ImproperlyConfigured(f"{action!r} is not a registered action")
    if not topic or len(topic) > 100 or not topic.isprintable() or " " in topic:
        raise ValueError(f"a topic is a short name without spaces, like 'alerts.new': {topic!r}")
    if not path or len(path) > 64:
        raise ValueError(f"an event is filed under a place path: {path!r}")
    # Serialised now, so a payload that is not JSON fails in the action that made it.
    data = json.loads(json.dumps(dict(payload), cls=DjangoJSONEncoder))
    if len(json.dumps(data, ensure_ascii=False).encode()) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"a live event's payload is at most {MAX_PAYLOAD_BYTES} bytes: send ids, not documents")

    def send() -> None:
        backend().append(topic, action, path, data)

    # robust: a push that cannot be sent (Redis down) is logged; the action has committed anyway.
    transaction.on_commit(send, robust=True)


# --- backends ------------------------------------------------------------------------------------

class Tail(Protocol):
    def poll(self, wait: float) -> list[Event]:
        """The events committed since the last poll, oldest first, waiting up to ``wait``
        seconds for one where the backend can wait (Redis); at once otherwise."""


class Backend(Protocol):
    waits: bool  # whether poll() waits for events itself (else the caller sleeps between polls)

    def append(self, topic: str, action: str, path: str, payload: dict[str, Any]) -> str: ...

    def recent(self, count: int) -> list[Event]: ...

    def tail(self, after: str | None) -> Tail: ...

    def purge(self) -> int: ...


class DatabaseBackend:
    """Events as ``PushEvent`` rows, read by polling (SQLite and PostgreSQL alike)."""

    waits = False

    def append(self, topic: str, action: str, path: str, payload: dict[str, Any]) -> str:
        from linli.core.models import PushEvent

        return str(PushEvent.objects.create(topic=topic, action=action, path=path, payload=payload).pk)

    def recent(self, count: int) -> list[Event]:
        from linli.core.models import PushEvent

        rows = list(PushEvent.objects.order_by("-pk")[:count])
        return [_row_event(row) for row in reversed(rows)]

    def tail(self, after: str | None) -> DatabaseTail:
        from linli.core.models import PushEvent

        if after is None:
            last = PushEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
            return DatabaseTail(last or 0)
        return DatabaseTail(int(after))

    def purge(self) -> int:
        from django.utils import timezone

        from linli.core.models import PushEvent

        cutoff = timezone.now() - datetime.timedelta(seconds=KEEP_SECONDS)
        return PushEvent.objects.filter(at__lt=cutoff).delete()[0]


# On PostgreSQL two processes' inserts may commit in the other order than their ids: a row whose
# id was skipped is looked for again for a few seconds (each insert is its own short transaction).
GAP_SECONDS = 5.0
GAP_SPAN = 100


@dataclass
class DatabaseTail:
    high: int
    gaps: dict[int, float] = field(default_factory=dict)

    def poll(self, wait: float) -> list[Event]:
        from linli.core.models import PushEvent

        now = time.monotonic()
        self.gaps = {pk: until for pk, until in self.gaps.items() if until > now}
        condition = Q(pk__gt=self.high)
        if self.gaps:
            condition |= Q(pk__in=list(self.gaps))
        rows = list(PushEvent.objects.filter(condition).order_by("pk")[:1000])
        for row in rows:
            if row.pk in self.gaps:
                del self.gaps[row.pk]
            elif row.pk > self.high:
                for missing in range(max(self.high + 1, row.pk - GAP_SPAN), row.pk):
                    self.gaps[missing] = now + GAP_SECONDS
                self.high = row.pk
        return [_row_event(row) for row in rows]


def _row_event(row: Any) -> Event:
    return Event(str(row.pk), row.topic, row.action, row.path, row.payload, row.at.timestamp())


class RedisBackend:
    """Events in a Redis stream, capped at about ``REDIS_MAXLEN`` entries."""

    waits = True

    def __init__(self, url: str) -> None:
        try:
            import redis
        except ImportError as exc:  # pragma: no cover - the redis extra is not installed
            raise ImproperlyConfigured("LINLI_PUSH_URL names Redis: install linli[redis]") from exc
        # Any: redis-py's stubs type its answers as unions of every shape a command may return.
        self.client: Any = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)

    def append(self, topic: str, action: str, path: str, payload: dict[str, Any]) -> str:
        fields = {"e": json.dumps({"topic": topic, "action": action, "path": path, "payload": payload,
                                   "at": time.time()}, ensure_ascii=False)}
        ident = self.client.xadd(REDIS_STREAM, fields, maxlen=REDIS_MAXLEN, approximate=True)
        return ident.decode() if isinstance(ident, bytes) else str(ident)

    def recent(self, count: int) -> list[Event]:
        entries = self.client.xrevrange(REDIS_STREAM, count=count)
        return [_entry_event(ident, fields) for ident, fields in reversed(entries)]

    def tail(self, after: str | None) -> RedisTail:
        if after is None:
            newest = self.client.xrevrange(REDIS_STREAM, count=1)
            after = _text(newest[0][0]) if newest else "0-0"
        return RedisTail(self, after)

    def purge(self) -> int:
        return 0  # the stream is capped as it grows


@dataclass
class RedisTail:
    backend: RedisBackend
    last: str

    def poll(self, wait: float) -> list[Event]:
        answer = self.backend.client.xread({REDIS_STREAM: self.last}, count=1000, block=max(1, int(wait * 1000)))
        events: list[Event] = []
        for _stream, entries in answer or []:
            for ident, fields in entries:
                events.append(_entry_event(ident, fields))
                self.last = _text(ident)
        return events


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _entry_event(ident: Any, fields: Mapping[Any, Any]) -> Event:
    raw = fields.get(b"e", fields.get("e"))
    body = json.loads(_text(raw))
    return Event(_text(ident), body["topic"], body["action"], body["path"], body["payload"], float(body["at"]))


_BACKENDS: dict[str, Backend] = {}


def backend() -> Backend:
    """The backend ``LINLI_PUSH_URL`` names (one per process)."""
    url = settings.LINLI_PUSH_URL
    if url not in _BACKENDS:
        if url.startswith(("redis://", "rediss://", "unix://")):
            _BACKENDS[url] = RedisBackend(url)
        elif not url or url == "database":
            _BACKENDS[url] = DatabaseBackend()
        else:
            raise ImproperlyConfigured("LINLI_PUSH_URL must be empty (the database) or redis://…")
    return _BACKENDS[url]
