"""Test results imported from a laboratory's CSV file (UTF-8, GB18030 or UTF-16; any usual separator).

Columns are found by their headers, in any order: 身份证号 (证件号码 / 公民身份号码), 采样日期
(采样时间), 检测类型 (核酸 / 抗原; nucleic acid if absent), 检测结果 (阴性 / 阳性), 样本编号, and
optionally 姓名 and 检测机构. A person is found by her ID number among the people the importer
may record health data for; a row that names someone else is reported, never guessed. The
import is all or nothing, and a sample already recorded (same laboratory and sample number)
is skipped, so importing the same file twice adds nothing.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit, dates
from linli.core.access import area_of
from linli.core.csvfiles import read_csv
from linli.core.errors import Bilingual, bilingual
from linli.core.text import strip_invisible
from linli.core.validators import validate_id_number
from linli.health.models import LabOutcome, LabResult, LabTest
from linli.people.fields import PERSON_FIELDS
from linli.people.models import Person
from linli.people.search import id_hashes

MAX_ROWS = 50_000
HEADERS = {
    "id_number": PERSON_FIELDS["id_number"].headers,
    "name": (*PERSON_FIELDS["name"].headers, "受检者", "受检者姓名"),
    "sampled_on": ("采样日期", "采样时间", "采样日"),
    "kind": ("检测类型", "检测项目", "类型"),
    "outcome": ("检测结果", "结果"),
    "sample_ref": ("样本编号", "样本号", "条码号"),
    "lab": ("检测机构", "实验室"),
}
KINDS = {"核酸": LabTest.NUCLEIC, "核酸检测": LabTest.NUCLEIC, "nucleic": LabTest.NUCLEIC,
         "抗原": LabTest.ANTIGEN, "抗原检测": LabTest.ANTIGEN, "antigen": LabTest.ANTIGEN}
OUTCOMES = {"阴性": LabOutcome.NEGATIVE, "negative": LabOutcome.NEGATIVE, "-": LabOutcome.NEGATIVE,
            "阳性": LabOutcome.POSITIVE, "positive": LabOutcome.POSITIVE, "+": LabOutcome.POSITIVE}
DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")


@dataclass
class Problem:
    row: int
    column: str
    value: str
    message: dict[str, str]  # {"code", "zh", "en"}


@dataclass
class Parsed:
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = "".join(cell.split())
        for name, synonyms in HEADERS.items():
            if key in synonyms and name not in found:
                found[name] = index
    return found


def _date(text: str) -> datetime.date:
    match = DATE.match(text.strip())
    if match is None:
        raise ValueError(text)
    return datetime.date(int(match[1]), int(match[2]), int(match[3]))


def parse(data: bytes, *, default_lab: str = "") -> Parsed:
    """Every row, checked (not yet matched to people)."""
    parsed = Parsed()
    try:
        lines = [[strip_invisible(c) for c in cells] for cells in read_csv(data, max_rows=MAX_ROWS * 2)]
    except ValidationError as exc:
        parsed.problems.append(Problem(0, "", "", bilingual(exc)))
        return parsed
    start = next((i for i, cells in enumerate(lines[:10]) if len(_columns(cells)) >= 3), None)
    columns = _columns(lines[start]) if start is not None else {}
    missing = [name for name in ("id_number", "sampled_on", "outcome", "sample_ref") if name not in columns]
    if start is None or missing:
        parsed.problems.append(Problem(0, "", "", bilingual(ValidationError(
            _("The file needs the columns 身份证号, 采样日期, 检测结果 and 样本编号 in a header row."),
            code="headers"))))
        return parsed
    for number, cells in enumerate(lines[start + 1:], start=start + 2):
        if not any(c.strip() for c in cells):
            continue
        if len(parsed.rows) >= MAX_ROWS:
            parsed.problems.append(Problem(number, "", "", bilingual(ValidationError(
                _("More than %(n)d rows: split the file."), code="too_many", params={"n": MAX_ROWS}))))
            break
        row = _row(number, cells, columns, default_lab, parsed)
        if row is not None:
            parsed.rows.append(row)
    if not parsed.rows and not parsed.problems:
        parsed.problems.append(Problem(0, "", "", bilingual(ValidationError(_("The file has no rows."),
                                                                            code="empty"))))
    return parsed


def _row(number: int, cells: list[str], columns: dict[str, int], default_lab: str,
         parsed: Parsed) -> dict[str, Any] | None:
    def cell(name: str) -> str:
        index = columns.get(name)
        return "".join(cells[index].split()) if index is not None and index < len(cells) else ""

    before = len(parsed.problems)

    def problem(column: str, message: Any, code: str, params: dict[str, Any] | None = None) -> None:
        parsed.problems.append(Problem(number, column, cell(column), bilingual(ValidationError(
            message, code=code, params=params))))

    row: dict[str, Any] = {"row": number, "name": cell("name"), "lab": (cell("lab") or default_lab)[:100]}
    try:
        row["id_number"] = validate_id_number(cell("id_number")).number
    except ValidationError as exc:
        parsed.problems.append(Problem(number, "id_number", cell("id_number"), bilingual(exc)))
    try:
        row["sampled_on"] = _date(cell("sampled_on"))
        if row["sampled_on"] > timezone.localdate():
            problem("sampled_on", _("The sampling date cannot be in the future."), "future")
        elif row["sampled_on"] < dates.EARLIEST:
            problem("sampled_on", _("The date %(date)s is not plausible (before 1900 or in the future)."), "date_range",
                    {"date": row["sampled_on"].isoformat()})
    except ValueError:
        problem("sampled_on", _("Not a date: write it like 2026-11-20."), "date")
    kind = cell("kind") or "核酸"
    row["kind"] = KINDS.get(kind.lower())
    if row["kind"] is None:
        problem("kind", _("The test type is 核酸 or 抗原."), "kind")
    row["outcome"] = OUTCOMES.get(cell("outcome").lower())
    if row["outcome"] is None:
        problem("outcome", _("The result is 阴性 or 阳性."), "outcome")
    row["sample_ref"] = cell("sample_ref")[:64]
    if not row["sample_ref"]:
        problem("sample_ref", _("Each row needs its sample number."), "sample_ref")
    return row if len(parsed.problems) == before else None


@dataclass(frozen=True)
class Imported:
    created: int
    already: int


@transaction.atomic
def do_import(parsed: Parsed, *, acting_user: Any, file_name: str = "") -> Imported:
    """Record every row or none; raises ValidationError listing the rows that cannot be matched."""
    from linli.health import actions

    if parsed.problems:
        raise ValidationError([Bilingual(p.message["en"], p.message["zh"]).error(p.message["code"])
                               for p in parsed.problems])
    hashes = {id_hashes(row["id_number"])[0]: row for row in parsed.rows}
    people = {p.id_hash: p for p in Person.objects.restrict(acting_user, actions.CHANGE)
              .filter(id_hash__in=list(hashes), is_active=True)}
    unknown = [row for digest, row in hashes.items() if digest not in people]
    if unknown:
        raise ValidationError([ValidationError(_("Row %(row)d: nobody with this ID number is registered in your "
                                                 "area."), code="unknown_person", params={"row": row["row"]})
                               for row in unknown[:50]])
    existing = set(LabResult.objects.filter(sample_ref__in=[r["sample_ref"] for r in parsed.rows])
                   .values_list("lab", "sample_ref"))
    created, already = [], 0
    for row in parsed.rows:
        if (row["lab"], row["sample_ref"]) in existing:
            already += 1
            continue
        existing.add((row["lab"], row["sample_ref"]))
        person = people[id_hashes(row["id_number"])[0]]
        created.append(LabResult(person=person, path=person.path, kind=row["kind"], sampled_on=row["sampled_on"],
                                 outcome=row["outcome"], lab=row["lab"], sample_ref=row["sample_ref"],
                                 recorded_by=acting_user))
    LabResult.objects.bulk_create(created, batch_size=2000)
    audit.record("health.test_import", actor=acting_user, object_type="health.labresult",
                 path=area_of(acting_user, actions.CHANGE),
                 detail={"file": file_name[:200], "created": len(created), "already": already})
    actions.recompute([r.person_id for r in created])
    return Imported(len(created), already)
