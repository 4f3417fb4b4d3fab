"""Verdicts as Markdown: one compact row per verdict (headline effect with its interval, scope,
why), the models listed once above the table, each row linked to the claim's section (quote, rule,
numbers).

The decision layer's newer fields (`effect`, `scope`, `primary_test`, `equivalence`,
`evidence_group`, `post_hoc`, `decidability`) are read with `getattr`, so verdicts without them
still render: the effect then falls back to the first evidence line and the scope to counts.
"""

from __future__ import annotations

from typing import Any

from harness.claims.verdicts import Verdict
from harness.report.table import md_cell

BADGE = {
    "supported": "✅ supported",
    "refuted": "❌ refuted",
    "inconclusive": "❔ inconclusive",
    "undecidable": "⊘ undecidable here",
    "not run": "⏸ not run",
    "no rule": "⚠ no rule",
}


# The decision layer's per-verdict facts shown in each claim's section, when the verdict has them.
DETAIL_FIELDS = [
    ("effect", "Headline effect"),
    ("scope", "Scope"),
    ("primary_test", "Primary test"),
    ("equivalence", "Equivalence"),
    ("decidability", "Decidable on this ladder"),
    ("n_cells", "Items"),
    ("evidence_group", "Evidence group"),
]


def anchor(v: Verdict) -> str:
    return f"claim-{v.rule_id}".replace(".", "-")


def _short(text: str, n: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def verdict_field(v: Verdict, name: str, default: Any = None) -> Any:
    """A verdict field that older `Verdict`s may not have yet."""
    value = getattr(v, name, default)
    return default if value in (None, "") else value


def all_models(verdicts: list[Verdict]) -> list[str]:
    """Every model any verdict was tested on, in first-seen order (the verdicts list them by size)."""
    seen: dict[str, None] = {}
    for v in verdicts:
        for m in v.models:
            seen.setdefault(m, None)
    return list(seen)


def effect(v: Verdict) -> str:
    """The headline effect with its interval: the verdict's own `effect`, else its first number."""
    own = verdict_field(v, "effect")
    if own:
        return str(own)
    if not v.evidence:
        return "—"
    p = f" (p = {v.p_value:.3g})" if v.p_value is not None else ""
    return _short(v.evidence[0], 110) + p


def scope(v: Verdict, models: list[str]) -> str:
    """What the verdict covers: the verdict's own `scope`, else which of the listed models, the tasks and N."""
    own = verdict_field(v, "scope")
    if own:
        return str(own)
    if not v.models:
        return "—"
    if set(v.models) == set(models):
        who = f"all {len(models)} models"
    else:
        missing = [m.split(" (")[0] for m in models if m not in v.models]
        who = (
            f"{len(v.models)} of {len(models)} models (not {', '.join(missing)})"
            if missing
            else f"{len(v.models)} models"
        )
    return f"{who}; {len(v.tasks)} task{'s' if len(v.tasks) != 1 else ''}; N ≥ {v.n_min}"


def why(v: Verdict) -> str:
    return "; ".join(x for x in (v.reason, f"would change it: {v.change}" if v.change else "") if x)


def label(v: Verdict) -> str:
    return BADGE.get(v.status, v.status) + (" (post hoc)" if verdict_field(v, "post_hoc", False) else "")


def verdict_table(verdicts: list[Verdict]) -> list[str]:
    models = all_models(verdicts)
    lines = [
        f"Models: {', '.join(models)}." if models else "",
        "",
        "| claim | verdict | headline effect [95% CI] | scope | why / what would change it |",
        "|---|---|---|---|---|",
    ]
    for v in verdicts:
        cells = [
            f"[{v.rule_id}](#{anchor(v)}) {_short(v.title, 60)}",
            label(v),
            effect(v),
            scope(v, models),
            _short(why(v), 160),
        ]
        lines.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
    return lines


def verdict_details(v: Verdict) -> list[str]:
    out = [f'<a id="{anchor(v)}"></a>', f"### {v.rule_id} · {v.title}", ""]
    if v.quote:
        out += [f"> {v.quote}", ">", f"> {v.en}", "", f"*{v.speaker}* — `{v.source}`", ""]
    out += [
        f"**Verdict: {label(v)}**"
        + (
            f" (p = {v.p_value:.3g}" + (f", BH q = {v.q_value:.3g})" if v.q_value is not None else ")")
            if v.p_value is not None
            else ""
        ),
        "",
    ]
    for name, title in DETAIL_FIELDS:
        if verdict_field(v, name):
            out += [f"**{title}:** {verdict_field(v, name)}", ""]
    if v.statement:
        out += [f"**Pre-registered rule** ({v.kind}): {v.statement}", ""]
    if v.reason:
        out += [f"**Why:** {v.reason}", ""]
    if v.change:
        out += [f"**What would change it:** {v.change}", ""]
    if v.models:
        out += [f"**Tested on:** {', '.join(v.models)}; tasks {', '.join(v.tasks)}; N ≥ {v.n_min} items per cell.", ""]
    if v.evidence:
        out += ["**Numbers:**", "", *[f"- {e}" for e in v.evidence], ""]
    return out


def summary_sentence(verdicts: list[Verdict]) -> str:
    """The counts a reader needs before any single verdict: decided verdicts, the independent
    analyses behind them (evidence groups count once), and how many rules were fixed after their data."""
    from harness.claims.verdicts import independent_evidence

    counts = {s: sum(v.status == s for v in verdicts) for s in BADGE}
    head = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    decided = [v for v in verdicts if v.status in ("supported", "refuted")]
    post = sum(bool(verdict_field(v, "post_hoc")) for v in decided)
    known = sum(verdict_field(v, "post_hoc") is not None for v in decided)
    n_rules = sum(v.status != "no rule" for v in verdicts)
    out = f"{n_rules} rules" + (f" and {len(verdicts) - n_rules} served claim(s) without one" if n_rules < len(verdicts) else "") + f": {head}."
    hoc = sum(verdict_field(v, "post_hoc") is True for v in verdicts)
    if hoc:
        out += f" {hoc} of the {n_rules} rules are post hoc (revised after some of the records they judge were written)."
    if decided:
        out += (f" The {len(decided)} decided verdict(s) rest on {independent_evidence(verdicts)} independent analysis(es)"
                + (f"; {post} of them post hoc (the rule reached its current form after the records it judges were written: "
                   "confirm on fresh items)" if known else "; pre-registration unknown (no git history)") + ".")
    return out + " Each verdict applies its rule (configs/claims/rules*.yaml) to this run."


def render_limitations_markdown(lines: list[str]) -> list[str]:
    return ["## Read this first: limitations", "", *[f"- {x}" for x in lines], ""] if lines else []


def render_verdicts_markdown(verdicts: list[Verdict]) -> str:
    out = [
        "## Verdicts",
        "",
        summary_sentence(verdicts) + " 'Inconclusive' says what the data could not decide and what would; 'undecidable here': no outcome "
        "on these models could decide the rule.",
        "",
        *verdict_table(verdicts),
        "",
    ]
    for v in verdicts:
        out += verdict_details(v)
    return "\n".join(out)
