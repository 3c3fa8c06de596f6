"""A month of made-up chat in a community's groups, for the demo, the tests and the benchmark
(no Django here). Daily life fills most of it; a lift in one compound keeps breaking, the
water is cut off one day, and a rumour about a medicine goes round in the middle of the month.
Names and phone numbers are invented; some messages carry a phone or an ID number, as real
chat does, so the masking has something to do."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator, Sequence

DAILY = [
    "早上好", "收到", "好的，谢谢", "谢谢大家", "辛苦了", "今天菜场的青菜挺新鲜的", "周末社区有免费义诊，大家可以去看看",
    "谁家孩子的外套落在楼下了", "快递柜满了，放门卫了", "今天天气不错，出去走走", "小区绿化修剪得很整洁，点赞",
    "物业今天来打扫楼道了，很干净", "晚上广场舞几点开始", "有人知道附近哪里修鞋吗", "社区食堂今天的红烧肉不错",
    "垃圾分类志愿者今天很辛苦", "明天几点收垃圾", "楼下的桂花开了，真香", "谁有多余的纸箱", "感谢居委会的帮忙",
    "孩子打疫苗去哪个医院", "老年大学报名开始了吗", "停车位又被占了，太烦了", "晚上楼上装修太吵了，受不了",
    "{place}门口的路灯不亮了", "社保卡怎么补办", "周六有跳蚤市场，欢迎参加", "大家注意防火，电瓶车别在楼道充电",
]
LIFT = [
    "{place}{building}号楼的电梯又坏了，已经第三次了", "电梯又停了，老人上不去楼", "{place}电梯故障，有人被困了，快打电话",
    "物业什么时候来修电梯？太不负责了", "电梯天天坏，没人管吗", "我家老人腿脚不便，电梯坏了下不了楼，急死了",
    "电梯修好了吗", "电梯维修的人来了没有", "{place}的电梯已修复，谢谢物业", "投诉电梯问题打哪个电话",
]
WATER = [
    "怎么停水了？", "{place}停水了，什么时候来水", "没水了，饭都做不了", "停水也不提前通知，太差了",
    "听说是水管爆了，在抢修", "来水了来水了", "水压很小，洗不了澡", "停水了，家里有老人需要送水吗",
]
RUMOUR = [
    "紧急通知：听说板蓝根能预防新病毒，赶紧去药店抢购！转发给家人", "朋友圈都在传喝板蓝根能预防感染，药店都卖断货了",
    "据说明天药店的退烧药要涨价，赶紧囤", "这是谣言吧，板蓝根预防不了病毒", "社区医生说不要乱吃药，别信谣言",
    "千万不要去医院，听说那里有人感染了，速转", "谁能帮我买点退烧药，家里老人发烧了", "需要买药的老人可以找居委会代配",
]
OPENINGS = ["", "", "", "大家好，", "请问", "各位邻居，", "@{who} ", "哎，", "刚才", "我看到", "麻烦问下，"]
CLOSINGS = ["", "", "", "。", "！", "？", "[捂脸]", "[微笑]", "哈哈", "，谢谢", "，有人知道吗", "，大家注意",
            "，{n}楼的", "，{h}点左右", "，在{n}号楼那边", "，真的是", "，唉"]
SPEAKERS = [f"{s}{g}" for s in "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗" for g in ("阿姨", "叔叔", "先生", "女士", "老师", "师傅")]


def month_messages(groups: Sequence[str], places: Sequence[str], start: datetime.date, *, per_group_day: int = 30,
                   seed: int = 1, lift_place: str | None = None,
                   water_day: int = 12, rumour_days: tuple[int, int] = (15, 20)) -> Iterator[tuple[str, datetime.datetime, str, str]]:
    """(group, sent_at, speaker, text) for a month from ``start``, about ``per_group_day``
    messages per group and day, in time order within each group."""
    rng = random.Random(seed)  # noqa: S311 - made-up data, not secrets
    places = list(places) or ["本小区"]
    lift_place = lift_place or places[0]
    days = 30
    for g_index, group in enumerate(groups):
        home = places[g_index % len(places)]
        speakers = rng.sample(SPEAKERS, k=min(len(SPEAKERS), 40))
        for day in range(days):
            date = start + datetime.timedelta(days=day)
            count = max(1, int(rng.gauss(per_group_day, per_group_day / 4)))
            times = sorted(rng.randint(6 * 3600, 23 * 3600) for _ in range(count))
            for second in times:
                pool = DAILY
                roll = rng.random()
                if home == lift_place and day % 7 in (2, 3) and roll < 0.35:
                    pool = LIFT
                elif day == water_day and roll < 0.5:
                    pool = WATER
                elif rumour_days[0] <= day <= rumour_days[1] and roll < 0.2:
                    pool = RUMOUR
                text = rng.choice(pool).format(place=home, building=rng.randint(1, 12))
                text = (rng.choice(OPENINGS).format(who=rng.choice(speakers)) + text
                        + rng.choice(CLOSINGS).format(n=rng.randint(1, 30), h=rng.randint(6, 22)))
                if rng.random() < 0.01:
                    text += f"，有事打我电话1{rng.choice('3589')}{rng.randint(100000000, 999999999)}"
                elif rng.random() < 0.003:
                    text += f"，我的身份证号31011{rng.randint(5, 9)}19{rng.randint(40, 99)}0{rng.randint(1, 9)}1{rng.randint(1, 9)}{rng.randint(1000, 9999)}"
                sent_at = datetime.datetime.combine(date, datetime.time()) + datetime.timedelta(seconds=second)
                yield group, sent_at, rng.choice(speakers), text


def wechat_export(messages: Sequence[tuple[str, datetime.datetime, str, str]], group: str) -> str:
    """The messages as a WeChat text export of the group."""
    lines = [f"群聊：{group}", ""]
    for _group, sent_at, speaker, text in messages:
        lines.append(f"{sent_at:%Y-%m-%d %H:%M:%S} {speaker}")
        lines.append(text)
        lines.append("")
    return "\n".join(lines)
