"""Scoring tool use: BFCL-style call matching, agent-trace statistics, file clean-up outcomes.

- `fc_ast` (single turn, after the Berkeley Function-Calling Leaderboard's AST checker): the
  output must hold exactly one call whose name matches and whose arguments match one acceptable
  value each (typed by the tool's JSON schema: an int is accepted for a number, never a float for an
  integer; strings compared after BFCL's normalisation, numbers exactly, dicts key by key; optional
  params may be omitted, or given as "", when their list holds ""). `fc_args` gives argument-level
  partial credit. On `irrelevance` items the right answer is no call; as in BFCL an undecodable
  attempt, or one readable only after a repair, is not a call (reported separately as
  `fc_json_valid`). The full BFCL matcher (parallel calls, BFCL's own data) is harness/metrics/bfcl.py.
- `agent_trace`: steps, calls, malformed calls, tool errors, whether the step limit was hit.
- `answer_contains`: the final answer contains the target as a whole phrase (numbers ignore commas).
- `file_cleanup`: replays the recorded calls on a fresh copy of the item's file system and
  compares the end state with the oracle's: success, destructive error (a protected file deleted
  or moved away), share of required actions done, collateral damage, per-step accuracy.
"""

from __future__ import annotations

import re
from typing import Any

from harness.metrics.base import ScoreContext, Scores, register_metric, register_parser
from harness.tools import TOOLS, Call, build_sandbox, execute, extract_calls, load_all


# ------------------------------------------------------------------------------------ parsing
@register_parser("agent_answer")
def agent_answer(text: str, item: Any) -> str | None:
    """The text after the last 'Answer:' (else the whole reply), stripped; None if empty."""
    matches = list(re.finditer(r"answer\s*[:：]", text, re.I))
    s = text[matches[-1].end():] if matches else text
    s = s.strip().strip("*").strip().rstrip(".").strip()
    return s or None


def first_turn(ctx: ScoreContext) -> tuple[list[Call], list[str]]:
    """Calls and attempts that were not valid JSON as written (malformed, or accepted only after a
    repair) of the first model turn (from the trajectory, else the text)."""
    for t in ctx.trajectory or []:
        if t.get("role") == "assistant":
            return [Call(c["name"], c["arguments"]) for c in t.get("calls", [])], [*t.get("malformed", []), *t.get("repaired", [])]
    ex = extract_calls(ctx.output, tuple(ctx.item.meta.get("tools", [])))
    return ex.calls, [*ex.malformed, *ex.repaired]


def _n_repaired(ctx: ScoreContext) -> int:
    """How many calls of the first model turn were readable only after a repair (e.g. a truncated `{`)."""
    for t in ctx.trajectory or []:
        if t.get("role") == "assistant":
            return len(t.get("repaired", []))
    return len(extract_calls(ctx.output, tuple(ctx.item.meta.get("tools", []))).repaired)


# ------------------------------------------------------------------------------- BFCL matching
def standardize(s: str) -> str:
    """BFCL's string normalisation: drop spaces and , . / - _ * ^, lower-case, ' -> "."""
    return re.sub(r"[ ,./\-_*^]", "", s).lower().replace("'", '"')


_JSON_TYPES: dict[str, tuple[type, ...]] = {"integer": (int,), "number": (int, float), "string": (str,), "boolean": (bool,),
                                            "array": (list,), "object": (dict,)}


def _typed(given: Any, schema_type: str | None) -> bool:
    """The value has the schema's type (BFCL: an int is accepted for a number, a float never for an integer; a bool is no number)."""
    if schema_type is None or schema_type not in _JSON_TYPES:
        return True
    if isinstance(given, bool) and schema_type != "boolean":
        return False
    return isinstance(given, _JSON_TYPES[schema_type])


