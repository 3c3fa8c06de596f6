"""The audit chain becomes keyed (HMAC under an integrity key kept outside the database).

Rows written before keep their plain SHA-256 hashes; the head records where keying begins
(``keyed_from``, the switch point) and is sealed with the key, so the switch point cannot be
moved later to pass keyed rows off as old ones. The head row gets triggers of its own: it
cannot be deleted or moved backwards.
"""

import importlib

from django.db import migrations, models

# SQLite adds a column with a default by rebuilding the table, which would drop the
# append-only triggers: drop them first and put them back after (0003 holds the statements).
_audit = importlib.import_module("linli.core.migrations.0003_audit_append_only")

HEAD_SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS core_audithead_no_rollback BEFORE UPDATE ON core_audithead
       WHEN NEW.seq < OLD.seq BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward'); END;""",
    """CREATE TRIGGER IF NOT EXISTS core_audithead_no_delete BEFORE DELETE ON core_audithead
       BEGIN SELECT RAISE(ABORT, 'the audit head cannot be deleted'); END;""",
]
HEAD_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS core_audithead_no_rollback;",
    "DROP TRIGGER IF EXISTS core_audithead_no_delete;",
]
HEAD_POSTGRES = [
    """CREATE OR REPLACE FUNCTION core_audithead_forward() RETURNS trigger AS $$
       BEGIN
         IF TG_OP <> 'UPDATE' OR NEW.seq < OLD.seq THEN
           RAISE EXCEPTION 'the audit head only moves forward and cannot be deleted';
         END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER core_audithead_forward BEFORE UPDATE OR DELETE ON core_audithead
       FOR EACH ROW EXECUTE FUNCTION core_audithead_forward();""",
    """CREATE TRIGGER core_audithead_no_truncate BEFORE TRUNCATE ON core_audithead
       FOR EACH STATEMENT EXECUTE FUNCTION core_audithead_forward();""",
]
HEAD_POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS core_audithead_forward ON core_audithead;",
    "DROP TRIGGER IF EXISTS core_audithead_no_truncate ON core_audithead;",
    "DROP FUNCTION IF EXISTS core_audithead_forward();",
]


def mark_switch_point(apps, schema_editor):
    """Rows from now on are keyed: the head says so, sealed with the integrity key."""
    from linli.core import crypto
    from linli.core.models import audit_head_message

    AuditHead = apps.get_model("core", "AuditHead")
    for head in AuditHead.objects.using(schema_editor.connection.alias).all():
        head.keyed_from = head.seq + 1
        head.seal = crypto.seal(audit_head_message(head.seq, head.entry_hash, head.keyed_from))
        head.save(update_fields=["keyed_from", "seal"])


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_audit_places_and_grants'),
    ]

    operations = [
        migrations.RunPython(_audit._run({"sqlite": _audit.SQLITE_DROP}), _audit._run({"sqlite": _audit.SQLITE})),
        migrations.AddField(
            model_name='auditevent',
            name='key_id',
            field=models.CharField(blank=True, default='', max_length=8),
        ),
        migrations.AddField(
            model_name='audithead',
            name='keyed_from',
            field=models.BigIntegerField(default=1),
        ),
        migrations.AddField(
            model_name='audithead',
            name='seal',
            field=models.CharField(blank=True, default='', max_length=80),
        ),
        migrations.RunPython(_audit._run({"sqlite": _audit.SQLITE}), _audit._run({"sqlite": _audit.SQLITE_DROP})),
        migrations.RunPython(mark_switch_point, migrations.RunPython.noop),
        migrations.RunPython(_audit._run({"sqlite": HEAD_SQLITE, "postgresql": HEAD_POSTGRES}),
                             _audit._run({"sqlite": HEAD_SQLITE_DROP, "postgresql": HEAD_POSTGRES_DROP})),
    ]
