"""Multiple-comparison control: Holm inside a rule, Benjamini–Hochberg false discovery rate across rules.

A report that tests dozens of claims at 5% each will "find" some by chance; verdicts that rest on a
significance test use the BH-adjusted q-value instead of the raw p-value.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from statsmodels.stats.multitest import multipletests


def benjamini_hochberg(p_values: Sequence[float | None], alpha: float = 0.05) -> tuple[list[bool | None], list[float | None]]:
    """(reject, q) per input; None entries (no test) stay None and do not count toward m."""
    idx = [i for i, p in enumerate(p_values) if p is not None and not np.isnan(p)]
    reject: list[bool | None] = [None] * len(p_values)
    q: list[float | None] = [None] * len(p_values)
    if not idx:
        return reject, q
    rej, qv, _, _ = multipletests([float(p_values[i]) for i in idx], alpha=alpha, method="fdr_bh")  # type: ignore[arg-type]
    for j, i in enumerate(idx):
        reject[i], q[i] = bool(rej[j]), float(qv[j])
    return reject, q


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values (family-wise error control, valid under any dependence between the
    tests, e.g. cells of one rule that share items)."""
    if not p_values:
        return []
    return [float(x) for x in multipletests([float(p) for p in p_values], method="holm")[1]]
