"""Django's ``migrate``, which can fill an empty SQLite database from a migrated copy.

Applying Linli's migrations to a new database costs about 14 s of CPU: Django renders the
models' states again after each new model that points at a model with many relations. The
test suite makes many new databases from the same migrations: each test process's own, and each
demo street a test builds in a child process. It names a directory in
``LINLI_MIGRATED_DB_CACHE`` (decision 0051). The first empty SQLite database migrated there
is kept as a file, named after the migration files and Django's version. Every later empty
database copies that file with SQLite's backup API, which takes a fraction of a second.

Without the variable, on PostgreSQL, on a database that already has tables, or with any
option that picks migrations, this is Django's own ``migrate``. The copy holds only what
migrations write: tables, triggers, and the catalogues the data migrations load. It holds no
keys and no personal data. The directory is meant for one test run, and the test suite makes a
new one for each run: code that a data migration calls (the built-in device kinds, say) can
change between runs without any migration file changing.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

import django
from django.core.management.commands import migrate
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

CACHE_VARIABLE = "LINLI_MIGRATED_DB_CACHE"
# Options that ask for something other than "everything, for real".
_CHOOSING = ("app_label", "migration_name", "fake", "fake_initial", "plan", "check_unapplied", "prune")


def migrations_key(loader: MigrationLoader) -> str:
    """Names one set of migration files under one version of Django."""
    digest = hashlib.sha256(django.get_version().encode())
    for (app_label, name), migration in sorted(loader.disk_migrations.items()):
        source = getattr(sys.modules.get(type(migration).__module__), "__file__", None)
        digest.update(f"{app_label}.{name}\n".encode())
        if source:
            digest.update(Path(source).read_bytes())
    return digest.hexdigest()[:24]


class Command(migrate.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        folder = os.environ.get(CACHE_VARIABLE)
        connection = connections[options["database"]]
        if folder and connection.vendor == "sqlite" and not any(options.get(name) for name in _CHOOSING):
            connection.ensure_connection()
            if not connection.introspection.table_names():
                self._from_copy(connection, Path(folder), args, options)
                return
        super().handle(*args, **options)

    def _from_copy(self, connection: BaseDatabaseWrapper, folder: Path, args: tuple[Any, ...],
                   options: dict[str, Any]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        executor = MigrationExecutor(connection)
        key = migrations_key(executor.loader)
        copy = folder / f"{key}.sqlite3"
        # One process migrates while the others wait for its copy: cheaper than all migrating at once.
        with open(folder / f"{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not copy.exists():
                super().handle(*args, **options)
                self._keep(connection, copy)
                return
            self._restore(connection, copy, executor, options["verbosity"])
        super().handle(*args, **options)  # nothing left to apply; the post-migrate signal as usual

    def _restore(self, connection: BaseDatabaseWrapper, copy: Path, executor: MigrationExecutor,
                 verbosity: int) -> None:
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        source = sqlite3.connect(copy)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        if verbosity >= 1:
            for migration, _backwards in plan:
                self.stdout.write(f"  Applying {migration.app_label}.{migration.name} (from {copy.name})")

    @staticmethod
    def _keep(connection: BaseDatabaseWrapper, copy: Path) -> None:
        partial = copy.with_suffix(f".{os.getpid()}.partial")
        target = sqlite3.connect(partial)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        os.replace(partial, copy)
