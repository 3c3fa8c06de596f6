"""A person's fields as spreadsheets name them: one catalogue for what Linli reads and writes.

Imports recognise a column by these headers; reports and exports head their columns with
the Chinese label. Kept together so that a file Linli writes is a file Linli can read back,
and a header an office uses is known everywhere once it is added here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class PersonField:
    code: str
    label_zh: str  # the header Linli writes
    label: Promise  # shown on pages, in the reader's language
    synonyms: tuple[str, ...] = ()  # other headers offices write for it

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header that names this field, the Chinese label first."""
        return (self.label_zh, *self.synonyms)


PERSON_FIELDS: dict[str, PersonField] = {f.code: f for f in (
    PersonField("name", "姓名", pgettext_lazy("of a person", "Name"), ("名字", "居民姓名", "人员姓名", "住户姓名")),
    PersonField("sex", "性别", _("sex")),
    PersonField("birth_date", "出生日期", _("Date of birth")),
    PersonField("id_number", "身份证号", _("ID number"), ("身份证", "身份证号码", "公民身份号码", "证件号码", "证件号",
                                                      "身份证件号码", "身份号码")),
    PersonField("phone", "联系电话", _("Phone"), ("手机", "手机号", "手机号码", "电话", "电话号码", "联系方式")),
    PersonField("compound", "小区", _("Compound"), ("所在小区", "小区名称", "小区名", "居住小区")),
    PersonField("building", "楼栋", _("Building"), ("楼号", "楼栋号", "幢", "幢号", "栋", "楼")),
    PersonField("unit", "单元", _("Unit"), ("单元号",)),
    PersonField("room", "房号", _("Room"), ("室号", "门牌号", "房间号", "户室号", "室")),
    PersonField("address", "现住地址", _("Address"), ("住址", "现住址", "居住地址", "现居住地址", "家庭住址", "详细地址")),
    PersonField("relation_to_head", "与户主关系", _("Relation to the head of household"), ("与户主的关系", "家庭关系")),
    PersonField("population_type", "人员类型", _("Population type"), ("人员类别", "人口类型", "人口类别", "户籍类型")),
    PersonField("hukou_address", "户籍地", _("Household registration address"), ("户籍地址", "户籍所在地", "户口所在地")),
    PersonField("school", "就读学校", _("School"), ("学校", "就读学校名称", "学校名称", "所在学校")),
    PersonField("relation", "居住关系", _("Residence relation"), ("居住性质", "居住方式")),
    PersonField("special_groups", "特殊群体", _("Special groups"), ("特殊人群", "重点人群")),
    PersonField("community_roles", "社区身份", _("Community roles"), ("社区角色", "政治面貌", "身份标签")),
    PersonField("moved_in", "入住日期", _("Moved in"), ("入住时间", "迁入日期", "迁入时间", "居住起始日期")),
    PersonField("notes", "备注", _("Notes"), ("说明",)),
)}
