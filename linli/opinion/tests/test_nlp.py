"""Keywords, sentiment, demands, places and rumour cues on fixed examples (no Django)."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest

from linli.opinion import analysis, nlp


@pytest.fixture(scope="module")
def segmenter() -> nlp.Segmenter:
    return nlp.Segmenter(["阳光花园", "金桥新村"])


def test_place_names_of_the_registry_stay_whole_and_are_found(segmenter):
    words = segmenter.words("阳光花园3号楼电梯坏了，金桥新村也是")
    assert "阳光花园" in words and "金桥新村" in words
    assert nlp.places_in(words, segmenter.places) == ["阳光花园", "金桥新村"]
    # the place names are not topic terms: topics are about what, places about where
    assert "阳光花园" not in segmenter.terms(words)


def test_terms_leave_out_stop_words_numbers_and_single_characters(segmenter):
    terms = segmenter.terms(segmenter.words("我们的电梯今天又坏了，3楼的老人下不了楼"))
    assert "电梯" in terms and "老人" in terms
    assert not {"我们", "今天", "的", "3", "又"} & set(terms)


@pytest.mark.parametrize(("text", "label", "deciding"), [
    ("电梯又坏了，真是受不了", nlp.NEGATIVE, "受不了"),
    ("谢谢物业师傅，电梯修好了", nlp.POSITIVE, "修好"),
    ("这次服务非常满意", nlp.POSITIVE, "非常满意"),
    ("对物业的处理不满意", nlp.NEGATIVE, "不满"),
    ("明天上午停水检修", nlp.NEUTRAL, "停水"),
    ("又停水了，太差了", nlp.NEGATIVE, "太差"),
    ("收到", nlp.NEUTRAL, ""),
    ("好的，谢谢", nlp.NEUTRAL, "谢谢"),
])
def test_sentiment_and_its_deciding_words(segmenter, text, label, deciding):
    result = nlp.sentiment(segmenter.words(text))
    assert result.label == label, result
    assert deciding in result.explain()


def test_negation_turns_praise_and_weakens_complaints(segmenter):
    assert nlp.sentiment(segmenter.words("不方便")).score < 0
    assert nlp.sentiment(segmenter.words("不差")).score > 0
    assert nlp.sentiment(segmenter.words("不差")).score < abs(nlp.sentiment(segmenter.words("差")).score)


@pytest.mark.parametrize(("text", "codes"), [
    ("电梯又坏了", ["lift"]),
    ("家里老人需要买药，谁能帮忙", ["medicine"]),
    ("怎么停水了", ["water"]),
    ("楼道灯不亮了，电梯也停了", ["lift", "light"]),
    ("今天天气不错", []),
])
def test_demands_found_by_pattern(text, codes):
    assert sorted(d.code for d in nlp.demands(text)) == sorted(codes)
    for demand in nlp.demands(text):
        assert demand.category  # each names the request category it is filed under


def test_rumour_cues_need_both_a_forwarding_mark_and_a_claim():
    assert nlp.rumour_cues("紧急通知：听说板蓝根能预防新病毒，赶紧转发")
    assert not nlp.rumour_cues("听说明天有义诊")  # a forwarding mark, no claim
    assert not nlp.rumour_cues("社区医生说板蓝根不能预防病毒")  # a claim, no forwarding mark


def test_tf_idf_keywords_favour_what_sets_a_group_apart():
    groups = {"a": Counter({"电梯": 10, "物业": 5, "谢谢": 5}), "b": Counter({"停车": 8, "物业": 5, "谢谢": 5})}
    keywords = analysis.keywords(groups)
    assert keywords["a"][0][0] == "电梯"
    assert keywords["b"][0][0] == "停车"


def test_summary_of_a_month_with_topics_places_demands_and_rumours(segmenter):
    day = datetime.date(2026, 11, 3)
    texts = (["阳光花园电梯又坏了，老人下不了楼"] * 40 + ["社区食堂的红烧肉很好吃"] * 40
             + ["停车位被占了，找不到车位"] * 40 + ["紧急通知：听说板蓝根能预防病毒，转发"] * 3)
    texts = [f"{t}{i % 7}" for i, t in enumerate(texts)]
    messages = [analysis.Message("群1" if i % 2 else "群2", day, t) for i, t in enumerate(texts)]
    notes = analysis.annotate(texts, segmenter)
    summary = analysis.summarise(messages, notes)
    assert sum(n for n, _p, _neg in summary.daily.values()) == len(texts)
    assert summary.places["阳光花园"][0] == 40
    lift = [t for t in summary.topics if "电梯" in t.terms]
    assert lift and lift[0].places["阳光花园"] >= 30 and lift[0].negative >= 30
    assert lift[0].samples and "电梯" in lift[0].samples[0]
    assert any(d.code == "lift" and d.place == "阳光花园" and d.count == 40 for d in summary.demands)
    assert len(summary.rumours) == 3
    assert len(summary.assignment) == len(texts)


def test_annotation_over_two_processes_gives_the_same_result(segmenter):
    texts = [f"电梯坏了{i}" if i % 3 else f"谢谢{i}" for i in range(9000)]
    assert analysis.annotate(texts, segmenter, workers=2) == analysis.annotate(texts, segmenter, workers=1)
