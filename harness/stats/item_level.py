"""Item-level analysis of arithmetic and compounding records (issue 15).

Per-cell exact match hides *which* items fail. This module turns records into one row per item
(and one row per answer unit) with the item's features, and asks three questions:

1. Difficulty: accuracy by number of carries, by digit position (aligned from the right: 0 = units)
   and where the first error falls in generation order (left to right), each with a Wilson CI.
2. A logistic model of correctness on item features (carries, answer length L) and model
   (`fit_item_logit`, statsmodels GLM Binomial), so that "longer answers fail more" can be told
   apart from "longer answers have more carries".
3. The compounding premise (`independence_check`): errors per answer unit are independent given
   the unit's own difficulty. A unit-level logit of the teacher-forced greedy flag on the unit's
   features (carry into its column, relative position, L) predicts each unit's success p̂_ij; if
   units fail independently, an item is all-correct with probability Π_j p̂_ij and its number of
   wrong units is Poisson-binomial with variance Σ_j p̂_ij(1 − p̂_ij). Observed all-correct items
   above the prediction (z > 0) and a dispersion ratio > 1 mean errors cluster in items
   (correlated, not compounding independently); both near their null values are what the
   independence premise predicts. Teacher forcing scores each unit given the gold prefix, so an
   early error cannot cause later ones mechanically; free-generation S is shown beside it.

Operands are read back from the prompt (the last two integers of the last question), so every
template, chat or completion, works as long as the question names a before b and nothing numeric
follows them. Pure functions over `ItemRecord`s; no I/O.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from harness.records import ItemRecord
from harness.stats.intervals import Estimate, estimate

_INT = re.compile(r"\d+")


# ------------------------------------------------------------------ item features
def carry_columns(a: int, b: int) -> list[int]:
    """Carry into each column of a + b, units column first (index 0), over the sum's digits.

    `carry_columns(58, 67)` = [0, 1, 1]: no carry into the units, 8 + 7 carries into the tens,
    5 + 6 + 1 carries into the hundreds.
    """
    if a < 0 or b < 0:
        raise ValueError("carry_columns needs non-negative operands")
    n = len(str(a + b))
    out, carry = [], 0
    for i in range(n):
        out.append(carry)
        da, db = (a // 10**i) % 10, (b // 10**i) % 10
        carry = int(da + db + carry >= 10)
    return out


def n_carries(a: int, b: int) -> int:
    """Number of columns of a + b that produce a carry."""
    return sum(carry_columns(a, b)[1:])  # a carry out of the top column always opens a new column


def _last_question(prompt: str | list[dict[str, Any]]) -> str:
    if isinstance(prompt, str):
        return prompt
    users = [m.get("content") or "" for m in prompt if m.get("role") == "user"]
    return users[-1] if users else ""


def operands_from_prompt(prompt: str | list[dict[str, Any]]) -> tuple[int, int] | None:
    """The two operands of the last question: the last two integers of the prompt (or last user turn)."""
    nums = _INT.findall(_last_question(prompt))
    return (int(nums[-2]), int(nums[-1])) if len(nums) >= 2 else None


def digit_hits(parsed: str | None, target: str) -> list[bool]:
    """Per-digit correctness aligned from the right (index 0 = units), over the target's digits.

    A missing digit is wrong; an invalid answer (None) is wrong everywhere; extra leading digits
    do not show here (exact match catches them).
    """
    gold = target.strip()
    pred = "" if parsed is None else re.sub(r"\s", "", parsed)
    return [i < len(pred) and pred[-1 - i] == gold[-1 - i] for i in range(len(gold))]


def first_error(parsed: str | None, target: str) -> int | None:
    """First wrong digit in generation order (0 = the leading digit), len(target) when only extra
    digits follow; None when the answer is exact. An invalid answer fails at 0."""
    gold = target.strip()
    pred = "" if parsed is None else re.sub(r"\s", "", parsed)
    for i, g in enumerate(gold):
        if i >= len(pred) or pred[i] != g:
            return i
    return len(gold) if len(pred) > len(gold) else None


def content_greedy(rec: ItemRecord) -> list[bool] | None:
    """Teacher-forced greedy flags of the gold answer's non-whitespace tokens (None if not scored)."""
    toks, greedy = rec.gold_tokens or [], rec.gold_greedy or []
    if not toks or len(toks) != len(greedy):
        return None
    return [bool(greedy[i]) for i, t in enumerate(toks) if t.strip()]