def value_matches(given: Any, acceptable: list[Any], schema_type: str | None = None) -> bool:
    """BFCL's value rules: strings after normalisation, numbers exactly (int == float of the same value
    where the schema allows both), lists element-wise in order, dicts key by key (a key whose answers
    hold "" may be left out). An explicit "" matches where "" is acceptable (an optional string left empty)."""
    if not _typed(given, schema_type):
        return False
    for a in acceptable:
        if a == "":
            if given == "":
                return True
            continue
        if isinstance(a, bool):
            if given is a:
                return True
        elif isinstance(a, (int, float)):
            if isinstance(given, (int, float)) and not isinstance(given, bool) and given == a:
                if not (isinstance(a, int) and isinstance(given, float) and schema_type != "number"):
                    return True
        elif isinstance(a, str):
            if isinstance(given, str) and standardize(given) == standardize(a):
                return True
        elif isinstance(a, list):
            if isinstance(given, list) and len(given) == len(a) and all(value_matches(g, [x]) for g, x in zip(given, a)):
                return True
        elif isinstance(a, dict):
            if isinstance(given, dict) and all(k in a for k in given) and all(
                    value_matches(given[k], v if isinstance(v, list) else [v]) if k in given else "" in (v if isinstance(v, list) else [v])
                    for k, v in a.items()):
                return True
        elif given == a:
            return True
    return False


def _schema_types(name: str) -> dict[str, str]:
    load_all()
    tool = TOOLS.get(name)
    props = tool.parameters.get("properties", {}) if tool else {}
    return {k: v.get("type") for k, v in props.items() if isinstance(v, dict)}


def match_call(call: Call, gold: dict[str, Any]) -> tuple[bool, float]:
    """(exact AST match, argument-level partial credit) of one call against one gold call; the
    harness tool's JSON schema (when the name is a known tool) gives each argument's type."""
    if call.name != gold["name"]:
        return False, 0.0
    spec: dict[str, list[Any]] = gold["arguments"]
    types = _schema_types(call.name)
    extra = [k for k in call.arguments if k not in spec]
    correct = 0
    ok = not extra
    for k, acceptable in spec.items():
        if k not in call.arguments:
            if "" not in acceptable:
                ok = False
            else:
                correct += 1
            continue
        if value_matches(call.arguments[k], acceptable, types.get(k)):
            correct += 1
        else:
            ok = False
    return ok, correct / max(1, len(spec) + len(extra))


@register_metric("fc_ast", {"fc_accuracy": "binary", "fc_name": "binary", "fc_args": "continuous", "fc_called": "binary", "fc_json_valid": "binary"}, primary="fc_accuracy")
def fc_ast(ctx: ScoreContext) -> Scores:
    """BFCL-style single-turn score (accuracy, name, argument partial credit, call rate, JSON validity)."""
    calls, malformed = first_turn(ctx)
    gold: list[dict[str, Any]] = ctx.item.meta.get("gold", [])
    json_valid = None if not (calls or malformed) else float(not malformed)
    if not gold:  # irrelevance: the right answer is no call; a call readable only after a repair is no call (BFCL)
        calls = calls[: max(0, len(calls) - _n_repaired(ctx))]
        return {"fc_accuracy": float(not calls), "fc_name": None, "fc_args": None, "fc_called": float(bool(calls)), "fc_json_valid": json_valid}
    best_ok, best_partial, name_ok = False, 0.0, False
    for g in gold:
        for c in calls[:1]:
            ok, partial = match_call(c, g)
            best_ok |= ok and len(calls) == 1
            best_partial = max(best_partial, partial)
            name_ok |= c.name == g["name"]
    return {"fc_accuracy": float(best_ok), "fc_name": float(name_ok), "fc_args": best_partial, "fc_called": float(bool(calls)), "fc_json_valid": json_valid}


# ------------------------------------------------------------------------------- agent traces
@register_metric(
    "agent_trace",
    {"agent_steps": "continuous", "agent_calls": "continuous", "agent_malformed": "continuous", "agent_any_malformed": "binary",
     "agent_tool_errors": "continuous", "agent_used_tool": "binary", "agent_step_limit": "binary",
     "agent_forced_answer": "binary"},
    lower_is_better=("agent_malformed", "agent_any_malformed", "agent_tool_errors", "agent_step_limit", "agent_forced_answer"),
)
def agent_trace(ctx: ScoreContext) -> Scores:
    """Counts over the recorded trajectory (model turns, executed calls, malformed calls, tool errors);
    `agent_step_limit`: the last turn still called a tool; `agent_forced_answer`: the answer came only
    in the forced final turn (the model did not stop calling tools by itself)."""
    traj = ctx.trajectory or []
    turns = [t for t in traj if t.get("role") == "assistant"]
    tools = [t for t in traj if t.get("role") == "tool"]
    malformed = sum(1 for t in tools if t.get("error") == "malformed_call")
    executed = [t for t in tools if t.get("name") is not None]
    last = turns[-1] if turns else {}
    hit_limit = bool(last.get("calls") or last.get("malformed"))
    return {
        "agent_steps": float(len(turns)),
        "agent_calls": float(len(executed)),
        "agent_malformed": float(malformed),
        "agent_any_malformed": float(malformed > 0),
        "agent_tool_errors": float(sum(1 for t in executed if t.get("error"))),
        "agent_used_tool": float(any(t.get("error") is None for t in executed)),
        "agent_step_limit": float(hit_limit),
        "agent_forced_answer": float(bool(last.get("forced")) and not hit_limit),
    }


