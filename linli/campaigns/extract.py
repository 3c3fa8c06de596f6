"""Answers from what a resident said on the phone: keyword rules per question, with a confidence.

A screening call asks its questions one by one; the gateway's speech recognition gives back
what was heard after each (``"没有，没发烧"``, ``"三十六度八"``, ``"自己住"``). This module turns
one such reply into a typed answer of the question's kind:

- yes/no: negation is read before the question's own topic words ("没有发烧", "不发烧" → no;
  "有点发烧" → yes), then bare answers ("没有", "是的", "不用", "要的"); both kinds of cue in one
  reply, or none, give a low confidence;
- number and temperature: Arabic digits (full-width too), Chinese numerals ("三十七度五",
  "三七点二", "两个"); a temperature outside 34–43 °C, or read from a range ("三十六七度"),
  is uncertain; Fahrenheit figures are converted;
- choice: the choices' words (each choice may list synonyms), ignoring a choice that is
  negated ("不是出租，是自住");
- free text: the reply as heard.

Answers under ``REVIEW_BELOW`` go to a person's review queue instead of being applied. Plain
Python (no Django), tested alone and measured on a labelled set in ``benchmarks/campaigns.py``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

YES_NO, NUMBER, CHOICE, TEXT, TEMPERATURE = "yes_no", "number", "choice", "text", "temperature"
KINDS = (YES_NO, NUMBER, CHOICE, TEXT, TEMPERATURE)
REVIEW_BELOW = 0.7
LOWEST_TEMPERATURE, HIGHEST_TEMPERATURE = 34.0, 43.0

_UNSURE = ("不知道", "不清楚", "不确定", "说不好", "说不准", "说不清", "记不清", "不记得", "搞不清", "听不清", "没听清",
           "你说什么", "什么意思", "再说一遍")
# Negation cues, longest first so that "没有" is one cue and its 有 is not read as a yes.
_NEGATIONS = ("没有", "没得", "没啥", "不是", "不用", "不要", "不需要", "不会", "不想", "不必", "用不着", "没", "不",
              "无", "未", "否", "别")
_AFFIRMATIONS = ("是的", "是啊", "对的", "对啊", "有的", "有点", "有些", "需要", "要的", "好的", "可以",
                 "嗯", "对", "有", "是", "要", "会", "想")
# Said of a symptom question, these mean "no": nothing wrong.
_ALL_WELL = ("正常", "没事", "挺好", "都好", "很好", "还好", "蛮好", "好着呢", "健康")
_NEGATION_SET = frozenset(_NEGATIONS)
# one pattern for every cue, longest first (an alternation takes the first alternative that matches)
_CUE = re.compile("|".join(re.escape(w) for w in sorted({*_NEGATIONS, *_AFFIRMATIONS}, key=len, reverse=True)))
_PUNCT = re.compile(r"[\s,，。!！?？、；;：:~～…\"“”'‘’()（）]+|\.(?![0-9])")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_NUM_CHARS = "0-9零〇一幺二两三四五六七八九十百千万"
_NUMBER = re.compile(rf"[{_NUM_CHARS}]+(?:(?:点|\.|度)[{_NUM_CHARS}]+)?")
# 一 in words that are not counts ("一家三口", "一直", "一起")
_NOT_COUNTS = re.compile(r"一(家|直|切|起|下|趟|点儿|些|半|样|般|定)")
_RANGE = re.compile(r"[一二三四五六七八九]{2}度")  # "三十六七度": thirty-six or -seven


@dataclass(frozen=True)
class Rule:
    """How one question's replies are read. ``topic``: the words of what is asked about ("发烧",
    "发热"), so that "没有发烧" is read as a whole; ``choices``: for a choice question, each
    choice's words (the first is its name)."""

    kind: str
    topic: tuple[str, ...] = ()
    choices: tuple[tuple[str, ...], ...] = ()
    all_well_means_no: bool = True


@dataclass(frozen=True)
class Extracted:
    value: bool | float | str | None
    confidence: float
    reason: str = ""
    alternatives: tuple[str, ...] = field(default_factory=tuple)

    @property
    def needs_review(self) -> bool:
        return self.value is None or self.confidence < REVIEW_BELOW


def normalise(text: str) -> str:
    """Full-width forms folded, punctuation and spaces turned into single separators."""
    folded = unicodedata.normalize("NFKC", text or "")
    return _PUNCT.sub(" ", folded).strip()


# --- numbers ---------------------------------------------------------------------------------------