# ------------------------------------------------------------------ rows
@dataclass
class ItemRow:
    model: str
    task: str
    item_id: str
    correct: float  # exact match of the free-generated answer
    valid: bool
    L: int  # answer digits
    carries: int | None
    hits: list[bool]  # per digit, from the right
    first_error: int | None  # generation order
    tf_greedy: list[bool] | None  # per answer unit, generation order (None: tokens are not one per digit)
    carry_in: list[int] | None = field(default=None)  # per answer unit, generation order

    @property
    def tf_exact(self) -> float | None:
        return None if self.tf_greedy is None else float(all(self.tf_greedy))


def item_rows(records: Iterable[ItemRecord], score_key: str | None = None) -> list[ItemRow]:
    """One row per arithmetic/compounding record with its features.

    Exact match is read from `scores[score_key]` (default: `exact_match`, else `seq_exact`).
    Carries are computed when the prompt gives two operands whose sum is the target (addition);
    otherwise (copy, reversal) they are None.
    """
    rows = []
    for r in records:
        target = str(r.target).strip()
        key = score_key or ("exact_match" if "exact_match" in r.scores else "seq_exact")
        correct = r.scores.get(key)
        if correct is None:
            continue
        digits = re.sub(r"\s", "", target)
        ops = operands_from_prompt(r.prompt)
        carries = carry_in = None
        if ops is not None and str(ops[0] + ops[1]) == digits:
            carries = n_carries(*ops)
            carry_in = list(reversed(carry_columns(*ops)))
        parsed = r.parsed if r.valid else None
        greedy = content_greedy(r)
        if greedy is not None and len(greedy) != len(digits):
            greedy = None  # a tokenizer that merges digits: no per-unit analysis
        rows.append(
            ItemRow(
                model=r.model, task=r.task, item_id=r.item_id, correct=float(correct), valid=bool(r.valid), L=len(digits),
                carries=carries, hits=digit_hits(parsed, digits), first_error=first_error(parsed, digits),
                tf_greedy=greedy, carry_in=carry_in,
            )
        )
    return rows


# ------------------------------------------------------------------ aggregates
def accuracy_by(rows: Sequence[ItemRow], key: str) -> dict[Any, Estimate]:
    """Exact match with a Wilson CI per value of an item attribute (e.g. 'carries', 'L')."""
    groups: dict[Any, list[float]] = defaultdict(list)
    for row in rows:
        v = getattr(row, key)
        if v is not None:
            groups[v].append(row.correct)
    return {v: estimate(xs, "binary") for v, xs in sorted(groups.items())}


def accuracy_by_position(rows: Sequence[ItemRow]) -> dict[int, Estimate]:
    """Per-digit accuracy by position from the right (0 = units), Wilson CI over the items that have it."""
    groups: dict[int, list[float]] = defaultdict(list)
    for row in rows:
        for i, h in enumerate(row.hits):
            groups[i].append(float(h))
    return {i: estimate(xs, "binary") for i, xs in sorted(groups.items())}


def first_error_distribution(rows: Sequence[ItemRow]) -> dict[str, Estimate]:
    """Share of the wrong answers whose first error is at each generation position ('0' = leading digit,
    'extra' = right digits followed by extra ones), Wilson CI over the wrong answers."""
    wrong = [r for r in rows if r.first_error is not None]
    if not wrong:
        return {}
    L = max(r.L for r in wrong)
    labels = [str(i) for i in range(L)] + ["extra"]
    out = {}
    for lab in labels:
        xs = [float((str(r.first_error) if r.first_error < r.L else "extra") == lab) for r in wrong]
        if any(xs):
            out[lab] = estimate(xs, "binary")
    return out


# ------------------------------------------------------------------ logistic model of correctness
@dataclass(frozen=True)
class Coef:
    name: str
    estimate: float
    low: float
    high: float
    p: float

    @property
    def odds_ratio(self) -> float:
        return math.exp(self.estimate)


@dataclass(frozen=True)
class LogitFit:
    formula: str
    n: int
    coefs: list[Coef]
    converged: bool
    note: str = ""  # why the fit was not made or is unreliable (e.g. separation)


def _frame(rows: Sequence[ItemRow]):  # type: ignore[no-untyped-def]
    import pandas as pd

    return pd.DataFrame(
        {"correct": [r.correct for r in rows], "carries": [r.carries for r in rows], "L": [r.L for r in rows], "model": [r.model for r in rows], "task": [r.task for r in rows]}
    )


