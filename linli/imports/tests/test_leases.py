"""Runs hold a lease renewed by their worker's heartbeat: a batch whose worker died mid-commit
("committing 41%") is failed when the lease runs out and can be imported again or stopped; a
run that waits for a worker says so when none has reported in lately."""

from __future__ import annotations

import datetime
import time
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.core import leases
from linli.core import tasks as core_tasks
from linli.core.models import AuditEvent
from linli.imports import actions, tasks
from linli.imports.models import BatchStatus, ImportBatch
from linli.imports.progress import BatchProgress
from linli.imports.tests.helpers import address_of, make_id, person_row, xlsx_bytes
from linli.people.models import Person
from linli.places.models import Level, Place


class Store:
    """The task queue's key-value store as a worker-less deployment has it (not immediate)."""

    immediate = False

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def put(self, key: str, value: Any) -> None:
        self.data[key] = value

    def get(self, key: str, peek: bool = False) -> Any:
        return self.data.get(key) if peek else self.data.pop(key, None)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Store:
    store = Store()
    monkeypatch.setattr(leases, "_huey", lambda: store)
    return store


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, str]]:
    """The task queue with no worker: started runs wait in it."""
    waiting: list[tuple[str, int, str]] = []
    monkeypatch.setattr(tasks, "dry_run_task", lambda batch_id, run_id: waiting.append(("dry_run", batch_id, run_id)))
    monkeypatch.setattr(tasks, "commit_task", lambda batch_id, run_id: waiting.append(("commit", batch_id, run_id)))
    return waiting


def _ready_batch(street: Any, people: int = 3) -> ImportBatch:
    """A checked import of ``people`` new residents, waiting for the decision."""
    houses = Place.objects.filter(path__startswith=street.grid_building.path, level=Level.HOUSE).order_by("path")
    rows = [person_row(i, f"新{i}", make_id(seq=600 + i), "", address_of(houses[i])) for i in range(people)]
    batch = actions.do_upload(acting_user=street.secretary, area=street.community, file_name="roster.xlsx",
                              data=xlsx_bytes(rows))
    actions.do_set_mapping(batch, {layout.name: layout.mapping for layout in actions.layouts_of(batch)},
                           acting_user=street.secretary)
    actions.start_dry_run(batch, acting_user=street.secretary)  # queued (the queue fixture)
    tasks.run_now(batch.pk, actions.run_dry_run, run_id=batch.run_id)  # a worker takes it and finishes
    batch.refresh_from_db()
    assert batch.status == BatchStatus.READY and batch.count("new") == people
    return batch


def _worker_takes_and_dies(batch: ImportBatch, done: int, total: int) -> str:
    """What a killed worker leaves: the run taken, progress published, then nothing more."""
    run_id = actions.claim(batch.pk, batch.run_id)
    assert run_id == batch.run_id
    BatchProgress(batch.pk)("commit", done, total)
    return run_id


def _lease_runs_out(batch: ImportBatch) -> None:
    """As time passes with no heartbeat: the lease taken at the start is over."""
    ImportBatch.objects.filter(pk=batch.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))


def test_a_commit_whose_worker_died_is_failed_and_can_be_imported_again(street, store, queue, monkeypatch):
    batch = _ready_batch(street)
    client = street.client_for(street.secretary)
    client.post(reverse("imports:commit", args=[batch.pk]), {})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTING and queue[-1] == ("commit", batch.pk, batch.run_id)
    _worker_takes_and_dies(batch, 41, 100)
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "41%" in page  # still running while the lease lasts
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.COMMITTING

    _lease_runs_out(batch)
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and batch.error["code"] == "worker_lost"
    assert "41" in batch.error["zh"] and "Nothing was written" in batch.error["en"] and "导入" in batch.error["zh"]
    assert batch.error["zh"] in page  # the page says so in the reader's language (Chinese first)
    assert reverse("imports:commit", args=[batch.pk]) in page and reverse("imports:stop", args=[batch.pk]) in page
    assert AuditEvent.objects.filter(action="import.fail", object_id=str(batch.pk), outcome="failed").exists()

    monkeypatch.undo()  # a worker again (immediate), for the retry
    before = Person.objects.count()
    client.post(reverse("imports:commit", args=[batch.pk]), {})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and Person.objects.count() == before + 3


def test_a_commit_whose_worker_died_can_be_stopped_and_its_file_is_deleted(street, store, queue):
    batch = _ready_batch(street)
    actions.start_commit(batch, acting_user=street.secretary)
    _worker_takes_and_dies(batch, 41, 100)
    _lease_runs_out(batch)
    assert tasks.fail_abandoned_imports.call_local() == 1  # the periodic check, every minute
    response = street.client_for(street.secretary).post(reverse("imports:stop", args=[batch.pk]))
    assert response.status_code == 302
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.status == BatchStatus.STOPPED and batch.content == "" and batch.prepared == ""


