"""From cleaned, masked messages to the figures of a month (no Django here: tested alone).

:func:`annotate` runs the per-message pipeline (words, sentiment, demands, places, rumour
cues) once per distinct text, over several processes when there are many; :func:`summarise`
turns one community's month of annotated messages into what the pages and the report show:
volume per group and day, keywords per group (TF-IDF over the community's groups), topics
(TF-IDF vectors clustered with k-means, each with its representative messages), the
compounds mentioned, the demands and the messages with rumour cues.
"""

from __future__ import annotations

import datetime
import math
import multiprocessing
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from linli.opinion import nlp

ProgressFn = Callable[[int, int], None]
# A message this far from every topic's centre (cosine similarity) belongs to none: chatter
# that shares a word or two with a topic is not counted in it.
MIN_SIMILARITY = 0.1
CHUNK = 4000


@dataclass(frozen=True)
class Annotation:
    score: float
    label: str
    reasons: str
    terms: tuple[str, ...]
    places: tuple[str, ...]
    demands: tuple[str, ...]
    rumour: bool


@dataclass(frozen=True)
class Message:
    group: str
    day: datetime.date
    text: str  # masked


_SEGMENTER: nlp.Segmenter | None = None


def _annotate_text(text: str) -> Annotation:
    assert _SEGMENTER is not None  # noqa: S101 - set before any call
    words = _SEGMENTER.words(text)
    feeling = nlp.sentiment(words)
    return Annotation(feeling.score, feeling.label, feeling.explain(), tuple(_SEGMENTER.terms(words)),
                      tuple(nlp.places_in(words, _SEGMENTER.places)), tuple(d.code for d in nlp.demands(text)),
                      nlp.rumour_cues(text))


def _annotate_chunk(texts: list[str]) -> list[Annotation]:
    return [_annotate_text(text) for text in texts]


def annotate(texts: Sequence[str], segmenter: nlp.Segmenter, *, workers: int = 1,
             progress: ProgressFn | None = None) -> list[Annotation]:
    """One annotation per text, in order. Each distinct text is analysed once (chat repeats
    itself: 收到, 好的, 谢谢); with ``workers`` > 1 the distinct texts are shared out among
    forked processes that inherit the segmenter already loaded."""
    global _SEGMENTER
    _SEGMENTER = segmenter
    unique = list(dict.fromkeys(texts))
    chunks = [unique[i:i + CHUNK] for i in range(0, len(unique), CHUNK)]
    done: list[Annotation] = []
    if workers > 1 and len(chunks) > 1 and "fork" in multiprocessing.get_all_start_methods():
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for part in pool.imap(_annotate_chunk, chunks):
                done.extend(part)
                if progress:
                    progress(len(done), len(unique))
    else:
        for chunk in chunks:
            done.extend(_annotate_chunk(chunk))
            if progress:
                progress(len(done), len(unique))
    by_text = dict(zip(unique, done, strict=True))
    return [by_text[text] for text in texts]


@dataclass
class Topic:
    label: str
    terms: list[str]
    size: int = 0
    negative: int = 0
    positive: int = 0
    days: Counter[str] = field(default_factory=Counter)
    places: Counter[str] = field(default_factory=Counter)
    groups: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)


@dataclass
class DemandSeen:
    code: str
    place: str
    day: datetime.date
    count: int = 0
    sample: str = ""
    groups: Counter[str] = field(default_factory=Counter)


@dataclass
class Summary:
    daily: dict[tuple[str, datetime.date], list[int]] = field(default_factory=dict)  # [messages, pos, neg]
    keywords: dict[str, list[tuple[str, float]]] = field(default_factory=dict)  # group → terms
    topics: list[Topic] = field(default_factory=list)
    places: dict[str, list[int]] = field(default_factory=dict)  # place → [mentions, negative]
    demands: list[DemandSeen] = field(default_factory=list)
    rumours: list[int] = field(default_factory=list)  # indexes of messages with rumour cues
    assignment: list[int] = field(default_factory=list)  # topic index per message, -1: none


