"""The stock as a spreadsheet: exported lot by lot, imported as an opening stock (receipts)
or as a count (a stock-taking sheet that a second person approves).

The export has one row per lot in stock at the points one may see, with its lot number and an
empty "counted" column. Imports are read by the imports app's hardened reader (size, declared
extent, zip bombs, encodings, formulas), headers found by its header table; full-width digits
and letters read as plain ones. Every row is checked first (the dry run) and bad rows are
reported in Chinese and English; the import writes every row or none, each through the
supplies' actions (``do_receive``; ``do_start_count`` and ``do_record_counts``), which check
the user's permission again.
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit
from linli.core.access import allows
from linli.core.errors import Bilingual
from linli.imports.cells import cell_date, cell_text, is_blank_row
from linli.imports.headers import HeaderTable, auto_map, find_header_row, header_key
from linli.imports.reading import read_file
from linli.supplies import actions as supplies
from linli.supplies.access import COUNT, KEEP
from linli.supplies.models import CountSheet, Item, Lot, SheetStatus, StoragePoint

MAX_FILE = 2 * 1024 * 1024
MAX_ROWS = 5000
PROGRESS_EVERY = 500  # lots between progress reports
RECEIPTS, COUNTS = "receipts", "counts"

# (field, header as exported, other headers read)
COLUMNS = [
    ("point_id", "存放点编号 point id", ("存放点编号", "pointid", "点位编号")),
    ("point", "存放点 point", ("存放点", "储备点", "point", "仓库")),
    ("item", "物资编码 item code", ("物资编码", "itemcode", "编码", "code")),
    ("item_name", "物资名称 material", ("物资名称", "物资", "名称", "material")),
    ("unit", "单位 unit", ("单位", "unit")),
    ("lot", "批次号 lot", ("批次号", "批次", "lot", "lotid")),
    ("quantity", "数量 quantity", ("数量", "库存", "账面数量", "quantity")),
    ("expires_on", "有效期至 expires on", ("有效期至", "有效期", "失效日期", "expireson", "expires")),
    ("source", "来源 source", ("来源", "source")),
    ("counted", "实盘数量 counted", ("实盘数量", "实盘", "盘点数量", "counted")),
]
def _table() -> HeaderTable:
    return HeaderTable((code, {header_key(exported), *(header_key(h) for h in others)})
                       for code, exported, others in COLUMNS)


TABLE = _table()


# --- export -------------------------------------------------------------------------------------

def lots_for_export(points: QuerySet[StoragePoint]) -> QuerySet[Lot]:
    return (Lot.objects.filter(point__in=points.values("pk"), quantity__gt=0)
            .select_related("point", "item").order_by("point__path", "point__name", "item__code", "expires_on", "pk"))


def export_xlsx(points: QuerySet[StoragePoint], progress: Callable[[str, int, int], None] | None = None) -> bytes:
    """Every lot in stock at the points: one row each, the counted column left empty.
    ``progress(stage, done, total)`` is told how far it got (a background run)."""
    tell = progress or (lambda stage, done, total: None)
    lots = lots_for_export(points)
    total = lots.count() if progress else 0
    tell("writing", 0, total)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("库存 stock")
    bold = book.add_format({"bold": True, "bg_color": "#e9ecef"})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    for n, (_code, header, _others) in enumerate(COLUMNS):
        sheet.write(0, n, header, bold)
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 1, 24)
    sheet.set_column(2, 3, 18)
    sheet.set_column(7, 9, 16)
    row = 0
    for row, lot in enumerate(lots.iterator(chunk_size=2000), start=1):
        if row % PROGRESS_EVERY == 0:
            tell("writing", row, total)
        sheet.write_number(row, 0, lot.point_id)
        sheet.write_string(row, 1, lot.point.name)
        sheet.write_string(row, 2, lot.item.code)
        sheet.write_string(row, 3, lot.item.name)
        sheet.write_string(row, 4, lot.item.unit)
        sheet.write_number(row, 5, lot.pk)
        sheet.write_number(row, 6, lot.quantity)
        if lot.expires_on:
            sheet.write_datetime(row, 7, datetime.datetime.combine(lot.expires_on, datetime.time()), date)
        sheet.write_string(row, 8, lot.source)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(row, 1), len(COLUMNS) - 1)
    tell("saving", 0, 0)
    book.close()
    tell("saving", 1, 1)
    return buffer.getvalue()


# --- import -------------------------------------------------------------------------------------

@dataclass
class Row:
    line: int  # the spreadsheet's row number
    point: StoragePoint | None = None
    item: Item | None = None
    lot: Lot | None = None
    quantity: int | None = None
    expires_on: datetime.date | None = None
    source: str = ""
    errors: list[Bilingual] = field(default_factory=list)

    def fail(self, message: Any, **params: Any) -> None:
        self.errors.append(Bilingual.of(message, params or None))


@dataclass
class Preview:
    mode: str
    rows: list[Row]
    problems: list[Bilingual] = field(default_factory=list)  # about the file as a whole

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems and not any(r.errors for r in self.rows)

    @property
    def bad_rows(self) -> list[Row]:
        return [r for r in self.rows if r.errors]


def _refuse(mode: str, message: Any, **params: Any) -> Preview:
    return Preview(mode, [], [Bilingual.of(message, params or None)])


def _number(text: str, row: Row, what: str, *, allow_zero: bool) -> int | None:
    try:
        return supplies.clean_quantity(text, allow_zero=allow_zero)
    except ValidationError as exc:
        first = Bilingual.of_error(exc)
        row.errors.append(Bilingual(en=f"{what}: {first.en}", zh=f"{what}：{first.zh}"))
        return None


class _Lookup:
    def __init__(self, user: Any, action: str) -> None:
        self.points = {p.pk: p for p in StoragePoint.objects.restrict(user, action).filter(is_active=True)}
        self.by_name = {p.name: p for p in self.points.values()}
        self.items = {i.code: i for i in Item.objects.filter(is_active=True)}
        self.items_by_name = {i.name: i for i in self.items.values()}

    def point(self, cells: dict[str, str], row: Row) -> StoragePoint | None:
        key, name = cells.get("point_id", ""), cells.get("point", "")
        point = (self.points.get(int(key)) if key.isdigit() else None) or self.by_name.get(name)
        if point is None:
            row.fail(_("No storage point %(point)s that you may keep."), point=key or name or "—")
        return point

    def item(self, cells: dict[str, str], row: Row) -> Item | None:
        code, name = cells.get("item", "").lower(), cells.get("item_name", "")
        item = self.items.get(code) or self.items_by_name.get(name)
        if item is None:
            row.fail(_("No material %(item)s in the catalogue."), item=code or name or "—")
        return item


def _cells(raw: list[Any], columns: dict[int, str]) -> tuple[dict[str, str], Any]:
    cells = {code: cell_text(raw[n]) if n < len(raw) else "" for n, code in columns.items()}
    date_column = next((n for n, code in columns.items() if code == "expires_on"), None)
    return cells, raw[date_column] if date_column is not None and date_column < len(raw) else None


def preview(user: Any, data: bytes, file_name: str, mode: str, today: datetime.date | None = None) -> Preview:
    """Read and check every row; nothing is written."""
    today = today or timezone.localdate()
    if mode not in (RECEIPTS, COUNTS):
        return _refuse(mode, _("Choose what the file holds: an opening stock or a count."))
    if len(data) > MAX_FILE:
        return _refuse(mode, _("The file is larger than %(mb)d MB; split it into several files."),
                       mb=MAX_FILE // 2**20)
    try:
        sheets = read_file(data, file_name)
    except ValidationError as exc:
        return Preview(mode, [], [Bilingual.of_error(exc)])
    rows = next((s.rows for s in sheets if any(not is_blank_row(r) for r in s.rows)), [])
    header = find_header_row(rows, TABLE)
    if header is None:
        return _refuse(mode, _("The first row must name the columns, as in the exported file: storage point "
                               "(存放点), material code (物资编码), quantity (数量) …"))
    columns = auto_map([cell_text(c) for c in rows[header]], TABLE)
    needed = {"quantity"} if mode == RECEIPTS else {"lot", "counted"}
    if mode == RECEIPTS and not {"point_id", "point"} & set(columns.values()):
        needed.add("point")
    missing = needed - set(columns.values())
    if missing:
        return _refuse(mode, _("Columns missing: %(columns)s."),
                       columns=", ".join(h for c, h, _o in COLUMNS if c in missing))
    body = [(n, raw) for n, raw in enumerate(rows[header + 1:], start=header + 2) if not is_blank_row(raw)]
    if len(body) > MAX_ROWS:
        return _refuse(mode, _("At most %(n)d rows in one file."), n=MAX_ROWS)
    lookup = _Lookup(user, KEEP if mode == RECEIPTS else COUNT)
    checked = [(_receipt if mode == RECEIPTS else _count)(number, *_cells(raw, columns), lookup, today)
               for number, raw in body]
    if mode == COUNTS:
        _whole_points(checked)
    if not checked:
        return _refuse(mode, _("The file is empty."))
    return Preview(mode, checked)


def _receipt(number: int, cells: dict[str, str], raw_date: Any, lookup: _Lookup, today: datetime.date) -> Row:
    row = Row(number, source=cells.get("source", "")[:100])
    row.point = lookup.point(cells, row)
    row.item = lookup.item(cells, row)
    row.quantity = _number(cells.get("quantity", ""), row, "数量 quantity", allow_zero=False)
    try:
        row.expires_on = cell_date(raw_date)
    except ValidationError:
        row.fail(_("The expiry date cannot be read; write it like 2027-06-30."))
    if row.expires_on is not None and row.expires_on < today:
        row.fail(_("This lot has already expired; it cannot be taken into stock."))
    if row.item is not None and row.item.shelf_life_days and row.expires_on is None and not row.errors:
        row.fail(_("%(item)s has a shelf life: fill in the expiry date."), item=row.item.name)
    return row


def _count(number: int, cells: dict[str, str], _raw_date: Any, lookup: _Lookup, _today: datetime.date) -> Row:
    row = Row(number)
    lot_id = cells.get("lot", "")
    lot = Lot.objects.filter(pk=int(lot_id)).select_related("point", "item").first() if lot_id.isdigit() else None
    if lot is None or lot.point_id not in lookup.points:
        row.fail(_("No lot %(lot)s at a point you may count."), lot=lot_id or "—")
        return row
    row.lot, row.point, row.item = lot, lot.point, lot.item
    if not lot.quantity:
        row.fail(_("Lot %(lot)s has no stock left since the file was exported; export the stock again."), lot=lot.pk)
    row.quantity = _number(cells.get("counted", ""), row, "实盘数量 counted", allow_zero=True)
    return row


def _whole_points(rows: list[Row]) -> None:
    """A count covers each point it names whole: every lot in stock there, each once, and no
    stock-taking already under way."""
    seen: dict[int, Row] = {}
    by_point: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        if row.lot is None:
            continue
        if row.lot.pk in seen:
            row.fail(_("Lot %(lot)s is already counted in row %(row)d."), lot=row.lot.pk, row=seen[row.lot.pk].line)
        seen[row.lot.pk] = row
        by_point[row.lot.point_id].add(row.lot.pk)
    first: dict[int, Row] = {}
    for row in rows:
        if row.lot is not None:
            first.setdefault(row.lot.point_id, row)
    for point_id, lots in by_point.items():
        in_stock = set(Lot.objects.filter(point_id=point_id, quantity__gt=0).values_list("pk", flat=True))
        left_out = sorted(in_stock - lots)
        row = first[point_id]
        if left_out:
            row.fail(_("The count of %(point)s leaves out lots %(lots)s: count every lot of the point."),
                     point=row.lot.point.name if row.lot else point_id, lots=", ".join(map(str, left_out[:10])))
        if CountSheet.objects.filter(point_id=point_id, status__in=[SheetStatus.OPEN, SheetStatus.SUBMITTED]).exists():
            row.fail(_("This point already has a stock-taking under way; finish it first."))


@transaction.atomic
def do_import(user: Any, data: bytes, file_name: str, mode: str) -> dict[str, int]:
    """Write every row of the file or none: the file is checked again here. Receipts enter
    stock at once; a count becomes one stock-taking sheet per point, submitted for a second
    person's approval (its variances move the ledger only then)."""
    checked = preview(user, data, file_name, mode)
    if not checked.ok:
        raise ValidationError(_("The file has problems; correct them and upload it again."), code="import_invalid")
    made = {"receipts": 0, "sheets": 0}
    if mode == RECEIPTS:
        for row in checked.rows:
            assert row.point is not None and row.item is not None  # noqa: S101 - checked by preview
            supplies.do_receive(row.point, row.item, row.quantity, acting_user=user, expires_on=row.expires_on,
                                source=row.source or "导入 import", note="imported")
            made["receipts"] += 1
    else:
        counted: dict[int, dict[int, int | None]] = defaultdict(dict)
        points = {}
        for row in checked.rows:
            assert row.lot is not None and row.point is not None  # noqa: S101 - checked by preview
            counted[row.point.pk][row.lot.pk] = row.quantity
            points[row.point.pk] = row.point
        for point_id, by_lot in counted.items():
            if not allows(user, COUNT, points[point_id]):
                raise ValidationError(_("You may not count this point."), code="denied")
            sheet = supplies.do_start_count(points[point_id], acting_user=user)
            lines = {line.lot_id: line.pk for line in sheet.lines.all()}
            supplies.do_record_counts(sheet, {lines[lot]: n for lot, n in by_lot.items()}, acting_user=user,
                                      submit=True)
            made["sheets"] += 1
    audit.record("suppliers.stock_import", actor=user, object_type="supplies.lot",
                 detail={"file": file_name[:100], "mode": mode, **made})
    return made
