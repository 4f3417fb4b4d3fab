"""Extract tool calls from messy model output, recording malformed attempts as such.

Accepted shapes (the native Qwen/Hermes one and what small models actually write):
- `<tool_call>{"name": ..., "arguments": {...}}</tool_call>` (closing tag optional at the end),
- a JSON object in a code fence or inline: `{"name": ..., "arguments"|"parameters"|"args": ...}`,
  `{"tool": ..., "args": ...}`, `{"function": {"name": ..., "arguments": "<json string>"}}`,
- several calls in one output, trailing prose, single-quoted keys/strings, Python True/False/None,
  trailing commas,
- an object wrapped in doubled braces, `{{"name": ..., "arguments": {...}}}`: Qwen2.5-Coder's own
  chat template shows the call format with doubled braces and the 1.5B model copies them. Such
  calls are executed but listed in `repaired` (they were not valid JSON as written).
Nothing is evaluated: objects are decoded with `json` after a character-level repair.
Bounded: the work is linear in the output length, and a decoded call nested deeper than MAX_DEPTH
or holding an integer of more than MAX_DIGITS digits is a malformed attempt (scored invalid),
never an exception that fails the task.
An *attempt* that cannot be decoded (an open `<tool_call>` tag, a JSON-looking object with a
"name" key, or `known_tool(` for an offered tool) is returned in `malformed`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Call:
    name: str
    arguments: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "arguments": self.arguments}


@dataclass
class Extraction:
    calls: list[Call] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)  # raw snippets of failed attempts
    repaired: list[str] = field(default_factory=list)  # calls accepted only after a structural repair (not valid JSON as written)
    text: str = ""  # the output with call blocks removed (prose / final answer)

    @property
    def attempted(self) -> bool:
        return bool(self.calls or self.malformed)


_TAG = re.compile(r"<tool_call>(.*?)(?:</tool_call>|(?=<tool_call>)|\Z)", re.S)
_FENCE = re.compile(r"```(?:json|tool_call|tool)?\s*(.*?)(?:```|\Z)", re.S)
MAX_CALLS = 8
MAX_DEPTH = 32  # nesting of a call's arguments
MAX_DIGITS = 100  # digits of any number in a call


class _TooComplex(ValueError):
    pass


def _check_bounds(obj: Any) -> Any:
    """`obj` if it nests at most MAX_DEPTH deep and has no integer beyond MAX_DIGITS digits (iterative)."""
    stack = [(obj, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _TooComplex(f"nested deeper than {MAX_DEPTH}")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
        elif isinstance(node, int) and not isinstance(node, bool) and node.bit_length() > MAX_DIGITS * 3.33:
            raise _TooComplex(f"a number of more than {MAX_DIGITS} digits")
    return obj


def _loads(s: str) -> Any:
    """json.loads with bounds: huge numbers and deep nesting raise ValueError (never RecursionError)."""
    try:
        return _check_bounds(json.loads(s))
    except RecursionError:
        raise _TooComplex("nested too deeply") from None


def _balanced_objects(text: str) -> list[tuple[int, int]]:
    """Spans of top-level {...} objects, string-aware (both quote kinds); an unclosed one runs to the end."""
    spans, depth, start, quote, esc = [], 0, -1, "", False
    for i, ch in enumerate(text):
        if quote:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == quote:
                quote = ""
            continue
        if ch in "\"'" and depth > 0:
            quote = ch
        elif ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                spans.append((start, i + 1))
    if depth > 0 and start >= 0:
        spans.append((start, len(text)))
    return spans


def _repair(s: str) -> str:
    """Single-quoted strings -> JSON strings; True/False/None -> JSON; drop trailing commas."""
    out, i, n = [], 0, len(s)
    while i < n:
        ch = s[i]
        if ch == '"':
            j = i + 1
            while j < n and s[j] != '"':
                j += 2 if s[j] == "\\" else 1
            out.append(s[i : j + 1])
            i = j + 1
        elif ch == "'":
            j, buf = i + 1, []
            while j < n and s[j] != "'":
                if s[j] == "\\" and j + 1 < n:
                    buf.append(s[j + 1] if s[j + 1] == "'" else s[j : j + 2])
                    j += 2
                    continue
                buf.append('\\"' if s[j] == '"' else s[j])
                j += 1
            out.append('"' + "".join(buf) + '"')
            i = j + 1
        else:
            out.append(ch)
            i += 1
    fixed = "".join(out)
    fixed = re.sub(r"\bTrue\b", "true", re.sub(r"\bFalse\b", "false", re.sub(r"\bNone\b", "null", fixed)))
    return re.sub(r",\s*([}\]])", r"\1", fixed)


def _decode(s: str) -> Any:
    s = s.strip()
    repaired = None
    for i in range(2):
        cand = s if i == 0 else (repaired := _repair(s))
        try:
            return _loads(cand)
        except _TooComplex:
            raise
        except ValueError:  # JSONDecodeError, or a number beyond int() limits
            continue
    # an unclosed object at the end of the output: close its braces and retry once
    opened = s.count("{") - s.count("}")
    if 0 < opened <= 4:
        try:
            return _loads((repaired or _repair(s)) + "}" * opened)
        except ValueError:
            pass
    raise ValueError("not JSON")


def to_call(obj: Any) -> Call | None:
    """Normalise the common call shapes to a Call; None if this object is not a call."""
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("function"), dict):
        obj = obj["function"]
    name = obj.get("name", obj.get("tool", obj.get("tool_name")))
    if not isinstance(name, str) or not name.strip():
        return None
    args: Any = next((obj[k] for k in ("arguments", "parameters", "args", "tool_input", "input") if k in obj), {})
    if isinstance(args, str):
        try:
            args = _loads(args) if args.strip() else {}
        except ValueError:  # not JSON, too deep, or a number too long
            return None
    else:
        try:
            _check_bounds(args)
        except ValueError:
            return None
    if not isinstance(args, dict):
        return None
    return Call(name.strip(), args)


def extract_calls(text: str, known_tools: list[str] | tuple[str, ...] = ()) -> Extraction:
    """All calls in `text` (in order, at most MAX_CALLS) plus malformed attempts and leftover prose."""
    ex = Extraction()
    consumed: list[tuple[int, int]] = []
    tagged = list(_TAG.finditer(text))
    for m in tagged:
        consumed.append(m.span())
        body = m.group(1)
        spans = _balanced_objects(body)
        if not spans:
            ex.malformed.append(m.group(0)[:300])
            continue
        for a, b in spans:
            _add(ex, body[a:b], strict=True)
    if not tagged:
        for m in _FENCE.finditer(text):
            spans = _balanced_objects(m.group(1))
            hits = [sp for sp in spans if _looks_like_call(m.group(1)[sp[0] : sp[1]])]
            if hits:
                consumed.append(m.span())
                for a, b in hits:
                    _add(ex, m.group(1)[a:b], strict=True)
        rest = _mask(text, consumed)
        for a, b in _balanced_objects(rest):
            chunk = rest[a:b]
            if _looks_like_call(chunk):
                consumed.append((a, b))
                _add(ex, chunk, strict=True)
    prose = _mask(text, consumed)
    if not ex.calls and not ex.malformed:
        for name in known_tools:
            m = re.search(rf"\b{re.escape(name)}\s*\(", prose)
            if m:
                ex.malformed.append(prose[m.start() : m.start() + 200])
                break
    ex.calls = ex.calls[:MAX_CALLS]
    # trailing blanks and blank lines dropped (per line: `re.sub(r"\s+\n", ...)` is quadratic on long blank runs)
    ex.text = "\n".join(line.rstrip() for line in prose.split("\n") if line.strip()).strip()
    return ex


def _looks_like_call(chunk: str) -> bool:
    return bool(re.search(r"""["']?(name|tool|function)["']?\s*:""", chunk))


def _add(ex: Extraction, chunk: str, *, strict: bool) -> None:
    try:
        call = to_call(_decode(chunk))
    except ValueError:
        call = None
    core = chunk.strip()
    if call is None and core.startswith("{{") and core.endswith("}}"):
        try:
            call = to_call(_decode(core[1:-1]))
        except ValueError:
            call = None
        if call is not None:
            ex.repaired.append(chunk[:300])
    if call is None:
        if strict:
            ex.malformed.append(chunk[:300])
        return
    ex.calls.append(call)


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the given spans blanked out (same length, so later offsets stay valid)."""
    chars = list(text)
    for a, b in spans:
        for i in range(a, min(b, len(chars))):
            chars[i] = " "
    return "".join(chars)
