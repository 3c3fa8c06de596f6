"""The main themes of a consultation's comments, with their keywords and representative
comments (no Django here: tested alone).

Chinese has no spaces between words: jieba cuts the text and ranks its words by TF-IDF
(``jieba.analyse``; its dictionary and IDF table ship inside the package, decision 0038), with
a few words of community life added (``data/words_zh.txt``) to a tokenizer of this module's own
(``linli.core.words``: the dictionary itself is loaded once per process, for every app).
Stop words (``data/stopwords_zh.txt``: function words, and the words every comment of a
consultation uses, 小区, 居民, 建议 …) never count as keywords.

Grouping is plain and explainable, so an office can say why a comment sits under a theme:

1. each comment's keywords are its top few TF-IDF words, less the words found in more than
   half of ten or more comments (the subject of the whole consultation, not a theme);
2. the keyword found in the most comments not yet grouped (ties: the one ranked higher in
   them) opens a theme holding those comments (at least ``min_size``); repeat until no
   keyword gathers enough;
3. a theme is named by its most frequent keywords; the rest go to "other";
4. a theme's representative comments are those sharing the most of its keywords (ties: the
   longer, then the earlier one), each text once.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import jieba.analyse

from linli.core import words as dictionary

STOP_WORDS_FILE = Path(__file__).parent / "data" / "stopwords_zh.txt"
# Words of community life jieba's own dictionary cuts in two (充电 + 桩), in jieba's format.
WORDS_FILE = Path(__file__).parent / "data" / "words_zh.txt"
KEYWORDS_PER_COMMENT = 5
THEME_KEYWORDS = 5
REPRESENTATIVES = 3
SUBJECT_MIN_COMMENTS = 10


@cache
def stop_words() -> frozenset[str]:
    lines = STOP_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


@cache
def _extractor() -> jieba.analyse.TFIDF:
    # jieba.analyse read its IDF table (tens of MB) when it was imported: share it rather than
    # read it again, with a tokenizer and stop words of our own, so that the words added here
    # do not change how other parts cut text.
    extractor = copy.copy(jieba.analyse.default_tfidf)
    extractor.tokenizer = dictionary.shared("consult", lambda: dictionary.tokenizer(userdict=WORDS_FILE))
    extractor.stop_words = set(jieba.analyse.TFIDF.STOP_WORDS) | stop_words()
    return extractor


def keywords(text: str, top: int = KEYWORDS_PER_COMMENT) -> list[str]:
    """The text's ``top`` words by TF-IDF, stop words, digits and single characters left out."""
    words = _extractor().extract_tags(text or "", topK=top * 2)
    return [w for w in words if _meaningful(w)][:top]


def _meaningful(word: str) -> bool:
    """Not a number (6:30 gives 30) nor a stray Latin fragment."""
    return not word.isdigit() and not (word.isascii() and len(word) < 3)


def overall(texts: Iterable[str], top: int = 20) -> list[tuple[str, float]]:
    """The keywords of all the texts together, with their weights (for the report's list)."""
    joined = "\n".join(t for t in texts if t)
    found = _extractor().extract_tags(joined, topK=top * 2, withWeight=True)
    return [(w, round(float(weight), 4)) for w, weight in found if _meaningful(w)][:top]


@dataclass
class Theme:
    label: str  # its keywords joined: "停车位、充电桩、收费"
    keywords: list[str]
    members: list[int] = field(default_factory=list)  # the comments' ids, in their order
    representatives: list[int] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.members)


OTHER = "其他"


def _representatives(members: list[int], words: dict[int, list[str]], theme_words: list[str],
                     texts: dict[int, str], order: dict[int, int], n: int) -> list[int]:
    weight = {w: len(theme_words) - i for i, w in enumerate(theme_words)}
    ranked = sorted(members, key=lambda c: (-sum(weight.get(w, 0) for w in words[c]), -len(texts[c]), order[c]))
    chosen: list[int] = []
    for cid in ranked:  # the same words twice say nothing more
        if texts[cid] not in {texts[c] for c in chosen}:
            chosen.append(cid)
        if len(chosen) == n:
            break
    return chosen


def group(comments: Sequence[tuple[int, str]], *, min_size: int = 2, max_themes: int = 8,
          representatives: int = REPRESENTATIVES) -> list[Theme]:
    """Themes of ``comments`` ((id, text) pairs), largest first, then "other" if anything is left."""
    words = {cid: keywords(text) for cid, text in comments}
    texts = dict(comments)
    order = {cid: i for i, (cid, _) in enumerate(comments)}
    # A word in more than half of many comments is the subject itself (投放 in a consultation on
    # where to put the bins), not one theme among others: it opens no theme.
    spread = Counter(w for cid in words for w in set(words[cid]))
    subject = {w for w, n in spread.items() if len(comments) >= SUBJECT_MIN_COMMENTS and n > len(comments) / 2}
    words = {cid: [w for w in found if w not in subject] for cid, found in words.items()}
    left = [cid for cid, _ in comments]
    themes: list[Theme] = []
    while left and len(themes) < max_themes:
        counts = Counter(w for cid in left for w in set(words[cid]))
        if not counts:
            break
        # the most shared keyword; ties go to the one ranked higher in its comments, then to
        # the one met first (stable)
        rank: Counter[str] = Counter()
        for cid in left:
            for position, w in enumerate(words[cid]):
                rank[w] += position
        first_seen = {w: order[cid] for cid in reversed(left) for w in words[cid]}
        seed, n = min(counts.items(), key=lambda item: (-item[1], rank[item[0]], first_seen[item[0]], item[0]))
        if n < min_size:
            break
        members = [cid for cid in left if seed in words[cid]]
        shared = Counter(w for cid in members for w in set(words[cid]))
        top = [seed] + [w for w, _ in sorted(shared.items(), key=lambda item: (-item[1], rank[item[0]], item[0]))
                        if w != seed and shared[w] >= 2][:THEME_KEYWORDS - 1]
        themes.append(Theme("、".join(top), top, members,
                            _representatives(members, words, top, texts, order, representatives)))
        taken = set(members)
        left = [cid for cid in left if cid not in taken]
    if left:
        shared = Counter(w for cid in left for w in set(words[cid]))
        top = [w for w, _ in shared.most_common(THEME_KEYWORDS)]
        themes.append(Theme(OTHER, top, left, _representatives(left, words, top, texts, order, representatives)))
    return themes
