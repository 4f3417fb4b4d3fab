"""Verdicts as Markdown: a summary table linked to each claim's section (quote, rule, numbers)."""

from __future__ import annotations

from harness.claims.verdicts import Verdict

BADGE = {"supported": "✅ supported", "refuted": "❌ refuted", "inconclusive": "❔ inconclusive", "undecidable": "⊘ undecidable here", "not run": "⏸ not run", "no rule": "⚠ no rule"}


def anchor(v: Verdict) -> str:
    return f"claim-{v.rule_id}".replace(".", "-")


def _short(text: str, n: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def verdict_table(verdicts: list[Verdict]) -> list[str]:
    lines = ["| claim | verdict | tested on | why / what would change it |", "|---|---|---|---|"]
    for v in verdicts:
        why = "; ".join(x for x in (v.reason, f"would change it: {v.change}" if v.change else "") if x)
        models = ", ".join(v.models) if v.models else "—"
        lines.append(f"| [{v.rule_id}](#{anchor(v)}) {_short(v.title, 60)} | {BADGE.get(v.status, v.status)} | {models} | {_short(why, 240)} |")
    return lines


def verdict_details(v: Verdict) -> list[str]:
    out = [f'<a id="{anchor(v)}"></a>', f"### {v.rule_id} · {v.title}", ""]
    if v.quote:
        out += [f"> {v.quote}", ">", f"> {v.en}", "", f"*{v.speaker}* — `{v.source}`", ""]
    out += [f"**Verdict: {BADGE.get(v.status, v.status)}**" + (f" (p = {v.p_value:.3g}" + (f", BH q = {v.q_value:.3g})" if v.q_value is not None else ")") if v.p_value is not None else ""), ""]
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


def render_verdicts_markdown(verdicts: list[Verdict]) -> str:
    counts = {s: sum(v.status == s for v in verdicts) for s in BADGE}
    head = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    out = ["## Verdicts", "", f"{len(verdicts)} rules: {head}. Each verdict applies its pre-registered rule (configs/claims/rules*.yaml) to this run; "
           "'inconclusive' says what the data could not decide and what would.", "", *verdict_table(verdicts), ""]
    for v in verdicts:
        out += verdict_details(v)
    return "\n".join(out)
