from __future__ import annotations

import hashlib
import json
import os

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from linli.core import audit, crypto
from linli.core.audit import BreakKind
from linli.core.models import AppendOnlyError, AuditEvent, AuditHead, audit_hash, audit_head_message


def _events(n, actor=None):
    return [audit.record("test.event", actor=actor, object_type="x", object_id=i, detail={"i": i}) for i in range(n)]


def test_chain_links_every_row(street):
    events = _events(5, street.grid_worker)
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.entry_hash
        assert after.seq == before.seq + 1
    checked, broken = audit.verify_chain()
    assert broken is None
    assert checked == AuditEvent.objects.count()


def test_a_batch_links_like_one_by_one(street):
    """record_many appends in order under one lock: the same chain as record() for each."""
    start = AuditHead.objects.get(pk=1).seq if AuditHead.objects.filter(pk=1).exists() else 0
    events = audit.record_many([
        audit.Entry("alert.raise", actor=street.grid_worker, obj=street.grid_building, detail={"n": 1}),
        audit.Entry("gateway.sms", object_type="core.user", object_id=7, purpose="呼叫", path=street.community.path),
        audit.Entry("alert.raise", obj=street.grid_building, outcome=AuditEvent.Outcome.DENIED),
    ])
    assert [e.seq for e in events] == [start + 1, start + 2, start + 3]
    stored = list(AuditEvent.objects.filter(seq__gt=start).order_by("seq"))
    assert [e.action for e in stored] == ["alert.raise", "gateway.sms", "alert.raise"]
    assert stored[1].prev_hash == stored[0].entry_hash and stored[2].prev_hash == stored[1].entry_hash
    assert stored[0].actor == street.grid_worker and stored[0].path == street.grid_building.path
    assert stored[1].path == street.community.path and stored[1].purpose == "呼叫"
    assert all(e.entry_hash == e.compute_hash() for e in stored)
    head = AuditHead.objects.get(pk=1)
    assert head.seq == start + 3 and head.entry_hash == stored[2].entry_hash
    one = audit.record("after.batch", obj=street.grid_building)
    assert one.prev_hash == stored[2].entry_hash
    assert audit.verify_chain() == (start + 4, None)
    assert audit.record_many([]) == []


