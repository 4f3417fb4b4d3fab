"""BFCL scoring: decoding a reply into calls, and the schema-aware AST matcher, with BFCL v4's semantics.

Decoding (never eval/exec of model text):
- prompting mode: the reply is Python-syntax calls, `[f(a=1), g(b="x")]`, read with `ast` exactly as
  BFCL's `default_decode_ast_prompting` reads it (wrap in [ ], keyword arguments only, a call with
  keywords inside a value becomes a nested {name: args}, a bare name becomes its string ...). BFCL
  `eval`s arithmetic (`2**10`); here only number/string constants under + - * / // % ** are
  computed (bounded), anything else fails to decode as BFCL's eval would fail on it.
- function-calling mode: `<tool_call>\\n{json}\\n</tool_call>` blocks (Qwen's native template, BFCL's
  Qwen FC handler: a block that is not valid JSON is dropped, so a truncated call is no call), or the
  server's parsed `tool_calls` (OpenAI `tools`). Dotted names, sent as `a_b`, are mapped back first.

Matching (`check`), as BFCL's `ast_checker` for Python: the function doc's types decide
(int accepted for `float`, never float for `integer`; `tuple` as list; `any` as string), values are
compared exactly (strings after BFCL's normalisation: no spaces or `,./-_*^`, lower case, ' -> "),
dict and list-of-dict parameters key by key, optional parameters may be omitted where the answer
list holds "", a "variable" answer (an answer whose type differs from the doc's, e.g. a name given as
a string for an integer) accepts that type, `parallel*` matches calls in any order, `multiple*`
checks the first call, the rest need exactly one call; irrelevance: right iff no decodable call.
BFCL quirks kept by default, each a named option of `BfclOptions`: greedy parallel matching
(`parallel_matching="greedy"`; "optimal" finds a full matching when one exists) and the unary
operator quirk (`unary_plus_negates=True`: BFCL reads `+5` and `not 1` as negations).
The cross-check against BFCL's unmodified checker is tests/bfcl/test_crosscheck.py.
"""

from __future__ import annotations

import ast
import json
import operator
import re
from dataclasses import dataclass
from typing import Any, Literal

from harness.metrics.base import ScoreContext, Scores, register_metric

Call = dict[str, dict[str, Any]]  # {"name": {arg: value}}, BFCL's decoded form
PY_TYPES: dict[str, type] = {"string": str, "integer": int, "float": float, "boolean": bool, "array": list, "tuple": list, "dict": dict, "any": str}
_STD = re.compile(r"[ ,./\-_*^]")


class DecodeError(ValueError):
    """The reply does not decode into calls."""


@dataclass(frozen=True)
class BfclOptions:
    parallel_matching: Literal["greedy", "optimal"] = "greedy"
    unary_plus_negates: bool = True


DEFAULT = BfclOptions()


@dataclass(frozen=True)
class Verdict:
    valid: bool
    error_type: str | None = None


# ------------------------------------------------------------------------------------ decoding
_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}