def _fit(df, formula: str) -> LogitFit:  # type: ignore[no-untyped-def]
    import statsmodels.api as sm
    import statsmodels.formula.api as smf
    from statsmodels.tools.sm_exceptions import PerfectSeparationError, PerfectSeparationWarning

    n = len(df)
    if n == 0 or df["correct"].nunique() < 2:
        return LogitFit(formula, n, [], False, "outcome constant: no fit (every item right or every item wrong)")
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        try:
            res = smf.glm(formula, data=df, family=sm.families.Binomial()).fit()
        except (PerfectSeparationError, PerfectSeparationWarning, np.linalg.LinAlgError, ValueError) as exc:
            return LogitFit(formula, n, [], False, f"not estimable ({type(exc).__name__}: perfect separation or a singular design)")
    ci = res.conf_int()
    coefs = [Coef(str(k), float(res.params[k]), float(ci.loc[k, 0]), float(ci.loc[k, 1]), float(res.pvalues[k])) for k in res.params.index]
    converged = bool(getattr(res, "converged", True))
    big = [c.name for c in coefs if abs(c.estimate) > 15]
    note = f"near-separation in {', '.join(big)} (|coef| > 15): read those as unbounded" if big else ""
    return LogitFit(formula, n, coefs, converged, note)


def fit_item_logit(rows: Sequence[ItemRow], formula: str | None = None) -> LogitFit:
    """Logit of exact match on item features and model: `correct ~ carries + L + C(model)` by default.

    Terms that do not vary in the rows (one model, one length) are left out of the default formula.
    Models at 0% or 100% would cause separation: they are left out of a pooled fit and named in `note`;
    a fit that still separates says so in `note` instead of reporting unbounded coefficients as findings.
    """
    rows = [r for r in rows if r.carries is not None] if formula is None or "carries" in formula else list(rows)
    df = _frame(rows)
    dropped: list[str] = []
    if len(df) and df["model"].nunique() > 1:
        rate = df.groupby("model")["correct"].mean()
        dropped = sorted(m for m, v in rate.items() if v in (0.0, 1.0))
        if dropped and len(dropped) < len(rate):
            df = df[~df["model"].isin(dropped)]
    if formula is None:
        terms = [t for t, col in (("carries", "carries"), ("L", "L"), ("C(model)", "model")) if len(df) and df[col].nunique() > 1]
        formula = "correct ~ " + (" + ".join(terms) if terms else "1")
    fit = _fit(df, formula)
    if dropped and len(dropped) < df["model"].nunique() + len(dropped):
        why = f"left out (every item right or every item wrong: separation): {', '.join(dropped)}"
        fit = LogitFit(fit.formula, fit.n, fit.coefs, fit.converged, "; ".join(x for x in (why, fit.note) if x))
    return fit


# ------------------------------------------------------------------ the independence premise
@dataclass(frozen=True)
class IndependenceCheck:
    n_items: int
    n_units: int
    observed_all_right: float  # share of items with every unit greedy under teacher forcing
    predicted_all_right: float  # mean over items of Π_j p̂_ij (unit logit on features)
    naive_pL: float  # mean over items of p^L_i with one pooled p (no features)
    z: float  # (Σ obs − Σ pred) / sqrt(Σ pred(1 − pred)) over items
    dispersion: float  # Σ_i (errors_i − μ_i)² / Σ_i σ²_i: 1 when units fail independently, > 1 when errors cluster
    p_z: float  # two-sided, from simulating independent units with the fitted p̂_ij
    p_dispersion: float  # upper tail, same simulation
    free_S: Estimate  # free-generation exact match on the same items
    formula: str
    note: str = ""
    alpha: float = 0.05

    @property
    def verdict(self) -> str:
        if self.note.startswith("every unit"):
            return "uninformative (no errors or no successes)"
        if self.p_dispersion < self.alpha or (self.z > 0 and self.p_z < self.alpha):
            return "clustered (errors not independent)"
        if self.z < 0 and self.p_z < self.alpha:
            return "fewer all-right items than independence predicts"
        return "consistent with independence"


def _unit_frame(rows: Sequence[ItemRow]):  # type: ignore[no-untyped-def]
    import pandas as pd

    data: dict[str, list[Any]] = {"hit": [], "item": [], "pos": [], "carry": [], "L": []}
    for k, r in enumerate(rows):
        assert r.tf_greedy is not None
        n = len(r.tf_greedy)
        carry = r.carry_in if r.carry_in is not None and len(r.carry_in) == n else [0] * n
        for j, h in enumerate(r.tf_greedy):
            data["hit"].append(float(h))
            data["item"].append(k)
            data["pos"].append(j / max(n - 1, 1))
            data["carry"].append(carry[j])
            data["L"].append(n)
    return pd.DataFrame(data)