def _cn_integer(text: str) -> int | None:
    """"三十七" → 37, "一百零五" → 105, "三七" → 37 (digit by digit), "37" → 37."""
    if text.isdigit():
        return int(text)
    if any(c.isdigit() for c in text):
        return None
    if not any(c in _CN_UNITS for c in text):
        digits = [_CN_DIGITS.get(c) for c in text]
        if any(d is None for d in digits) or not digits:
            return None
        return int("".join(str(d) for d in digits))
    total, section, current = 0, 0, 0
    for c in text:
        if c in _CN_DIGITS:
            current = _CN_DIGITS[c]
        elif c in _CN_UNITS:
            unit = _CN_UNITS[c]
            if unit == 10000:
                total += (section + current) * unit
                section = current = 0
            else:
                section += (current or 1) * unit  # "十五": the one of ten is left unsaid
                current = 0
        else:
            return None
    return total + section + current


def _fraction(text: str) -> str | None:
    if text.isdigit():
        return text
    digits = [_CN_DIGITS.get(c) for c in text]
    if not digits or any(d is None for d in digits):
        return None
    return "".join(str(d) for d in digits)


def parse_number(span: str) -> float | None:
    """One number as said or typed: "三十七度五" → 37.5, "36.8" → 36.8, "两" → 2."""
    text = unicodedata.normalize("NFKC", span)
    for mark in ("点", ".", "度"):
        if mark in text:
            whole, _, rest = text.partition(mark)
            integer = _cn_integer(whole) if whole else 0
            fraction = _fraction(rest) if rest else "0"
            if integer is None or fraction is None:
                return None
            return float(f"{integer}.{fraction}")
    value = _cn_integer(text)
    return None if value is None else float(value)


def numbers_in(text: str) -> list[float]:
    """Every number in ``text``, in order (a lone "一" of "一点" words is still a number)."""
    found = []
    text = _NOT_COUNTS.sub(lambda m: "_" + m.group(1), unicodedata.normalize("NFKC", text or ""))
    for match in _NUMBER.finditer(text):
        value = parse_number(match.group())
        if value is not None:
            found.append(value)
    return found


# --- the kinds of answer -----------------------------------------------------------------------------

def _unsure(text: str) -> bool:
    return any(word in text for word in _UNSURE)


def _topic_polarity(text: str, topic: Sequence[str]) -> bool | None:
    """Whether the topic is said with a negation right before it ("没发烧", "不咳嗽", "没有什么发烧")."""
    seen: bool | None = None
    for word in topic:
        for match in re.finditer(re.escape(word), text):
            before = text[max(0, match.start() - 4):match.start()]
            after = text[match.end():match.end() + 4]
            # "没有发烧", and "发烧倒是没有" / "发热也没有"
            negated = any(n in before for n in _NEGATIONS) or re.match(r"(倒是|也|都|就)?(没有|没|不)", after) is not None
            if seen is None:
                seen = not negated
            elif seen != (not negated):
                return None  # "发烧，不发烧" said both ways
    return seen


def _cues(text: str) -> list[tuple[int, bool]]:
    """(position, yes?) of each negation and affirmation cue, read left to right, the longest
    cue at each place first: a negation hides its own 有/是/要 ("没有", "不是", "不要")."""
    return [(match.start(), match.group() not in _NEGATION_SET) for match in _CUE.finditer(text)]


def yes_no(text: str, rule: Rule) -> Extracted:
    clean = normalise(text)
    if not clean:
        return Extracted(None, 0.0, "silence")
    if _unsure(clean):
        return Extracted(None, 0.2, "unsure")
    on_topic = _topic_polarity(clean, rule.topic) if rule.topic else None
    well = [clean.find(word) for word in _ALL_WELL if word in clean] if rule.all_well_means_no else []
    if well:  # "都挺好的": all well, a no (and its 好的 is no affirmation)
        for word in _ALL_WELL:
            clean = clean.replace(word, " " * len(word))
    said = _cues(clean)
    if well and not said and on_topic is None:
        return Extracted(False, 0.8, "all well")
    cues = sorted(said + [(at, False) for at in well])
    # an affirmation right after a negation belongs to it: "没有这个需要", "不想要"
    negations = [at for at, p in cues if not p]
    cues = [(at, p) for at, p in cues if not p or not any(0 < at - n <= 3 for n in negations)]
    polarities = {p for _, p in cues}
    if on_topic is not None:
        agrees = not polarities or polarities == {on_topic} or (cues and cues[0][1] == on_topic)
        return Extracted(on_topic, 0.95 if agrees else 0.75, "topic")
    if polarities == {False}:
        return Extracted(False, 0.92, "negation")
    if polarities == {True}:
        # a lone 是 / 要 / 有 inside a longer sentence ("你们是哪里打来的") is weak evidence
        strong = any(len(word) > 1 and clean.startswith(word, at) for at, _ in cues for word in _AFFIRMATIONS)
        if not strong and len(clean.replace(" ", "")) > 3:
            return Extracted(True, 0.6, "weak affirmation")
        return Extracted(True, 0.88, "affirmation")
    if polarities == {True, False}:
        # "没有，不过有点咳嗽": the first cue answers, the rest is talk
        return Extracted(cues[0][1], 0.55, "both")
    return Extracted(None, 0.1, "no cue")


