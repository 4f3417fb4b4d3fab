"""Cross-check of the harness's BFCL matcher (harness/metrics/bfcl.py) against BFCL's own, unmodified checker.

Cases, built from BFCL v4's data (the installed wheel) for every entry of simple_python, multiple,
parallel, parallel_multiple, live_simple, live_multiple, live_parallel, irrelevance and
live_irrelevance:
- every possible answer: a base answer (each parameter's first acceptable value) and, for every
  parameter, each of its other acceptable values (an optional parameter's "" = omitted);
- systematic mutations of the base answer (`MUTATIONS`): values (±1, int/float swaps, ×10, 0.0,
  1e-9 off), types (str/int/bool/list/tuple swaps), strings (case, spacing, punctuation, another
  word, explicit ""), lists (order, length, element types), dicts and lists of dicts (keys, values,
  order), missing / extra / renamed parameters, function names (wrong, case, dots as "_"), parallel
  call order, dropped and duplicated calls;
- raw replies, decoded by both sides: the base answer as Python text, truncated at several points,
  with prose around it, in code fences, with positional arguments, arithmetic, names, lambdas;
  irrelevance replies (no call, prose, a call, a truncated call, an empty list, ...).

Each case is scored by `harness.metrics.bfcl` here and by `scripts/bfcl_reference.py` run with
.venv-bfcl's python (BFCL's `ast_checker` and `default_decode_ast_prompting`); `python -m
harness.bfcl_crosscheck --out results/bfcl/crosscheck.md` writes the agreement and every difference.
"""

from __future__ import annotations

import argparse
import copy
import glob
import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from harness.generators.bfcl import REPO_ROOT, load_category
from harness.metrics.bfcl import DEFAULT, BfclOptions, DecodeError, check, decode_prompting

AST_CATEGORIES = ("simple_python", "multiple", "parallel", "parallel_multiple", "live_simple", "live_multiple", "live_parallel")
IRRELEVANCE_CATEGORIES = ("irrelevance", "live_irrelevance")
REFERENCE = REPO_ROOT / "scripts" / "bfcl_reference.py"


@dataclass
class Case:
    entry: str
    kind: str
    category: str
    decoded: list[dict[str, Any]] | None = None
    text: str | None = None


# ------------------------------------------------------------------------------------ helpers
def _answer(v: Any) -> Any:
    """An acceptable value as a model would write it: a dict answer holds lists of acceptable values
    per key ({"a": ["x", "y"], "b": [1, ""]} -> {"a": "x", "b": 1}; a key whose first answer is "" is left out)."""
    if isinstance(v, dict):
        return {k: _answer(next(x for x in vals if x != "")) for k, vals in v.items()
                if isinstance(vals, list) and any(x != "" for x in vals) and vals[0] != ""}
    if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
        return [_answer(x) for x in v]
    return copy.deepcopy(v)


def _base_call(gold_call: dict[str, Any]) -> dict[str, Any]:
    name, spec = next(iter(gold_call.items()))
    args = {}
    for p, vals in spec.items():
        v = next((x for x in vals if x != ""), None)
        if v is not None or "" not in vals:
            args[p] = _answer(v)
    return {name: args}


