from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.core.access import PermissionDenied


class Command(BaseCommand):
    help = "Department reports: `linli reports generate --all --scope PLACE_CODE --out DIR [--user NAME] [--zip]`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        gen = sub.add_parser("generate")
        which = gen.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="every active template")
        which.add_argument("--template", help="one template code")
        gen.add_argument("--scope", required=True, help="code of the street, community, compound …")
        gen.add_argument("--out", type=Path, required=True)
        gen.add_argument("--user", default="", help="generate as this user (default: the first superuser)")
        gen.add_argument("--zip", action="store_true", help="one zip file instead of one xlsx per report")
        gen.add_argument("--purpose-code", default="", help="why the health reports must name people: a lawful "
                                                            "purpose's code (health roles only; without one they "
                                                            "are counted per compound)")
        gen.add_argument("--purpose", default="", help='the purpose in words (required for "other")')
        sub.add_parser("list")

    def handle(self, *args: Any, action: str, **opts: Any) -> None:
        from linli.reports.models import ReportTemplate

        if action == "list":
            for t in ReportTemplate.objects.order_by("department", "code"):
                self.stdout.write(f"{t.code:<36} {t.get_department_display()}  {t.title}  v{t.version}")
            return
        self._generate(**opts)

    def _generate(self, all: bool, template: str | None, scope: str, out: Path, user: str, zip: bool,
                  purpose: str = "", purpose_code: str = "", **_: Any) -> None:
        from linli.core.models import User
        from linli.places.models import Place
        from linli.reports.actions import do_generate_all_reports, do_generate_report
        from linli.reports.engine import zip_reports
        from linli.reports.models import ReportTemplate

        place = Place.objects.filter(code=scope).first()
        if place is None:
            raise CommandError(f"no place has the code {scope} / 没有编码为 {scope} 的地点")
        actor = User.objects.filter(username=user).first() if user else \
            User.objects.filter(is_superuser=True).order_by("pk").first()
        if actor is None:
            raise CommandError(f"no such user {user!r} / 没有该用户")
        try:
            if all:
                reports = do_generate_all_reports(scope=place, acting_user=actor, purpose=purpose,
                                                  purpose_code=purpose_code)
            else:
                chosen = ReportTemplate.objects.filter(code=template).first()
                if chosen is None:
                    raise CommandError(f"no template {template!r}; see `linli reports list`")
                reports = [do_generate_report(chosen, scope=place, acting_user=actor, purpose=purpose,
                                               purpose_code=purpose_code)]
        except PermissionDenied as exc:
            raise CommandError(f"{actor} may not export people of {place.code} / 无权导出该范围的人员数据") from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        out.mkdir(parents=True, exist_ok=True)
        if zip:
            target = out / f"{place.name}_全部部门报表.zip"
            target.write_bytes(zip_reports(reports))
            self.stdout.write(f"{target}")
        for report in reports:
            if not zip:
                (out / report.filename).write_bytes(report.content)
            self.stdout.write(f"{report.filename}: {report.rows} rows / {report.rows} 行")
