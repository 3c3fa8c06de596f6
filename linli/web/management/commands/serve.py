from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


def serve(host: str, port: int, threads: int, stdout: Any) -> None:
    from django.conf import settings
    from waitress import create_server

    from linli.wsgi import application

    if settings.LINLI_LEDGER_SEQUENCER_IN_SERVER:
        from linli.ledger.log import start_sequencer_thread

        start_sequencer_thread()
    # Bind first, then say where: the address is printed only once the server can answer it.
    server = create_server(application, host=host, port=port, threads=threads, ident="linli")
    stdout.write(f"Linli is serving at http://{host}:{port}/  (Ctrl+C stops) / 网页已就绪")
    try:
        server.run()
    finally:
        server.close()


def unapplied_migrations() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


class Command(BaseCommand):
    help = "Serve the web UI and API with a production WSGI server (waitress)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, host: str, port: int, threads: int, **options: Any) -> None:
        # The checks that read the database too: a stored role naming an action nobody
        # registered stops the start instead of silently granting nothing.
        self.check(databases=["default"], display_num_errors=False)
        pending = unapplied_migrations()
        if pending:
            raise CommandError(
                f"The database is older than this version of Linli ({len(pending)} migrations to apply, e.g. "
                f"{pending[0]}): run `linli migrate` first (`linli demo` does it for the demo). / 数据库版本低于"
                f"程序（有 {len(pending)} 个迁移未执行）：请先运行 `linli migrate`（演示用 `linli demo` 会自动执行）。")
        serve(host, port, threads, self.stdout)
