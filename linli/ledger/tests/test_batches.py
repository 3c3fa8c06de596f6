"""``append_many``: every signature checked before sequencing, in this process or in worker
processes, all or nothing, and rows that read back as the ORM would have written them."""

from __future__ import annotations

import datetime
import functools
import multiprocessing.context
import os
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
from django.db import transaction

from linli.ledger import entry as entries
from linli.ledger import keys, log, merkle, verifying
from linli.ledger.models import Checkpoint, LedgerEntry, LedgerHead, Party, Payload, PendingEntry
from linli.ledger.public import verify_database


@pytest.fixture(autouse=True)
def fresh_caches() -> Any:
    log.forget_tree()
    yield
    log.forget_tree()


@pytest.fixture
def street_party(db: Any) -> Party:
    return keys.ensure_managed_party("test.linli/street", "明月街道办事处", "street",
                                     ["report_submitted", "import_committed"])


@pytest.fixture(params=[0, 2], ids=["in-process", "worker-processes"])
def verifiers(request: Any, monkeypatch: Any) -> Any:
    """Every batch verified here, or every batch (however small) in two worker processes;
    small chunks so that a batch spans several of them."""
    monkeypatch.setattr(verifying, "PROCESSES", request.param)
    monkeypatch.setattr(verifying, "PARALLEL_MIN_ENTRIES", 1)
    monkeypatch.setattr(log, "_CHUNK", 7)
    yield request.param
    verifying.shutdown()


def _items(n: int, prefix: str = "i") -> list[tuple[str, Any]]:
    return [(f"{prefix}:{k}", {"k": k}) for k in range(n)]


def _counts() -> tuple[int, int, int, int, int]:
    head = LedgerHead.objects.filter(pk=1).first()
    return (LedgerEntry.objects.count(), Payload.objects.count(), Checkpoint.objects.count(),
            PendingEntry.objects.count(), head.size if head else 0)


def test_a_batch_is_verified_and_sequenced(street_party, verifiers):
    assert verifying.processes_for(20) == verifiers
    with transaction.atomic():
        assert log.append_many("import_committed", party=street_party, items=_items(20), path="31/") == 20
    assert verify_database() == (20, 1, None)
    assert list(LedgerEntry.objects.values_list("index", flat=True)) == list(range(20))


def test_one_bad_signature_refuses_the_whole_batch(street_party, verifiers, monkeypatch):
    log._sequencer_running.set()  # leave one single append pending
    try:
        with transaction.atomic():
            log.append("report_submitted", party=street_party, subject_ref="r:pending", payload={})
    finally:
        log._sequencer_running.clear()
    with transaction.atomic():
        log.append_many("import_committed", party=street_party, items=_items(10, "first"))
    before = _counts()

    sign = entries.sign_encoded

    def sign_one_wrongly(body: bytes, signer: Any) -> bytes:
        signature = sign(body, signer)
        return bytes([signature[0] ^ 1]) + signature[1:] if b"i:16" in body else signature

    monkeypatch.setattr(entries, "sign_encoded", sign_one_wrongly)
    # Item 16 is in the third chunk: the first two were already written when it is found.
    with pytest.raises(log.LedgerError, match="item 16: .* does not verify"), transaction.atomic():
        log.append_many("import_committed", party=street_party, items=_items(20))
    assert _counts() == before
    assert verify_database() == (11, 1, None)


def test_rows_read_back_as_the_orm_writes_them(street_party, verifiers):
    contents: list[Any] = [{"名": "张三", "rows": [1, 2.5, None], "b": {"x": True}}, None, [1, "二"], "text", 0]
    items = [(f"s:{k}", content) for k, content in enumerate(contents)]
    with transaction.atomic():
        log.append_many("import_committed", party=street_party, items=items, path="31/02")
    for row, (subject_ref, content) in zip(LedgerEntry.objects.order_by("index"), items, strict=True):
        body = entries.decode(bytes(row.body))
        assert (row.entry_type, row.subject_ref, row.references, row.path, row.party_id) == \
            (body.entry_type, subject_ref, [], "31/02", street_party.pk)
        assert row.claimed_at == datetime.datetime.fromtimestamp(body.claimed_at / 1000, tz=datetime.UTC)
        assert row.leaf_hash == merkle.leaf_hash(bytes(row.body) + bytes(row.signature)).hex()
        payload = Payload.objects.get(submission_id=row.submission_id)
        assert payload.redaction_reason == "" and payload.redacted_at is None
        # What is stored opens the commitment in the log.
        opened = entries.salted_payload_hash(log.canonical_payload(payload.content), bytes.fromhex(payload.salt))
        assert opened == body.payload_hash
        assert payload.content == content
    # JSON lookups find them (on SQLite that depends on how the text is escaped).
    assert Payload.objects.filter(content__isnull=True).count() == 1
    assert Payload.objects.get(content__名="张三").content["b"] == {"x": True}


