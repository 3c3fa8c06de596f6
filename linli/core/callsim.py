"""A simulated resident on the other end of an outbound call (the demo's and tests' call gateway).

Given the questions of a call, it picks who picks up (most do; some do not, some lines are
busy, a few refuse) and, for each question, a true answer and a way of saying it, as speech
recognition would give it back: "没有，没发烧", "三十六度八", "嗯……不太清楚". The true answers
come back with the call so that a benchmark can measure the extraction. Plain Python.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

ANSWERED, NO_ANSWER, BUSY, REFUSED = "answered", "no_answer", "busy", "refused"

# Shares of calls: picked up, not answered, busy, refused (the rest).
PICK_UP, UNANSWERED, BUSY_LINE = 0.78, 0.14, 0.05

_YES = ("有", "有的", "嗯，有{t}", "是的", "对，有点{t}", "有一点{t}", "要的，麻烦你们了", "需要", "嗯", "对的对的",
        "{t}了，昨天开始的", "有啊")
_NO = ("没有", "没有{t}", "没{t}", "不{t}", "没有没有", "都挺好的，没有", "不用了，谢谢", "不需要", "没有啊，好着呢",
       "没得", "没有，放心吧", "不是")
_UNSURE = ("不知道", "嗯……不太清楚", "你说什么？听不清", "这个我说不好", "")
_CN = "零一二三四五六七八九"


def _spoken_temperature(value: float, rng: random.Random) -> str:
    whole, tenth = int(value), int(round(value * 10)) % 10
    tens, ones = divmod(whole, 10)
    chinese = f"{_CN[tens]}十{_CN[ones] if ones else ''}度{_CN[tenth] if tenth else ''}"
    return rng.choice((chinese, f"{value:.1f}", f"{whole}度{tenth}", f"量了，{chinese}", f"{chinese}吧",
                       f"{value:.1f}度，正常的"))


@dataclass(frozen=True)
class Reply:
    text: str
    truth: Any  # what the resident meant (None: she did not say)


def reply(kind: str, topic: str, choices: Sequence[str], rng: random.Random, *, yes_share: float = 0.15) -> Reply:
    """One answer to one question, as heard."""
    if rng.random() < 0.04:
        return Reply(rng.choice(_UNSURE), None)
    if kind == "yes_no":
        yes = rng.random() < yes_share
        return Reply(rng.choice(_YES if yes else _NO).format(t=topic), yes)
    if kind == "temperature":
        value = round(rng.gauss(36.6, 0.35) if rng.random() > 0.03 else rng.uniform(37.4, 39.2), 1)
        return Reply(_spoken_temperature(value, rng), value)
    if kind == "number":
        n = rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5))
        return Reply(rng.choice((f"{n}个", f"{_CN[n]}个人", f"{_CN[n]}口人", f"就{_CN[n]}个", f"{n}")), float(n))
    if kind == "choice" and choices:
        picked = rng.choice(list(choices))
        return Reply(rng.choice((picked, f"是{picked}", f"{picked}的", f"嗯，{picked}")), picked)
    return Reply(rng.choice(("家里都挺好", "希望多组织些活动", "没什么要说的", "楼道灯坏了")), None)


@dataclass(frozen=True)
class Call:
    outcome: str
    replies: tuple[str, ...] = ()
    truths: tuple[Any, ...] = ()


def call(prompts: Sequence[Any], rng: random.Random) -> Call:
    """One simulated call asking ``prompts`` (objects with ``kind``, ``topic``, ``choices``)."""
    roll = rng.random()
    if roll >= PICK_UP:
        if roll < PICK_UP + UNANSWERED:
            return Call(NO_ANSWER)
        return Call(BUSY if roll < PICK_UP + UNANSWERED + BUSY_LINE else REFUSED)
    answers = [reply(getattr(p, "kind", ""), getattr(p, "topic", ""), getattr(p, "choices", ()), rng)
               for p in prompts]
    return Call(ANSWERED, tuple(a.text for a in answers), tuple(a.truth for a in answers))
