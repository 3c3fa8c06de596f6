"""The dozen verified facts the demo's fact base starts with, and the labelled messages are
written against (no Django here).

Each fact: a key (stable, for the labelled set), the claim as it circulates, the verdict
(``true`` / ``false`` / ``misleading``), the explanation residents are given, the source of the
verification, and other wordings of the same claim seen in group chats (matched too).
"""

from __future__ import annotations

from dataclasses import dataclass, field

TRUE, FALSE, MISLEADING = "true", "false", "misleading"
VERDICTS = (TRUE, FALSE, MISLEADING)
# a message repeating a claim with one of these verdicts is a suspected rumour
RUMOUR_VERDICTS = (FALSE, MISLEADING)


@dataclass(frozen=True)
class SeedFact:
    key: str
    claim: str
    verdict: str
    explanation: str
    source: str
    wordings: tuple[str, ...] = field(default=())


FACTS: tuple[SeedFact, ...] = (
    SeedFact(
        "flu_drug", "吃大剂量抗流感药能预防新冠病毒感染", FALSE,
        "奥司他韦等抗流感药针对的是流感病毒，对新冠病毒没有预防作用；超剂量服用会引起恶心、呕吐等不良反应。"
        "请不要抢购、囤积，药品留给确有需要的患者。",
        "区卫生健康委员会、社区卫生服务中心",
        ("多吃奥司他韦可以防新冠", "抗流感的药加倍吃就不会感染新冠")),
    SeedFact(
        "liquor", "喝高度白酒能杀死新冠病毒", FALSE,
        "75% 酒精可以给物品表面消毒，但喝酒不能杀死体内的病毒，过量饮酒反而伤害身体。",
        "市疾病预防控制中心",
        ("多喝白酒可以消灭体内的冠状病毒",)),
    SeedFact(
        "vinegar", "熏醋和喝板蓝根能预防新冠", FALSE,
        "熏醋不能杀灭空气中的病毒，还可能刺激呼吸道；板蓝根没有预防新冠的作用。",
        "市疾病预防控制中心",
        ("在家熏白醋可以杀病毒", "每天喝板蓝根冲剂就能防新冠")),
    SeedFact(
        "shuanghuanglian", "双黄连口服液可以预防新冠", MISLEADING,
        "实验室里的初步研究不等于能预防感染，专家不建议自行服用双黄连预防，更不必抢购。",
        "区卫生健康委员会专家组",
        ("双黄连能抑制新冠病毒，赶紧去药店买",)),
    SeedFact(
        "lockdown_shops", "小区明天要封闭，超市全部关门，要赶紧囤货", FALSE,
        "本社区没有封闭计划，超市、菜场照常营业，物资供应充足，请按需购买。",
        "街道办事处、社区居委会",
        ("明天开始封小区了，超市都不开门，快去抢菜",)),
    SeedFact(
        "masks_layers", "戴好几层口罩防护效果更好", MISLEADING,
        "正确佩戴一只合格的医用外科口罩或 N95 口罩就够了，叠戴多层反而呼吸不畅、密合变差。",
        "社区卫生服务中心",
        ("口罩要戴三层才能防住病毒",)),
    SeedFact(
        "salt_water", "用盐水漱口可以防止感染新冠", FALSE,
        "盐水漱口可以清洁口腔，但不能清除呼吸道里的病毒，不能预防新冠。",
        "市疾病预防控制中心",
        ("每天淡盐水漱口病毒就进不来",)),
    SeedFact(
        "parcels", "快递包裹会传染新冠病毒，不能收快递", MISLEADING,
        "包裹传播的风险很低，取件时戴口罩、取完洗手即可，不必拒收。",
        "区卫生健康委员会",
        ("收快递会被传染病毒，千万别拿快递",)),
    SeedFact(
        "water_week", "自来水公司要停水一个星期", FALSE,
        "只有明天 8:00 至 14:00 因管道维修停水，其余时间正常供水，不必大量囤水。",
        "社区居委会、自来水公司",
        ("要停一周的水，赶紧接水囤水",)),
    SeedFact(
        "vaccine_infertility", "打新冠疫苗会导致不孕不育", FALSE,
        "没有证据表明新冠疫苗影响生育，接种前后可以正常备孕。",
        "区卫生健康委员会专家组",
        ("接种新冠疫苗以后生不了孩子",)),
    SeedFact(
        "hair_dryer", "用吹风机吹鼻子能杀死鼻腔里的病毒", FALSE,
        "吹风机的热风达不到杀灭病毒的温度，还可能烫伤鼻腔。",
        "社区卫生服务中心",
        ("热风对着鼻孔吹几分钟病毒就死了",)),
    SeedFact(
        "returnee_quarantine", "外地返回人员要居家隔离14天并每天报告健康情况", TRUE,
        "按现行防控要求，从中高风险地区返回的人员居家隔离 14 天，每天向社区报告体温和健康情况。",
        "街道办事处",
        ("从外地回来的人要在家隔离两周，每天报体温",)),
)
