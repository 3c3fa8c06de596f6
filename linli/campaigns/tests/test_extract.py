"""The answer extraction alone (no database)."""

import pytest

from linli.campaigns import extract
from linli.campaigns.extract import CHOICE, YES_NO, Rule

FEVER = Rule(YES_NO, topic=("发烧", "发热"))
USAGE = Rule(CHOICE, choices=(("自住", "自己住"), ("出租", "租出去", "租给"), ("空置", "空着")))


@pytest.mark.parametrize(("said", "value"), [
    ("没有发烧", False), ("不发烧", False), ("没发热", False), ("有点发烧", True), ("发烧了，三十八度", True),
    ("没有", False), ("没有没有", False), ("是的", True), ("嗯，有的", True), ("不需要", False), ("体温正常", False),
])
def test_yes_no_reads_negation_before_the_topic(said, value):
    got = extract.extract(FEVER, said)
    assert got.value is value
    assert not got.needs_review


@pytest.mark.parametrize("said", ["不知道", "", "你说什么？", "没有，不过有点咳嗽是的"])
def test_unsure_or_mixed_replies_go_to_a_person(said):
    assert extract.extract(FEVER, said).needs_review


@pytest.mark.parametrize(("said", "value"), [
    ("三十七度五", 37.5), ("37.5", 37.5), ("３７．５", 37.5), ("三七点二", 37.2), ("36度8", 36.8),
    ("量了，三十六度五，挺好的", 36.5), ("九十八点六", 37.0),
])
def test_temperatures_in_words_and_digits(said, value):
    assert extract.extract(Rule(extract.TEMPERATURE), said).value == value


def test_a_spoken_range_or_no_figure_is_uncertain():
    assert extract.extract(Rule(extract.TEMPERATURE), "三十六七度").needs_review
    assert extract.extract(Rule(extract.TEMPERATURE), "正常").value is None


@pytest.mark.parametrize(("text", "value"), [("一百零五", 105), ("十五", 15), ("两", 2), ("三万二千", 32000),
                                             ("０", 0), ("三十七点零五", 37.05)])
def test_chinese_numbers(text, value):
    assert extract.parse_number(text) == value


def test_choices_skip_the_negated_one():
    assert extract.extract(USAGE, "不是出租，是自住").value == "自住"
    assert extract.extract(USAGE, "空着呢").value == "空置"
    several = extract.extract(USAGE, "一半自住一半租出去")
    assert several.needs_review and several.alternatives == ("出租",)


def test_topic_words_come_from_the_question():
    assert extract.topic_of("最近14天有没有发烧？") == ("发烧",)
    assert extract.topic_of("家里有没有人咳嗽") == ("咳嗽",)