def test_the_api_reports_the_lost_worker(street, store, queue):
    batch = _ready_batch(street)
    actions.start_commit(batch, acting_user=street.secretary)
    _worker_takes_and_dies(batch, 41, 100)
    _lease_runs_out(batch)
    client = street.client_for(street.secretary)
    answer = client.get(f"/api/imports/{batch.pk}").json()
    assert answer["status"] == "failed" and answer["error"]["code"] == "worker_lost"
    assert client.post(f"/api/imports/{batch.pk}/stop").json()["status"] == "stopped"


def test_a_heartbeat_keeps_a_long_run_alive(street, store, queue):
    batch = _ready_batch(street)
    actions.start_commit(batch, acting_user=street.secretary)
    _worker_takes_and_dies(batch, 41, 100)
    _lease_runs_out(batch)
    batch.refresh_from_db()
    leases.renew(batch.lease_name)  # the worker's heartbeat thread, still beating
    assert not actions.fail_if_abandoned(batch)
    assert actions.fail_abandoned_runs() == 0
    later = timezone.now() + datetime.timedelta(seconds=leases.lease_seconds() + 1)
    assert actions.fail_abandoned_runs(now=later) == 1  # and once the beats stop, the lease ends


def test_a_run_given_up_for_lost_writes_nothing_when_its_worker_comes_back(street, store, queue):
    batch = _ready_batch(street)
    actions.start_commit(batch, acting_user=street.secretary)
    old_run = _worker_takes_and_dies(batch, 41, 100)
    _lease_runs_out(batch)
    batch.refresh_from_db()
    assert actions.fail_if_abandoned(batch)
    actions.start_commit(batch, acting_user=street.secretary)  # imported again: a new run, queued
    assert batch.run_id != old_run and batch.status == BatchStatus.COMMITTING
    before = Person.objects.count()
    with pytest.raises(actions.RunSuperseded):
        actions.run_commit(batch.pk, run_id=old_run)  # the old worker, woken up, gets nowhere
    actions.mark_failed(batch.pk, RuntimeError("late"), old_run)
    tasks.run_now(batch.pk, actions.run_commit, run_id=old_run)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTING and batch.lease_until is None and Person.objects.count() == before
    tasks.run_now(batch.pk, actions.run_commit, run_id=batch.run_id)  # the new run, taken by a worker
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and Person.objects.count() == before + 3
    assert leases.renewed_until(batch.lease_name) is None  # its lease released at the end


def test_a_run_waiting_for_a_worker_says_so_and_can_be_stopped(street, store, queue):
    batch = _ready_batch(street)  # checked from the command line, say
    store.data.clear()  # no worker has ever reported in
    client = street.client_for(street.secretary)
    actions.start_commit(batch, acting_user=street.secretary)
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "还没有后台任务进程报到" in page
    assert client.get(f"/api/imports/{batch.pk}").json()["waiting_for_worker"] is True

    core_tasks.worker_reports_in.call_local()
    page = client.get(reverse("imports:status", args=[batch.pk])).content.decode()
    assert "后台任务进程" not in page and client.get(f"/api/imports/{batch.pk}").json()["waiting_for_worker"] is False

    store.put(leases.WORKER_KEY, {"at": time.time() - 600, "worker": "old"})
    english = street.client_for(street.secretary)
    english.cookies["django_language"] = "en"
    page = english.get(reverse("imports:status", args=[batch.pk])).content.decode()
    assert "No task worker has reported in for 10 minutes" in page

    old_run = batch.run_id
    assert client.post(reverse("imports:stop", args=[batch.pk])).status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.STOPPED and batch.content == ""
    tasks.run_now(batch.pk, actions.run_commit, run_id=old_run)  # the worker, when it comes, does nothing
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.STOPPED


def test_a_run_taken_by_a_worker_cannot_be_stopped_while_it_holds_the_lease(street, store, queue):
    batch = _ready_batch(street)
    actions.start_commit(batch, acting_user=street.secretary)
    _worker_takes_and_dies(batch, 41, 100)
    with pytest.raises(actions.ImportRefused):
        actions.do_stop(batch, acting_user=street.secretary)
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.COMMITTING


def test_the_heartbeat_renews_and_releases_its_lease(store):
    with leases.Heartbeat("probe", interval=60):
        assert leases.renewed_until("probe") is not None
        assert leases.worker_status()["silent"] is False
    assert leases.renewed_until("probe") is None


def test_an_unanswering_store_gives_up_on_nobody(street, monkeypatch):
    def broken() -> Any:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(leases, "_huey", broken)
    past = timezone.now() - datetime.timedelta(hours=1)
    assert leases.expired("import-1-x", past) is False
    assert leases.expired("import-1-x", None) is False
