"""Precision and recall of the text pipeline on the labelled evaluation set (no Django here).

``eval/labelled.tsv`` holds a few hundred chat messages written for this purpose (not taken
from the made-up chat of the demo), each marked with a topic, a sentiment and whether it is a
rumour. Each message belongs to ``dev`` or ``test`` by a hash of its text, fixed in the file.
The lexicons, patterns and topic settings are adjusted by looking at ``dev`` only; ``test`` is
held out and is what the benchmark reports. Topics are unsupervised: the clusters are fitted
on ``dev``, each is named after the most common labelled topic of its ``dev`` members, and
the ``test`` messages are assigned to the fitted clusters.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linli.opinion import analysis, nlp, privacy

LABELLED = Path(__file__).with_name("eval") / "labelled.tsv"
SENTIMENT = {"pos": nlp.POSITIVE, "neu": nlp.NEUTRAL, "neg": nlp.NEGATIVE}


@dataclass(frozen=True)
class Example:
    split: str
    topic: str
    sentiment: str
    rumour: bool
    text: str


def examples(path: Path = LABELLED) -> list[Example]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        split, topic, sentiment, rumour, text = line.split("\t")
        rows.append(Example(split, topic, SENTIMENT[sentiment], rumour == "1", text))
    return rows


def precision_recall(gold: list[bool], predicted: list[bool]) -> dict[str, Any]:
    tp = sum(g and p for g, p in zip(gold, predicted, strict=True))
    fp = sum(p and not g for g, p in zip(gold, predicted, strict=True))
    fn = sum(g and not p for g, p in zip(gold, predicted, strict=True))
    return {"precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None, "support": tp + fn}


def evaluate(segmenter: nlp.Segmenter | None = None) -> dict[str, Any]:
    """Scores on ``dev`` and on the held-out ``test`` part."""
    segmenter = segmenter or nlp.Segmenter()
    rows = examples()
    words = {row.text: segmenter.words(privacy.mask(privacy.clean(row.text))) for row in rows}
    result: dict[str, Any] = {"messages": {s: sum(r.split == s for r in rows) for s in ("dev", "test")}}
    for split in ("dev", "test"):
        part = [r for r in rows if r.split == split]
        labels = [nlp.sentiment(words[r.text]).label for r in part]
        result[split] = {
            "sentiment_negative": precision_recall([r.sentiment == nlp.NEGATIVE for r in part],
                                                   [label == nlp.NEGATIVE for label in labels]),
            "sentiment_positive": precision_recall([r.sentiment == nlp.POSITIVE for r in part],
                                                   [label == nlp.POSITIVE for label in labels]),
            "sentiment_accuracy": round(sum(r.sentiment == label for r, label in zip(part, labels, strict=True))
                                        / len(part), 3),
            "rumour": precision_recall([r.rumour for r in part], [nlp.rumour_cues(r.text) for r in part]),
        }
    result["topics_test"] = _topics(rows, words, segmenter)
    return result


def _topics(rows: list[Example], words: dict[str, list[str]], segmenter: nlp.Segmenter) -> dict[str, Any]:
    dev = [r for r in rows if r.split == "dev"]
    test = [r for r in rows if r.split == "test"]
    terms = {r.text: tuple(segmenter.terms(words[r.text])) for r in rows}
    model = analysis.fit_topics([terms[r.text] for r in dev], k=8)
    if model is None:
        return {}
    names: dict[int, str] = {}
    for cluster in range(len(model.terms)):
        members = Counter(r.topic for r, c in zip(dev, model.assign([terms[r.text] for r in dev]), strict=True)
                          if c == cluster)
        names[cluster] = members.most_common(1)[0][0] if members else ""
    predicted = [names.get(c, "") for c in model.assign([terms[r.text] for r in test])]
    scores = {topic: precision_recall([r.topic == topic for r in test], [p == topic for p in predicted])
              for topic in sorted({r.topic for r in rows})}
    covered = [s for s in scores.values() if s["precision"] is not None]
    return {"per_topic": scores, "clusters": len(model.terms),
            "accuracy": round(sum(r.topic == p for r, p in zip(test, predicted, strict=True)) / len(test), 3),
            "macro_precision": round(sum(s["precision"] for s in covered) / len(covered), 3) if covered else None}
