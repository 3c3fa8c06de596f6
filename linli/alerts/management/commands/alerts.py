"""``linli alerts clock``: the escalation clock, ticking every few seconds until stopped;
``linli alerts sweep``: the absence rules once (doors and water idle for 24 hours)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from linli.alerts import actions, intake

SWEEP_EVERY = 60  # ticks between two absence sweeps (ten minutes at ten seconds a tick)


class Command(BaseCommand):
    help = "Run the alerts' escalation clock (clock) or the idle-home sweep once (sweep)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["clock", "sweep"])
        parser.add_argument("--every", type=float, default=10.0, help="seconds between two ticks (clock)")
        parser.add_argument("--ticks", type=int, default=0, help="stop after this many ticks (0: never)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "sweep":
            self.stdout.write(f"raised {intake.sweep_absence()}")
            return
        every, limit, n = max(options["every"], 1.0), options["ticks"], 0
        try:
            while True:
                paged = actions.tick()
                if paged:
                    self.stdout.write(f"paged {paged}")
                if n % SWEEP_EVERY == 0:
                    intake.sweep_absence()
                n += 1
                if limit and n >= limit:
                    return
                time.sleep(every)
        except KeyboardInterrupt:
            return