def _py(v: Any) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_py(k)}: {_py(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_py(x) for x in v) + "]"
    if isinstance(v, tuple):
        return "(" + ", ".join(_py(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    return repr(v)


def render_python(calls: list[dict[str, Any]]) -> str:
    return "[" + ", ".join(f"{n}(" + ", ".join(f"{k}={_py(v)}" for k, v in a.items()) + ")" for c in calls for n, a in c.items()) + "]"


def _swapcase(s: str) -> str:
    return s.upper() if s != s.upper() else s.lower()


def _value_mutations(v: Any) -> Iterator[tuple[str, Any]]:
    """Mutations of one argument value (kind, new value)."""
    if isinstance(v, bool):
        yield "bool_flip", not v
        yield "bool_as_int", int(v)
        yield "bool_as_str", str(v).lower()
    elif isinstance(v, int):
        yield "int_plus_1", v + 1
        yield "int_as_float", float(v)
        yield "int_as_str", str(v)
        yield "int_times_10", v * 10
        yield "int_as_bool", bool(v)
    elif isinstance(v, float):
        yield "float_times_10", v * 10
        yield "float_zero", 0.0
        yield "float_tiny_offset", v + 1e-9
        yield "float_as_str", str(v)
        if v.is_integer():
            yield "float_as_int", int(v)
    elif isinstance(v, str):
        yield "str_case", _swapcase(v)
        yield "str_spacing", " ".join(v) if len(v) < 40 else v.replace(" ", "")
        yield "str_punct", v + "."
        yield "str_dash", v.replace(" ", "-")
        yield "str_other", v + " extra"
        yield "str_empty", ""
        yield "str_as_list", [v]
        if v.strip().lstrip("-").isdigit():
            yield "numeric_str_as_int", int(v)
    elif isinstance(v, list):
        if len(v) > 1:
            yield "list_reversed", list(reversed(v))
            yield "list_drop_last", v[:-1]
        yield "list_dup_first", v + v[:1]
        yield "list_as_tuple", tuple(v)
        yield "list_empty", []
        if v and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
            yield "list_ints_as_floats", [float(x) for x in v]
        if v and all(isinstance(x, float) for x in v):
            yield "list_floats_as_ints", [int(x) for x in v]
            yield "list_float_offset", [x + 1e-9 for x in v]
        if v and all(isinstance(x, str) for x in v):
            yield "list_str_case", [_swapcase(x) for x in v]
        if v and all(isinstance(x, dict) for x in v):
            yield "listdict_drop_key", [dict(list(x.items())[:-1]) for x in v]
            yield "listdict_value_case", [{k: (_swapcase(y) if isinstance(y, str) else y) for k, y in x.items()} for x in v]
        yield "list_as_str", ", ".join(map(str, v))
    elif isinstance(v, dict):
        if v:
            k0 = next(iter(v))
            yield "dict_drop_key", {k: x for k, x in v.items() if k != k0}
            yield "dict_value_case", {k: (_swapcase(x) if isinstance(x, str) else x) for k, x in v.items()}
            yield "dict_value_other", {**v, k0: "other"}
            yield "dict_reordered", dict(reversed(list(v.items())))
            yield "dict_nested", {**v, k0: {"inner": v[k0]}}
        yield "dict_extra_key", {**v, "extra_key": 1}
        yield "dict_as_str", json.dumps(v)


def _call_mutations(call: dict[str, Any], gold_call: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    name, args = next(iter(call.items()))
    spec = next(iter(gold_call.values()))
    for p, v in args.items():
        for kind, nv in _value_mutations(v):
            yield kind, {name: {**args, p: nv}}
        yield "drop_param", {name: {k: x for k, x in args.items() if k != p}}
        yield "param_name_case", {name: {(k.upper() if k == p else k): x for k, x in args.items()}}
    for p, vals in spec.items():
        if "" in vals:
            yield "explicit_empty_optional", {name: {**args, p: ""}}
            yield "explicit_none_optional", {name: {**args, p: None}}
    yield "extra_param", {name: {**args, "extra_param": 1}}
    yield "wrong_name", {name + "x": args}
    yield "name_case", {_swapcase(name): args}
    if "." in name:
        yield "dotted_name_underscored", {name.replace(".", "_"): args}
    yield "no_args", {name: {}}


def entry_cases(e: dict[str, Any], category: str) -> Iterator[Case]:
    eid, gold = e["id"], e["gold"]
    if category in IRRELEVANCE_CATEGORIES:
        f = e["function"][0] if e["function"] else {"name": "lookup", "parameters": {"properties": {"q": {"type": "string"}}}}
        props = f["parameters"].get("properties", {})
        args = {p: (1 if d.get("type") == "integer" else "x") for p, d in list(props.items())[:2]}
        call_text = render_python([{f["name"]: args}])
        for kind, text in [("irr_empty", ""), ("irr_prose", "I cannot answer that with the given functions."),
                           ("irr_call", call_text), ("irr_bare_call", call_text[1:-1]), ("irr_truncated", call_text[: max(2, len(call_text) // 2)]),
                           ("irr_empty_list", "[]"), ("irr_no_arg_call", f"[{f['name']}()]"), ("irr_fenced", f"```python\n{call_text}\n```"),
                           ("irr_parens_prose", "None of these (sadly) apply."), ("irr_json", json.dumps({"name": f["name"], "arguments": args})),
                           ("irr_tool_call_tag", '<tool_call>\n{"name": "' + f["name"] + '", "arguments": {'), ("irr_number", "42")]:
            yield Case(eid, kind, category, text=text)
        return
    base = [_base_call(g) for g in gold]
    yield Case(eid, "gold_base", category, decoded=base)
    for i, g in enumerate(gold):  # every acceptable value of every parameter
        name, spec = next(iter(g.items()))
        for p, vals in spec.items():
            for v in vals[1:] if vals and vals[0] != "" else vals:
                new = copy.deepcopy(base)
                if v == "":
                    new[i][name].pop(p, None)
                else:
                    new[i][name][p] = _answer(v)
                yield Case(eid, "gold_alternative", category, decoded=new)
    targets = [0] if len(gold) == 1 else sorted({0, len(gold) - 1})
    for i in targets:
        for kind, mutated in _call_mutations(base[i], gold[i]):
            yield Case(eid, kind, category, decoded=base[:i] + [mutated] + base[i + 1:])
    if len(base) > 1:
        yield Case(eid, "parallel_reversed", category, decoded=list(reversed(base)))
        yield Case(eid, "parallel_drop_call", category, decoded=base[:-1])
        a0, a1 = (next(iter(c.values())) for c in base[:2])
        n0, n1 = (next(iter(c)) for c in base[:2])
        yield Case(eid, "parallel_swap_args", category, decoded=[{n0: a1}, {n1: a0}] + base[2:])
    yield Case(eid, "duplicate_call", category, decoded=base + base[-1:])
    yield Case(eid, "empty_output", category, decoded=[])
    text = render_python(base)
    first = next(iter(base[0]))
    for kind, t in [("text_exact", text), ("text_bare", text[1:-1]), ("text_fenced", f"```python\n{text}\n```"), ("text_fenced_plain", f"```\n{text}\n```"),
                    ("text_prose_before", "Sure! " + text), ("text_quoted", f"'{text}'"), ("text_truncated_half", text[: len(text) // 2]),
                    ("text_truncated_last", text[:-2]), ("text_truncated_open", text[: text.find("(") + 1]), ("text_tool_call_json", json.dumps(base)),
                    ("text_positional", f"[{first}(1, 2)]"), ("text_arith", f"[{first}(x=2**3+1)]"), ("text_name_value", f"[{first}(x=some_var)]"),
                    ("text_lambda", f"[{first}(x=lambda: 1)]"), ("text_nested_call", f"[{first}(x=g(y=1))]"), ("text_fstring", f"[{first}(x=f'a{{1}}')]"),
                    ("text_unary_plus", f"[{first}(x=+5)]"), ("text_unary_not", f"[{first}(x=not 1)]"), ("text_subscript", f"[{first}(x=a[1])]"),
                    ("text_set", "{" + text[1:-1] + "}"), ("text_two_lines", text + "\n" + text)]:
        yield Case(eid, kind, category, text=t)


def all_cases(limit_per_category: int | None = None) -> tuple[dict[str, dict[str, Any]], list[Case]]:
    entries, cases = {}, []
    for cat in AST_CATEGORIES + IRRELEVANCE_CATEGORIES:
        for e in load_category(cat)[:limit_per_category]:
            entries[e["id"]] = {"category": cat, "functions": e["function"], "gold": e["gold"]}
            cases.extend(entry_cases(e, cat))
    return entries, cases


# ------------------------------------------------------------------------------------ scoring
def _tuples(x: Any) -> Any:
    if isinstance(x, tuple):
        return {"__tuple__": [_tuples(v) for v in x]}
    if isinstance(x, list):
        return [_tuples(v) for v in x]
    if isinstance(x, dict):
        return {k: _tuples(v) for k, v in x.items()}
    return x


def reference_python() -> Path | None:
    found = sorted(glob.glob(str(REPO_ROOT / ".venv-bfcl" / "bin" / "python")))
    return Path(found[0]) if found else None


def reference_verdicts(entries: dict[str, dict[str, Any]], cases: list[Case], python: Path) -> list[bool]:
    lines = [json.dumps({"define": k, **v}) for k, v in entries.items()]
    for c in cases:
        body: dict[str, Any] = {"ref": c.entry}
        if c.text is not None:
            body["text"] = c.text
        else:
            body["decoded"] = _tuples(c.decoded)
        lines.append(json.dumps(body))
    out = subprocess.run([str(python), str(REFERENCE)], input="\n".join(lines) + "\n", capture_output=True, text=True, check=True)
    return [bool(json.loads(line)["valid"]) for line in out.stdout.splitlines() if line.strip()]


def harness_verdict(entry: dict[str, Any], c: Case, opts: BfclOptions = DEFAULT) -> bool:
    if c.text is not None:
        try:
            calls = decode_prompting(c.text, opts)
        except DecodeError:
            return "irrelevance" in c.category
    else:
        calls = c.decoded  # type: ignore[assignment]
    return check(entry["functions"], calls, entry["gold"], c.category, opts).valid


@dataclass
class Comparison:
    n: int
    agree: int
    differences: list[tuple[Case, bool, bool]]
    by_kind: Counter
    passes: Counter

    @property
    def agreement(self) -> float:
        return self.agree / self.n if self.n else 0.0


def compare(python: Path, limit_per_category: int | None = None, keep: Callable[[Case], bool] = lambda c: True,
            opts: BfclOptions = DEFAULT) -> Comparison:
    """Score every case (or the first `limit_per_category` entries' cases of each category) both ways."""
    entries, cases = all_cases(limit_per_category)
    cases = [c for c in cases if keep(c)]
    ref = reference_verdicts(entries, cases, python)
    assert len(ref) == len(cases), (len(ref), len(cases))
    diffs, by_kind, passes = [], Counter(), Counter()
    for c, r in zip(cases, ref):
        h = harness_verdict(entries[c.entry], c, opts)
        by_kind[(c.kind, h == r)] += 1
        passes[c.kind] += r
        if h != r:
            diffs.append((c, h, r))
    return Comparison(len(cases), len(cases) - len(diffs), diffs, by_kind, passes)


def report(cmp: Comparison) -> str:
    kinds = sorted({k for k, _ in cmp.by_kind})
    lines = ["# BFCL matcher vs BFCL's own checker", "",
             "Produced by `python -m harness.bfcl_crosscheck --out results/bfcl/crosscheck.md` (bfcl-eval 2026.3.23, BFCL v4 data).", "",
             f"**{cmp.agree:,} of {cmp.n:,} cases agree ({100 * cmp.agreement:.3f}%)**; {len(cmp.differences)} differ.", "",
             "| case kind | cases | BFCL passes | agree |", "|---|---:|---:|---:|"]
    for k in kinds:
        a, d = cmp.by_kind[(k, True)], cmp.by_kind[(k, False)]
        lines.append(f"| {k} | {a + d} | {cmp.passes[k]} | {a} |")
    lines += ["", "## Every difference", ""]
    if not cmp.differences:
        lines.append("None.")
    for c, h, r in cmp.differences:
        what = repr(c.text) if c.text is not None else json.dumps(_tuples(c.decoded))
        lines.append(f"- `{c.entry}` {c.kind}: harness {'pass' if h else 'fail'}, BFCL {'pass' if r else 'fail'}: {what[:300]}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="write the Markdown report here")
    args = ap.parse_args(argv)
    py = reference_python()
    if py is None:
        print("error: .venv-bfcl not found; run scripts/setup_bfcl_env.sh", file=sys.stderr)
        return 2
    cmp = compare(py)
    text = report(cmp)
    if args.out:
        args.out.write_text(text)
    print(text.split("\n\n")[2])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
