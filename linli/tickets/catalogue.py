"""The categories a street starts with, in the mix of a Shanghai street's requests. Installed
after each migration when missing; the street edits them freely afterwards (never overwritten).

Limits are hours: of office time for most, of plain time for what cannot wait for Monday (a
quarantined household's groceries and medicine, safety hazards)."""

from __future__ import annotations

from typing import Any

from linli.tickets.models import Clock, Level

G, C, S, D = Level.GRID, Level.COMMUNITY, Level.STREET, Level.DEPARTMENT
W, R = Clock.WORKING, Clock.ROUND

# code, name, English name, level, department, respond hours, resolve hours, clock, anonymous, delivery
BUILTIN: list[tuple[str, str, str, str, str, int, int, str, bool, bool]] = [
    ("repair-water", "漏水、水管维修", "Leaks and water pipes", G, "", 2, 24, W, False, False),
    ("repair-public", "公共设施报修（楼道灯、门禁、电梯）", "Shared facilities (stair lights, entry doors, lifts)",
     G, "", 4, 40, W, False, False),
    ("environment", "环境卫生（垃圾、堆物、绿化）", "Rubbish, clutter and greenery", G, "", 4, 24, W, True, False),
    ("noise", "噪声扰民", "Noise", G, "", 4, 24, W, True, False),
    ("safety", "安全隐患（消防通道、电瓶车充电）", "Safety hazards (fire exits, e-bike charging)",
     G, "", 2, 16, R, True, False),
    ("elderly", "为老服务（助餐、助医、探访）", "Help for elders (meals, doctor, visits)", G, "", 2, 16, W, False, False),
    ("quarantine-groceries", "隔离户代购生活物资", "Groceries for a quarantined household", G, "", 1, 4, R, False, True),
    ("quarantine-medicine", "隔离户代配药品", "Medicine for a quarantined household", G, "", 1, 4, R, False, True),
    ("neighbour", "邻里纠纷", "Disputes between neighbours", C, "", 8, 80, W, False, False),
    ("parking", "停车管理", "Parking", C, "", 4, 40, W, True, False),
    ("policy", "政策咨询（社保、低保、户籍）", "Questions on benefits, allowances, residence", C, "", 4, 24, W, False, False),
    ("other", "其他", "Other", C, "", 8, 40, W, False, False),
    ("property", "物业服务", "Property management company", D, "小区物业服务企业", 8, 40, W, False, False),
    ("utilities", "供水、供电、燃气", "Water, power and gas supply", D, "供水、供电、燃气企业", 4, 24, W, False, False),
    ("municipal", "市政道路、路灯", "Roads and street lights", D, "区市政管理部门", 8, 80, W, True, False),
    ("illegal-building", "违法搭建", "Illegal building work", S, "", 8, 120, W, True, False),
    ("staff-complaint", "对工作人员的投诉", "Complaints about staff", S, "", 4, 40, W, True, False),
]


def builtin_rows() -> list[dict[str, Any]]:
    keys = ("code", "name", "name_en", "level", "department", "respond_hours", "resolve_hours", "clock",
            "anonymous_allowed", "delivery")
    return [{**dict(zip(keys, row, strict=True)), "sort_key": n * 10} for n, row in enumerate(BUILTIN)]


def install_builtin_categories(**_: object) -> None:
    from linli.tickets.models import Category

    existing = set(Category.objects.values_list("code", flat=True))
    Category.objects.bulk_create([Category(**row) for row in builtin_rows() if row["code"] not in existing])
