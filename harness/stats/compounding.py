"""Error compounding aggregates (001-14): S(L) against p^L, and the hazard of a first error.

- `sequence_vs_tokens`: free-running sequence accuracy S(L) (Wilson CI) beside the prediction
  p^L of independent per-token errors, p being the pooled teacher-forced per-token accuracy of the
  same items; the prediction's CI comes from a seeded bootstrap over items. Both are also given as
  log values, so log S ≈ L·log p can be read off directly.
- `hazard`: discrete hazard h = P(first error at position i | none before), pooled over positions
  in bins of relative position i/L, with a Wilson CI on events / positions at risk. A flat hazard is
  what independent errors predict; a falling one means errors concentrate early (hard positions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from harness.stats.intervals import Estimate, estimate, wilson_ci


@dataclass(frozen=True)
class CompoundingCell:
    n: int
    L: float  # mean number of answer tokens
    S: Estimate  # free-running sequence accuracy
    p: Estimate  # teacher-forced per-token accuracy (pooled over tokens; bootstrap CI over items)
    pL: Estimate  # predicted S under independence: mean over items of p^{L_i}
    tf_exact: Estimate  # all gold tokens greedy under teacher forcing


def _pooled(greedy: Sequence[Sequence[bool]]) -> float:
    tot = sum(len(g) for g in greedy)
    return sum(sum(g) for g in greedy) / tot if tot else float("nan")


def sequence_vs_tokens(seq_exact: Sequence[float], greedy: Sequence[Sequence[bool]], seed: int = 0, n_resamples: int = 2000) -> CompoundingCell:
    """S(L) and p^L on the same items. `greedy[i]` are item i's answer-token greedy flags (whitespace tokens dropped)."""
    if len(seq_exact) != len(greedy):
        raise ValueError("seq_exact and greedy must describe the same items")
    n = len(seq_exact)
    lengths = np.array([len(g) for g in greedy], dtype=float)
    p = _pooled(greedy)
    pl = float(np.mean(p**lengths)) if n else float("nan")
    rng = np.random.default_rng(seed)
    ps, pls = [], []
    if n > 1:
        for _ in range(n_resamples):
            idx = rng.integers(0, n, size=n)
            pb = _pooled([greedy[i] for i in idx])
            ps.append(pb)
            pls.append(float(np.mean(pb ** lengths[idx])))
    lo_p, hi_p = (float(np.quantile(ps, 0.025)), float(np.quantile(ps, 0.975))) if ps else (p, p)
    lo_pl, hi_pl = (float(np.quantile(pls, 0.025)), float(np.quantile(pls, 0.975))) if pls else (pl, pl)
    return CompoundingCell(
        n=n,
        L=float(lengths.mean()) if n else float("nan"),
        S=estimate(list(seq_exact), "binary"),
        p=Estimate(p, lo_p, hi_p, n, "continuous"),
        pL=Estimate(pl, lo_pl, hi_pl, n, "continuous"),
        tf_exact=estimate([float(all(g)) for g in greedy], "binary"),
    )


@dataclass(frozen=True)
class HazardBin:
    lo: float
    hi: float
    events: int
    at_risk: int  # positions at which an item was still error-free
    h: float
    low: float
    high: float


def hazard(first_errors: Sequence[int | None], lengths: Sequence[int], n_bins: int = 4) -> list[HazardBin]:
    """Per-position hazard of the first error, pooled within bins of relative position i/L.

    first_errors[i]: index of item i's first error (None: no error; an index >= L, e.g. an extra
    unit after a correct answer, is not counted as an error inside the answer).
    """
    events = np.zeros(n_bins, dtype=int)
    at_risk = np.zeros(n_bins, dtype=int)
    for fe, L in zip(first_errors, lengths):
        if L <= 0:
            continue
        last = L - 1 if fe is None or fe >= L else fe
        for pos in range(last + 1):
            b = min(n_bins - 1, int(n_bins * pos / L))
            at_risk[b] += 1
            if fe is not None and pos == fe:
                events[b] += 1
    out = []
    for b in range(n_bins):
        e, r = int(events[b]), int(at_risk[b])
        lo, hi = wilson_ci(e, r) if r else (float("nan"), float("nan"))
        out.append(HazardBin(b / n_bins, (b + 1) / n_bins, e, r, e / r if r else float("nan"), lo, hi))
    return out
