"""Refuse UPDATE and DELETE on the log tables at the database level, on both backends."""

from django.db import migrations

TABLES = ["ledger_ledgerentry", "ledger_checkpoint", "ledger_cosignature"]


def _statements(vendor: str, create: bool) -> list[str]:
    out = []
    if vendor == "sqlite":
        for table in TABLES:
            for op in ("UPDATE", "DELETE"):
                name = f"{table}_no_{op.lower()}"
                out.append(
                    f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
                    if create else f"DROP TRIGGER IF EXISTS {name};")
    elif vendor == "postgresql":
        if create:
            out.append("CREATE OR REPLACE FUNCTION ledger_refuse() RETURNS trigger AS $$ "
                       "BEGIN RAISE EXCEPTION 'the ledger is append-only'; END; $$ LANGUAGE plpgsql;")
        for table in TABLES:
            out.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse();"
                if create else f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        if not create:
            out.append("DROP FUNCTION IF EXISTS ledger_refuse();")
    return out


def _run(create: bool):
    def run(apps, schema_editor):
        for statement in _statements(schema_editor.connection.vendor, create):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(_run(True), _run(False))]
