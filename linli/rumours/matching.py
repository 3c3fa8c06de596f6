"""Matching chat messages against the verified-facts base (no Django here: tested alone).

Every fact is indexed by its claim and the other wordings seen of it; a message is cut into
jieba tokens and scored against each wording with BM25 (Okapi, k1 = 1.5, b = 0.75). The score is
divided by the wording's score against itself, so the similarity says how much of the claim's
BM25 weight the message carries (0 … 1) and one threshold serves short and long claims alike. A
fact's similarity is that of its best wording. The threshold was calibrated on the training part
of the labelled set (``linli.rumours.evaluation``, decision 0032).

Scoring is a sparse matrix product: a batch of messages as a (messages × terms) 0/1 matrix times
the (terms × wordings) BM25 weights, so a thousand facts cost one product per batch.

A message that itself calls the claim a rumour (辟谣, 谣言, 别信 …) is a debunk, not a suspect.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
from scipy import sparse

from linli.core import words

K = TypeVar("K", bound=Hashable)

K1, B = 1.5, 0.75
# Calibrated on the training part of the labelled set (decision 0032; ``evaluation.calibrate``).
THRESHOLD = 0.45

# Words of the domain jieba's dictionary lacks, so that it cuts "防新冠" or "奥司他韦" the same way
# in a claim and in a chat message (added to a tokenizer of this module's own, linli.core.words).
DOMAIN_WORDS = ("新冠", "奥司他韦", "熏醋", "抗流感", "囤货", "停水", "核酸")

# Function words that carry no claim. Words such as 能, 会, 不 stay: "能预防" is the claim.
STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 也 都 就 还 又 吗 呢 啊 吧 呀 哦 嗯 哈 嘛 啦 喔 哎 诶 么 着 过 把 被 让 给 对 从 到 向 "
    "我 你 他 她 它 我们 你们 他们 她们 大家 咱们 这 那 这个 那个 这些 那些 一个 有 个 说 听说 据说 "
    "真的 真是 今天 现在 已经 一下 一些 什么 怎么 为什么 哪里 如果 因为 所以 但是 而且 然后 或者 还是 "
    "请 各位 朋友 家人 邻居 群里 转发 扩散 消息".split())
_WORDLIKE = re.compile(r"[\w一-鿿]", re.UNICODE)
_DEBUNK = ("辟谣", "谣言", "不实", "假消息", "假新闻", "别信", "不要信", "不可信", "没有科学依据", "是假的")
_NOT_DEBUNK = ("不是谣言", "不是假的", "不是假消息")


def normalise(text: str) -> str:
    """Full-width letters and digits to half-width, lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def tokens(text: str) -> list[str]:
    """The jieba tokens of a text that may carry a claim (no punctuation, no function words)."""
    cut = words.shared("rumours", lambda: words.tokenizer(DOMAIN_WORDS)).lcut(normalise(text))
    return [t for t in cut if t.strip() and t not in STOPWORDS and _WORDLIKE.search(t)]


_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")


def scrub(text: str) -> str:
    """Mask mainland mobile and ID numbers in a message typed or pasted by hand."""
    return _MOBILE.sub(r"\1****\2", _ID_NUMBER.sub(r"\1********\2", text))


def is_debunk(text: str) -> bool:
    """The message calls something a rumour or false (it passes a clarification on)."""
    text = normalise(text)
    for phrase in _NOT_DEBUNK:
        text = text.replace(phrase, "")
    return any(cue in text for cue in _DEBUNK)


@dataclass(frozen=True)
class Match(Generic[K]):
    key: K
    similarity: float


