"""Chance and majority-class baselines for classification-like tasks (issue 15).

A 50% score on `foo`/`bar` labels or yes/no coin flips is no skill. For a task whose answers come
from a small label set, three reference rates are computed from the items themselves:

- `chance`: a uniform random guess over the label set, 1 / |labels|;
- `majority`: always answering the most frequent gold label (its share, with a Wilson CI, since
  the items are a sample of the generator's distribution);
- `matched`: guessing at random with the gold label frequencies, Σ_c p_c².

`beats_baseline` tests a cell's accuracy against a baseline rate with an exact one-sided binomial
test (scipy). Tasks with many distinct answers (arithmetic) are not classification-like:
`baselines_from_records` returns None for them (their chance rate is ~0, as the rules assume).

    from harness.stats.baselines import baselines_from_records, beats_baseline
    b = baselines_from_records(records)          # None if not classification-like
    b.chance, b.majority.mean, b.majority_label, b.matched
    beats_baseline(successes, n, b.best)         # one-sided exact binomial p-value
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from scipy.stats import binomtest

from harness.records import ItemRecord
from harness.stats.intervals import Estimate, estimate

MAX_LABELS = 26  # more distinct gold answers than this: not classification-like


@dataclass(frozen=True)
class Baselines:
    labels: tuple[str, ...]
    n: int
    chance: float
    majority_label: str
    majority: Estimate
    matched: float

    @property
    def best(self) -> float:
        """The strongest trivial baseline: max(chance, majority share)."""
        return max(self.chance, self.majority.mean)

    def as_dict(self) -> dict[str, object]:
        return {
            "labels": list(self.labels), "n": self.n, "chance": self.chance, "majority_label": self.majority_label,
            "majority": self.majority.mean, "majority_low": self.majority.low, "majority_high": self.majority.high,
            "matched": self.matched, "best": self.best,
        }


def _norm(label: object) -> str:
    return str(label).strip().lower()


def classification_baselines(targets: Sequence[object], labels: Iterable[object] | None = None) -> Baselines:
    """Baselines from the items' gold labels. `labels` is the output space when it is wider than the
    labels seen (e.g. 26 letters); by default it is the set of distinct targets."""
    gold = [_norm(t) for t in targets]
    if not gold:
        raise ValueError("no targets: baselines need at least one item")
    space = sorted({_norm(x) for x in labels} if labels is not None else set(gold))
    missing = set(gold) - set(space)
    if missing:
        raise ValueError(f"targets outside the label set: {sorted(missing)[:5]}")
    counts = Counter(gold)
    top = max(sorted(counts), key=lambda c: counts[c])  # ties: alphabetical first
    n = len(gold)
    return Baselines(
        labels=tuple(space), n=n, chance=1.0 / len(space), majority_label=top,
        majority=estimate([float(g == top) for g in gold], "binary"), matched=sum((c / n) ** 2 for c in counts.values()),
    )


def baselines_from_records(records: Iterable[ItemRecord], labels: Iterable[object] | None = None, max_labels: int = MAX_LABELS) -> Baselines | None:
    """Baselines of one (model, task) cell from its records' targets; None when the task has more than
    `max_labels` distinct answers (not classification-like). One record per item id is used."""
    seen: dict[str, object] = {}
    for r in records:
        seen.setdefault(r.item_id, r.target)
    if not seen:
        return None
    if labels is None and len({_norm(t) for t in seen.values()}) > max_labels:
        return None
    return classification_baselines(list(seen.values()), labels)


def beats_baseline(successes: int, n: int, rate: float) -> float:
    """One-sided exact binomial p-value of accuracy > `rate` (1.0 when n = 0)."""
    if n == 0:
        return 1.0
    return float(binomtest(int(successes), int(n), float(rate), alternative="greater").pvalue)
