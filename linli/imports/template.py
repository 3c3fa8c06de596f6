"""The import template and the list of accepted columns, both made from the field catalogue.

The template's headers are the catalogue's Chinese labels (what ``linli.imports.headers``
recognises first), with one example row that the dry run rejects if it is left in (its
compound does not exist). The page lists every header each column may carry, so what an
office may write is known without trying.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import xlsxwriter
from django.utils.translation import gettext as _

from linli.core.text import csv_cell
from linli.imports.fields import (
    COMMUNITY_ROLE_WORDS,
    MAPPING_LABELS,
    ONE_OF_REQUIRED,
    PEOPLE_FIELDS,
    POPULATION_TYPE_WORDS,
    RELATION_WORDS,
    REQUIRED,
    SPECIAL_GROUP_WORDS,
)

# One plausible row. The ID number is the example of GB 11643 itself; 示例小区 is nowhere.
EXAMPLE = {
    "name": "张三", "id_number": "11010519491231002X", "phone": "13812345678", "compound": "示例小区",
    "building": "1号楼", "unit": "1单元", "room": "101", "address": "", "relation_to_head": "户主",
    "population_type": "户籍", "hukou_address": "上海市浦东新区", "relation": "业主", "special_groups": "",
    "community_roles": "党员", "moved_in": "2015-03-01", "notes": "示例行，导入前请删除",
}
# Columns whose cells are text even when they look like numbers (Excel would turn an ID
# number into 1.10105E+17 and drop a phone's leading 0).
TEXT_COLUMNS = ("id_number", "phone", "room", "building", "unit")
CHOICES = {"population_type": POPULATION_TYPE_WORDS, "relation": RELATION_WORDS}
LISTS = {"special_groups": SPECIAL_GROUP_WORDS, "community_roles": COMMUNITY_ROLE_WORDS}


@dataclass(frozen=True)
class Column:
    code: str
    header: str  # what the template writes
    label: str  # in the reader's language
    synonyms: tuple[str, ...]
    required: str  # "" | "yes" | "one_of"
    values: str  # the words the column accepts, if it has a fixed list
    several: bool  # several values in one cell


def columns() -> list[Column]:
    """Every column an import reads, in the mapping form's order."""
    found = []
    for field in PEOPLE_FIELDS:
        required = "yes" if field.code in REQUIRED else "one_of" if field.code in ONE_OF_REQUIRED else ""
        words = CHOICES.get(field.code) or LISTS.get(field.code)
        found.append(Column(field.code, field.label_zh, str(MAPPING_LABELS.get(field.code, field.label)),
                            field.synonyms, required, words.hint if words else "", field.code in LISTS))
    return found


def _comment(column: Column) -> str:
    lines = []
    if column.required == "yes":
        lines.append(_("Required."))
    elif column.required == "one_of":
        lines.append(_("Required: the room (with compound, building and unit) or the address."))
    if column.synonyms:
        lines.append(_("Also read under: %(names)s") % {"names": "、".join(column.synonyms)})
    if column.values:
        lines.append((_("Several of: %(words)s") if column.several else _("One of: %(words)s")) % {
            "words": column.values})
    return "\n".join(lines)


def template_xlsx() -> bytes:
    """The template as an Excel workbook: headers with notes, one example row, text columns."""
    cols = columns()
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    need = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    text = book.add_format({"num_format": "@"})
    sheet = book.add_worksheet(_("Residents"))
    sheet.freeze_panes(1, 0)
    for index, column in enumerate(cols):
        sheet.set_column(index, index, max(10, 2 * len(column.header) + 4),
                         text if column.code in TEXT_COLUMNS else None)
        sheet.write_string(0, index, column.header, need if column.required else head)
        comment = _comment(column)
        if comment:
            sheet.write_comment(0, index, comment, {"x_scale": 2, "y_scale": 1.5})
        sheet.write_string(1, index, EXAMPLE.get(column.code, ""))
        words = CHOICES.get(column.code)
        if words is not None:  # a drop-down of the usual words; other accepted words still pass
            sheet.data_validation(1, index, 5000, index, {
                "validate": "list", "source": words.hint.split("、")[:20], "error_type": "information",
                "show_error": False})
    book.close()
    return buffer.getvalue()


def template_csv() -> bytes:
    """The template as CSV in UTF-8 with a byte-order mark (Excel and WPS open it in Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    cols = columns()
    writer.writerow([column.header for column in cols])
    writer.writerow([csv_cell(EXAMPLE.get(column.code, "")) for column in cols])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
