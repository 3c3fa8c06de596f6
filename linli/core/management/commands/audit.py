from __future__ import annotations

import json
import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

HELP = """Audit log tools.

  linli audit verify       check the keyed hash chain, its sealed head and the copies of the head in
                           the shared ledger; exit 1 naming the first row rewritten, deleted,
                           truncated or rolled back
  linli audit anchor       write the chain's head to the shared ledger now (the worker does it hourly)
  linli audit rotate-key   add a new integrity key to the data keys and make it the active one
"""


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="check the whole chain; exit 1 on the first break")
        sub.add_parser("anchor", help="write the chain's head to the shared ledger now")
        sub.add_parser("rotate-key", help="add a new integrity key and make it active")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        getattr(self, "_" + subcommand.replace("-", "_"))()

    def _verify(self) -> None:
        from linli.core.audit import BREAK_LABELS, verify_report

        report = verify_report()
        broken = report.broken
        if broken is None:
            self.stdout.write(f"Audit chain intact: {report.checked} events checked. / 审计链完整：已核验 {report.checked} 条。")
            if report.latest_anchor is not None:
                anchor = report.latest_anchor
                copies = f"{report.anchors} cop{'y' if report.anchors == 1 else 'ies'}"
                self.stdout.write(f"Checked against {copies} of the head in the shared ledger, the latest "
                                  f"#{anchor.seq} in {anchor.where}. / 已与共享账簿中的 {report.anchors} 个链头副本核对，"
                                  f"最新为第 #{anchor.seq} 条。")
            elif report.checked:
                self.stdout.write("No copy of the head is in the shared ledger yet, so a database put back as a whole "
                                  "would not show (the worker writes one every hour; `linli audit anchor` now). / "
                                  "共享账簿中尚无链头副本，整库回滚暂无法发现（后台任务每小时写入一次，也可运行 linli audit anchor）。")
            return
        english, chinese = BREAK_LABELS[broken.kind]
        row = f" (row id {broken.row_id})" if broken.row_id is not None else ""
        self.stderr.write(
            f"Audit chain {english} at event #{broken.seq}{row}: {broken.reason}. "
            f"{report.checked} events before it are intact.\n"
            f"审计链{chinese}：问题出现在第 #{broken.seq} 条（{broken.reason}）。此前 {report.checked} 条完整。")
        sys.exit(1)

    def _anchor(self) -> None:
        from linli.core.audit import write_anchors

        written = [payload for payload in write_anchors() if payload is not None]
        if not written:
            self.stdout.write("Nothing written: the ledger holds the current head already, or the chain is broken "
                              "(see `linli audit verify`). / 未写入：账簿中已有当前链头，或审计链已损坏。")
            return
        seq = written[0]["seq"]
        self.stdout.write(f"Head #{seq} written to the shared ledger. / 已将第 #{seq} 条链头写入共享账簿。")

    def _rotate_key(self) -> None:
        from linli.core import audit, crypto
        from linli.core.keys import replace_private

        keys, key_id = crypto.data_keys().with_new_integrity_key()
        path = settings.LINLI_DATA_KEYS_PATH
        if os.environ.get("LINLI_DATA_KEYS"):
            self.stdout.write(json.dumps(json.loads(keys.to_json()), indent=2))
            raise CommandError(
                f"The data keys come from LINLI_DATA_KEYS, which this command cannot change: set it to the JSON above "
                f"(new integrity key {key_id}, old keys kept) and restart. / 数据密钥来自环境变量 LINLI_DATA_KEYS，"
                f"本命令无法修改：请将其设为上面的 JSON（新完整性密钥 {key_id}，旧密钥保留）后重启。")
        try:
            replace_private(path, keys.to_json())
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc} / 无法写入 {path}") from exc
        crypto.reset_key_cache()
        audit.record("audit.key_rotated", detail={"key_id": key_id})
        self.stdout.write(
            f"Integrity key {key_id} added to {path} and made active; older keys stay there to check older rows. "
            f"Restart the server and the workers so they seal new rows with it (until then they keep the old key, "
            f"which still verifies). Back the data keys up again. / 已在 {path} 中新增完整性密钥 {key_id} 并启用，"
            f"旧密钥保留用于核验旧记录。请重启服务和后台任务进程，并重新备份数据密钥。")
