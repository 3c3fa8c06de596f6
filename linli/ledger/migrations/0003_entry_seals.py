"""Log rows get a keyed seal over what the signed body does not cover (path, payload id,
sequencing time). Rows already in the log are sealed here, once, with the append-only
triggers lifted for the length of this migration only (SQLite rebuilds the table for the new
column, which drops them anyway)."""

import importlib

from django.db import migrations, models

_guards = importlib.import_module("linli.ledger.migrations.0002_append_only")


def seal_existing_rows(apps, schema_editor):
    from linli.core import crypto
    from linli.ledger.log import row_seal_message

    LedgerEntry = apps.get_model("ledger", "LedgerEntry")
    rows = LedgerEntry.objects.using(schema_editor.connection.alias).filter(seal="").order_by("index")
    batch = []
    for pk, index, leaf_hash, submission_id, path, sequenced_at in rows.values_list(
            "pk", "index", "leaf_hash", "submission_id", "path", "sequenced_at").iterator(chunk_size=5000):
        batch.append(LedgerEntry(pk=pk, seal=crypto.seal(
            row_seal_message(index, leaf_hash, submission_id, path, sequenced_at))))
        if len(batch) == 5000:
            LedgerEntry.objects.db_manager(schema_editor.connection.alias).bulk_update(batch, ["seal"])
            batch = []
    if batch:
        LedgerEntry.objects.db_manager(schema_editor.connection.alias).bulk_update(batch, ["seal"])


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0002_append_only'),
    ]

    operations = [
        migrations.RunPython(_guards._run(False), _guards._run(True)),
        migrations.AddField(
            model_name='ledgerentry',
            name='seal',
            field=models.CharField(blank=True, default='', max_length=80),
        ),
        migrations.RunPython(seal_existing_rows, migrations.RunPython.noop),
        migrations.RunPython(_guards._run(True), _guards._run(False)),
    ]
