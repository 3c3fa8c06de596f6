"""The dry-run report as people read it: on the page, and on the command line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from linli.core.errors import in_language
from linli.imports.fields import FIELDS
from linli.imports.models import ImportBatch, ImportRow, RowStatus
from linli.people.models import CommunityRole, PopulationType, Relation, SpecialGroup

_CHOICES: dict[str, Any] = {
    "population_type": PopulationType, "relation": Relation,
    "special_groups": SpecialGroup, "community_roles": CommunityRole,
}


def field_label(code: str) -> str:
    return str(FIELDS[code].label) if code in FIELDS else code


def display_value(code: str, value: Any) -> str:
    """Codes as their labels (in the active language); lists joined; empty as a dash."""
    choices = _CHOICES.get(code)
    values = value if isinstance(value, list) else [value]
    shown = []
    for item in values:
        if choices is not None and item in choices.values:
            shown.append(str(choices(item).label))
        elif item not in ("", None):
            shown.append(str(item))
    return "、".join(shown) or "—"


@dataclass
class ProblemLine:
    sheet: str
    row: int
    column: str
    value: str
    reason: str
    reason_zh: str
    reason_en: str
    person_id: int | None = None  # the registered person the row collides with
    person_link: bool = False  # the reader may open her page


@dataclass
class MatchLine:
    sheet: str
    row: int
    name: str
    person_id: int | None
    by: str
    differences: list[tuple[str, str, str]]  # label, old, new
    person_link: bool = False  # the reader may open the registered person's page


def problem_lines(rows: list[ImportRow], language: str) -> list[ProblemLine]:
    lines = []
    for row in rows:
        for error in row.detail.get("errors", []):
            lines.append(ProblemLine(row.sheet, row.row_number, error.get("column") or field_label(error["field"]),
                                     error.get("value", ""), in_language(error, language),
                                     error.get("zh", ""), error.get("en", ""), error.get("person")))
    return lines


def link_people(lines: list[Any], user: Any) -> None:
    """Mark the lines naming a registered person whom ``user`` may open (the policy decides,
    now: the report may be read after her rights changed)."""
    from linli.people.models import Person

    wanted = {line.person_id for line in lines if line.person_id}
    if not wanted:
        return
    seen = set(Person.objects.restrict(user, "people.view").filter(pk__in=wanted).values_list("pk", flat=True))
    for line in lines:
        line.person_link = line.person_id in seen


def match_lines(rows: list[ImportRow]) -> list[MatchLine]:
    lines = []
    for row in rows:
        detail = row.detail
        by = str(_("same ID number")) if detail.get("match") == "id" else str(_("same name and phone"))
        diffs = [(field_label(d["field"]), display_value(d["field"], d["old"]), display_value(d["field"], d["new"]))
                 for d in detail.get("differences", [])]
        lines.append(MatchLine(row.sheet, row.row_number, detail.get("name", ""), row.person_id, by, diffs))
    return lines


def rows_of(batch: ImportBatch, status: str, limit: int | None = None, offset: int = 0) -> list[ImportRow]:
    rows = batch.rows.filter(status=status).order_by("pk")
    end = None if limit is None else offset + limit
    return list(rows[offset:end])


def rejected(batch: ImportBatch, limit: int | None = None, offset: int = 0) -> list[ImportRow]:
    return rows_of(batch, RowStatus.REJECTED, limit, offset)


def matched(batch: ImportBatch, limit: int | None = None, offset: int = 0) -> list[ImportRow]:
    return rows_of(batch, RowStatus.MATCHED, limit, offset)
