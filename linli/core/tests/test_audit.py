from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from linli.core import audit
from linli.core.models import AppendOnlyError, AuditEvent


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
        else:
            cursor.execute("DROP TRIGGER core_auditevent_no_update")
            cursor.execute("DROP TRIGGER core_auditevent_no_delete")


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