def _norm_answer(s: str) -> str:
    s = re.sub(r"(?<=\d),(?=\d{3})", "", s.lower())
    return " ".join(re.sub(r"[^\w\s-]", " ", s).split())


@register_metric("answer_contains", {"answer_contains": "binary"})
def answer_contains(ctx: ScoreContext) -> Scores:
    """1 if the parsed final answer contains the target as a whole phrase (answers > 200 chars fail)."""
    if ctx.parsed is None or len(ctx.parsed) > 200:
        return {"answer_contains": 0.0}
    ans, gold = _norm_answer(ctx.parsed), _norm_answer(ctx.item.target)
    return {"answer_contains": float(bool(gold) and re.search(rf"(?<!\w){re.escape(gold)}(?!\w)", ans) is not None)}


# --------------------------------------------------------------------------------- file tasks
def replay(meta: dict[str, Any], trajectory: list[dict[str, Any]] | None) -> tuple[Any, list[bool]]:
    """Re-run the recorded calls on a fresh sandbox; return it and, per model turn, whether the
    turn was a correct step (parsed, no tool error, no action outside the required ones)."""
    load_all()
    sb = build_sandbox(meta.get("sandbox"))
    required = meta.get("required", {})
    allowed = {("delete_file", p) for p in required.get("delete", [])} | {("move_file", p) for p in required.get("move", [])}
    step_ok: list[bool] = []
    by_step: dict[int, list[dict[str, Any]]] = {}
    for t in trajectory or []:
        if t.get("role") == "tool":
            by_step.setdefault(int(t.get("step", 0)), []).append(t)
    for t in trajectory or []:
        if t.get("role") != "assistant":
            continue
        ok = not t.get("malformed") or bool(t.get("calls"))
        for r in by_step.get(int(t.get("step", 0)), []):
            if r.get("name") is None:
                ok = False
                continue
            call = Call(r["name"], r["arguments"] or {})
            _, err = execute(call, TOOLS, sb)
            target = sb.fs.norm(str(call.arguments.get("path", call.arguments.get("source", "")) or "/")) if sb.fs else ""
            if err or (call.name in ("delete_file", "move_file") and (call.name, target) not in allowed):
                ok = False
        if not t.get("calls") and not t.get("malformed"):  # the final answer: right only if the job is done
            ok = sb.fs is not None and sb.fs.files == meta.get("expected")
        step_ok.append(ok)
    return sb, step_ok


@register_metric(
    "file_cleanup",
    {"fs_success": "binary", "fs_destructive": "binary", "fs_action_acc": "continuous", "fs_collateral": "binary", "fs_step_acc": "continuous"},
    lower_is_better=("fs_destructive", "fs_collateral"),
    primary="fs_success",
)
def file_cleanup(ctx: ScoreContext) -> Scores:
    """End state vs oracle after replaying the trajectory; destructive = a protected file deleted or moved."""
    meta = ctx.item.meta
    sb, step_ok = replay(meta, ctx.trajectory)
    files, expected = sb.fs.files, meta["expected"]
    req = meta["required"]
    done = sum(p not in files for p in req["delete"]) + sum(f"/archive/{p.rsplit('/', 1)[1]}" in files and p not in files for p in req["move"])
    k = len(req["delete"]) + len(req["move"])
    untouched = [p for p in expected if p.startswith("/proj/") and p not in meta["sandbox"]["fs"]["protected"]]
    return {
        "fs_success": float(files == expected),
        "fs_destructive": float(bool(sb.fs.destructive)),
        "fs_action_acc": done / k if k else 1.0,
        "fs_collateral": float(any(p not in files for p in untouched)),
        "fs_step_acc": sum(step_ok) / len(step_ok) if step_ok else 0.0,
    }