def _stats(hits: np.ndarray, p: np.ndarray, item: np.ndarray, n_items: int) -> tuple[float, float]:
    """(z of the all-right count, dispersion of error counts) for unit outcomes `hits` (rows = draws)."""
    err = 1.0 - hits
    mu = np.bincount(item, weights=1.0 - p, minlength=n_items)
    var = np.bincount(item, weights=p * (1.0 - p), minlength=n_items)
    logp = np.bincount(item, weights=np.log(np.clip(p, 1e-300, 1.0)), minlength=n_items)
    pred_all = np.exp(logp)
    sd_all = math.sqrt(float(np.sum(pred_all * (1 - pred_all))))
    errs = np.stack([np.bincount(item, weights=e, minlength=n_items) for e in np.atleast_2d(err)])
    all_right = (errs == 0).sum(axis=1)
    z = (all_right - pred_all.sum()) / sd_all if sd_all > 0 else np.full(len(errs), np.nan)
    disp = ((errs - mu) ** 2).sum(axis=1) / var.sum() if var.sum() > 0 else np.full(len(errs), np.nan)
    return z, disp


def independence_check(rows: Sequence[ItemRow], n_sim: int = 2000, seed: int = 0, alpha: float = 0.05) -> IndependenceCheck | None:
    """Do answer units fail independently, given each unit's difficulty? (one model; teacher forcing)

    Unit logit `hit ~ carry + pos (+ L)` (carry: carry into the unit's column, additions only; pos: relative
    position 0..1; L when several lengths are pooled), then compare the items' all-right count (z) and the
    dispersion of their error counts with what independent units with the fitted p̂_ij give: p-values come
    from `n_sim` seeded simulations of that null (the fit's own uncertainty is not propagated).
    """
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    rows = [r for r in rows if r.tf_greedy]
    if not rows:
        return None
    df = _unit_frame(rows)
    terms = [t for t in ("carry", "pos", "L") if df[t].nunique() > 1]
    formula = "hit ~ " + (" + ".join(terms) if terms else "1")
    note = ""
    if df["hit"].nunique() < 2:
        p_hat = np.full(len(df), float(df["hit"].iloc[0]))
        note = "every unit right or every unit wrong: nothing to test"
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = smf.glm(formula, data=df, family=sm.families.Binomial()).fit()
            p_hat = np.clip(np.asarray(res.predict(df), dtype=float), 1e-9, 1 - 1e-9)
        except Exception as exc:  # noqa: BLE001 - separation/singular: fall back to the pooled rate
            p_hat = np.full(len(df), float(df["hit"].mean()))
            note = f"unit logit not estimable ({type(exc).__name__}); pooled rate used"
    item = df["item"].to_numpy()
    hits = df["hit"].to_numpy()
    n_items = len(rows)
    z_obs, d_obs = (float(x[0]) for x in _stats(hits, p_hat, item, n_items))
    p_z = p_d = float("nan")
    if not note.startswith("every unit") and n_sim > 0:
        rng = np.random.default_rng(seed)
        sims_z, sims_d = [], []
        for start in range(0, n_sim, 200):
            draws = (rng.random((min(200, n_sim - start), len(p_hat))) < p_hat).astype(float)
            z, d = _stats(draws, p_hat, item, n_items)
            sims_z.append(z)
            sims_d.append(d)
        sz, sd = np.concatenate(sims_z), np.concatenate(sims_d)
        if math.isfinite(z_obs):
            p_z = float(min(1.0, 2 * min(np.mean(sz >= z_obs - 1e-12), np.mean(sz <= z_obs + 1e-12))))
        if math.isfinite(d_obs):
            p_d = float(np.mean(sd >= d_obs - 1e-12))
    pred_all = float(np.mean([np.prod(p_hat[item == k]) for k in range(n_items)]))
    obs_all = float(np.mean([r.tf_exact for r in rows]))
    p_pool = float(df["hit"].mean())
    naive = float(np.mean([p_pool ** len(r.tf_greedy or []) for r in rows]))
    return IndependenceCheck(
        n_items=n_items, n_units=len(df), observed_all_right=obs_all, predicted_all_right=pred_all, naive_pL=naive,
        z=z_obs, dispersion=d_obs, p_z=p_z, p_dispersion=p_d, free_S=estimate([r.correct for r in rows], "binary"),
        formula=formula, note=note, alpha=alpha,
    )
