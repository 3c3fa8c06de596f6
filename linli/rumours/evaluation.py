"""The labelled set, its split, the threshold's calibration and the held-out figures (no Django).

``data/labelled.tsv`` holds some three hundred chat messages, each labelled with the key of the
seed fact whose rumour it repeats, or "-". About 40 % of them (chosen by a hash of the text, so
the split never moves) are held out: the threshold is calibrated on the rest only, and the
precision and recall reported are the held-out ones. A suspect counts as right only when it
names the labelled fact.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from linli.rumours import matching
from linli.rumours.facts_seed import FACTS, RUMOUR_VERDICTS, SeedFact

DATA = Path(__file__).with_name("data") / "labelled.tsv"
HELD_OUT_PERCENT = 40


@dataclass(frozen=True)
class Labelled:
    text: str
    fact: str  # the key of the rumour it repeats, or ""

    @property
    def held_out(self) -> bool:
        return zlib.crc32(self.text.encode("utf-8")) % 100 < HELD_OUT_PERCENT


@dataclass(frozen=True)
class Figures:
    messages: int
    rumours: int
    suspects: int
    right: int

    @property
    def precision(self) -> float:
        return self.right / self.suspects if self.suspects else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.rumours if self.rumours else 1.0


def load(path: Path = DATA) -> list[Labelled]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, text = line.split("\t", 1)
        rows.append(Labelled(text.strip(), "" if key == "-" else key))
    return rows


def split(rows: Sequence[Labelled]) -> tuple[list[Labelled], list[Labelled]]:
    """(training, held out)."""
    return [r for r in rows if not r.held_out], [r for r in rows if r.held_out]


def seed_index(facts: Sequence[SeedFact] = FACTS) -> matching.Index[str]:
    return matching.Index((f.key, (f.claim, *f.wordings)) for f in facts)


def _suspects(index: matching.Index[str], rows: Sequence[Labelled]) -> list[tuple[float, bool]]:
    """(similarity, names the labelled fact) of every message whose best fact is a rumour."""
    rumours = {f.key for f in FACTS if f.verdict in RUMOUR_VERDICTS}
    sims = index.similarities([r.text for r in rows])
    scored = []
    for row, sims_row in zip(rows, sims, strict=True):
        best = int(sims_row.argmax())
        key = index.keys[best]
        if key in rumours and not matching.is_debunk(row.text):
            scored.append((float(sims_row[best]), key == row.fact))
    return scored


def calibrate(rows: Sequence[Labelled], index: matching.Index[str] | None = None) -> float:
    """The threshold with the best F1 on ``rows`` (the training part)."""
    index = index or seed_index()
    return matching.best_threshold(_suspects(index, rows), sum(1 for r in rows if r.fact))


def evaluate(rows: Sequence[Labelled], threshold: float = matching.THRESHOLD,
             index: matching.Index[str] | None = None) -> Figures:
    index = index or seed_index()
    scored = _suspects(index, rows)
    kept = [ok for s, ok in scored if s >= threshold]
    return Figures(messages=len(rows), rumours=sum(1 for r in rows if r.fact), suspects=len(kept),
                   right=sum(kept))
