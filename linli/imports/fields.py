"""The fields of a people import and the words their values are written in."""

from __future__ import annotations

import functools
import re

from django.utils.translation import gettext_lazy as _

from linli.core.text import fold
from linli.people.fields import PERSON_FIELDS, PersonField
from linli.people.models import CommunityRole, PopulationType, Relation, SpecialGroup

# The fields an import fills, in the order the mapping form offers them; their headers are
# the person catalogue's.
PEOPLE_FIELDS: tuple[PersonField, ...] = tuple(PERSON_FIELDS[code] for code in (
    "name", "id_number", "phone", "compound", "building", "unit", "room", "address", "relation_to_head",
    "population_type", "hukou_address", "school", "relation", "special_groups", "community_roles", "moved_in", "notes"))
FIELDS: dict[str, PersonField] = {f.code: f for f in PEOPLE_FIELDS}
HOUSE_FIELDS = ("compound", "building", "unit", "room", "address")
# Which columns a sheet must have (the mapping is refused without them): the name, and where
# the person lives: the room (with compound, building and unit as needed) or the address.
REQUIRED = ("name",)
ONE_OF_REQUIRED = ("room", "address")
# Where the catalogue's label alone would not say what the import expects in the column.
MAPPING_LABELS = {"address": _("Address (compound, building, unit and room in one cell)")}
LIST_SEPARATORS = re.compile(r"[,，、;；/|\s]+")

# Values are compared after NFKC and without spaces.
POPULATION_TYPES: dict[str, str] = {
    "户籍": PopulationType.REGISTERED, "户籍人口": PopulationType.REGISTERED, "本地": PopulationType.REGISTERED,
    "常住": PopulationType.REGISTERED, "常住人口": PopulationType.REGISTERED,
    "流动": PopulationType.FLOATING, "流动人口": PopulationType.FLOATING, "外来": PopulationType.FLOATING,
    "外来人口": PopulationType.FLOATING, "非户籍": PopulationType.FLOATING,
    "境外": PopulationType.FOREIGN, "境外人员": PopulationType.FOREIGN, "外籍": PopulationType.FOREIGN,
    "境外人口": PopulationType.FOREIGN, "港澳台": PopulationType.FOREIGN,
}
RELATIONS: dict[str, str] = {
    "业主": Relation.OWNER, "房主": Relation.OWNER, "产权人": Relation.OWNER,
    "家庭成员": Relation.FAMILY, "家属": Relation.FAMILY, "同住": Relation.FAMILY,
    "租客": Relation.TENANT, "租户": Relation.TENANT, "承租人": Relation.TENANT, "租住": Relation.TENANT,
    "临时": Relation.TEMPORARY, "临时居住": Relation.TEMPORARY, "暂住": Relation.TEMPORARY,
    "其他": Relation.OTHER,
}
SPECIAL_GROUPS: dict[str, str] = {
    "独居老人": SpecialGroup.ALONE_ELDER, "独居": SpecialGroup.ALONE_ELDER, "空巢独居": SpecialGroup.ALONE_ELDER,
    "高龄老人": SpecialGroup.OLDEST_OLD, "高龄": SpecialGroup.OLDEST_OLD, "80岁以上": SpecialGroup.OLDEST_OLD,
    "残疾人": SpecialGroup.DISABLED, "残疾": SpecialGroup.DISABLED, "残障": SpecialGroup.DISABLED,
    "幼儿": SpecialGroup.INFANT, "婴幼儿": SpecialGroup.INFANT,
    "低保": SpecialGroup.SUBSISTENCE, "低保户": SpecialGroup.SUBSISTENCE, "低保对象": SpecialGroup.SUBSISTENCE,
    "特困": SpecialGroup.EXTREME_POVERTY, "特困人员": SpecialGroup.EXTREME_POVERTY,
    "特困供养": SpecialGroup.EXTREME_POVERTY,
    "助餐": SpecialGroup.MEAL_AID, "助餐对象": SpecialGroup.MEAL_AID, "需助餐": SpecialGroup.MEAL_AID,
    "重点关爱": SpecialGroup.KEY_CARE, "重点关注": SpecialGroup.KEY_CARE,
}
COMMUNITY_ROLES: dict[str, str] = {
    "党员": CommunityRole.PARTY_MEMBER, "中共党员": CommunityRole.PARTY_MEMBER,
    "中共预备党员": CommunityRole.PARTY_MEMBER, "预备党员": CommunityRole.PARTY_MEMBER,
    "志愿者": CommunityRole.VOLUNTEER, "社区志愿者": CommunityRole.VOLUNTEER,
    "楼组长": CommunityRole.BUILDING_LEADER, "楼长": CommunityRole.BUILDING_LEADER,
    "楼道长": CommunityRole.BUILDING_LEADER,
}
# Words that mean "none of these" in a list column (a 政治面貌 column says 群众 for most people).
NOTHING = frozenset({"无", "否", "没有", "-", "—", "/", "群众", "共青团员", "团员", "无党派", "民主党派",
                     "none", "no", "n/a"})


# What staff write in a cell to say "nothing here" (no phone, no unit …): the cell is empty.
EMPTY_WORDS = frozenset({"无", "暂无", "没有", "-", "--", "—", "——", "/", "none", "null", "n/a"})


# Keys of cell texts worked out once each: a file spells the same few words, buildings and
# rooms again and again.
KEYS_CACHED = 1 << 16


@functools.lru_cache(maxsize=KEYS_CACHED)
def value_key(text: str) -> str:
    if text.isascii():  # nothing to fold
        return "".join(text.split()).lower()
    return "".join(fold(text).split()).lower()


class Vocabulary:
    """The words a column accepts for a set of codes; the English codes themselves are
    accepted too (``floating``), as a file exported from Linli writes them."""

    def __init__(self, words: dict[str, str], codes: list[str]) -> None:
        self.table = {value_key(k): v for k, v in words.items()} | {c: c for c in codes}
        firsts: dict[str, str] = {}
        for word, code in words.items():
            firsts.setdefault(code, word)
        self.hint = "、".join(firsts.values())

    def get(self, text: str) -> str | None:
        return self.table.get(value_key(text))


POPULATION_TYPE_WORDS = Vocabulary(POPULATION_TYPES, list(PopulationType.values))
RELATION_WORDS = Vocabulary(RELATIONS, list(Relation.values))
SPECIAL_GROUP_WORDS = Vocabulary(SPECIAL_GROUPS, list(SpecialGroup.values))
COMMUNITY_ROLE_WORDS = Vocabulary(COMMUNITY_ROLES, list(CommunityRole.values))
