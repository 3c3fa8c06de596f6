"""What someone holding the database file cannot do unseen: change a stored column of the
log or a payload, drop the log's tail with its checkpoint, or rewrite, cut or roll back the
audit chain whose heads the log keeps."""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from linli.core import audit, crypto
from linli.core.audit import BreakKind
from linli.core.models import AuditEvent, AuditHead
from linli.core.tests.test_audit import _drop_guards as _drop_audit_guards
from linli.core.tests.test_audit import _events, _rewrite
from linli.ledger import anchoring, log, state
from linli.ledger.models import Checkpoint, LedgerEntry, LedgerHead, Payload
from linli.ledger.public import verify_database
from linli.ledger.tests.test_log import _append, _drop_guards


def _sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def _ledger_fails(capsys: Any, words: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        call_command("ledger", "verify")
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "TAMPERED" in err and words in err, err
    return err


# --- every stored column and the payloads -------------------------------------------------

def _entry(index: int) -> LedgerEntry:
    return LedgerEntry.objects.get(index=index)


def _db_uuid(value: uuid.UUID) -> Any:
    return LedgerEntry._meta.get_field("submission_id").get_db_prep_value(value, connection)


def _repoint_payload(index: int) -> None:
    entry = _entry(index)
    original = Payload.objects.get(submission_id=entry.submission_id)
    copy = Payload.objects.create(submission_id=uuid.uuid4(), salt=original.salt, content=original.content)
    _sql("UPDATE ledger_ledgerentry SET submission_id = %s WHERE id = %s", [_db_uuid(copy.submission_id), entry.pk])


COLUMN_TAMPERING = {
    "entry_type": (lambda: _sql("UPDATE ledger_ledgerentry SET entry_type = 'correction' WHERE \"index\" = 2"),
                   "entry_type column"),
    "subject_ref": (lambda: _sql("UPDATE ledger_ledgerentry SET subject_ref = 'report:someone-else' "
                                 "WHERE \"index\" = 2"), "subject_ref column"),
    "claimed_at": (lambda: _sql("UPDATE ledger_ledgerentry SET claimed_at = %s WHERE \"index\" = 2",
                                [datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)]), "claimed_at column"),
    "references": (lambda: _sql("UPDATE ledger_ledgerentry SET \"references\" = %s WHERE \"index\" = 2",
                                [json.dumps([0])]), "references column"),
    # The place an entry is filed under decides who sees it: moved to another community.
    "path": (lambda: _sql("UPDATE ledger_ledgerentry SET path = '31/99/' WHERE \"index\" = 2"), "seal"),
    # Pointed at a payload row of one's own (a copy, so the hash still matches).
    "submission_id": (lambda: _repoint_payload(2), "seal"),
    "payload": (lambda: _sql("UPDATE ledger_payload SET content = %s WHERE submission_id = %s",
                             [json.dumps({"report": 2, "rows": 9999}), _db_uuid(_entry(2).submission_id)]), "payload"),
    "payload emptied": (lambda: Payload.objects.filter(submission_id=_entry(2).submission_id).update(content=None),
                        "redaction"),
    "payload deleted": (lambda: Payload.objects.filter(submission_id=_entry(2).submission_id).delete(),
                        "missing"),
}


@pytest.mark.parametrize("column", list(COLUMN_TAMPERING))
def test_every_stored_column_and_the_payload_rows_are_verified(street_party, column, capsys):
    _append(street_party, 5)
    assert verify_database()[2] is None
    _drop_guards()
    change, words = COLUMN_TAMPERING[column]
    change()
    finding = verify_database()[2]
    assert finding is not None and finding.index == 2, finding
    _ledger_fails(capsys, words)


def test_rows_are_sealed_with_the_integrity_key(street_party):
    _append(street_party, 2)
    seals = list(LedgerEntry.objects.values_list("seal", flat=True))
    assert all(s.startswith(crypto.integrity_key_id() + "$") for s in seals) and len(set(seals)) == 2


# --- a dropped tail, without witnesses ----------------------------------------------------