class Index(Generic[K]):
    """The BM25 weights of every wording of every fact; ``keys`` name the facts."""

    def __init__(self, facts: Iterable[tuple[K, Sequence[str]]]) -> None:
        docs: list[list[str]] = []
        owners: list[int] = []
        self.keys: list[K] = []
        for key, wordings in facts:
            kept = [t for t in (tokens(w) for w in wordings) if t]
            if not kept:
                continue
            self.keys.append(key)
            docs.extend(kept)
            owners.extend([len(self.keys) - 1] * len(kept))
        self.vocabulary: dict[str, int] = {}
        for doc in docs:
            for token in doc:
                self.vocabulary.setdefault(token, len(self.vocabulary))
        self._owners = np.asarray(owners, dtype=np.int64)
        self._weights = self._bm25(docs)  # terms × wordings
        self_scores = np.asarray((self._weights != 0).multiply(self._weights).sum(axis=0)).ravel()
        self._inverse_self = 1.0 / np.maximum(self_scores, 1e-12)
        # the wordings of each fact are contiguous: a fact's best wording by reduceat
        self._starts = np.flatnonzero(np.r_[True, self._owners[1:] != self._owners[:-1]]) if owners else \
            np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.keys)

    def _bm25(self, docs: list[list[str]]) -> sparse.csc_matrix:
        n = len(docs)
        if n == 0:
            return sparse.csc_matrix((len(self.vocabulary), 0))
        avgdl = sum(len(d) for d in docs) / n
        df = np.zeros(len(self.vocabulary))
        rows, cols, tfs, lengths = [], [], [], []
        for j, doc in enumerate(docs):
            counts: dict[int, int] = {}
            for token in doc:
                counts[self.vocabulary[token]] = counts.get(self.vocabulary[token], 0) + 1
            for term, tf in counts.items():
                rows.append(term)
                cols.append(j)
                tfs.append(tf)
                lengths.append(len(doc))
                df[term] += 1
        tf_arr, len_arr = np.asarray(tfs, dtype=float), np.asarray(lengths, dtype=float)
        # the idf of Lucene's BM25: never negative, so a very common term weighs little, not less than nothing
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        values = idf[rows] * tf_arr * (K1 + 1) / (tf_arr + K1 * (1 - B + B * len_arr / avgdl))
        return sparse.csc_matrix((values, (rows, cols)), shape=(len(self.vocabulary), n))

    def similarities(self, texts: Sequence[str]) -> np.ndarray:
        """(messages × facts): the best wording's BM25 score over its score against itself."""
        rows: list[int] = []
        cols: list[int] = []
        for i, text in enumerate(texts):
            seen = {self.vocabulary[t] for t in tokens(text) if t in self.vocabulary}
            rows.extend([i] * len(seen))
            cols.extend(seen)
        query = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(self.vocabulary)))
        scores = (query @ self._weights).toarray() * self._inverse_self
        if not len(self.keys):
            return np.zeros((len(texts), 0))
        return np.maximum.reduceat(scores, self._starts, axis=1)

    def match(self, texts: Sequence[str], threshold: float = THRESHOLD, *, batch: int = 512
              ) -> list[Match[K] | None]:
        """The fact each message repeats (its best one at or above ``threshold``), or None; a
        debunking message matches nothing."""
        found: list[Match[K] | None] = []
        for start in range(0, len(texts), batch):
            chunk = texts[start:start + batch]
            sims = self.similarities(chunk)
            for text, row in zip(chunk, sims, strict=True):
                if not len(row):
                    found.append(None)
                    continue
                best = int(row.argmax())
                similarity = float(row[best])
                if similarity >= threshold and not is_debunk(text):
                    found.append(Match(self.keys[best], round(similarity, 4)))
                else:
                    found.append(None)
        return found


def best_threshold(scored: Sequence[tuple[float, bool]], positives: int) -> float:
    """The threshold with the best F1 over the suspects' (similarity, is the right fact) pairs,
    out of ``positives`` messages that do repeat a rumour; rounded down to 0.05 so that it does
    not sit on one example, and the higher one of equals (fewer false alarms)."""
    candidates = sorted({math.floor(s * 20) / 20 for s, _ in scored if s > 0} | {THRESHOLD})
    best, best_f1 = THRESHOLD, -1.0
    for threshold in candidates:
        tp = sum(1 for s, ok in scored if ok and s >= threshold)
        fp = sum(1 for s, ok in scored if not ok and s >= threshold)
        f1 = 2 * tp / (2 * tp + fp + (positives - tp)) if tp else 0.0
        if f1 >= best_f1:
            best, best_f1 = threshold, f1
    return best
