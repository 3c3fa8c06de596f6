from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.core.access import PermissionDenied
from linli.exchange.errors import ExchangeError


class Command(BaseCommand):
    help = ("Upward exchange (上报交换): `linli exchange keys init --place CODE`, "
            "`linli exchange keys trust VERIFIER_KEY --place CODE`, "
            "`linli exchange export --scope CODE --out FILE [--user NAME] [--k N] [--records]`, "
            "`linli exchange import FILE [--user NAME]`, `linli exchange show --scope CODE`.")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        keys = sub.add_parser("keys").add_subparsers(dest="key_action", required=True)
        init = keys.add_parser("init", help="create this office's signing key and print its public key")
        init.add_argument("--place", required=True, help="this office's place code, e.g. 310115099")
        keys.add_parser("show", help="print this office's public verifier key")
        trust = keys.add_parser("trust", help="accept files signed by a lower office's key")
        trust.add_argument("verifier_key")
        trust.add_argument("--place", required=True, help="the lower office's place code (= the key's name)")
        trust.add_argument("--user", default="")
        export = sub.add_parser("export")
        export.add_argument("--scope", required=True, help="place code of the area to report")
        export.add_argument("--out", type=Path, required=True)
        export.add_argument("--user", default="", help="export as this user (default: the first superuser)")
        export.add_argument("--k", type=int, default=None, help="suppress counts below k (default 5)")
        export.add_argument("--records", action="store_true", help="include individual records (needs people.export)")
        imp = sub.add_parser("import")
        imp.add_argument("file", type=Path)
        imp.add_argument("--user", default="", help="import as this user (default: the first superuser)")
        show = sub.add_parser("show", help="the latest imported figures of a scope")
        show.add_argument("--scope", required=True)

    def handle(self, *args: Any, action: str, **opts: Any) -> None:
        try:
            getattr(self, f"_{action}")(**opts)
        except ExchangeError as exc:
            raise CommandError(str(exc)) from exc
        except PermissionDenied as exc:
            raise CommandError(f"this user may not do {exc} here") from exc

    def _actor(self, name: str) -> Any:
        from linli.core.models import User

        actor = User.objects.filter(username=name).first() if name else \
            User.objects.filter(is_superuser=True).order_by("pk").first()
        if actor is None:
            raise CommandError(f"no such user {name!r} / 没有该用户")
        return actor

    def _keys(self, key_action: str, **opts: Any) -> None:
        from linli.exchange.actions import do_trust_office
        from linli.exchange.keys import create_office_key, key_path, office_signer
        from linli.exchange.places import path_of_code

        if key_action == "init":
            path_of_code(opts["place"])  # refuse a code that names no place
            signer = create_office_key(opts["place"])
            self.stderr.write(f"key written to {key_path()} (mode 0600) / 密钥已写入")
            self.stdout.write(signer.verifier().encode())
        elif key_action == "show":
            self.stdout.write(office_signer().verifier().encode())
        else:
            office, created = do_trust_office(opts["verifier_key"], opts["place"], acting_user=self._actor(opts["user"]))
            state = "trusted / 已信任" if created else "already trusted / 已是受信任密钥"
            self.stdout.write(f"{office.place_code} {office.key_id}: {state}")

    def _export(self, scope: str, out: Path, user: str, k: int | None, records: bool, **_: Any) -> None:
        from linli.exchange.actions import do_export
        from linli.places.models import Place

        place = Place.objects.filter(code=scope).first()
        if place is None:
            raise CommandError(f"no place has the code {scope} / 没有编码为 {scope} 的地点")
        result = do_export(place, acting_user=self._actor(user), k=k, records=records)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(result.content)
        self.stdout.write(f"{out}: {result.aggregates} aggregate lines, {result.suppressed} cells suppressed, "
                          f"{result.records} records / {result.aggregates} 行汇总，{result.suppressed} 个单元格已隐藏，"
                          f"{result.records} 条明细")

    def _import(self, file: Path, user: str, **_: Any) -> None:
        from linli.exchange.actions import do_import

        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror} / 无法读取文件") from exc
        result = do_import(data, acting_user=self._actor(user), filename=file.name)
        snap = result.snapshot
        if result.created:
            self.stdout.write(f"imported {snap.scope_code} of {snap.generated_at:%Y-%m-%d %H:%M:%S %Z}: "
                              f"{result.figures} figures / 已导入 {result.figures} 项数据")
        else:
            self.stdout.write(f"already imported (snapshot {snap.pk}); nothing changed / 该文件已导入，未作改动")

    def _show(self, scope: str, **_: Any) -> None:
        from linli.exchange.actions import latest_figures

        figures = latest_figures(scope)
        if not figures:
            self.stderr.write(f"nothing imported for {scope} / 尚未导入 {scope} 的数据")
            sys.exit(1)
        for (place, measure, breakdown), value in sorted(figures.items()):
            self.stdout.write(f"{place}\t{measure}\t{breakdown}\t{'—' if value is None else value}")
