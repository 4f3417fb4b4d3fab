"""Report plots (matplotlib, Agg backend, PNG bytes): scaling curves and conditions side by side.

- `scaling_plot`: metrics vs parameter count (log axis) with 95% CIs, in each metric's own units
  (binary in %), with optional prediction lines and published numbers beside ours (the arithmetic
  section draws exact match, per-digit accuracy and p^L on one axis this way).
- `conditions_plot`: one bar per condition (task variant) for each model, with 95% CIs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from harness.analysis.aggregate import Aggregate  # noqa: E402
from harness.analysis.presentation import is_percent  # noqa: E402
from harness.report.anchors import TaskAnchors  # noqa: E402
from harness.stats.intervals import Estimate  # noqa: E402

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"]


def _png(fig: plt.Figure) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()  # cheaper than bbox_inches="tight", which renders the figure twice
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def series(
    agg: Aggregate, task: str, metric: str, invert: bool = False, scale: float | None = None
) -> tuple[list[float], list[float], list[float], list[float], list[int]]:
    """(params, values, lower error, upper error, n) of one metric across models, in the metric's own
    units: binary outputs (and the inverted per-digit error, a rate) in %, continuous ones as they are."""
    if scale is None:
        scale = 100.0 if invert or is_percent(metric) else 1.0
    xs, ys, lo, hi, ns = [], [], [], [], []
    for m in agg.models:
        e: Estimate | None = agg.get(m.name, task, metric)
        if e is None or e.n == 0 or m.params <= 0:
            continue
        mean, low, high = (1 - e.mean, 1 - e.high, 1 - e.low) if invert else (e.mean, e.low, e.high)
        xs.append(float(m.params))
        ys.append(scale * mean)
        lo.append(max(0.0, scale * (mean - low)))  # an interval end can miss the mean by rounding (e.g. n/n)
        hi.append(max(0.0, scale * (high - mean)))
        ns.append(e.n)
    return xs, ys, lo, hi, ns


@dataclass(frozen=True)
class Curve:
    """One metric drawn across model sizes; `invert` draws 1 − value (an error rate as accuracy, in %)."""

    metric: str
    label: str = ""
    invert: bool = False

    @property
    def percent(self) -> bool:
        return self.invert or is_percent(self.metric)


@dataclass(frozen=True)
class Line:
    """A prediction drawn beside the measured curves (dashed), already in the curves' units."""

    label: str
    xs: list[float]
    ys: list[float]


def scaling_plot(
    agg: Aggregate,
    task: str,
    curves: list[str | Curve],
    anchors: TaskAnchors | None = None,
    lines: list[Line] | None = None,
) -> bytes | None:
    """Metric(s) vs parameters with 95% CIs, in each metric's own units; `lines` add predictions
    (e.g. p^L), `anchors` published numbers and an emergence threshold."""
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    drawn = 0
    cs = [c if isinstance(c, Curve) else Curve(c, c) for c in curves]
    for i, c in enumerate(cs):
        xs, ys, lo, hi, ns = series(agg, task, c.metric, c.invert)
        if not xs:
            continue
        label = c.label or c.metric
        ax.errorbar(
            xs,
            ys,
            yerr=[lo, hi],
            marker="o",
            capsize=3,
            color=COLORS[i % len(COLORS)],
            label=f"{label} (N={min(ns)}–{max(ns)})" if min(ns) != max(ns) else f"{label} (N={ns[0]})",
        )
        drawn += 1
    for j, line in enumerate(lines or []):
        if line.xs:
            ax.plot(line.xs, line.ys, ls="--", marker="x", color=COLORS[(len(cs) + j) % len(COLORS)], label=line.label)
    if anchors and anchors.points:
        ax.plot(
            [p.params for p in anchors.points],
            [p.value for p in anchors.points],
            ls=":",
            marker="s",
            color="#555555",
            alpha=0.8,
            label=f"{anchors.points[0].source.split(',')[0]} ({anchors.setting} {anchors.op})",
        )
    if not drawn:
        plt.close(fig)
        return None
    if anchors and anchors.threshold_params:
        ax.axvline(
            anchors.threshold_params,
            color="#999999",
            ls="-.",
            lw=1,
            label=f"Wei et al. 2022: emerges at {anchors.threshold_params / 1e9:g}B (GPT-3)",
        )
    ax.set_xscale("log")
    ax.set_xlabel("parameters")
    ax.set_ylabel("% (95% CI)" if all(c.percent for c in cs) else f"{', '.join(c.metric for c in cs)} (95% CI)")
    ax.set_title(task)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    return _png(fig)


def conditions_plot(agg: Aggregate, tasks: list[str], metric: str, title: str) -> bytes | None:
    """Grouped bars: models on the x axis, one bar per condition (task)."""
    models = [m for m in agg.models if any(agg.get(m.name, t, metric) for t in tasks)]
    if not models or len(tasks) < 2:
        return None
    fig, ax = plt.subplots(figsize=(max(6.4, 1.2 * len(models) * max(1, len(tasks)) / 3), 4.0))
    scale = 100.0 if is_percent(metric) else 1.0
    width = 0.8 / len(tasks)
    x = np.arange(len(models))
    for i, t in enumerate(tasks):
        ys, lo, hi = [], [], []
        for m in models:
            e = agg.get(m.name, t, metric)
            if e is None or e.n == 0:
                ys.append(np.nan), lo.append(0), hi.append(0)
                continue
            (
                ys.append(scale * e.mean),
                lo.append(max(0.0, scale * (e.mean - e.low))),
                hi.append(max(0.0, scale * (e.high - e.mean))),
            )
        ax.bar(
            x + (i - (len(tasks) - 1) / 2) * width,
            ys,
            width,
            yerr=[lo, hi],
            capsize=2,
            label=t,
            color=COLORS[i % len(COLORS)],
        )
    ax.set_xticks(x, [m.name for m in models], rotation=15, fontsize=8)
    ax.set_ylabel(f"{metric} ({'%, ' if scale == 100 else ''}95% CI)")
    ax.set_title(title)
    ax.legend(fontsize=7)
    ax.grid(True, axis="y", alpha=0.3)
    return _png(fig)
