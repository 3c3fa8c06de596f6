"""Live events: sent once the transaction commits, never when it rolls back, and only to those whose
scope covers the event's place (decision 0026)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from linli.core import push
from linli.core.models import PushEvent
from linli.core.push import DatabaseBackend, Event, publish, visible_to


def _event(path: str, action: str = "tickets.view") -> Event:
    return Event("1", "live.test", action, path, {}, 0.0)


def test_an_event_of_a_transaction_that_rolls_back_is_never_sent(street, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with contextlib.suppress(RuntimeError), transaction.atomic():
            publish("live.test", {"n": 1}, path=street.community.path, action="tickets.view")
            raise RuntimeError("the action failed")
    assert callbacks == []
    assert not PushEvent.objects.exists()


def test_an_event_is_sent_when_the_transaction_commits_and_not_before(street, django_capture_on_commit_callbacks):
    tail = DatabaseBackend().tail(None)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            publish("live.test", {"id": 7, "title": "摔倒"}, path=street.community.path, action="tickets.view")
            assert not PushEvent.objects.exists()  # still inside the action
    [event] = tail.poll(0)
    assert (event.topic, event.path, event.action, event.payload) == (
        "live.test", street.community.path, "tickets.view", {"id": 7, "title": "摔倒"})
    assert tail.poll(0) == []  # read once
    line = event.sse().decode()
    assert line.startswith(f"id: {event.id}\ndata: ") and line.endswith("\n\n")
    assert json.loads(line.split("data: ", 1)[1])["payload"]["title"] == "摔倒"


def test_only_users_whose_scope_covers_the_place_receive_it(street):
    inside = _event(street.grid_building.path)
    assert visible_to(street.grid_worker, inside)
    assert visible_to(street.secretary, inside)
    assert visible_to(street.street_officer, inside)
    assert not visible_to(street.grid_worker, _event(street.other_grid_building.path))
    assert not visible_to(street.secretary, _event(street.far_building.path))
    assert not visible_to(street.outsider, inside)
    assert not visible_to(street.resident, inside)
    # the action counts, not only the place: health data goes to health roles
    assert not visible_to(street.secretary, _event(street.community.path, "health.view"))
    assert visible_to(street.health_officer, _event(street.community.path, "health.view"))


def test_bad_events_fail_in_the_action_that_publishes_them(street):
    with pytest.raises(ImproperlyConfigured):
        publish("live.test", {}, path=street.community.path, action="nobody.registered")
    with pytest.raises(ValueError, match="place path"):
        publish("live.test", {}, path="", action="tickets.view")
    with pytest.raises(ValueError, match="topic"):
        publish("live test", {}, path=street.community.path, action="tickets.view")
    with pytest.raises(TypeError):
        publish("live.test", {"x": object()}, path=street.community.path, action="tickets.view")
    with pytest.raises(ValueError, match="bytes"):
        publish("live.test", {"x": "字" * 10_000}, path=street.community.path, action="tickets.view")


def test_rows_committed_out_of_order_are_still_read(db):
    """PostgreSQL may commit two processes' rows in the other order than their ids."""
    tail = DatabaseBackend().tail("0")
    base = 1000
    PushEvent.objects.create(pk=base + 2, topic="t.b", action="tickets.view", path="31/")
    assert [e.topic for e in tail.poll(0)] == ["t.b"]
    PushEvent.objects.create(pk=base + 1, topic="t.a", action="tickets.view", path="31/")
    PushEvent.objects.create(pk=base + 3, topic="t.c", action="tickets.view", path="31/")
    assert [e.topic for e in tail.poll(0)] == ["t.a", "t.c"]
    assert tail.poll(0) == []


def test_old_events_are_purged(db):
    from datetime import timedelta

    from django.utils import timezone

    PushEvent.objects.create(topic="t.old", action="tickets.view", path="31/",
                             at=timezone.now() - timedelta(seconds=push.KEEP_SECONDS + 60))
    PushEvent.objects.create(topic="t.new", action="tickets.view", path="31/")
    assert DatabaseBackend().purge() == 1
    assert list(PushEvent.objects.values_list("topic", flat=True)) == ["t.new"]


def _redis_url() -> str | None:
    try:
        import redis  # noqa: F401
    except ImportError:
        return None
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return None
    return os.environ.get("LINLI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


# Without Redis (or its client) this is skipped, unless LINLI_REQUIRE_REDIS is set (CI sets it): then it fails.
@pytest.mark.skipif(_redis_url() is None and not os.environ.get("LINLI_REQUIRE_REDIS"),
                    reason="Redis at 127.0.0.1:6379 is not reachable (CI requires it: LINLI_REQUIRE_REDIS)")
def test_the_redis_backend_hands_events_on_in_order(monkeypatch):
    url = _redis_url()
    assert url, "LINLI_REQUIRE_REDIS is set but Redis at 127.0.0.1:6379 is not reachable (or the redis client is missing)"
    monkeypatch.setattr(push, "REDIS_STREAM", f"linli:push:test:{uuid.uuid4().hex}")
    backend = push.RedisBackend(url)
    try:
        tail = backend.tail(None)
        first = backend.append("t.one", "tickets.view", "31/01/", {"n": 1})
        backend.append("t.two", "tickets.view", "31/02/", {"n": 2})
        events = tail.poll(0.5)
        assert [(e.topic, e.path, e.payload) for e in events] == [
            ("t.one", "31/01/", {"n": 1}), ("t.two", "31/02/", {"n": 2})]
        assert events[0].id == first
        assert tail.poll(0.05) == []
        assert [e.topic for e in backend.recent(10)] == ["t.one", "t.two"]
        assert [e.topic for e in backend.tail(first).poll(0.5)] == ["t.two"]
    finally:
        backend.client.delete(push.REDIS_STREAM)
