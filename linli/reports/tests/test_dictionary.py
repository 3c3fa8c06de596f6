from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from linli.reports import dictionary as dd
from linli.reports.fields import FIELDS

URL = "/reports/dictionary/"
# The route lands in linli/reports/urls.py separately; until then a small urlconf adds it.
EXPECTED_COUNTS = {"sex": 4, "marital_status": 8, "political_status": 13, "ethnicity": 58,
                   "family_relation": 84, "education": 40}


@pytest.fixture(autouse=True)
def fresh_cache():
    dd.clear_cache()
    yield
    dd.clear_cache()


def test_every_list_loads_with_its_standard():
    lists = dd.load_code_lists()
    assert {name: len(cl.codes) for name, cl in lists.items()} == EXPECTED_COUNTS
    for cl in lists.values():
        assert cl.standard.startswith("GB")
        assert cl.title and cl.version and cl.verified_against
        for code in cl.codes:
            assert code.code and code.label_zh and code.label_en


def test_shipped_json_has_the_documented_shape():
    for path in sorted(dd.CODELIST_DIR.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        assert {"standard", "title", "version", "codes", "notes"} <= raw.keys(), path.name
        assert all({"code", "label_zh", "label_en"} <= c.keys() for c in raw["codes"]), path.name


@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_codes_labels_and_synonyms_are_unique_within_a_list(name):
    cl = dd.load_code_lists()[name]
    codes = [c.code for c in cl.codes]
    assert len(codes) == len(set(codes))
    assert len({c.label_zh for c in cl.codes}) == len(cl.codes)
    # Every label and synonym resolves to its own code: nothing is shadowed by another entry.
    for c in cl.codes:
        for key in (c.code, c.label_zh, *c.synonyms):
            assert dd.lookup(name, key) == c, (name, key)
        if c.parent:
            assert cl.by_code(c.parent) is not None


def test_ethnicity_has_the_56_groups_and_the_two_extensions():
    cl = dd.load_code_lists()["ethnicity"]
    assert [c.code for c in cl.codes] == [f"{i:02d}" for i in range(1, 57)] + ["97", "98"]
    assert cl.by_code("01").label_zh == "汉族" and cl.by_code("56").label_zh == "基诺族"
    assert cl.by_code("25").label_en == "Sui" and cl.by_code("25").alpha == "SU"
    assert len({c.alpha for c in cl.codes if c.alpha}) == 56


@pytest.mark.parametrize(("name", "value", "code"), [
    ("sex", "1", "1"), ("sex", 1, "1"), ("sex", "男", "1"), ("sex", "女性", "2"), ("sex", "M", "1"),
    ("sex", "female", "2"), ("sex", " 女 ", "2"), ("sex", "9", "9"),
    ("ethnicity", "01", "01"), ("ethnicity", 1, "01"), ("ethnicity", "1.0", "01"), ("ethnicity", "０１", "01"),
    ("ethnicity", "汉族", "01"), ("ethnicity", "汉", "01"), ("ethnicity", "HA", "01"), ("ethnicity", "han", "01"),
    ("ethnicity", "蒙古", "02"), ("ethnicity", "Tibetan", "04"), ("ethnicity", "外国血统中国籍人士", "98"),
    ("family_relation", "户主", "02"), ("family_relation", "2", "02"), ("family_relation", "妻子", "12"),
    ("family_relation", "儿子", "20"), ("family_relation", "女", "30"), ("family_relation", "非亲属", "99"),
    ("political_status", "中共党员", "01"), ("political_status", "党员", "01"), ("political_status", "团员", "03"),
    ("political_status", "群众", "13"), ("political_status", "13", "13"),
    ("marital_status", "已婚", "20"), ("marital_status", "离异", "40"), ("marital_status", 10, "10"),
    ("education", "本科", "21"), ("education", "大专", "31"), ("education", "研究生教育", "10"),
    ("education", "初中毕业", "71"), ("education", "高中", "61"),
])
def test_lookup_by_code_label_or_synonym(name, value, code):
    found = dd.lookup(name, value)
    assert found is not None and found.code == code


@pytest.mark.parametrize(("name", "value"), [
    ("sex", "3"), ("sex", ""), ("sex", None), ("ethnicity", "57"), ("ethnicity", "火星族"),
    ("political_status", "90"), ("family_relation", "03"), ("no_such_list", "1"),
])
def test_lookup_unknown_is_none(name, value):
    assert dd.lookup(name, value) is None


def test_canonical_fields_cover_fields_and_national_codes():
    rows = {r["code"]: r for r in dd.canonical_fields()}
    assert set(FIELDS) <= rows.keys()
    assert {"ethnicity", "political_status", "marital_status", "education"} <= rows.keys()
    assert rows["sex"]["code_list"] == "sex" and rows["sex"]["standard"] == "GB/T 2261.1-2003"
    assert rows["relation_to_head"]["code_list"] == "family_relation"
    assert rows["education"]["type"] == "code" and rows["education"]["in_registry"] is False
    assert rows["id_number"]["sensitive"] is True
    for r in rows.values():
        assert r["label_zh"] and r["label_en"] and r["type"]


def test_version_is_stable_and_language_independent():
    from django.utils import translation

    with translation.override("zh-hans"):
        zh = dd.dictionary_version()
    with translation.override("en"):
        en = dd.dictionary_version()
    assert zh == en and len(zh) == 16


def test_version_changes_when_a_list_changes(monkeypatch, tmp_path: Path):
    before = dd.dictionary_version()
    for path in dd.CODELIST_DIR.glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.setattr(dd, "CODELIST_DIR", tmp_path)
    dd.clear_cache()
    assert dd.dictionary_version() == before  # same data, same version

    sex = json.loads((tmp_path / "sex.json").read_text(encoding="utf-8"))
    sex["codes"][1]["label_en"] = "man"
    (tmp_path / "sex.json").write_text(json.dumps(sex, ensure_ascii=False), encoding="utf-8")
    dd.clear_cache()
    assert dd.dictionary_version() != before
    assert dd.lookup("sex", "man").code == "1"


def test_version_changes_when_lists_are_replaced(monkeypatch):
    before = dd.dictionary_version()
    lists = dict(dd.load_code_lists())
    lists.pop("education")
    monkeypatch.setattr(dd, "load_code_lists", lambda: lists)
    assert dd.dictionary_version() != before


def test_duplicate_code_is_refused(tmp_path: Path):
    (tmp_path / "bad.json").write_text(json.dumps({
        "standard": "GB/T 0", "title": "t", "version": "1",
        "codes": [{"code": "1", "label_zh": "甲", "label_en": "a"}, {"code": "1", "label_zh": "乙", "label_en": "b"}],
    }), encoding="utf-8")
    with pytest.raises(dd.CodeListError, match="twice"):
        dd._parse(tmp_path / "bad.json")


def test_page_renders_for_a_logged_in_persona(street):
    for user in (street.resident, street.grid_worker):
        response = street.client_for(user).get(URL)
        assert response.status_code == 200
        html = response.content.decode()
        assert dd.dictionary_version() in html
        assert html.count("<details") >= len(EXPECTED_COUNTS)
        assert 'role="region"' in html and 'tabindex="0"' in html and "aria-label=" in html
        for text in ("GB/T 2261.1-2003", "GB/T 3304-1991", "GB/T 4761-2008", "GB/T 4762-1984",
                     "GB/T 2261.2-2003", "GB/T 4658-2006", "基诺族", "外国血统中国籍人士", "身份证号"):
            assert text in html


def test_json_download(street):
    response = street.client_for(street.volunteer).get(URL, {"format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["version"] == dd.dictionary_version()
    assert {name: len(cl["codes"]) for name, cl in data["code_lists"].items()} == EXPECTED_COUNTS
    assert {f["code"] for f in data["fields"]} >= set(FIELDS)


def test_anonymous_is_sent_to_login(client, db):
    for params in ({}, {"format": "json"}):
        response = client.get(URL, params)
        assert response.status_code == 302
        assert "login" in response["Location"]
