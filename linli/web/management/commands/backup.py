from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

HELP = """Write an encrypted backup: the database, its keys and the ledger's last checkpoint.

  linli backup --new-key FILE        create a backup key; prints the public part (age1…) to give
                                     to `--recipient` or LINLI_BACKUP_RECIPIENT; keep FILE off the server
  linli backup [--to FILE]           write the backup (default linli-backup-<time>.age here)
  linli restore FILE --key KEYFILE   put it back (see `linli restore --help`)
"""


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", type=Path, help="the backup file to write")
        parser.add_argument("--recipient", default="", help="public backup key (age1…); default LINLI_BACKUP_RECIPIENT")
        parser.add_argument("--new-key", type=Path, metavar="FILE", help="create a backup key in FILE and stop")

    def handle(self, *args: Any, to: Path | None, recipient: str, new_key: Path | None, **options: Any) -> None:
        from linli.web.backup import BackupError, backup
        from linli.web.backup import new_key as make_key

        try:
            if new_key is not None:
                public = make_key(new_key)
                self.stdout.write(f"Backup key written to {new_key}; keep it off this server (it restores the backups).\n"
                                  f"备份私钥已写入 {new_key}；请保存在服务器以外（恢复备份要用它）。\n"
                                  f"Public key / 公钥 (LINLI_BACKUP_RECIPIENT):\n{public}")
                return
            recipient = recipient or settings.LINLI_BACKUP_RECIPIENT
            if not recipient:
                raise CommandError("No backup key: give --recipient age1… or set LINLI_BACKUP_RECIPIENT; create one with "
                                   "`linli backup --new-key FILE`. / 未设置备份公钥：请用 --recipient 或 "
                                   "LINLI_BACKUP_RECIPIENT；可用 `linli backup --new-key 文件` 生成。")
            output = to or Path(f"linli-backup-{timezone.localtime():%Y%m%d-%H%M%S}.age")
            summary = backup(output, recipient, say=lambda text: self.stdout.write(text))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backup written to {output} ({output.stat().st_size / 1e6:.1f} MB): {summary.people} people, "
                          f"audit chain at #{summary.audit_seq}, {summary.ledger_entries} ledger entries.\n"
                          f"备份已写入 {output}：{summary.people} 人，审计链至第 {summary.audit_seq} 条，账簿 "
                          f"{summary.ledger_entries} 条。")
