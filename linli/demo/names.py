"""Word lists for synthetic residents and places. Frequencies are rough, not statistics."""

from __future__ import annotations

import random

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_SURNAME_WEIGHTS = [max(1.0, 30 - i * 0.3) for i in range(len(SURNAMES))]
MALE_CHARS = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳建国志文博晨昊天睿峰德成海东"
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀玲桂英华梅琳燕红萍雪慧颖琴婷晶倩璐欣怡佳悦雯蕾莉月兰凤洁琪妍思宁"
COMMUNITY_NAMES = ["培花", "牡丹", "银杏", "玉兰", "梅园", "樱花", "紫薇", "海桐", "丁香", "桂花", "香樟", "竹林",
                   "松风", "芙蓉", "荷塘", "枫林", "云台", "锦绣", "明珠", "春江"]
COMPOUND_WORDS = ["苑", "园", "新村", "花园", "公寓", "小区", "家园", "名邸"]
OTHER_REGIONS = ["320102", "330106", "340104", "350102", "360102", "370102", "410105", "420106", "430102",
                 "510104", "500103", "610113", "130102", "140105", "230102", "450103", "520102", "530102"]
PROVINCE_OF = {"31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省",
               "37": "山东省", "41": "河南省", "42": "湖北省", "43": "湖南省", "51": "四川省", "50": "重庆市",
               "61": "陕西省", "13": "河北省", "14": "山西省", "23": "黑龙江省", "45": "广西壮族自治区",
               "52": "贵州省", "53": "云南省"}


def surname(rng: random.Random) -> str:
    return rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]


def given_name(rng: random.Random, male: bool) -> str:
    chars = MALE_CHARS if male else FEMALE_CHARS
    return rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")


def given_staff_name(rng: random.Random) -> str:
    return surname(rng) + given_name(rng, rng.random() < 0.4)


def community_name(index: int) -> str:
    base = COMMUNITY_NAMES[index % len(COMMUNITY_NAMES)]
    suffix = "" if index < len(COMMUNITY_NAMES) else str(index // len(COMMUNITY_NAMES) + 1)
    return f"{base}{suffix}居民区"


def compound_name(index: int) -> str:
    base = COMMUNITY_NAMES[(index * 7 + 3) % len(COMMUNITY_NAMES)]
    word = COMPOUND_WORDS[index % len(COMPOUND_WORDS)]
    return f"{base}{word}" + (f"{index // 20 + 1}期" if index >= 20 else "")


def hukou_address(region: str) -> str:
    return PROVINCE_OF.get(region[:2], "") + ("浦东新区" if region == "310115" else "")

SHOP_KINDS = ["便利店", "药店", "餐饮店", "理发店", "快递驿站", "水果店", "洗衣店", "五金店"]
_SHOP_WORDS = "惠民邻家阳光百福康宁顺心安心万家福满永盛鑫源佳和"


def shop_name(rng: random.Random) -> str:
    return "".join(rng.choice(_SHOP_WORDS) for _ in range(2))


# The schools near the demo street, by stage: a child goes to one of them by age, the choice
# fixed by her house (siblings of one stage share a school).
SCHOOLS = (
    (3, 5, ("明月幼儿园", "培花幼儿园", "银杏幼儿园")),
    (6, 11, ("明月路小学", "培花小学", "浦东新区实验小学")),
    (12, 14, ("明月中学", "浦东新区第二初级中学")),
    (15, 17, ("浦东新区高级中学", "明月实验中学")),
)


def school_for(age: int | None, key: int) -> str:
    """The school a child of ``age`` goes to (none outside 3 to 17: a kindergarten from 3, so
    that a child who turns 6 after the street was built still has one); ``key`` chooses among a
    stage's schools."""
    if age is None:
        return ""
    for low, high, schools in SCHOOLS:
        if low <= age <= high:
            return schools[key % len(schools)]
    return ""
