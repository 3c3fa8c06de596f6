from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from linli.core.audit import verify_chain


class Command(BaseCommand):
    help = "Audit log tools. `linli audit verify` checks the hash chain and names the first broken row."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="check the whole chain; exit 1 on the first broken row")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand == "verify":
            checked, broken = verify_chain()
            if broken is None:
                self.stdout.write(f"Audit chain intact: {checked} events checked. / 审计链完整：已核验 {checked} 条。")
                return
            self.stderr.write(
                f"Audit chain BROKEN at event #{broken.seq} (row id {broken.row_id}): {broken.reason}. "
                f"{checked} events before it are intact.\n"
                f"审计链在第 #{broken.seq} 条处断裂：{broken.reason}。此前 {checked} 条完整。")
            sys.exit(1)