def keywords(terms_by_doc: dict[str, Counter[str]], top: int = 15) -> dict[str, list[tuple[str, float]]]:
    """TF-IDF keywords of each document (here: a group's month), against the others."""
    docs = len(terms_by_doc)
    df: Counter[str] = Counter()
    for counts in terms_by_doc.values():
        df.update(counts.keys())
    result = {}
    for doc, counts in terms_by_doc.items():
        total = sum(counts.values()) or 1
        scored = [(term, n / total * math.log((1 + docs) / (1 + df[term]) + 1)) for term, n in counts.items() if n >= 2]
        scored.sort(key=lambda item: (-item[1], item[0]))
        result[doc] = [(term, round(score, 4)) for term, score in scored[:top]]
    return result


@dataclass
class TopicModel:
    """TF-IDF vectors clustered with mini-batch k-means: ``terms`` are each topic's top terms."""

    vectorizer: Any
    kmeans: Any
    terms: list[list[str]]

    def assign(self, term_lists: Sequence[tuple[str, ...]]) -> list[int]:
        """The topic of each message (-1: none of its terms is in the vocabulary)."""
        import numpy as np

        if not term_lists:
            return []
        matrix = self.vectorizer.transform(term_lists)
        similarity = np.asarray(matrix @ self.kmeans.cluster_centers_.T)
        predicted = similarity.argmax(axis=1)
        close = similarity[np.arange(len(term_lists)), predicted] >= MIN_SIMILARITY
        return [int(predicted[i]) if close[i] else -1 for i in range(len(term_lists))]


def fit_topics(term_lists: Sequence[tuple[str, ...]], *, seed: int = 7, k: int | None = None) -> TopicModel | None:
    """Topics of these messages (each a tuple of terms), or None when there are too few."""
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(term_lists) < 30:
        return None
    vectorizer = TfidfVectorizer(analyzer=_identity, min_df=2 if len(term_lists) < 1000 else 3, max_df=0.5,
                                 sublinear_tf=True, max_features=3000)
    try:
        matrix = vectorizer.fit_transform(term_lists)
    except ValueError:  # no term left after min_df / max_df
        return None
    k = k or max(6, min(20, round(math.sqrt(len(term_lists) / 5))))
    seeds = _seed_terms(matrix, k)
    if len(seeds) < 2:
        return None
    start = np.zeros((len(seeds), matrix.shape[1]))
    start[np.arange(len(seeds)), seeds] = 1.0
    kmeans = KMeans(n_clusters=len(seeds), init=start, n_init=1, max_iter=100, random_state=seed).fit(matrix)
    vocabulary = vectorizer.get_feature_names_out()
    terms = [[str(vocabulary[j]) for j in np.argsort(-centre)[:4] if centre[j] > 0] for centre in kmeans.cluster_centers_]
    return TopicModel(vectorizer, kmeans, terms)


def _seed_terms(matrix: Any, k: int) -> list[int]:
    """Where the k-means starts: the most widespread terms, each one that mostly appears apart
    from the terms already chosen (快递 and 门卫 go together; one of them is enough). A small
    but distinct topic (a lift that broke in one compound) gets a start of its own instead of
    being swallowed by the chatter, and the result does not depend on a random draw."""
    import numpy as np

    columns = matrix.tocsc()
    df = np.diff(columns.indptr)
    chosen: list[int] = []
    covered: list[set[int]] = []
    for term in np.argsort(-df, kind="stable"):
        if df[term] < 2 or len(chosen) == k:
            break
        docs = set(columns.indices[columns.indptr[term]:columns.indptr[term + 1]].tolist())
        if any(len(docs & other) > 0.5 * len(docs) for other in covered):
            continue
        chosen.append(int(term))
        covered.append(docs)
    return chosen


