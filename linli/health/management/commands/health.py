from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

HELP = """Epidemic mode (疫情模式).

  linli health verify CODE --trust-list FILE --root-key=KEY   (with "=": a key may start with "-")
                                  check a pass offline; prints a JSON verdict, exit 0 only if valid
                                  (without --root-key no pass is valid, unless --allow-unpinned)
  linli health trust-list [--out FILE]   save the signed trust list (for offline checking)
  linli health root-key           print the root public key (base64url) to pin at gates
  linli health recompute          decide everyone's colour again (after editing risk areas by hand)
  linli health purge --before DATE      delete epidemic records before DATE, keeping daily counts
  linli health extend-unseen      run on orders whose last day had no follow-up (also nightly)
"""


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify")
        verify.add_argument("code")
        verify.add_argument("--trust-list", required=True, type=Path)
        verify.add_argument("--root-key", default="", help="pinned root public key, base64url (`linli health root-key`); write --root-key=KEY, since a key may start with -")
        verify.add_argument("--allow-unpinned", action="store_true",
                            help="without --root-key, trust the key the trust list carries (anyone could have signed it)")
        trust = sub.add_parser("trust-list")
        trust.add_argument("--out", type=Path, default=None)
        sub.add_parser("root-key")
        sub.add_parser("recompute")
        purge = sub.add_parser("purge")
        purge.add_argument("--before", required=True, help="YYYY-MM-DD")
        sub.add_parser("extend-unseen")

    def handle(self, *args: Any, action: str, **opts: Any) -> None:
        getattr(self, "_" + action.replace("-", "_"))(opts)

    def _verify(self, opts: dict[str, Any]) -> None:
        from linli.health import passes

        root = None
        if opts["root_key"]:
            import base64

            text = opts["root_key"]
            try:
                root = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            except ValueError as exc:
                raise CommandError("--root-key is not base64url / --root-key 不是 base64url 编码") from exc
        verdict, status = passes.verify_cli(opts["code"], str(opts["trust_list"]), root, timezone.now(),
                                            allow_unpinned=opts["allow_unpinned"])
        self.stdout.write(json.dumps(verdict, ensure_ascii=False))
        if status:
            sys.exit(status)

    def _trust_list(self, opts: dict[str, Any]) -> None:
        from linli.health import keys

        text = json.dumps(keys.trust_list(), ensure_ascii=False, indent=1)
        if opts["out"]:
            opts["out"].write_text(text, encoding="utf-8")
            self.stdout.write(f"saved / 已保存: {opts['out']}")
        else:
            self.stdout.write(text)

    def _root_key(self, opts: dict[str, Any]) -> None:
        from linli.health import keys

        self.stdout.write(keys.root_key().public_key)

    def _recompute(self, opts: dict[str, Any]) -> None:
        from linli.health.actions import recompute

        done = recompute(None)
        self.stdout.write(f"{done.people} people decided, {done.changed} changed / 已重新判定 {done.people} 人，"
                          f"{done.changed} 人有变化")

    def _purge(self, opts: dict[str, Any]) -> None:
        from linli.health.retention import purge

        try:
            before = datetime.date.fromisoformat(opts["before"])
        except ValueError as exc:
            raise CommandError("--before must be a date like 2026-06-30 / --before 应为日期，如 2026-06-30") from exc
        if before > timezone.localdate():
            raise CommandError("--before cannot be in the future / --before 不能晚于今天")
        done = purge(before)
        self.stdout.write(json.dumps({"before": str(done.before), "figures_kept": done.figures,
                                      "deleted": done.deleted}, ensure_ascii=False))

    def _extend_unseen(self, opts: dict[str, Any]) -> None:
        from linli.health.actions import extend_unseen_orders

        extended = extend_unseen_orders()
        self.stdout.write(f"{extended} orders extended / 已延长 {extended} 份隔离令")