def test_orm_refuses_update_and_delete(street):
    event = _events(1)[0]
    event.purpose = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(purpose="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_database_refuses_update(street):
    event = _events(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET purpose = 'x' WHERE id = %s", [event.pk])


def _drop_guards():
    """What an attacker with direct database access does first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER core_auditevent_append_only ON core_auditevent")
            cursor.execute("DROP TRIGGER core_audithead_forward ON core_audithead")
        else:
            for trigger in ("core_auditevent_no_update", "core_auditevent_no_delete", "core_audithead_no_rollback",
                            "core_audithead_no_delete"):
                cursor.execute(f"DROP TRIGGER {trigger}")


def _sha256_chain(event_row, prev_hash):
    """The hash anyone could compute before the chain was keyed (no secret needed)."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + event_row.canonical()).hexdigest()


def _rewrite(seq, *, how="sha256", **changes):
    """An intruder rewrites row ``seq`` and computes every later hash again, then moves the
    head to the new last hash, as she could before the chain was keyed. ``how``: "sha256"
    (plain hashes, as before), "unkeyed" (marks the rows as written before keying), or
    "stolen key" (she holds the integrity key too; then she reseals the head)."""
    rows = list(AuditEvent.objects.filter(seq__gte=seq).order_by("seq"))
    prev = rows[0].prev_hash
    with connection.cursor() as cursor:
        for row in rows:
            for name, value in (changes if row.seq == seq else {}).items():
                setattr(row, name, value)
            if how == "unkeyed":
                row.key_id = ""
            row.prev_hash = prev
            row.entry_hash = row.compute_hash() if how == "stolen key" else _sha256_chain(row, prev)
            cursor.execute("UPDATE core_auditevent SET purpose = %s, detail = %s, key_id = %s, prev_hash = %s, "
                           "entry_hash = %s WHERE id = %s", [row.purpose, json.dumps(row.detail), row.key_id,
                                                             row.prev_hash, row.entry_hash, row.pk])
            prev = row.entry_hash
        head = AuditHead.objects.get(pk=1)
        seal = crypto.seal(audit_head_message(head.seq, prev, head.keyed_from)) if how == "stolen key" else head.seal
        cursor.execute("UPDATE core_audithead SET entry_hash = %s, seal = %s WHERE id = 1", [prev, seal])


def _verify_fails(capsys, label):
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify")
    assert exit_info.value.code == 1
    out = capsys.readouterr()
    assert label in out.err, out.err
    return out.err


def test_rows_are_keyed_and_the_head_sealed(street):
    event = _events(1)[0]
    assert event.key_id == crypto.integrity_key_id() != ""
    assert event.entry_hash != _sha256_chain(event, event.prev_hash)  # not computable without the key
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, head.entry_hash) == (event.seq, event.entry_hash)
    assert crypto.seal_matches(head.seal, audit_head_message(head.seq, head.entry_hash, head.keyed_from))
    assert not crypto.seal_matches(head.seal, audit_head_message(head.seq - 1, head.entry_hash, head.keyed_from))


@pytest.mark.parametrize("how", ["sha256", "unkeyed"])
def test_a_rewritten_row_with_every_later_hash_recomputed_is_named(street, capsys, how):
    # The finding: a row recording a full-value export was rewritten after the triggers were
    # dropped, every later hash recomputed and the head moved: verify used to say intact.
    events = _events(2)
    export = audit.record("people.export", purpose="核查低保对象", detail={"full_values": True, "rows": 5000})
    events += [export, *_events(3)]
    _drop_guards()
    _rewrite(export.seq, how=how, purpose="", detail={"channel": "web", "full_values": False, "rows": 5})
    checked, broken = audit.verify_chain()
    assert broken is not None and broken.kind == BreakKind.REWRITTEN and broken.seq == export.seq
    err = _verify_fails(capsys, "REWRITTEN")
    assert f"#{export.seq}" in err and "被改写" in err


def test_times_on_a_whole_second_verify_too(street, monkeypatch):
    # The chain is read back as text: a time whose microseconds are zero is stored shorter.
    whole = audit.timezone.now().replace(microsecond=0)
    monkeypatch.setattr(audit.timezone, "now", lambda: whole)
    event = _events(1)[0]
    monkeypatch.undo()
    assert AuditEvent.objects.get(pk=event.pk).at.microsecond == 0
    _events(1)
    assert audit.verify_chain()[1] is None


def test_a_truncated_tail_is_named_even_with_the_head_moved_back(street, capsys):
    events = _events(5)
    _drop_guards()
    kept = events[2]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE seq > %s", [kept.seq])
        cursor.execute("UPDATE core_audithead SET seq = %s, entry_hash = %s WHERE id = 1", [kept.seq, kept.entry_hash])
    _, broken = audit.verify_chain()
    assert broken is not None and broken.kind == BreakKind.TRUNCATED
    assert "seal" in broken.reason
    _verify_fails(capsys, "TRUNCATED")


def test_a_head_rolled_back_to_an_earlier_copy_is_named(street, capsys):
    events = _events(2)
    earlier = AuditHead.objects.values_list("seq", "entry_hash", "seal").get(pk=1)  # a backup, say
    events += _events(3)
    _drop_guards()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_audithead SET seq = %s, entry_hash = %s, seal = %s WHERE id = 1", list(earlier))
    _, broken = audit.verify_chain()
    assert broken is not None and broken.kind == BreakKind.ROLLED_BACK and broken.seq == earlier[0]
    _verify_fails(capsys, "ROLLED BACK")


def test_the_database_refuses_to_move_the_head_back_or_delete_it(street):
    _events(2)
    for statement in ("UPDATE core_audithead SET seq = seq - 1 WHERE id = 1", "DELETE FROM core_audithead"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert audit.verify_chain()[1] is None


def _legacy_database(n):
    """The chain as a database from before keying holds it: plain SHA-256 rows, and the head
    as the migration leaves it (keyed from the next row on, sealed)."""
    from django.apps import apps as django_apps

    from linli.core.migrations import __name__ as package

    _drop_guards()
    AuditHead.objects.get_or_create(pk=1)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent")
        cursor.execute("UPDATE core_audithead SET seq = 0, entry_hash = %s, seal = '', keyed_from = 1 WHERE id = 1",
                       [audit.GENESIS])
    prev = audit.GENESIS
    for i in range(n):
        row = AuditEvent(seq=i + 1, at=audit.timezone.now(), action="old.event", object_id=str(i), detail={"i": i},
                         prev_hash=prev, key_id="")
        row.entry_hash = audit_hash(prev, row.canonical(), "")
        row.save()
        prev = row.entry_hash
    AuditHead.objects.filter(pk=1).update(seq=n, entry_hash=prev)
    migration = __import__(f"{package}.0005_audit_keyed", fromlist=["mark_switch_point"])

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.mark_switch_point(django_apps, editor)


def test_unkeyed_rows_from_before_the_switch_still_verify(street, capsys):
    _legacy_database(4)
    assert AuditHead.objects.get(pk=1).keyed_from == 5
    assert audit.verify_chain() == (4, None)
    new = _events(3)
    assert new[0].seq == 5 and all(e.key_id for e in new)
    assert audit.verify_chain() == (7, None)
    call_command("audit", "verify")
    assert "intact: 7 events" in capsys.readouterr().out


def test_keyed_rows_cannot_be_passed_off_as_rows_from_before_the_switch(street, capsys):
    _legacy_database(2)
    new = _events(3)
    # Every keyed row rewritten as unkeyed, and the switch point moved past them.
    _rewrite(new[0].seq, how="unkeyed")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_audithead SET keyed_from = %s WHERE id = 1", [new[-1].seq + 1])
    _, broken = audit.verify_chain()
    assert broken is not None and broken.kind == BreakKind.REWRITTEN and "seal" in broken.reason
    _verify_fails(capsys, "REWRITTEN")


def test_rotating_the_key_keeps_old_rows_verifiable(street, tmp_path, settings, monkeypatch, capsys):
    monkeypatch.delenv("LINLI_DATA_KEYS", raising=False)
    keys_file = tmp_path / "data_keys.json"
    keys_file.write_text(crypto.data_keys().to_json(), encoding="utf-8")
    os.chmod(keys_file, 0o600)
    settings.LINLI_DATA_KEYS_PATH = keys_file
    crypto.reset_key_cache()
    try:
        before = crypto.integrity_key_id()
        old = _events(2)
        call_command("audit", "rotate-key")
        assert "made active" in capsys.readouterr().out
        rotated = json.loads(keys_file.read_text(encoding="utf-8"))
        assert keys_file.stat().st_mode & 0o777 == 0o600
        new_id = rotated["integrity"]["active"]
        assert new_id != before and before in {*rotated["integrity"]["keys"], "i0"}
        marker = AuditEvent.objects.latest("seq")
        assert (marker.action, marker.key_id, marker.detail["key_id"]) == ("audit.key_rotated", new_id, new_id)
        new = _events(2)
        assert {e.key_id for e in old} == {before} and {e.key_id for e in new} == {new_id}
        assert audit.verify_chain()[1] is None
        # Without an old key its rows cannot be checked, and verify says which key is missing. The
        # key made above is a stored one (the first key may be derived and cannot be removed):
        # rotate once more and drop it.
        call_command("audit", "rotate-key")
        again = json.loads(keys_file.read_text(encoding="utf-8"))
        assert again["integrity"]["active"] != new_id
        again["integrity"]["keys"].pop(new_id)
        keys_file.write_text(json.dumps(again), encoding="utf-8")
        crypto.reset_key_cache()
        _, broken = audit.verify_chain()
        assert broken is not None and broken.kind == BreakKind.UNKNOWN_KEY and new_id in broken.reason
    finally:
        crypto.reset_key_cache()


def test_rotating_keys_held_in_the_environment_prints_what_to_set(street, monkeypatch, capsys):
    monkeypatch.setenv("LINLI_DATA_KEYS", crypto.data_keys().to_json())
    crypto.reset_key_cache()
    try:
        with pytest.raises(CommandError, match="LINLI_DATA_KEYS"):
            call_command("audit", "rotate-key")
        printed = json.loads(capsys.readouterr().out)
        assert printed["integrity"]["active"] in printed["integrity"]["keys"]
    finally:
        monkeypatch.delenv("LINLI_DATA_KEYS")
        crypto.reset_key_cache()


def test_tampering_with_one_row_is_detected(street):
    events = _events(6)
    target = events[2]
    _drop_guards()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET purpose = 'nothing to see' WHERE id = %s", [target.pk])
    checked, broken = audit.verify_chain()
    assert broken is not None
    assert broken.seq == target.seq
    assert "content" in broken.reason


def test_deleting_a_row_is_detected(street):
    events = _events(4)
    _drop_guards()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [events[1].pk])
    _, broken = audit.verify_chain()
    assert broken is not None and broken.seq == events[2].seq


def test_truncating_the_tail_is_detected(street):
    events = _events(3)
    _drop_guards()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [events[-1].pk])
    _, broken = audit.verify_chain()
    assert broken is not None and "missing" in broken.reason


def test_rolled_back_work_leaves_no_audit_row(street):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        _events(2)
        raise RuntimeError("the change failed")
    assert AuditEvent.objects.count() == before
    assert audit.verify_chain()[1] is None


def test_audit_verify_command(street, capsys):
    events = _events(3)
    call_command("audit", "verify")
    assert "intact" in capsys.readouterr().out
    _drop_guards()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET ip = '10.9.9.9' WHERE id = %s", [events[1].pk])
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify")
    assert exit_info.value.code == 1
    out = capsys.readouterr()
    assert f"#{events[1].seq}" in out.out + out.err


def test_nightly_verification_task_records_its_result(street):
    from linli.core.tasks import verify_audit_chain

    _events(2)
    assert verify_audit_chain.call_local() is True
    event = AuditEvent.objects.latest("seq")
    assert event.action == "audit.verify" and event.outcome == "ok" and event.detail["checked"] >= 2
