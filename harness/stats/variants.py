"""Prompt variance: spread of a cell across templates, and effects that flip with the template (issue 15).

Templates of one task share items (same generator, params and seed), so templates are compared on
the same item ids:

- `template_spread`: per template the accuracy with its Wilson CI; min, max, range, and the paired
  difference best − worst (McNemar on the shared items, Wald CI), i.e. how far wording alone moves
  the score.
- `sensitivity`: an effect measured once per template (a paired condition difference, or a level
  against a baseline) is *template-sensitive* when its sign or its significance differs between
  templates (each template's effect is coded +1 / −1 when significant in that direction, else 0;
  more than one code across templates = sensitive).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

from harness.stats.intervals import Estimate, estimate
from harness.stats.paired import PairedResult, paired_compare


@dataclass(frozen=True)
class Spread:
    per_template: dict[str, Estimate]
    low_template: str
    high_template: str
    range: float  # max − min of the template means
    best_vs_worst: PairedResult  # paired on shared items: high_template − low_template

    @property
    def n_templates(self) -> int:
        return len(self.per_template)


def template_spread(scores: Mapping[str, Mapping[str, float | None]]) -> Spread:
    """`scores[template][item_id]` = 0/1 score. Needs ≥ 2 templates with items."""
    per = {t: estimate([v for v in s.values() if v is not None], "binary") for t, s in scores.items() if any(v is not None for v in s.values())}
    if len(per) < 2:
        raise ValueError(f"template_spread needs at least 2 templates with scores, got {sorted(per)}")
    lo = min(per, key=lambda t: (per[t].mean, t))
    hi = max(per, key=lambda t: (per[t].mean, t))
    return Spread(per, lo, hi, per[hi].mean - per[lo].mean, paired_compare(scores[lo], scores[hi], binary=True))


def effect_code(diff: float, p_value: float, alpha: float = 0.05) -> int:
    """+1 / −1 for a significant effect in that direction, 0 for none (NaN counts as none)."""
    if not (math.isfinite(diff) and math.isfinite(p_value)) or p_value >= alpha or diff == 0:
        return 0
    return 1 if diff > 0 else -1


@dataclass(frozen=True)
class Sensitivity:
    codes: dict[str, int]  # template -> +1 / 0 / −1
    sensitive: bool

    @property
    def summary(self) -> str:
        if not self.codes:
            return "no templates"
        sym = {1: "+", 0: "0", -1: "−"}
        body = ", ".join(f"{t}:{sym[c]}" for t, c in sorted(self.codes.items()))
        return ("TEMPLATE-SENSITIVE (" if self.sensitive else "stable (") + body + ")"


def sensitivity(effects: Mapping[str, tuple[float, float]], alpha: float = 0.05) -> Sensitivity:
    """`effects[template]` = (difference, p-value). Sensitive if the effect's coded sign/significance differs."""
    codes = {t: effect_code(d, p, alpha) for t, (d, p) in effects.items()}
    return Sensitivity(codes, len(set(codes.values())) > 1)
