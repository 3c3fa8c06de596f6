"""The shipped GB/T 2260 list and the search over it (plain pytest; no database needed)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from linli.core import regions
from linli.core.errors import bilingual
from linli.core.validators import validate_region_code


def test_the_list_is_the_standards_whole_list():
    in_use = [r for r in regions._table().values() if r.in_use]
    levels = {level: sum(1 for r in in_use if r.level == level) for level in ("province", "city", "district")}
    assert levels["province"] == 34  # 31 provinces, Taiwan, Hong Kong, Macao
    assert 330 <= levels["city"] <= 345 and 2800 <= levels["district"] <= 2900
    for region in in_use:  # every code sits under a province (and a city) that is in use
        assert regions.lookup(region.code[:2] + "0000").in_use, region
        if region.level == "district" and region.code[:2] not in ("71", "81", "82"):
            city = regions.lookup(region.code[:4] + "00")
            assert city is not None and city.in_use, region


@pytest.mark.parametrize(("code", "full_name"), [
    ("420100", "湖北省武汉市"), ("420102", "湖北省武汉市江岸区"), ("310115", "上海市浦东新区"),
    ("500157", "重庆市两江新区"), ("429004", "湖北省仙桃市"), ("810000", "香港特别行政区"),
])
def test_full_names_read_as_people_write_them(code, full_name):
    assert regions.name_of(code) == full_name


@pytest.mark.parametrize("typed", ["武汉", "武汉市", "wuhan", "Wuhan ", "湖北省武汉市", "420100", "ｗｕｈａｎ"])
def test_wuhan_is_found_however_it_is_typed(typed):
    found, candidates = regions.resolve(typed)
    assert found is not None and found.code == "420100"


@pytest.mark.parametrize(("typed", "code"), [("江岸", "420102"), ("江岸区", "420102"), ("武汉市江岸区", "420102"),
                                             ("浦东", "310115"), ("chongqing", "500000"), ("神农架", "429021")])
def test_a_district_or_a_city_by_its_own_name(typed, code):
    found, _candidates = regions.resolve(typed)
    assert found is not None and found.code == code


@pytest.mark.parametrize(("typed", "among"), [("朝阳", {"110105", "211300", "220104"}), ("taizhou", {"321200", "331000"})])
def test_an_ambiguous_name_offers_the_choices(typed, among):
    found, candidates = regions.resolve(typed)
    assert found is None and among <= {r.code for r in candidates}


def test_search_lists_the_city_before_its_districts_and_leaves_out_abolished_codes():
    names = [r.full_name for r in regions.search("武汉")]
    assert names[0] == "湖北省武汉市" and "湖北省武汉市江岸区" in names
    assert "崇文区" not in {r.name for r in regions.search("崇文")}
    assert [r.code for r in regions.search("4201", limit=3)] == ["420100", "420102", "420103"]
    assert regions.search("") == [] and regions.search("火星") == []


@pytest.mark.parametrize(("code", "error"), [
    ("000000", "region_province"), ("119900", "region_unknown"), ("420199", "region_unknown"),
    ("110103", "region_retired"), ("420199001", "region_unknown"), ("110103001001", "region_retired"),
])
def test_region_codes_must_be_in_the_list(code, error):
    with pytest.raises(ValidationError) as info:
        validate_region_code(code)
    assert info.value.code == error


def test_a_retired_code_says_what_it_was():
    with pytest.raises(ValidationError) as info:
        validate_region_code("110103")
    assert bilingual(info.value) == {
        "code": "region_retired", "en": "Region code 110103 (崇文区) was abolished in 2010; use the code in use now.",
        "zh": "行政区划代码 110103（崇文区）已于 2010 年撤销，请使用现行代码。"}


@pytest.mark.parametrize("code", ["420100", "420102", "310115", "310115001", "310115001001", "110000", "310100"])
def test_codes_in_the_list_are_accepted(code):
    assert validate_region_code(code).code == code
