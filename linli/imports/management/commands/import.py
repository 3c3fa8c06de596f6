"""``linli import people FILE --scope PLACE_CODE --user USERNAME``: dry run, then commit.

Exit status: 0 when done (or a clean dry run), 1 when rows were rejected and the import
was not forced with ``--allow-rejected`` (nothing is written then), 2 when the file or the
import failed as a whole.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from linli.core.access import PermissionDenied
from linli.core.errors import bilingual
from linli.core.models import User
from linli.imports import actions, report
from linli.imports.fields import FIELDS
from linli.imports.headers import SheetLayout, header_key
from linli.imports.models import BatchStatus, ImportBatch, OnMatch
from linli.imports.progress import BatchProgress
from linli.places.models import Place

IGNORE = {"-", "ignore", "none", "忽略", "不导入"}


def _both(error: ValidationError) -> str:
    text = bilingual(error)
    return f"{text['zh']}\n{text['en']}"


def column_index(spec: str, headers: list[str]) -> int | None:
    """A column named by its header text or by its letter (A, B, … AA)."""
    wanted = header_key(spec)
    for index, header in enumerate(headers):
        if header_key(header) == wanted:
            return index
    letters = spec.strip().upper()
    if letters and len(letters) <= 3 and all(c in string.ascii_uppercase for c in letters):
        number = 0
        for c in letters:
            number = number * 26 + ord(c) - 64
        return number - 1
    return None


def parse_map(text: str) -> list[tuple[str, str]]:
    pairs = []
    for item in text.replace("，", ",").split(","):
        if not item.strip():
            continue
        column, sep, field = item.replace("：", "=").replace(":", "=").partition("=")
        if not sep:
            raise CommandError(f"--map expects column=field, got {item!r} / --map 的格式应为 列=字段")
        pairs.append((column.strip(), field.strip()))
    return pairs


def apply_map(layout: SheetLayout, pairs: list[tuple[str, str]]) -> dict[int, str]:
    mapping = dict(layout.mapping)
    for column, field in pairs:
        index = column_index(column, layout.headers)
        if index is None:
            continue  # the column may belong to another sheet
        if field.lower() in IGNORE:
            mapping.pop(index, None)
            continue
        if field not in FIELDS:
            raise CommandError(f"Unknown field {field!r}; fields are: {', '.join(FIELDS)} / 未知字段 {field!r}")
        mapping = {i: f for i, f in mapping.items() if f != field}
        mapping[index] = field
    return mapping


class Command(BaseCommand):
    help = "Import people from an Excel or CSV file: a dry run first, written only with --commit."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["people"])
        parser.add_argument("file", type=Path)
        parser.add_argument("--scope", required=True, help="code of the place to import into (community, grid area …)")
        parser.add_argument("--user", required=True, help="the account the import is made for")
        parser.add_argument("--map", default="", help="column=field pairs, e.g. '证件号=id_number,备注2=-'")
        parser.add_argument("--commit", action="store_true", help="write the rows (otherwise: dry run only)")
        parser.add_argument("--on-match", choices=OnMatch.values, default="",
                            help="rows matching registered people: merge them or skip them")
        parser.add_argument("--allow-rejected", action="store_true",
                            help="commit the good rows even though some were rejected")
        parser.add_argument("--show", type=int, default=20, help="how many rejected rows and matches to list")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **opts: Any) -> None:
        translation.activate("zh-hans")
        user, area = self._user(opts["user"]), self._area(opts["scope"])
        batch = self._upload(user, area, opts["file"])
        self._map(batch, user, opts["map"])
        here = BatchProgress(batch.pk, show_bar=not opts["quiet"])
        actions.start_dry_run(batch, acting_user=user, here=here)
        self._fail_if_failed(batch)
        self._print_report(batch, opts["show"])
        rejected = batch.count("rejected")
        if not opts["commit"]:
            if rejected:
                raise CommandError(f"{rejected} rows rejected; nothing written. / {rejected} 行被拒绝，未写入。",
                                   returncode=1)
            self.stdout.write("Dry run only; add --commit to import. / 仅试运行；加 --commit 才会导入。")
            return
        self._commit(batch, user, opts, here)

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}. / 没有名为 {username!r} 的有效用户。")
        return user

    def _area(self, code: str) -> Place:
        area = Place.objects.filter(code=code.strip()).first()
        if area is None:
            raise CommandError(f"No place with code {code!r}. / 没有代码为 {code!r} 的地点。")
        return area

    def _upload(self, user: User, area: Place, path: Path) -> ImportBatch:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror} / 无法读取文件 {path}", returncode=2) from exc
        try:
            return actions.do_upload(acting_user=user, area=area, file_name=path.name, data=data)
        except PermissionDenied:
            raise CommandError(f"{user.username} may not import people into {area.name}. / "
                               f"{user.username} 无权向 {area.name} 导入人员。", returncode=2) from None
        except ValidationError as exc:
            raise CommandError(_both(exc), returncode=2) from None

    def _map(self, batch: ImportBatch, user: User, text: str) -> None:
        pairs = parse_map(text)
        layouts = actions.layouts_of(batch)
        mappings = {layout.name: apply_map(layout, pairs) for layout in layouts if layout.header_row is not None}
        try:
            actions.do_set_mapping(batch, mappings, acting_user=user)
        except ValidationError as exc:
            raise CommandError(_both(exc), returncode=2) from None
        for layout in actions.layouts_of(batch):
            if layout.header_row is None:
                self.stdout.write(f"[{layout.name}] no header row: skipped / 未找到表头，跳过")
                continue
            shown = ", ".join(f"{layout.headers[i]}→{f}" for i, f in sorted(layout.mapping.items()))
            self.stdout.write(f"[{layout.name}] header row {layout.header_row + 1}: {shown}")

    def _fail_if_failed(self, batch: ImportBatch) -> None:
        if batch.status == BatchStatus.FAILED:
            raise CommandError(f"{batch.error.get('zh', '')}\n{batch.error.get('en', '')}", returncode=2)

    def _print_report(self, batch: ImportBatch, show: int) -> None:
        c = batch.counts
        self.stdout.write(f"rows {c.get('rows', 0)} · new {c.get('new', 0)} · matched {c.get('matched', 0)} · "
                          f"rejected {c.get('rejected', 0)} / 共 {c.get('rows', 0)} 行：新增 {c.get('new', 0)}，"
                          f"已登记 {c.get('matched', 0)}，拒绝 {c.get('rejected', 0)}")
        for line in report.problem_lines(report.rejected(batch, show), "zh-hans"):
            self.stdout.write(f"  ✗ {line.sheet}!{line.row} [{line.column}] {line.value!r}: "
                              f"{line.reason_zh} / {line.reason_en}")
        for match in report.match_lines(report.matched(batch, show)):
            diffs = "; ".join(f"{label}: {old} → {new}" for label, old, new in match.differences) or "—"
            self.stdout.write(f"  = {match.sheet}!{match.row} {match.name} ({match.by}): {diffs}")

    def _commit(self, batch: ImportBatch, user: User, opts: dict[str, Any], here: BatchProgress) -> None:
        try:
            actions.start_commit(batch, acting_user=user, on_match=opts["on_match"],
                                 allow_rejected=opts["allow_rejected"], here=here)
        except ValidationError as exc:
            code = 1 if exc.code == "rejected_rows" else 2
            raise CommandError(_both(exc), returncode=code) from None
        self._fail_if_failed(batch)
        if batch.status != BatchStatus.COMMITTED:  # the registry changed since the dry run
            raise CommandError(f"{batch.error.get('zh', '')}\n{batch.error.get('en', '')}", returncode=2)
        c = batch.counts
        self.stdout.write(f"Imported: {c.get('created', 0)} created, {c.get('updated', 0)} updated, "
                          f"{c.get('skipped', 0)} skipped. / 已导入：新增 {c.get('created', 0)}，"
                          f"更新 {c.get('updated', 0)}，跳过 {c.get('skipped', 0)}。")