FELL_BACK = "verifying signatures in this process"


def _cannot_start(process: Any) -> Any:
    raise BlockingIOError(11, "Resource temporarily unavailable")


def test_workers_that_cannot_start_leave_the_checks_here(street_party, monkeypatch, caplog):
    """``ProcessPoolExecutor`` starts its processes in ``submit``: that is where the error of
    one that cannot start surfaces. The batch is verified here, bad signatures included."""
    monkeypatch.setattr(verifying, "PROCESSES", 2)
    monkeypatch.setattr(verifying, "PARALLEL_MIN_ENTRIES", 1)
    monkeypatch.setattr(log, "_CHUNK", 7)
    monkeypatch.setattr(multiprocessing.context.SpawnProcess, "_Popen", staticmethod(_cannot_start))
    try:
        with transaction.atomic():
            assert log.append_many("import_committed", party=street_party, items=_items(20)) == 20
        assert FELL_BACK in caplog.text
        sign = entries.sign_encoded
        monkeypatch.setattr(entries, "sign_encoded", lambda body, signer: bytes(64) if b"i:9" in body
                            else sign(body, signer))
        with pytest.raises(log.LedgerError, match="item 9: .* does not verify"), transaction.atomic():
            log.append_many("import_committed", party=street_party, items=_items(20))
    finally:
        verifying.shutdown()
    assert verify_database() == (20, 1, None)


def test_workers_that_die_leave_the_checks_here_and_the_next_batch_gets_new_ones(street_party, monkeypatch,
                                                                                 caplog):
    """A worker that dies as it starts (say, it cannot import the program's main module)
    breaks the pool: its chunks are verified here, and the next batch starts a new pool."""
    monkeypatch.setattr(verifying, "PROCESSES", 2)
    monkeypatch.setattr(verifying, "PARALLEL_MIN_ENTRIES", 1)
    monkeypatch.setattr(log, "_CHUNK", 7)
    monkeypatch.setattr(verifying, "ProcessPoolExecutor",
                        functools.partial(ProcessPoolExecutor, initializer=os._exit, initargs=(1,)))
    try:
        with transaction.atomic():
            assert log.append_many("import_committed", party=street_party, items=_items(20, "a")) == 20
        assert FELL_BACK in caplog.text
        caplog.clear()
        monkeypatch.setattr(verifying, "ProcessPoolExecutor", ProcessPoolExecutor)
        with transaction.atomic():
            assert log.append_many("import_committed", party=street_party, items=_items(20, "b")) == 20
        assert FELL_BACK not in caplog.text
    finally:
        verifying.shutdown()
    assert verify_database() == (40, 2, None)


def test_raw_inserts_name_every_column():
    entry_fields = {f.name for f in LedgerEntry._meta.concrete_fields}
    assert set(log._ENTRY_FIELDS) == entry_fields - {"id"}
    payload_fields = {f.name for f in Payload._meta.concrete_fields}
    assert set(log._PAYLOAD_FIELDS) == payload_fields - {"id", "redacted_at"}  # redacted_at is NULL


def test_an_empty_batch_changes_nothing(street_party):
    assert log.append_many("import_committed", party=street_party, items=[]) == 0
    assert _counts() == (0, 0, 0, 0, 0)


def test_an_inactive_party_is_refused(street_party):
    Party.objects.filter(pk=street_party.pk).update(active=False)
    with pytest.raises(log.LedgerError, match="inactive"):
        log.append_many("import_committed", party=street_party, items=_items(2))


def test_small_batches_stay_in_this_process(monkeypatch):
    monkeypatch.setattr(verifying, "PROCESSES", 2)
    assert verifying.processes_for(verifying.PARALLEL_MIN_ENTRIES - 1) == 0
    assert verifying.processes_for(verifying.PARALLEL_MIN_ENTRIES) == 2
    monkeypatch.setattr(verifying, "PROCESSES", 0)
    assert verifying.processes_for(10**6) == 0


def test_submission_ids_are_time_ordered_version_7_uuids():
    ids = []
    for _ in range(3):
        ids.append(log.new_submission_id())
        time.sleep(0.002)
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in ids)
    assert ids == sorted(ids) and len({u.int & (1 << 74) - 1 for u in ids}) == 3
    assert abs((ids[0].int >> 80) - time.time_ns() // 1_000_000) < 60_000
