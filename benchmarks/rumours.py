"""Rumour matching benchmark: throughput against a base of 1,000 facts, and the labelled set.

    python benchmarks/rumours.py
    python benchmarks/rumours.py --facts 1000 --messages 20000

Prints one JSON line:
- ``throughput``: the issue's goal, messages matched per second against ``--facts`` facts (the
  dozen seed facts and generated ones, each with one wording) — jieba tokens, the BM25 sparse
  product and the threshold, in batches as the chat import sends them (goal ≥ 2,000 messages/s);
  with the index's build time, and the time spent cutting the messages into tokens alone;
- ``rank_bm25``: the same scores computed per message with the rank-bm25 package (when it is
  installed), for comparison (decision 0032);
- ``held_out`` / ``training``: precision and recall of the labelled set's two parts at the
  threshold in use, the threshold calibrated on the training part (it must equal the one in
  use), and the counts;
- ``load``: the machine's load average when it ran.

No database: the matching is a plain module.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from linli.rumours import evaluation, matching  # noqa: E402
from linli.rumours.facts_seed import FACTS  # noqa: E402

SUBJECTS = ("喝姜茶", "吃大蒜", "洗热水澡", "晒太阳", "吃维生素C", "喝绿茶", "戴手套", "用艾草熏", "喝蜂蜜水", "吃洋葱",
            "喝柠檬水", "用酒精喷全身", "吃辣椒", "泡脚", "喝可乐", "吃鸡蛋", "吃海鲜", "用微波炉加热口罩", "开空调",
            "喝牛奶", "吃香蕉", "用紫外线灯照手", "嚼口香糖", "喝淡茶", "吃生姜")
VERBS = ("能预防", "能治好", "会传播", "能杀死", "会加重", "可以防止", "会导致", "能增强")
OBJECTS = ("新冠", "流感", "病毒感染", "肺炎", "发烧", "咳嗽", "免疫力", "过敏", "高血压", "糖尿病")
PLACES = ("超市", "菜场", "药店", "医院", "学校", "地铁", "公交", "银行", "小区", "公园")
EVENTS = ("明天关门", "要停业", "有人感染", "排长队", "暂停营业", "要涨价", "全部封闭")


def base(n: int, rng: random.Random) -> list[tuple[str, tuple[str, ...]]]:
    """The seed facts and generated claims, ``n`` in all."""
    facts: list[tuple[str, tuple[str, ...]]] = [(f.key, (f.claim, *f.wordings)) for f in FACTS]
    while len(facts) < n:
        claim = (f"{rng.choice(SUBJECTS)}{rng.choice(VERBS)}{rng.choice(OBJECTS)}，"
                 f"{rng.choice(PLACES)}{rng.choice(EVENTS)}")
        facts.append((f"generated-{len(facts)}", (claim,)))
    return facts


def throughput(facts: list[tuple[str, tuple[str, ...]]], messages: list[str]) -> dict[str, float]:
    started = time.perf_counter()
    index = matching.Index(facts)
    built = time.perf_counter() - started
    started = time.perf_counter()
    for text in messages:
        matching.tokens(text)
    cutting = time.perf_counter() - started
    started = time.perf_counter()
    found = index.match(messages)
    seconds = time.perf_counter() - started
    return {"facts": len(index), "messages": len(messages), "seconds": round(seconds, 3),
            "messages_per_second": round(len(messages) / seconds), "index_seconds": round(built, 3),
            "tokenising_seconds": round(cutting, 3), "matched": sum(1 for f in found if f is not None)}


def with_rank_bm25(facts: list[tuple[str, tuple[str, ...]]], messages: list[str]) -> dict[str, float] | None:
    try:
        from rank_bm25 import BM25Okapi
    except ImportError:
        return None
    bm25 = BM25Okapi([matching.tokens(w) for _, wordings in facts for w in wordings], k1=matching.K1, b=matching.B)
    started = time.perf_counter()
    for text in messages:
        bm25.get_scores(matching.tokens(text))
    seconds = time.perf_counter() - started
    return {"messages": len(messages), "seconds": round(seconds, 3),
            "messages_per_second": round(len(messages) / seconds)}


def figures(rows: list[evaluation.Labelled]) -> dict[str, float]:
    result = evaluation.evaluate(rows)
    return {"messages": result.messages, "rumours": result.rumours, "suspects": result.suspects,
            "right": result.right, "precision": round(result.precision, 3), "recall": round(result.recall, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 - benchmark data
    rows = evaluation.load()
    training, held_out = evaluation.split(rows)
    texts = [r.text for r in rows]
    messages = [rng.choice(texts) for _ in range(args.messages)]
    facts = base(args.facts, rng)
    matching.tokens("预热")  # jieba loads its dictionary once, before any clock runs
    out = {
        "benchmark": "rumours",
        "throughput": throughput(facts, messages),
        "rank_bm25": with_rank_bm25(facts, messages[: min(2000, len(messages))]),
        "threshold": matching.THRESHOLD,
        "calibrated_on_training": evaluation.calibrate(training),
        "held_out": figures(held_out),
        "training": figures(training),
        "load": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
