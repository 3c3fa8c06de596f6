from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


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
        serve(host, port, threads, self.stdout)