def temperature(text: str) -> Extracted:
    clean = normalise(text)
    if not clean:
        return Extracted(None, 0.0, "silence")
    spoken_range = _RANGE.search(clean)
    if spoken_range:
        first = parse_number("三十" + spoken_range.group()[0]) if "十" not in spoken_range.group() else None
        if first is not None:
            return Extracted(first + 0.5, 0.5, "range")
    values = numbers_in(clean)
    if not values:
        reply = yes_no(clean, Rule(YES_NO, topic=("发烧", "发热", "烧")))
        if reply.value is False:
            return Extracted(None, 0.4, "normal, no figure")
        return Extracted(None, 0.1, "no figure")
    plausible = [v for v in values if LOWEST_TEMPERATURE <= v <= HIGHEST_TEMPERATURE]
    if plausible:
        confidence = 0.95 if len(set(plausible)) == 1 else 0.6
        return Extracted(round(plausible[0], 1), confidence, "celsius")
    fahrenheit = [v for v in values if 93.0 <= v <= 109.4]
    if fahrenheit:
        return Extracted(round((fahrenheit[0] - 32) * 5 / 9, 1), 0.75, "fahrenheit")
    return Extracted(None, 0.2, "implausible")


def number(text: str) -> Extracted:
    clean = normalise(text)
    values = numbers_in(clean)
    if not values:
        if re.search(r"(没有|一个也没|都没)", clean):
            return Extracted(0.0, 0.8, "none")
        return Extracted(None, 0.1 if clean else 0.0, "no figure")
    if _unsure(clean):
        return Extracted(values[0], 0.5, "unsure")
    return Extracted(values[0], 0.92 if len(set(values)) == 1 else 0.6, "figure")


def choice(text: str, rule: Rule) -> Extracted:
    clean = normalise(text)
    if not clean:
        return Extracted(None, 0.0, "silence")
    hits: list[tuple[int, str]] = []
    for words in rule.choices:
        best = None
        for word in words:
            for match in re.finditer(re.escape(word), clean):
                before = clean[max(0, match.start() - 2):match.start()]
                if any(before.endswith(n) for n in ("不是", "没", "不", "没有")):
                    continue
                best = match.start() if best is None else min(best, match.start())
        if best is not None:
            hits.append((best, words[0]))
    hits.sort()
    names = tuple(dict.fromkeys(name for _, name in hits))
    if not names:
        return Extracted(None, 0.1, "no choice")
    if len(names) == 1:
        return Extracted(names[0], 0.9, "choice")
    return Extracted(names[0], 0.5, "several", alternatives=names[1:])


def extract(rule: Rule, text: str) -> Extracted:
    """The answer a reply gives to a question of ``rule.kind``."""
    if rule.kind == YES_NO:
        return yes_no(text, rule)
    if rule.kind == TEMPERATURE:
        return temperature(text)
    if rule.kind == NUMBER:
        return number(text)
    if rule.kind == CHOICE:
        return choice(text, rule)
    if rule.kind == TEXT:
        clean = " ".join((text or "").split())
        return Extracted(clean or None, 1.0 if clean else 0.0, "as heard")
    raise ValueError(f"unknown kind of question: {rule.kind!r}")


def topic_of(question: str) -> tuple[str, ...]:
    """The topic words of a yes/no question, from its wording: "最近有没有发烧？" → ("发烧",).
    The words between 有没有 / 是否 / 是不是 / 需不需要 and the end (or 吗)."""
    text = normalise(question).replace(" ", "")
    match = re.search(r"(?:有没有|是否|是不是|需不需要|要不要|会不会|有无)(.+?)(?:吗|呢|的情况|症状|$)", text)
    if not match:
        match = re.search(r"(?:有|需要|要)(.+?)(?:吗|呢)", text)
    if not match:
        return ()
    words = match.group(1)
    words = re.sub(r"^(出现|过|什么|人|帮忙|帮助|人帮忙|帮您)", "", words)
    return (words[:6],) if len(words) >= 2 else ()
