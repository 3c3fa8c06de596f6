"""A report template's definition (``ReportTemplate.spec``): its columns, population
filter, grouping and sort, checked with a precise message for what is wrong.

Apart from the engine that runs it so that the template model can check a definition when
it is saved without importing the engine (and the epidemic records it reads).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from linli.people.models import PopulationType, SpecialGroup
from linli.reports.fields import FIELDS

FILTER_KEYS = {"moved_in_within_days", "arrived_within_days", "contact_types", "population_types", "any_groups", "min_age", "max_age",
               "sex", "any_of"}
SORT_KEYS = {"compound", "building", "unit", "room", "name", "address", "age"}


class TemplateError(ValueError):
    pass


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    width: int


@dataclass(frozen=True)
class Spec:
    columns: list[Column]
    filter: dict[str, Any]
    sort: list[str]
    group_by: str | None = None
    summary: bool = False
    # A statistics table (统计表): one row per ``group_by`` place, one count per column,
    # each column counting the people of the population who also match its own filter.
    counts: list[dict[str, Any]] = field(default_factory=list)


def parse_spec(raw: Any) -> Spec:
    """Check a template definition and say precisely what is wrong with it."""
    if not isinstance(raw, dict):
        raise TemplateError("the definition must be a JSON object")
    if "counts" in raw:
        return _parse_counts(raw)
    columns = []
    for i, col in enumerate(raw.get("columns") or []):
        if not isinstance(col, dict) or not isinstance(col.get("header"), str) or not col["header"].strip():
            raise TemplateError(f"column {i + 1} needs a header")
        name = col.get("field")
        if name != "_seq" and name not in FIELDS:
            raise TemplateError(f"column {i + 1} ({col['header']}): unknown field {name!r}; known: "
                                f"{', '.join(sorted(FIELDS))}")
        width = col.get("width", 12)
        if not isinstance(width, int) or not 2 <= width <= 80:
            raise TemplateError(f"column {i + 1}: width must be a whole number from 2 to 80")
        columns.append(Column(col["header"].strip(), name, width))
    if not columns:
        raise TemplateError("a report needs at least one column")
    filters = raw.get("filter") or {}
    _check_filter(filters)
    sort = raw.get("sort") or ["compound", "building", "unit", "room", "name"]
    if not isinstance(sort, list) or not set(sort) <= SORT_KEYS:
        raise TemplateError(f"sort keys must be among {', '.join(sorted(SORT_KEYS))}")
    group_by = raw.get("group_by")
    if group_by not in (None, "compound", "building"):
        raise TemplateError("group_by is compound, building or absent")
    return Spec(columns, filters, sort, group_by, bool(raw.get("summary")))


def _parse_counts(raw: dict[str, Any]) -> Spec:
    group_by = raw.get("group_by", "compound")
    if group_by not in ("compound", "building"):
        raise TemplateError("a statistics table is grouped by compound or building")
    counts = raw.get("counts")
    if not isinstance(counts, list) or not counts:
        raise TemplateError("counts must be a list of columns, each with a header and a filter")
    columns = [Column("小区" if group_by == "compound" else "楼栋", "_group", 18)]
    for i, col in enumerate(counts):
        if not isinstance(col, dict) or not isinstance(col.get("header"), str) or not col["header"].strip():
            raise TemplateError(f"count column {i + 1} needs a header")
        _check_filter(col.get("filter") or {})
        if set(col.get("filter") or {}) & JOINED_FILTERS:
            raise TemplateError(f"count column {i + 1}: count by sex, age, groups or population type")
        columns.append(Column(col["header"].strip(), "_count", int(col.get("width", 10))))
    filters = raw.get("filter") or {}
    _check_filter(filters)
    return Spec(columns, filters, [group_by], group_by, False, [dict(c.get("filter") or {}) for c in counts])


def _check_filter(filters: Any) -> None:
    if not isinstance(filters, dict) or not set(filters) <= FILTER_KEYS:
        raise TemplateError(f"filter keys must be among {', '.join(sorted(FILTER_KEYS))}")
    for group in filters.get("any_groups", []):
        if group not in SpecialGroup.values:
            raise TemplateError(f"unknown special group {group!r}")
    for pop in filters.get("population_types", []):
        if pop not in PopulationType.values:
            raise TemplateError(f"unknown population type {pop!r}")
    for contact in filters.get("contact_types", []):
        if contact not in CONTACT_REASONS:
            raise TemplateError(f"contact types are among {', '.join(CONTACT_REASONS)}")
    for key in ("moved_in_within_days", "arrived_within_days", "min_age", "max_age"):
        if key in filters and (not isinstance(filters[key], int) or not 0 <= filters[key] <= 150 * 366):
            raise TemplateError(f"{key} must be a whole number")
    for sub in filters.get("any_of", []):
        _check_filter(sub)


# Filters on epidemic records: only for users who may generate the health departments'
# reports (``health.report``); they join other tables, so the selection is made distinct.
HEALTH_FILTERS = {"arrived_within_days", "contact_types"}
JOINED_FILTERS = {"moved_in_within_days", *HEALTH_FILTERS}
CONTACT_REASONS = {"close": "close_contact", "secondary": "secondary_contact"}
