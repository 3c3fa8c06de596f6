"""Counts for a scope and the places below it, with k-anonymity suppression.

A count below k is withheld. Counts are tied together by sums (a place's residents are
the sum of its residents by sex; a community's elders living alone are the sum of its
compounds'), so a lone withheld count could be recovered by subtraction. Whenever a sum
has exactly one withheld term (the total included), the smallest published term is
withheld too, until no sum has a single unknown. This is the classic "complementary
suppression" of statistical offices; it does not solve the full linear system, so it is
a floor of protection, not a proof.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from linli.core.dates import years_before
from linli.people.models import Household, Person, PopulationType, Sex, SpecialGroup
from linli.people.search import group_token
from linli.places.models import LEVELS, SEGMENT_WIDTH, Level, Place, Usage

Key = tuple[str, str, str]  # (place code, measure, breakdown)

UNKNOWN = "unknown"
# Why a count is withheld: it is below k, or it is not small but withheld with a small one
# so that the small one cannot be worked out by subtraction from a sum.
BELOW_K = "below_k"
COMPLEMENTARY = "complementary"
AGE_BANDS: list[tuple[str, int, int | None]] = [
    ("0-5", 0, 5), ("6-17", 6, 17), ("18-59", 18, 59), ("60-79", 60, 79), ("80+", 80, None),
]
# Measures whose breakdowns add up to another measure of the same place.
PARTITIONS: dict[str, str] = {
    "population_type": "residents", "sex": "residents", "age_band": "residents", "house_usage": "houses",
}
DICTIONARY: dict[str, dict[str, Any]] = {
    "residents": {"zh": "实有人口", "en": "residents (active records)", "breakdowns": ["total"]},
    "population_type": {"zh": "人口类型", "en": "population type",
                        "breakdowns": list(PopulationType.values)},
    "sex": {"zh": "性别", "en": "sex (GB/T 2261.1: M, F)", "breakdowns": [*Sex.values, UNKNOWN]},
    "age_band": {"zh": "年龄段（周岁）", "en": "age band in whole years",
                 "breakdowns": [b for b, _, _ in AGE_BANDS] + [UNKNOWN]},
    "special_group": {"zh": "特殊群体（人数）", "en": "special groups (counts only; a person may be in several)",
                      "breakdowns": list(SpecialGroup.values)},
    "households": {"zh": "户数", "en": "households", "breakdowns": ["total"]},
    "houses": {"zh": "房屋数", "en": "houses", "breakdowns": ["total"]},
    "house_usage": {"zh": "房屋用途", "en": "houses by usage", "breakdowns": [*Usage.values, UNKNOWN]},
}
# Levels listed below the scope: down to the compound, never single buildings or houses.
LOWEST_LISTED = Level.COMPOUND


@dataclass
class Table:
    """Counts by (place, measure, breakdown) and the sums that tie them together."""

    places: list[dict[str, str]]  # code, name, level, in output order
    values: dict[Key, int] = field(default_factory=dict)
    sums: list[tuple[Key, list[Key]]] = field(default_factory=list)
    hidden: set[Key] = field(default_factory=set)
    complementary: set[Key] = field(default_factory=set)  # hidden although not below k


def _prefix_length(level: str) -> int:
    length = 0
    for lvl in LEVELS:
        length += SEGMENT_WIDTH[lvl] + 1
        if lvl == level:
            return length
    raise ValueError(level)


def _person_counts(today: datetime.date, with_groups: bool) -> dict[str, Count]:
    counts: dict[str, Count] = {"residents|total": Count("pk")}
    for value in PopulationType.values:
        counts[f"population_type|{value}"] = Count("pk", filter=Q(population_type=value))
    for value in Sex.values:
        counts[f"sex|{value}"] = Count("pk", filter=Q(sex=value))
    counts[f"sex|{UNKNOWN}"] = Count("pk", filter=~Q(sex__in=Sex.values))
    for band, low, high in AGE_BANDS:
        condition = Q(birth_date__lte=years_before(today, low))
        if high is not None:
            condition &= Q(birth_date__gt=years_before(today, high + 1))
        counts[f"age_band|{band}"] = Count("pk", filter=condition)
    counts[f"age_band|{UNKNOWN}"] = Count("pk", filter=Q(birth_date__isnull=True) | Q(birth_date__gt=today))
    if with_groups:
        for group in SpecialGroup.values:
            counts[f"special_group|{group}"] = Count("pk", filter=Q(special_groups_index__contains=group_token(group)))
    return counts


def _house_counts() -> dict[str, Count]:
    counts: dict[str, Count] = {"houses|total": Count("pk")}
    for value in Usage.values:
        counts[f"house_usage|{value}"] = Count("pk", filter=Q(usage=value))
    counts[f"house_usage|{UNKNOWN}"] = Count("pk", filter=~Q(usage__in=Usage.values))
    return counts


def _grouped(queryset: QuerySet[Any], counts: dict[str, Count], prefix_len: int | None) -> Iterable[tuple[str | None, dict[str, int]]]:
    """Rows of counts keyed by path prefix (None: the whole queryset)."""
    if prefix_len is None:
        yield None, queryset.aggregate(**{k.replace("|", "__"): v for k, v in counts.items()})
        return
    rows = queryset.annotate(_prefix=Substr("path", 1, prefix_len)).values("_prefix") \
        .annotate(**{k.replace("|", "__"): v for k, v in counts.items()}).order_by()
    for row in rows:
        yield row.pop("_prefix"), row


def build_table(scope: Place, *, people: QuerySet[Person], households: QuerySet[Household],
                houses: QuerySet[Place], today: datetime.date, with_groups: bool) -> Table:
    """Count everything for the scope and each community / compound below it."""
    levels = LEVELS[LEVELS.index(Level(scope.level)) + 1: LEVELS.index(LOWEST_LISTED) + 1]
    below = [{"code": code, "name": name, "level": level, "path": path} for code, name, level, path in
             Place.objects.filter(path__under=scope.path, level__in=levels).order_by("path")
             .values_list("code", "name", "level", "path")]
    by_path = {p["path"]: p["code"] for p in below}
    table = Table(places=[{"code": scope.code, "name": scope.name, "level": scope.level},
                          *({"code": p["code"], "name": p["name"], "level": p["level"]} for p in below)])
    measures = [m for m in DICTIONARY if with_groups or m != "special_group"]
    for place in table.places:  # zeros first, so places with nobody still get every cell
        for measure in measures:
            for breakdown in DICTIONARY[measure]["breakdowns"]:
                table.values[(place["code"], measure, breakdown)] = 0
    sources: list[tuple[QuerySet[Any], dict[str, Count]]] = [
        (people, _person_counts(today, with_groups)),
        (households, {"households|total": Count("pk")}),
        (houses, _house_counts()),
    ]
    for queryset, counts in sources:
        for prefix_len in [None, *(_prefix_length(level) for level in levels)]:
            for prefix, row in _grouped(queryset, counts, prefix_len):
                code = scope.code if prefix is None else by_path.get(prefix)
                if code is None:
                    continue
                for name, value in row.items():
                    measure, breakdown = name.split("__", 1)
                    table.values[(code, measure, breakdown)] = int(value or 0)
    _add_sums(table, below, by_path, scope, measures)
    return table


def _add_sums(table: Table, below: list[dict[str, str]], by_path: dict[str, str], scope: Place,
              measures: list[str]) -> None:
    for place in table.places:
        for measure, total in PARTITIONS.items():
            members = [(place["code"], measure, b) for b in DICTIONARY[measure]["breakdowns"]]
            table.sums.append(((place["code"], total, "total"), members))
    children: dict[str, list[str]] = {}
    for p in below:
        parent_path = p["path"][: p["path"].rstrip("/").rfind("/") + 1]
        parent = scope.code if parent_path == scope.path else by_path.get(parent_path)
        if parent is not None:
            children.setdefault(parent, []).append(p["code"])
    for parent, kids in children.items():
        for measure in measures:
            for breakdown in DICTIONARY[measure]["breakdowns"]:
                table.sums.append(((parent, measure, breakdown), [(kid, measure, breakdown) for kid in kids]))


def suppress(table: Table, k: int) -> None:
    """Withhold counts below k, then complementary counts until no sum has one unknown."""
    table.hidden = {key for key, value in table.values.items() if value < k}
    changed = True
    while changed:
        changed = False
        for total, members in table.sums:
            cells = [total, *members]
            if sum(cell in table.hidden for cell in cells) != 1:
                continue
            open_members = [m for m in members if m not in table.hidden]
            pick = min(open_members, key=lambda c: (table.values[c], c)) if open_members else total
            table.hidden.add(pick)
            table.complementary.add(pick)
            changed = True


def aggregate_lines(table: Table) -> Iterable[dict[str, Any]]:
    """One line per place and measure, in a stable order."""
    measures: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for (code, measure, breakdown), value in table.values.items():
        cell: dict[str, Any] = {"breakdown": breakdown, "value": value}
        if (code, measure, breakdown) in table.hidden:
            reason = COMPLEMENTARY if (code, measure, breakdown) in table.complementary else BELOW_K
            cell = {"breakdown": breakdown, "value": None, "suppressed": True, "reason": reason}
        measures.setdefault((code, measure), []).append(cell)
    for place in table.places:
        for measure in DICTIONARY:
            cells = measures.get((place["code"], measure))
            if cells is not None:
                yield {"type": "aggregate", "place": place["code"], "name": place["name"],
                       "level": place["level"], "measure": measure, "cells": cells}