def cluster(term_lists: Sequence[tuple[str, ...]], *, sample: int = 6000, seed: int = 7,
            k: int | None = None) -> tuple[list[int], list[list[str]], list[list[int]]]:
    """Topics of a community's month: the model is fitted on a sample of at most ``sample``
    messages with two terms or more, then every message is assigned. Returns the topic of
    each message (-1: none), the top terms of each topic, and per topic the messages nearest
    its centre (best first)."""
    import numpy as np

    usable = [i for i, terms in enumerate(term_lists) if len(terms) >= 2]
    assignment = [-1] * len(term_lists)
    rng = np.random.default_rng(seed)
    fit_on = sorted(rng.choice(usable, size=min(sample, len(usable)), replace=False).tolist()) if usable else []
    model = fit_topics([term_lists[i] for i in fit_on], seed=seed, k=k)
    if model is None:
        return assignment, [], []
    for index, topic in zip(usable, model.assign([term_lists[i] for i in usable]), strict=True):
        assignment[index] = topic
    matrix = model.vectorizer.transform([term_lists[i] for i in fit_on])
    similarity = np.asarray(matrix @ model.kmeans.cluster_centers_.T)
    own = np.array(model.assign([term_lists[i] for i in fit_on]))
    nearest: list[list[int]] = []
    for topic in range(len(model.terms)):
        rows = np.where(own == topic)[0]
        best = rows[np.argsort(-similarity[rows, topic])][:30]
        nearest.append([fit_on[r] for r in best])
    return assignment, model.terms, nearest


def _identity(terms: tuple[str, ...]) -> tuple[str, ...]:
    return terms


def summarise(messages: Sequence[Message], notes: Sequence[Annotation], *, sample: int = 6000) -> Summary:
    """The figures of one community's period (usually a month)."""
    summary = Summary()
    terms_by_group: dict[str, Counter[str]] = defaultdict(Counter)
    demands: dict[tuple[str, str, datetime.date], DemandSeen] = {}
    for index, (message, note) in enumerate(zip(messages, notes, strict=True)):
        row = summary.daily.setdefault((message.group, message.day), [0, 0, 0])
        row[0] += 1
        row[1] += note.label == nlp.POSITIVE
        row[2] += note.label == nlp.NEGATIVE
        terms_by_group[message.group].update(note.terms)
        for place in note.places:
            counts = summary.places.setdefault(place, [0, 0])
            counts[0] += 1
            counts[1] += note.label == nlp.NEGATIVE
        for code in note.demands:
            key = (code, note.places[0] if note.places else "", message.day)
            seen = demands.get(key) or demands.setdefault(key, DemandSeen(code, key[1], message.day, sample=message.text))
            seen.count += 1
            seen.groups[message.group] += 1
        if note.rumour:
            summary.rumours.append(index)
    summary.keywords = keywords(terms_by_group)
    summary.demands = sorted(demands.values(), key=lambda d: (d.day, d.code, d.place))
    assignment, labels, nearest = cluster([note.terms for note in notes], sample=sample)
    summary.assignment = assignment
    summary.topics = [Topic(" · ".join(terms[:3]), terms) for terms in labels]
    for index, topic_index in enumerate(assignment):
        if topic_index < 0:
            continue
        topic, message, note = summary.topics[topic_index], messages[index], notes[index]
        topic.size += 1
        topic.negative += note.label == nlp.NEGATIVE
        topic.positive += note.label == nlp.POSITIVE
        topic.days[message.day.isoformat()] += 1
        topic.groups[message.group] += 1
        topic.places.update(note.places)
    for topic, members in zip(summary.topics, nearest, strict=True):
        shown: set[frozenset[str]] = set()
        for index in members:
            terms = frozenset(notes[index].terms)  # three ways of saying the same are one example
            if terms not in shown:
                shown.add(terms)
                topic.samples.append(messages[index].text)
            if len(topic.samples) == 3:
                break
    order = sorted((i for i in range(len(summary.topics)) if summary.topics[i].size),
                   key=lambda i: -summary.topics[i].size)
    new_index = {old: new for new, old in enumerate(order)}
    summary.topics = [summary.topics[i] for i in order]
    summary.assignment = [new_index.get(i, -1) for i in assignment]
    return summary
