"""The dispatch plan between communities: a min-cost flow, with no Django in it.

For each item, stock at the sites (communities and the street's warehouse) flows to the needs
of the communities. Each community's need comes in tiers (households with vulnerable members,
residents under quarantine, staff on duty, the standing reserve), each with a weight. The plan
minimises the weighted shortfall first and, among plans with the least weighted shortfall, the
distance moved (units × metres, in steps of 100 m). Both are one objective: a unit of tier
weight costs more than any amount of moving could (``big``), so the order is strict.

A transport problem is a network flow: OR-Tools' min-cost flow solves it exactly in integers
(decision 0037), so the plan has no fractional boxes and no optimality gap.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow

STEP_METRES = 100  # distances are counted in steps of 100 m

# Tiers of need, most urgent first, with their default weights.
VULNERABLE, QUARANTINE, STAFF, RESERVE = "vulnerable", "quarantine", "staff", "reserve"
WEIGHTS: dict[str, int] = {VULNERABLE: 4, QUARANTINE: 3, STAFF: 2, RESERVE: 1}
TIER_ZH = {VULNERABLE: "有脆弱成员的家庭", QUARANTINE: "居家隔离", STAFF: "在岗人员", RESERVE: "常备储备"}


@dataclass(frozen=True)
class Site:
    """A community (or the street's warehouse) with the facts a dispatcher reads."""

    key: str
    name: str
    quarantined_households: int = 0
    vulnerable_households: int = 0


@dataclass(frozen=True)
class Need:
    site: str
    item: str
    tier: str
    quantity: int


@dataclass(frozen=True)
class Item:
    key: str
    name: str
    unit: str


@dataclass(frozen=True)
class Line:
    source: str
    destination: str
    item: str
    quantity: int
    metres: int
    explanation_zh: str = ""
    explanation_en: str = ""


@dataclass
class Plan:
    lines: list[Line]
    # (site, item, tier) → what is still missing after the plan
    shortfall: dict[tuple[str, str, str], int]
    weighted_shortfall: int
    unit_metres: int
    seconds: float
    arcs: int = 0
    items: int = 0
    before: dict[tuple[str, str], int] = field(default_factory=dict)  # (site, item) → weighted shortfall at home

    @property
    def moved(self) -> int:
        return sum(line.quantity for line in self.lines)


class Infeasible(RuntimeError):
    """The solver could not find a plan (never expected: keeping everything is always a plan)."""


def _solve_item(item: str, stock: Mapping[str, int], needs: list[Need], steps: Callable[[list[str], list[str]], Any],
                weights: Mapping[str, int]) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int], int]:
    """Flows (source, destination) → units and unmet (site, tier) → units for one item."""
    senders = sorted(k for k, n in stock.items() if n > 0)
    receivers = sorted({need.site for need in needs if need.quantity > 0})
    tiers = [need for need in needs if need.quantity > 0]
    if not senders or not tiers:
        return {}, {(n.site, n.tier): n.quantity for n in tiers}, 0
    total_supply = sum(stock[k] for k in senders)
    total_need = sum(n.quantity for n in tiers)
    distance = steps(senders, receivers)
    # any reduction of weighted shortfall by one unit of weight outweighs all the moving there can be
    big = int(distance.max(initial=0)) * min(total_supply, total_need) + 1

    # nodes: senders, receivers, tiers, the unmet source, the kept sink
    n_s, n_r, n_t = len(senders), len(receivers), len(tiers)
    r0, t0 = n_s, n_s + n_r
    unmet, kept = t0 + n_t, t0 + n_t + 1
    r_index = {key: r0 + i for i, key in enumerate(receivers)}
    starts = [np.repeat(np.arange(n_s), n_r), np.array([r_index[t.site] for t in tiers]),
              np.full(n_t, unmet), np.arange(n_s), np.array([unmet])]
    ends = [np.tile(np.arange(r0, r0 + n_r), n_s), np.arange(t0, t0 + n_t), np.arange(t0, t0 + n_t),
            np.full(n_s, kept), np.array([kept])]
    supply = np.array([stock[k] for k in senders], dtype=np.int64)
    need = np.array([t.quantity for t in tiers], dtype=np.int64)
    capacities = [np.repeat(supply, n_r), need, need, supply, np.array([total_need])]
    costs = [distance.reshape(-1), np.zeros(n_t, dtype=np.int64),
             np.array([weights[t.tier] * big for t in tiers], dtype=np.int64), np.zeros(n_s, dtype=np.int64),
             np.array([0])]
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(starts).astype(np.int32), np.concatenate(ends).astype(np.int32),
        np.concatenate(capacities).astype(np.int64), np.concatenate(costs).astype(np.int64))
    balance = np.zeros(kept + 1, dtype=np.int64)
    balance[:n_s] = supply
    balance[unmet] = total_need
    balance[t0:t0 + n_t] = -need
    balance[kept] = -total_supply
    solver.set_nodes_supplies(np.arange(kept + 1, dtype=np.int32), balance)
    if solver.solve() != solver.OPTIMAL:
        raise Infeasible(f"no plan for {item}")
    flows = solver.flows(np.arange(n_s * n_r, dtype=np.int32))
    moved = {}
    for index in np.nonzero(flows)[0]:
        moved[(senders[index // n_r], receivers[index % n_r])] = int(flows[index])
    unmet_flows = solver.flows(np.arange(n_s * n_r + n_t, n_s * n_r + 2 * n_t, dtype=np.int32))
    short = {(t.site, t.tier): int(unmet_flows[i]) for i, t in enumerate(tiers)}
    return moved, short, int(distance.size)


def plan(sites: Iterable[Site], items: Iterable[Item], stock: Mapping[tuple[str, str], int], needs: Iterable[Need],
         metres: Callable[[str, str], int], weights: Mapping[str, int] | None = None) -> Plan:
    """The dispatch plan. ``stock``: (site, item) → units on hand; ``metres``: road or straight
    distance between two sites (0 from a site to itself)."""
    started = time.perf_counter()
    weights = {**WEIGHTS, **(weights or {})}
    site_by_key = {s.key: s for s in sites}
    item_by_key = {i.key: i for i in items}
    needs_by_item: dict[str, list[Need]] = defaultdict(list)
    for need in needs:
        if need.tier not in weights:
            raise ValueError(f"unknown tier {need.tier!r}")
        needs_by_item[need.item].append(need)
    stock_by_item: dict[str, dict[str, int]] = defaultdict(dict)
    for (site, item), n in stock.items():
        stock_by_item[item][site] = n

    # every pair's distance once, in steps of 100 m (at least one step between two sites)
    keys = sorted(set(site_by_key) | {k for k, _i in stock} | {n.site for ns in needs_by_item.values() for n in ns})
    index = {key: i for i, key in enumerate(keys)}
    table = np.array([[0 if a == b else -(-max(int(metres(a, b)), 1) // STEP_METRES) for b in keys] for a in keys],
                     dtype=np.int64).reshape(len(keys), len(keys))

    def steps(rows: list[str], columns: list[str]) -> Any:
        return table[np.ix_([index[k] for k in rows], [index[k] for k in columns])]

    lines: list[Line] = []
    shortfall: dict[tuple[str, str, str], int] = {}
    before: dict[tuple[str, str], int] = {}
    weighted = unit_metres = arcs = 0
    for item in sorted(set(needs_by_item) | set(stock_by_item)):
        item_stock = stock_by_item.get(item, {})
        item_needs = needs_by_item.get(item, [])
        moved, short, n_arcs = _solve_item(item, item_stock, item_needs, steps, weights)
        arcs += n_arcs
        for (site, tier), n in short.items():
            shortfall[(site, item, tier)] = n
            weighted += n * weights[tier]
        for site, missing in _home_shortfall(item_stock, item_needs, weights).items():
            before[(site, item)] = missing
        needs_at: dict[str, list[Need]] = defaultdict(list)
        for need in item_needs:
            needs_at[need.site].append(need)
        for (source, destination), n in sorted(moved.items()):
            if source == destination:
                continue
            distance = int(metres(source, destination))
            unit_metres += n * distance
            zh, en = explain(site_by_key[source], site_by_key[destination], item_by_key[item], n,
                             item_stock.get(destination, 0), needs_at[destination])
            lines.append(Line(source, destination, item, n, distance, zh, en))
    return Plan(lines, shortfall, weighted, unit_metres, time.perf_counter() - started, arcs,
                len(set(needs_by_item) | set(stock_by_item)), before)


def _home_shortfall(stock: Mapping[str, int], needs: list[Need], weights: Mapping[str, int]) -> dict[str, int]:
    """Weighted shortfall of each site if nothing moved (its stock serving its most urgent tiers first)."""
    out: dict[str, int] = {}
    by_site: dict[str, list[Need]] = defaultdict(list)
    for need in needs:
        by_site[need.site].append(need)
    for site, site_needs in by_site.items():
        left, missing = stock.get(site, 0), 0
        for need in sorted(site_needs, key=lambda n: -weights[n.tier]):
            used = min(left, need.quantity)
            left -= used
            missing += (need.quantity - used) * weights[need.tier]
        out[site] = missing
    return out


def explain(source: Site, destination: Site, item: Item, quantity: int, on_hand: int,
            needs: list[Need]) -> tuple[str, str]:
    """Why a line is in the plan, in Chinese and in English, from the destination's facts."""
    facts_zh, facts_en = [], []
    if destination.quarantined_households:
        facts_zh.append(f"有 {destination.quarantined_households:,} 户居家隔离")
        facts_en.append(f"has {destination.quarantined_households:,} quarantined households")
    if destination.vulnerable_households:
        facts_zh.append(f"{destination.vulnerable_households:,} 户有脆弱成员")
        facts_en.append(f"{destination.vulnerable_households:,} households with vulnerable members")
    need = sum(n.quantity for n in needs)
    facts_zh.append(f"需要 {need:,} {item.unit}，库存 {on_hand:,}")
    facts_en.append(f"needs {need:,}, {on_hand:,} in stock")
    zh = f"{source.name} → {destination.name}：{quantity:,} {item.unit}{item.name}，{destination.name}" + "，".join(facts_zh)
    en = f"{source.name} → {destination.name}: {quantity:,} {item.name}, {destination.name} " + ", ".join(facts_en)
    return zh, en
