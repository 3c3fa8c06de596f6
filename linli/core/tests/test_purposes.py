"""Lawful purposes (decision 0023): chosen from the site's list, or "other" said in a sentence;
``x`` and ``....`` are no purpose at all, in either language."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import translation

from linli.core import purposes
from linli.core.errors import Bilingual


def _refusal(code: str, text: str) -> tuple[str, str, Bilingual]:
    with pytest.raises(ValidationError) as caught:
        purposes.state(code, text)
    [(field, [error])] = caught.value.error_dict.items()
    return field, error.code, Bilingual.of_error(caught.value)


@pytest.mark.parametrize("text", ["x", "....", "。。。。。。。。。。。。", "x x x x x x x x x x", "xxxxxxxxxxxx", "1111111111",
                                  "查一下这个人", "!!!!!!!!!!!!!!!!!!!!!!!!"])
def test_what_says_nothing_is_refused_with_a_reason_in_both_languages(text):
    field, code, message = _refusal("", text)  # a text alone is "other", as old callers sent it
    assert (field, code) == ("purpose", "too_short")
    assert message.en.startswith("Describe the purpose in a sentence of at least 10 letters or digits")
    assert message.zh.startswith("请用一句话说明目的，至少 10 个汉字、字母或数字")


def test_nothing_chosen_or_an_unknown_code_is_refused():
    assert _refusal("", "   ")[:2] == ("purpose_code", "required")
    field, code, message = _refusal("curiosity", "")
    assert (field, code, message.zh) == ("purpose_code", "unknown_purpose", "请从列出的目的中选择一项。")
    assert _refusal("other", "核对\x00信息核对信息核对信息")[1] == "control_chars"


def test_a_listed_purpose_needs_no_words_and_other_needs_a_sentence():
    assert purposes.state("care_visit") == purposes.StatedPurpose("care_visit", "")
    assert purposes.state("care_visit").recorded == "走访关怀"
    stated = purposes.state("other", "  协助派出所  查找走失老人的家属 ")
    assert stated == purposes.StatedPurpose("other", "协助派出所 查找走失老人的家属")
    assert stated.recorded == "其他（请说明）：协助派出所 查找走失老人的家属"
    assert purposes.state("", "checking a relief application") == purposes.StatedPurpose(
        "other", "checking a relief application")
    assert purposes.state_if_any("", " ") is None


def test_the_list_is_the_sites_own_with_other_last(settings):
    assert [p.code for p in purposes.offered()] == [*purposes.DEFAULT, "other"]
    settings.LINLI_LAWFUL_PURPOSES = ["flood_relief=防汛救灾|flood relief", "care_visit"]
    assert [p.code for p in purposes.offered()] == ["flood_relief", "care_visit", "other"]
    flood = purposes.state("flood_relief")
    assert flood.recorded == "防汛救灾"
    with translation.override("en"):
        assert [p.label for p in purposes.offered()] == ["flood relief", "care visit", "other (describe it)"]
        assert purposes.words(flood.recorded, "flood_relief") == "flood relief"
        assert purposes.words("走访关怀：看望独居老人", "care_visit") == "care visit: 看望独居老人"
    assert _refusal("epidemic_control", "")[1] == "unknown_purpose"  # no longer offered here


@pytest.mark.parametrize("entries", [["curiosity"], ["Bad-Code=坏"], ["x=坏"], ["flood="],
                                     ["care_visit", "care_visit"]])
def test_a_bad_list_stops_the_start(entries):
    with pytest.raises(ImproperlyConfigured):
        purposes.parse(entries)


def test_the_words_other_needs_are_configurable(settings):
    settings.LINLI_PURPOSE_OTHER_MIN_LENGTH = 4
    assert purposes.state("other", "查走失老人").code == "other"
    assert _refusal("other", "查人")[1] == "too_short"


def test_the_api_lists_the_purposes(street):
    client = street.client_for(street.grid_worker)
    listed = client.get("/api/purposes").json()
    assert listed[0] == {"code": "epidemic_control", "name": "epidemic prevention and control",
                         "name_zh": "疫情防控", "needs_text": False}
    assert listed[-1]["code"] == "other" and listed[-1]["needs_text"] is True
