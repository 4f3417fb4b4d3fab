"""The analysis layer's presentation facts, the one Table type, plots in the metric's own units and
the compact verdict row, on small aggregates built through the public types (no model, no run)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from harness.analysis import Aggregate, Cell, ModelInfo
from harness.analysis.presentation import column_order, is_hidden, is_percent, primary_output
from harness.claims.verdicts import Verdict
from harness.report.html import ReportPage, render_html
from harness.report.plots import series
from harness.report.table import Table
from harness.report.tables import render_markdown, task_table
from harness.report.verdicts import render_verdicts_markdown, verdict_table
from harness.stats.intervals import estimate

SMALL = ModelInfo("small", "Small-135M", 135_000_000, "x", False)
BIG = ModelInfo("big", "Big-1.5B", 1_540_000_000, "x", False)


def _agg(task: str, values: dict[str, dict[str, list[float]]]) -> Aggregate:
    """values[model][output] -> per-item scores; kinds come from the metric registry."""
    from harness.analysis.presentation import kind

    models = [SMALL, BIG]
    cells = [Cell(m, task, out, estimate(xs, kind(out))) for m in models for out, xs in values[m.name].items()]  # type: ignore[arg-type]
    return Aggregate(cells, {}, {}, models, [task])


def test_binary_outputs_are_percent_everywhere_and_bookkeeping_is_hidden() -> None:
    assert (
        is_percent("film_any_wrong")
        and is_percent("halluc_rate")
        and is_percent("seq_exact")
        and is_percent("exact_match")
    )
    assert not is_percent("gold_logprob") and not is_percent("film_listed") and not is_percent("no_such_output")
    assert (
        is_hidden("digit_errors")
        and is_hidden("answer_len")
        and is_hidden("gold_tokens")
        and not is_hidden("digit_error")
    )
    film = [1.0] * 12 + [0.0] * 6  # 12/18, the committed filmography cell that printed as 0.667 [0.437, 0.837]
    agg = _agg(
        "halluc_filmography",
        {
            "small": {"film_any_wrong": film, "film_listed": [2.0] * 18},
            "big": {"film_any_wrong": film, "film_listed": [1.0] * 18},
        },
    )
    md = "\n".join(task_table(agg, "halluc_filmography").markdown())
    assert "| 66.7% [43.7, 83.7] |" in md and "0.667" not in md
    assert "| 2.000 [2.000, 2.000] |" in md  # a continuous count stays a plain value


def test_column_order_and_primary_output_come_from_the_registrations() -> None:
    outs = {
        "valid",
        "tf_exact",
        "gold_logprob",
        "digit_error",
        "digit_edit_distance",
        "exact_match",
        "gold_token_prob",
        "tf_token_acc",
        "zeta",
        "alpha",
    }
    assert column_order(outs) == [
        "exact_match",
        "digit_error",
        "digit_edit_distance",
        "gold_logprob",
        "gold_token_prob",
        "tf_token_acc",
        "tf_exact",
        "valid",
        "alpha",
        "zeta",
    ]
    compound = {"seq_exact", "unit_acc", "gold_logprob", "tf_exact", "valid"}
    assert primary_output("seq_exact", compound) == "seq_exact"  # a task may name the output itself
    assert primary_output("sequence_accuracy", compound) == "seq_exact"
    assert primary_output("halluc_answer", {"cls_answered", "correct", "halluc_rate"}) == "halluc_rate"
    assert primary_output("filmography", {"film_listed", "film_any_wrong"}) == "film_any_wrong"
    assert primary_output("fc_ast", {"fc_name", "fc_accuracy"}) == "fc_accuracy"
    assert primary_output("exact_match", {"exact_match", "valid"}) == "exact_match"
    assert primary_output(None, {"answer_len", "digit_error", "exact_match"}) == "exact_match"


def test_plot_values_equal_table_values_in_the_metrics_units() -> None:
    """compound_* plots drew gold_logprob x100 (-367) where the table said -3.673."""
    lp_small, lp_big = [-3.5, -3.9, -3.62], [-0.01, -0.02, -0.006]
    agg = _agg(
        "compound_copy_L08",
        {
            "small": {"gold_logprob": lp_small, "seq_exact": [1.0, 0.0, 0.0]},
            "big": {"gold_logprob": lp_big, "seq_exact": [1.0, 1.0, 0.0]},
        },
    )
    table = task_table(agg, "compound_copy_L08")
    cols = table.header
    for out in ("gold_logprob", "seq_exact"):
        xs, ys, lo, hi, ns = series(agg, "compound_copy_L08", out)
        assert xs == [SMALL.params, BIG.params] and ns == [3, 3]
        shown = [row[cols.index(out)] for row in table.rows]
        if is_percent(out):
            assert [f"{y:.1f}%" for y in ys] == [s.split()[0] for s in shown] == ["33.3%", "66.7%"]
        else:
            assert [f"{y:.3f}" for y in ys] == [s.split()[0] for s in shown]
            assert ys[0] == pytest.approx(sum(lp_small) / 3) and -4 < ys[0] < -3  # not -367
            low = float(shown[0].split("[")[1].split(",")[0])
            assert ys[0] - lo[0] == pytest.approx(low, abs=1e-3)  # the error bar ends where the table's interval does


def test_one_table_renders_the_same_cells_to_markdown_csv_and_html() -> None:
    t = Table(
        "Tool use: summary per model",
        ["model", "a | b", "n"],
        [["M-1", "50.0% [9.5, 90.5] (n=2)", "2"]],
        "note",
        align="llr",
    )
    md = "\n".join(t.markdown())
    assert t.slug == "tool_use_summary_per_model"
    assert "| model | a \\| b | n |" in md and "|---|---|---:|" in md  # a pipe in a cell cannot split the row
    assert "| M-1 | 50.0% [9.5, 90.5] (n=2) | 2 |" in md
    assert list(csv.reader(io.StringIO(t.csv()))) == [["model", "a | b", "n"], ["M-1", "50.0% [9.5, 90.5] (n=2)", "2"]]
    page = ReportPage("T", "", [], sections=[t])
    html = render_html(page)
    assert (
        '<td class="num">2</td>' in html
        and "<td>50.0% [9.5, 90.5] (n=2)</td>" in html
        and 'data-table="tool_use_summary_per_model"' in html
    )


def test_table_md_holds_every_family_table_once() -> None:
    agg = _agg("addition_3digit", {"small": {"exact_match": [0.0, 1.0]}, "big": {"exact_match": [1.0, 1.0]}})
    fam = [Table("Family table", ["model", "x"], [["Small-135M", "1"]], section="Fam")]
    md = render_markdown(agg, "R", fam)
    assert md.count("## Family table") == 1 and md.count("## addition_3digit") == 1


def _verdict(**kw: object) -> Verdict:
    base = dict(
        rule_id="004-13",
        claim="004-13",
        status="refuted",
        title="Emergence at 10B+",
        tasks=["addition_3digit"],
        n_min=100,
        models=["Small-135M (135M)", "Big-1.5B (1.54B)"],
        evidence=["addition_3digit: above chance at Big-1.5B (1.54B): 70.0% [65.8, 73.9], n=500"],
        reason="",
        change="Pythia staying at chance below 10B",
    )
    base.update(kw)
    return Verdict(**base)  # type: ignore[arg-type]


def test_verdict_rows_are_compact_with_models_listed_once() -> None:
    vs = [
        _verdict(),
        _verdict(
            rule_id="000-21",
            claim="000-21",
            status="inconclusive",
            models=["Small-135M (135M)"],
            tasks=["a", "b"],
            evidence=[],
            reason="N too small",
        ),
    ]
    lines = verdict_table(vs)
    assert lines[0] == "Models: Small-135M (135M), Big-1.5B (1.54B)."
    rows = [line for line in lines if line.startswith("| [")]
    assert len(rows) == 2 and all("Big-1.5B (1.54B)," not in r for r in rows)  # no per-row model lists
    assert "70.0% [65.8, 73.9]" in rows[0] and "all 2 models; 1 task; N ≥ 100" in rows[0]
    assert "1 of 2 models (not Big-1.5B); 2 tasks; N ≥ 100" in rows[1] and "N too small" in rows[1]


def test_verdict_rows_use_the_decision_layers_effect_and_scope_when_present() -> None:
    v = _verdict()
    for name, value in (
        ("effect", "+65.2 pts [60.1, 70.3] at 494M"),
        ("scope", "4 instruct models ≤ 1.5B, 3 tasks"),
        ("post_hoc", True),
        ("primary_test", "threshold vs claimed 10B"),
        ("decidability", "decidable at N = 100"),
    ):
        object.__setattr__(v, name, value)  # the fields the lead is adding to Verdict, set on today's class
    md = render_verdicts_markdown([v])
    row = next(line for line in md.splitlines() if line.startswith("| [004-13]"))
    assert (
        "+65.2 pts [60.1, 70.3] at 494M" in row and "4 instruct models ≤ 1.5B, 3 tasks" in row and "(post hoc)" in row
    )
    assert "**Primary test:** threshold vs claimed 10B" in md and "**Decidable on this ladder:** decidable at N = 100" in md
    html = render_html(ReportPage("T", "", [v], models=["Small-135M (135M)", "Big-1.5B (1.54B)"]))
    assert (
        re.search(r"<td>\+65\.2 pts \[60\.1, 70\.3\] at 494M</td>", html)
        and 'id="verdict-models"' in html
        and "<b>Primary test:</b> threshold vs claimed 10B" in html
    )


def test_markdown_cells_escape_pipes_newlines_and_markup() -> None:
    from harness.report.table import Table

    md = "\n".join(Table("t", ["a", "b"], [["<script>alert(1)</script>", "x | y\nz & w"]]).markdown())
    row = md.splitlines()[-1]
    assert "<script>" not in md and "&lt;script&gt;alert(1)&lt;/script&gt;" in row
    assert "x \\| y z &amp; w" in row and row.count(" | ") == 1  # still two cells
