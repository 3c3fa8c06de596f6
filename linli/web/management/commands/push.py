from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from linli.web.push_server import raise_open_file_limit, run


class Command(BaseCommand):
    help = ("Serve the staff pages' live events (server-sent events at /live/) beside `linli serve`, "
            "which starts it on the next port (decision 0026).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--stop-with-parent", type=int, default=None, metavar="PID",
                            help="stop when this process (the one that started this one) is gone")

    def handle(self, *args: Any, host: str, port: int, stop_with_parent: int | None = None, **options: Any) -> None:
        limit = raise_open_file_limit()
        parent = stop_with_parent
        if parent is not None and os.getppid() != parent:
            return  # it is gone already

        def ready() -> None:
            # No web address here: `linli serve` prints one only once its pages answer there.
            self.stdout.write(f"Live events on port {port} at /live/ (up to {limit or 'many'} open streams) "
                              "/ 实时推送已就绪")
            self.stdout.flush()

        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run(host, port, ready=ready, parent=parent))
