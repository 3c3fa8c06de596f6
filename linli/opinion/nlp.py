"""The text pipeline of one message (no Django here: tested alone).

- :class:`Segmenter`: jieba with its own words (a tokenizer of its own from
  ``linli.core.words``, so the place names of one street never leak into another's, while the
  dictionary itself is loaded once per process), the user dictionary of the registry's
  place names and the sentiment words, and the stop-word list. HMM is off: new-word
  guessing is slow, and the words that matter here are in the dictionary.
- :func:`sentiment`: lexicon-based and explainable. Each sentiment word counts its weight,
  a negation just before it (不, 没, 别 …) turns it, a degree word (太, 又, 非常 …) scales
  it; the message's score is the sum, and the words that decided it are returned with it.
- :func:`demands`: patterns for what residents ask for (a broken lift, no water, medicine to
  buy); each names the request category it would be filed under.
- :func:`rumour_cues`: the marks of a forwarded rumour ("听说", "紧急通知", "转发", "千万不要"
  with a health or money claim); the rumours module judges what is passed to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LEXICON = Path(__file__).with_name("lexicon")
NEGATIONS = frozenset("不 没 没有 别 未 无 不是 并不 从不 不会 没能 毫无 绝不 不用".split())
NEGATION_PREFIXES = ("不", "没", "未", "无", "别")
POSITIVE, NEUTRAL, NEGATIVE = "positive", "neutral", "negative"
THRESHOLD = 1.0
# chat phrases kept whole, so that 好的 (OK) is not read as 好 (good)
FIXED = ("好的", "好吧", "好一点", "收到", "有没有")
WORD = re.compile(r"[\u4e00-\u9fffA-Za-z]")


def _read(name: str) -> list[list[str]]:
    rows = []
    for line in (LEXICON / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


@cache
def stopwords() -> frozenset[str]:
    return frozenset(row[0] for row in _read("stopwords.txt"))


@cache
def sentiment_words() -> dict[str, float]:
    return {row[0]: float(row[1]) for row in _read("sentiment.txt")}


@cache
def degree_words() -> dict[str, float]:
    return {row[0]: float(row[1]) for row in _read("degree.txt")}


class Segmenter:
    """Words of a message, with the registry's place names kept whole."""

    def __init__(self, place_names: Iterable[str] = ()) -> None:
        from linli.core import words as dictionary

        self.places = frozenset(name for name in place_names if len(name) >= 2)
        self.tokenizer = dictionary.tokenizer([
            *((word, 2000, None) for word in (*sentiment_words(), *degree_words(), *NEGATIONS, *FIXED)),
            *((name, 50000, "ns") for name in self.places)])
        self.stop = stopwords()

    def words(self, text: str) -> list[str]:
        """Every word, in order (sentiment needs the small ones too)."""
        return [w for w in self.tokenizer.lcut(text, HMM=False) if w.strip()]

    def terms(self, words: list[str]) -> list[str]:
        """The words that can name a topic: two characters or more, no stop word, no number."""
        return [w for w in words if len(w) >= 2 and w not in self.stop and WORD.search(w) and w not in self.places]


@dataclass(frozen=True)
class Sentiment:
    score: float
    label: str
    reasons: tuple[tuple[str, float], ...]  # (word as it decided, signed contribution)

    def explain(self) -> str:
        return " ".join(f"{word}({value:+g})" for word, value in self.reasons)


