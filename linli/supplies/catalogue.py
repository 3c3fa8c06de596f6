"""The standard catalogue of community emergency materials (seed 003, 3.2), loaded by a migration;
the street may add its own items. Names are Chinese, the street's own words."""

from __future__ import annotations

# code, name, category, grade, unit, shelf life in days (None: does not expire)
CATALOGUE: list[tuple[str, str, str, str, str, int | None]] = [
    ("mask-kn95", "KN95 口罩", "masks", "KN95", "只", 3 * 365),
    ("mask-surgical", "医用外科口罩", "masks", "YY 0469", "只", 2 * 365),
    ("mask-medical", "一次性医用口罩", "masks", "YY/T 0969", "只", 2 * 365),
    ("thermometer-ir", "红外额温枪", "thermometers", "", "把", None),
    ("thermometer", "电子体温计", "thermometers", "", "支", None),
    ("disinfectant-84", "84 消毒液", "disinfectant", "", "瓶", 365),
    ("alcohol-75", "75% 酒精", "disinfectant", "", "瓶", 2 * 365),
    ("protective-suit", "医用防护服", "suits", "GB 19082", "套", 2 * 365),
    ("food-pack", "应急食品包", "food", "", "份", 365),
    ("blanket", "棉被", "blankets", "", "床", None),
    ("tent", "救灾帐篷", "tents", "", "顶", None),
    ("rescue-kit", "救援工具包", "rescue", "", "套", None),
]