def _arith(node: ast.AST) -> Any:
    """Constant arithmetic only (what BFCL's eval of a BinOp yields on literals); anything else fails."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, complex, str, bytes)):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _arith(node.operand)
        return -v if isinstance(node.op, ast.USub) else +v
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        a, b = _arith(node.left), _arith(node.right)
        if isinstance(node.op, ast.Pow) and (not isinstance(b, (int, float)) or abs(b) > 256 or (isinstance(a, (int, float)) and abs(a) > 1e6 and b > 8)):
            raise DecodeError("exponent too large to compute safely")
        if isinstance(node.op, ast.Mult) and any(isinstance(x, (str, bytes)) for x in (a, b)) and any(isinstance(x, int) and x > 10_000 for x in (a, b)):
            raise DecodeError("string repetition too large")
        try:
            return _BINOPS[type(node.op)](a, b)
        except Exception as exc:  # noqa: BLE001  (ZeroDivisionError, TypeError: BFCL's eval raises too)
            raise DecodeError(f"cannot compute {ast.unparse(node)}: {exc}") from None
    raise DecodeError(f"not constant arithmetic: {ast.unparse(node)}")


def _value(node: ast.AST | None, opts: BfclOptions) -> Any:
    if isinstance(node, ast.Constant):
        return "..." if node.value is Ellipsis else node.value
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.operand, ast.Constant):
            raise DecodeError("unary operator on a non-constant")
        v = node.operand.value
        if not isinstance(node.op, ast.USub) and not opts.unary_plus_negates:
            return _arith(node) if isinstance(node.op, ast.UAdd) else (not v if isinstance(node.op, ast.Not) else ~v)
        if isinstance(v, (str, bytes)) or v is None or v is Ellipsis:
            raise DecodeError("unary minus on a non-number")
        return -v
    if isinstance(node, ast.List):
        return [_value(v, opts) for v in node.elts]
    if isinstance(node, ast.Dict):
        return {_value(k, opts): _value(v, opts) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.BinOp):
        return _arith(node)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return _call(node, opts) if node.keywords else ast.unparse(node)
    if isinstance(node, ast.Tuple):
        return tuple(_value(v, opts) for v in node.elts)
    if isinstance(node, ast.Subscript):
        return ast.unparse(node.value) + "[" + ast.unparse(node.slice) + "]"
    raise DecodeError(f"unsupported value: {type(node).__name__}")


def _call(node: ast.Call, opts: BfclOptions) -> Call:
    parts = []
    f: ast.AST = node.func
    while isinstance(f, ast.Attribute):
        parts.append(f.attr)
        f = f.value
    if isinstance(f, ast.Name):
        parts.append(f.id)
    return {".".join(reversed(parts)): {kw.arg: _value(kw.value, opts) for kw in node.keywords}}  # type: ignore[misc]


def decode_prompting(text: str, opts: BfclOptions = DEFAULT) -> list[Call]:
    """Python-syntax calls as BFCL's prompting decoder reads them; DecodeError if they do not parse."""
    s = text.strip("`\n ")
    s = ("" if s.startswith("[") else "[") + s + ("" if s.endswith("]") else "]")
    s = s.strip().strip("'")
    if len(s) > 100_000:
        raise DecodeError("reply too long to parse")
    try:
        body = ast.parse(s, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise DecodeError(f"not Python syntax: {exc}") from None
    if isinstance(body, ast.Call):
        return [_call(body, opts)]
    elts = getattr(body, "elts", None)
    if elts is None:
        raise DecodeError("not a call or a list of calls")
    out = []
    for e in elts:
        if not isinstance(e, ast.Call):
            raise DecodeError("a list element is not a call")
        out.append(_call(e, opts))
    return out


_TOOL_CALL = re.compile(r"<tool_call>\n(.*?)\n</tool_call>", re.S)


def decode_fc(text: str, tool_calls: list[dict[str, Any]] | None = None, name_map: dict[str, str] | None = None) -> list[Call]:
    """Native tool calls: the server's parsed `tool_calls`, else `<tool_call>` JSON blocks in the text
    (invalid blocks dropped, as BFCL's Qwen FC handler does). Sanitised names are mapped back."""
    name_map = name_map or {}
    raw: list[Any] = []
    if tool_calls:
        for tc in tool_calls:
            fn = tc.get("function", tc) if isinstance(tc, dict) else None
            if not isinstance(fn, dict):
                continue
            args = fn.get("arguments")
            if isinstance(args, str):
                try:
                    args = json.loads(args)
                except ValueError:
                    continue
            raw.append({"name": fn.get("name"), "arguments": args})
    else:
        for block in _TOOL_CALL.findall(text):
            try:
                raw.append(json.loads(block))
            except ValueError:
                pass
    out: list[Call] = []
    for c in raw:
        if not isinstance(c, dict) or not isinstance(c.get("arguments"), dict) or "name" not in c:
            raise DecodeError("a tool call is not {name, arguments}")
        name = c["name"]
        out.append({name_map.get(name, name) if isinstance(name, str) else name: dict(c["arguments"])})
    return out


def is_call_list(decoded: Any) -> bool:
    """BFCL's `is_function_calling_format_output`: [{name: {args}}, ...] ([] included)."""
    return isinstance(decoded, list) and all(
        isinstance(c, dict) and len(c) == 1 and isinstance(next(iter(c.values())), dict) for c in decoded)


def is_empty(decoded: Any) -> bool:
    """BFCL's `is_empty_output`: no call at all (irrelevance scoring)."""
    return not is_call_list(decoded) or len(decoded) == 0 or (len(decoded) == 1 and len(decoded[0]) == 0)


# ------------------------------------------------------------------------------------ matching
def standardize(s: str) -> str:
    return _STD.sub("", s).lower().replace("'", '"')


def _std(x: Any) -> Any:
    return standardize(x) if type(x) is str else x


def _answer_type(acceptable: list[Any]) -> type | None:
    for a in acceptable:
        if a != "":
            return type(a)
    return None


def _type_ok(value: Any, acceptable: list[Any], expected: type, nested: type | None) -> tuple[bool, bool]:
    """(type accepted, the answer is a "variable"). A value of the answer's own type is accepted when that
    type differs from the doc's; arrays check their elements one level deep against some answer list."""
    ans_type = _answer_type(acceptable)
    variable = ans_type is not None and ans_type is not expected
    if type(value) is expected:
        if nested is None:
            return True, variable
        for cand in acceptable:
            if type(cand) is not list or all(_type_ok(el, cand, nested, None)[0] for el in value):
                return True, variable
        return False, variable
    return (ans_type is not None and type(value) is ans_type), True


def _dict_ok(value: dict[str, Any], acceptable: list[Any]) -> bool:
    for cand in acceptable:
        if cand == "":
            continue
        ok = True
        for k, v in value.items():
            if k not in cand or _std(v) not in [_std(x) for x in cand[k]]:
                ok = False
                break
        if ok and all(k in value or "" in vals for k, vals in cand.items()):
            return True
    return False


def _list_dict_ok(value: list[Any], acceptable: list[Any]) -> bool:
    return any(len(value) == len(cand) and all(_dict_ok(v, [c]) for v, c in zip(value, cand)) for cand in acceptable)


def check_call(doc: dict[str, Any], call: Call, gold: dict[str, dict[str, list[Any]]]) -> Verdict:
    """One decoded call against one possible answer {name: {param: [acceptable values]}}, typed by `doc`."""
    spec = next(iter(gold.values()))
    name = doc["name"]
    if name not in call:
        return Verdict(False, "wrong_func_name")
    args = call[name]
    props = doc["parameters"]["properties"]
    if any(p not in args for p in doc["parameters"]["required"]):
        return Verdict(False, "missing_required")
    for param, value in args.items():
        if param not in props or param not in spec:
            return Verdict(False, "unexpected_param")
        t = props[param]["type"]
        expected = PY_TYPES[t]
        nested = PY_TYPES[props[param]["items"]["type"]] if t in ("array", "tuple") else None
        if t == "tuple" and type(value) is tuple:
            value = list(value)
        if t == "float" and type(value) is int:  # Python's int -> float; never the reverse
            value = float(value)
        ok, variable = _type_ok(value, spec[param], expected, nested)
        if not ok:
            return Verdict(False, "type_error")
        if not variable:
            if expected is dict:
                if not _dict_ok(value, spec[param]):
                    return Verdict(False, "value_error:dict")
                continue
            if expected is list and nested is dict:
                if not _list_dict_ok(value, spec[param]):
                    return Verdict(False, "value_error:list_dict")
                continue
            if expected is str:
                if standardize(value) not in [standardize(a) for a in spec[param] if type(a) is str]:
                    return Verdict(False, "value_error:string")
                continue
            if expected is list:
                if [_std(x) for x in value] not in [[_std(x) for x in cand] for cand in spec[param]]:
                    return Verdict(False, "value_error:list")
                continue
        if value not in spec[param]:
            return Verdict(False, "value_error:others")
    if any(p not in args and "" not in vals for p, vals in spec.items()):
        return Verdict(False, "missing_optional")
    return Verdict(True)


def _doc(functions: list[dict[str, Any]], name: str) -> dict[str, Any]:
    for f in functions:
        if f["name"] == name:
            return f
    raise KeyError(f"no function doc named {name!r}")


def _parallel(functions: list[dict[str, Any]], calls: list[Call], gold: list[dict[str, Any]], opts: BfclOptions) -> Verdict:
    if opts.parallel_matching == "greedy":  # BFCL: each answer takes the first unmatched call that fits
        used: set[int] = set()
        for g in gold:
            doc = _doc(functions, next(iter(g)))
            hit = next((i for i, c in enumerate(calls) if i not in used and check_call(doc, c, g).valid), None)
            if hit is None:
                return Verdict(False, "parallel:cannot_find_match")
            used.add(hit)
        return Verdict(True)
    fits = [[check_call(_doc(functions, next(iter(g))), c, g).valid for c in calls] for g in gold]

    def assign(k: int, used: frozenset[int]) -> bool:
        return k == len(gold) or any(fits[k][i] and i not in used and assign(k + 1, used | {i}) for i in range(len(calls)))

    return Verdict(True) if assign(0, frozenset()) else Verdict(False, "parallel:cannot_find_match")


def check(functions: list[dict[str, Any]], calls: list[Call], gold: list[dict[str, Any]], category: str,
          opts: BfclOptions = DEFAULT) -> Verdict:
    """BFCL's verdict for decoded calls of one entry (`gold` = its possible answers; [] for irrelevance)."""
    if "irrelevance" in category:
        return Verdict(True) if is_empty(calls) else Verdict(False, "irrelevance:called")
    if not is_call_list(calls):
        return Verdict(False, "decoder_wrong_output_format")
    try:
        if len(calls) != len(gold):
            return Verdict(False, "wrong_count")
        if "parallel" in category:
            return _parallel(functions, calls, gold, opts)
        doc = _doc(functions, next(iter(gold[0]))) if "multiple" in category else functions[0]
        return check_call(doc, calls[0], gold[0])
    except (KeyError, TypeError, AttributeError, IndexError) as exc:  # a doc or answer the rules cannot read
        return Verdict(False, f"checker_exception:{type(exc).__name__}")


def decode_and_check(text: str, functions: list[dict[str, Any]], gold: list[dict[str, Any]], category: str, *, mode: str = "prompting",
                     tool_calls: list[dict[str, Any]] | None = None, name_map: dict[str, str] | None = None,
                     opts: BfclOptions = DEFAULT) -> tuple[Verdict, list[Call] | None]:
    """Decode a raw reply and score it: (verdict, decoded calls or None when it did not decode)."""
    try:
        calls = decode_fc(text, tool_calls, name_map) if mode == "fc" else decode_prompting(text, opts)
    except DecodeError:
        return (Verdict(True) if "irrelevance" in category else Verdict(False, "decoder_failed")), None
    return check(functions, calls, gold, category, opts), calls


# ------------------------------------------------------------------------------------ the metric
def reply(ctx: ScoreContext) -> dict[str, Any]:
    """The model turn the bfcl solver recorded (mode, text, server tool calls, name map), else the output as prompting text."""
    meta = next((t for t in ctx.trajectory or [] if t.get("role") == "meta"), {})
    turn = next((t for t in ctx.trajectory or [] if t.get("role") == "assistant"), {})
    return {"mode": meta.get("mode", "prompting"), "name_map": meta.get("name_map") or {}, "text": turn.get("content", ctx.output),
            "tool_calls": turn.get("tool_calls"), "finish_reason": turn.get("finish_reason")}


@register_metric("bfcl_ast", {"bfcl_accuracy": "binary", "bfcl_called": "binary", "bfcl_decoded": "binary", "bfcl_truncated": "binary"},
                 lower_is_better=("bfcl_truncated",))
def bfcl_ast(ctx: ScoreContext) -> Scores:
    """BFCL's verdict on one reply (`bfcl_accuracy`); `bfcl_called`: at least one decodable call;
    `bfcl_decoded`: the reply decoded (prompting: valid Python calls; fc: no malformed call object; a
    reply without `<tool_call>` blocks decodes to "no call", as in BFCL's Qwen FC handler);
    `bfcl_truncated`: the generation hit its token budget."""
    m, r = ctx.item.meta, reply(ctx)
    verdict, calls = decode_and_check(r["text"], m["functions"], m["gold"], m["category"], mode=r["mode"], tool_calls=r["tool_calls"],
                                      name_map=r["name_map"])
    return {"bfcl_accuracy": float(verdict.valid), "bfcl_called": float(calls is not None and not is_empty(calls)),
            "bfcl_decoded": float(calls is not None), "bfcl_truncated": float(r["finish_reason"] == "length")}