def test_a_dropped_tail_with_its_checkpoint_is_found_without_witnesses(street_party, capsys,
                                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _append(street_party, 4)
    earlier_head = LedgerHead.objects.values_list("size", "frontier").get(pk=1)
    with django_capture_on_commit_callbacks(execute=True):
        _append(street_party, 3)
    assert state.remembered_checkpoint().size == 7
    call_command("ledger", "verify")
    # Drop the last entries, their checkpoints and payloads, and put the head back: every row
    # left, every checkpoint left, verifies.
    _drop_guards()
    _sql("DELETE FROM ledger_cosignature")
    _sql("DELETE FROM ledger_checkpoint WHERE size > 4")
    dropped = list(LedgerEntry.objects.filter(index__gte=4).values_list("submission_id", flat=True))
    _sql("DELETE FROM ledger_ledgerentry WHERE \"index\" >= 4")
    Payload.objects.filter(submission_id__in=dropped).delete()
    LedgerHead.objects.filter(pk=1).update(size=earlier_head[0], frontier=earlier_head[1])
    assert Checkpoint.objects.order_by("-size").first().size == 4
    finding = verify_database()[2]
    assert finding is not None and "covers 7 entries" in finding.reason
    _ledger_fails(capsys, "outside the database")


def test_the_checkpoint_kept_outside_only_grows_and_must_be_signed_by_the_log(street_party):
    _append(street_party, 1)
    _append(street_party, 2)
    big = Checkpoint.objects.get(size=3)
    state.remember_checkpoint(big.size, big.note)
    small = Checkpoint.objects.get(size=1)
    state.remember_checkpoint(small.size, small.note)
    assert state.remembered_checkpoint().size == 3
    state.checkpoint_file().write_text(big.note.replace("\n3\n", "\n9\n"), encoding="utf-8")
    assert verify_database()[2] is not None  # not signed by the log any more


def test_the_sequencer_head_must_match_the_log(street_party, capsys):
    _append(street_party, 3)
    LedgerHead.objects.filter(pk=1).update(size=5)
    _ledger_fails(capsys, "sequencer's head")


# --- the audit chain's head in the ledger ---------------------------------------------------

def test_the_head_is_anchored_hourly_when_it_moved_and_at_every_day_close(street):
    _events(3)
    first = anchoring.anchor_audit_head()
    head = AuditHead.objects.get(pk=1)
    assert first is not None and (first["seq"], first["hash"]) == (head.seq, head.entry_hash)
    assert first["row_id"] == AuditEvent.objects.get(seq=head.seq).pk
    log.request_sequencing()
    assert anchoring.anchor_audit_head() is None  # nothing new this hour
    closed = anchoring.anchor_audit_head(day_closed=datetime.date(2026, 12, 1))
    assert closed is not None and closed["day_closed"] == "2026-12-01"
    log.request_sequencing()
    found = anchoring.audit_anchors()
    assert found.problem is None and [a.seq for a in found.anchors] == [head.seq, head.seq]
    assert LedgerEntry.objects.filter(entry_type=anchoring.ENTRY_TYPE, path="").count() == 2
    assert verify_database()[2] is None


def test_the_periodic_task_runs_on_the_hour_and_closes_the_day_at_midnight(street, monkeypatch):
    from linli.ledger import tasks

    calls = []
    monkeypatch.setattr(anchoring, "anchor_audit_head", lambda **kw: calls.append(kw) or {"seq": 1})
    shanghai = datetime.timezone(datetime.timedelta(hours=8))
    for hour in (14, 0):
        moment = datetime.datetime(2026, 12, 2, hour, 0, tzinfo=shanghai)
        monkeypatch.setattr(tasks.timezone, "localtime", lambda moment=moment: moment)
        assert tasks.anchor_audit_head.call_local() is True
    assert calls == [{"day_closed": None}, {"day_closed": datetime.date(2026, 12, 1)}]
    assert tasks.anchor_audit_head.s().validate_datetime(datetime.datetime(2026, 12, 2, 13, 0, tzinfo=shanghai))
    assert not tasks.anchor_audit_head.s().validate_datetime(datetime.datetime(2026, 12, 2, 13, 30, tzinfo=shanghai))


def _anchor() -> None:
    assert anchoring.anchor_audit_head() is not None
    log.request_sequencing()


def test_verify_reports_the_anchors_it_checked(street, capsys):
    _events(2)
    call_command("audit", "verify")
    assert "No copy of the head" in capsys.readouterr().out
    _anchor()
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "intact" in out and "1 copy of the head" in out


def test_a_database_rolled_back_as_a_whole_is_named(street, capsys):
    _events(3)
    backup = AuditHead.objects.values_list("seq", "entry_hash", "seal").get(pk=1)
    _events(4)
    _anchor()  # the witnesses have seen the later head
    # The database is put back to the backup: the rows after it go, the head is the backup's.
    _drop_audit_guards()
    _sql("DELETE FROM core_auditevent WHERE seq > %s", [backup[0]])
    _sql("UPDATE core_audithead SET seq = %s, entry_hash = %s, seal = %s WHERE id = 1", list(backup))
    report = audit.verify_report()
    assert report.broken is not None and report.broken.kind == BreakKind.ROLLED_BACK
    assert "ledger entry" in report.broken.reason
    assert audit.verify_report(use_anchors=False).broken is None  # only the copy elsewhere shows it
    with pytest.raises(SystemExit):
        call_command("audit", "verify")
    assert "ROLLED BACK" in capsys.readouterr().err


def test_a_rewrite_by_someone_who_stole_the_key_is_caught_by_the_anchors(street, capsys):
    events = _events(5)
    _anchor()
    _drop_audit_guards()
    _rewrite(events[1].seq, how="stolen key", purpose="nothing to see")
    assert audit.verify_report(use_anchors=False).broken is None  # the chain itself is consistent
    _, broken = audit.verify_chain()
    assert broken is not None and broken.kind == BreakKind.REWRITTEN and broken.seq == events[-1].seq
    assert "ledger entry" in broken.reason


def test_a_ledger_cut_back_with_the_audit_log_is_named(street, capsys, django_capture_on_commit_callbacks):
    _events(2)
    with django_capture_on_commit_callbacks(execute=True):
        _anchor()
    backup = AuditHead.objects.values_list("seq", "entry_hash", "seal").get(pk=1)
    size_before = LedgerHead.objects.get(pk=1).size
    _events(2)
    with django_capture_on_commit_callbacks(execute=True):
        _anchor()
    # The whole database goes back: audit rows, the head, the ledger's last anchor and checkpoint.
    _drop_audit_guards()
    _drop_guards()
    _sql("DELETE FROM core_auditevent WHERE seq > %s", [backup[0]])
    _sql("UPDATE core_audithead SET seq = %s, entry_hash = %s, seal = %s WHERE id = 1", list(backup))
    _sql("DELETE FROM ledger_cosignature")
    _sql("DELETE FROM ledger_checkpoint WHERE size > %s", [size_before])
    _sql("DELETE FROM ledger_ledgerentry WHERE \"index\" >= %s", [size_before])
    _, broken = audit.verify_chain()
    assert broken is not None and broken.kind == BreakKind.ROLLED_BACK and "shared ledger" in broken.reason
    with pytest.raises(SystemExit):
        call_command("audit", "verify")
    assert "ROLLED BACK" in capsys.readouterr().err


def test_a_broken_tail_is_not_anchored(street):
    events = _events(3)
    _anchor()
    events += _events(2)
    _drop_audit_guards()
    _rewrite(events[-1].seq, purpose="changed")
    anchored = LedgerEntry.objects.filter(entry_type=anchoring.ENTRY_TYPE).count()
    assert anchoring.anchor_audit_head() is None
    assert LedgerEntry.objects.filter(entry_type=anchoring.ENTRY_TYPE).count() == anchored
    failed = AuditEvent.objects.latest("seq")
    assert (failed.action, failed.outcome, failed.detail["kind"]) == ("audit.anchor", "failed", "rewritten")


def test_a_forged_anchor_is_refused(street, monkeypatch):
    from linli.ledger import keys
    from linli.ledger.models import Party
    from linli.ledger.note import Signer

    _events(2)
    _anchor()
    # Someone registers a key of her own for the platform's party and writes a head with it.
    party = Party.objects.get(name=anchoring.party_name())
    forger = Signer.generate(party.name)
    Party.objects.filter(pk=party.pk).update(verifier_key=forger.verifier().encode(), key_id=forger.key_id.hex())
    log.forget_tree()
    monkeypatch.setattr(keys, "party_signer", lambda name: forger)
    log.append(anchoring.ENTRY_TYPE, party=Party.objects.get(pk=party.pk), subject_ref=anchoring.SUBJECT,
               payload={"seq": 9999, "row_id": 1, "hash": "f" * 64})
    log.request_sequencing()
    monkeypatch.undo()
    found = anchoring.audit_anchors()
    assert found.problem is not None and "not signed by the platform's key" in found.problem
    _, broken = audit.verify_chain()
    assert broken is not None and broken.kind == BreakKind.REWRITTEN
    assert "not signed by the platform's key" in broken.reason


def test_an_anchor_cannot_be_hidden_by_removing_its_payload(street):
    _events(2)
    _anchor()
    anchor = LedgerEntry.objects.get(entry_type=anchoring.ENTRY_TYPE)
    Payload.objects.filter(submission_id=anchor.submission_id).delete()
    _, broken = audit.verify_chain()
    assert broken is not None and broken.kind == BreakKind.REWRITTEN and "removed" in broken.reason
