from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

HELP = """Restore a backup written by `linli backup`, then check the audit chain and the ledger.

  linli restore FILE --key KEYFILE [--force]

Into an empty installation (a new data directory, an empty PostgreSQL database); --force
replaces existing data, keeping the replaced files as *.before-restore.
"""


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--key", type=Path, required=True, help="the backup key file (AGE-SECRET-KEY-…)")
        parser.add_argument("--force", action="store_true", help="replace the data this installation holds")
        parser.add_argument("--no-check", action="store_true", help="skip the checks after restoring")

    def handle(self, *args: Any, archive: Path, key: Path, force: bool, no_check: bool, **options: Any) -> None:
        from linli.web.backup import BackupError, restore

        if not archive.is_file():
            raise CommandError(f"No such file: {archive} / 找不到文件：{archive}")
        try:
            manifest = restore(archive, key, force=force, say=lambda text: self.stdout.write(text))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored the backup of {manifest['created_at']}: {manifest['people']} people, audit chain "
                          f"at #{manifest['audit_seq']}, {manifest['ledger_entries']} ledger entries.\n"
                          f"已恢复 {manifest['created_at']} 的备份：{manifest['people']} 人，审计链至第 "
                          f"{manifest['audit_seq']} 条，账簿 {manifest['ledger_entries']} 条。")
        if no_check:
            return
        # In new processes: this one still holds the keys it read before the restore.
        failed = False
        for check in (["migrate", "--noinput", "-v0"], ["audit", "verify"], ["ledger", "verify"]):
            done = subprocess.run([sys.executable, "-m", "linli.cli", *check], capture_output=True, text=True)  # noqa: S603
            self.stdout.write(done.stdout.strip())
            if done.returncode != 0:
                failed = True
                self.stderr.write(done.stderr.strip())
        if failed:
            raise CommandError("The restored data failed a check (above). / 恢复后的数据未通过检查（见上）。")