def sentiment(words: list[str]) -> Sentiment:
    lexicon, degrees = sentiment_words(), degree_words()
    score, reasons = 0.0, []
    for index, word in enumerate(words):
        weight = lexicon.get(word)
        shown = word
        if weight is None and len(word) > 1 and word[1:] in lexicon:
            # one token for a negation or a degree word and a sentiment word (不满意, 很漂亮, 太慢)
            if word[0] in NEGATION_PREFIXES:
                weight = _negated(lexicon[word[1:]])
            elif word[0] in degrees:
                weight = lexicon[word[1:]] * degrees[word[0]]
        if weight is None:
            continue
        before = words[max(0, index - 2):index]
        for prior in reversed(before):
            if prior in NEGATIONS:
                weight, shown = _negated(weight), prior + word
                break
        for prior in before:
            if prior in degrees:
                weight, shown = weight * degrees[prior], prior + shown
        score += weight
        reasons.append((shown, round(weight, 2)))
    if "！" in words or "!" in words:
        score *= 1.2
    label = POSITIVE if score >= THRESHOLD else NEGATIVE if score <= -THRESHOLD else NEUTRAL
    return Sentiment(round(score, 2), label, tuple(reasons))


def _negated(weight: float) -> float:
    """不满意 is a complaint; 不差 is faint praise, and 没停 (没地方停) no praise at all."""
    return -weight * 0.8 if weight > 0 else -weight * 0.3


@dataclass(frozen=True)
class DemandPattern:
    code: str  # what it is, e.g. "lift"
    label: str  # shown to staff
    category: str  # the request category it is filed under (linli.tickets' catalogue)
    pattern: re.Pattern[str]


DEMANDS = (
    DemandPattern("lift", "电梯故障", "repair-public",
                  re.compile(r"电梯.{0,6}(坏|故障|停了|停运|困|卡住|不能用|不动|不亮|维修|修)")),
    DemandPattern("water", "停水/供水", "utilities", re.compile(r"(停水|没水|没有水|断水|水压.{0,3}(低|小)|来水)")),
    DemandPattern("leak", "漏水", "repair-water", re.compile(r"(漏水|水管.{0,4}(爆|裂|漏)|渗水)")),
    DemandPattern("power", "停电/供电", "utilities", re.compile(r"(停电|没电了|跳闸|断电)")),
    DemandPattern("medicine", "代购药品", "elderly",
                  re.compile(r"((需要|要|想|帮.{0,3}|代|缺|谁能|能不能).{0,4}(买|配|拿|开).{0,3}药|药.{0,3}(吃完|没了|用完))")),
    DemandPattern("rubbish", "垃圾清运", "environment",
                  re.compile(r"垃圾.{0,6}(没人|没有人|堆|臭|满|不清|没清|乱扔)")),
    DemandPattern("noise", "噪声扰民", "noise", re.compile(r"(噪音|太吵|吵死|装修.{0,4}吵|扰民)")),
    DemandPattern("parking", "停车", "parking", re.compile(r"(乱停|停车.{0,4}(难|乱|没位|占)|占.{0,2}车位|堵.{0,3}消防通道)")),
    DemandPattern("light", "楼道灯", "repair-public", re.compile(r"(楼道|路)灯.{0,4}(坏|不亮|黑)")),
)


def demands(text: str) -> list[DemandPattern]:
    """The demands a message raises (at most one of each kind)."""
    return [d for d in DEMANDS if d.pattern.search(text)]


RUMOUR_CUE = re.compile(r"(听说|据说|内部消息|紧急通知|紧急扩散|转发|速转|扩散|千万(不要|别)|赶紧|马上囤|"
                        r"朋友圈都在传|专家说|震惊|不转不是)")
RUMOUR_CLAIM = re.compile(r"(药|疫苗|病毒|治愈|预防|感染|封(小区|楼|城)|抢购|涨价|断供|有毒|中毒|致癌|死|补贴|发钱|领取|"
                          r"打针|出事|小偷|入室|抢(小孩|孩子))")


def rumour_cues(text: str) -> bool:
    """A forwarded claim about health, supplies or money: worth the rumours module's look."""
    return bool(RUMOUR_CUE.search(text)) and bool(RUMOUR_CLAIM.search(text))


def places_in(words: list[str], places: frozenset[str]) -> list[str]:
    seen: list[str] = []
    for word in words:
        if word in places and word not in seen:
            seen.append(word)
    return seen
