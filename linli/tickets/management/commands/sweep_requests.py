"""`linli sweep_requests`: run the requests' time-limit sweep now (the worker runs it every
five minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from linli.tickets import actions


class Command(BaseCommand):
    help = "Warn, escalate and close requests by their time limits now."

    def handle(self, *args: Any, **options: Any) -> None:
        result = actions.sweep()
        self.stdout.write(f"warned {result.warned}, escalated {result.escalated}, closed {result.closed}")
