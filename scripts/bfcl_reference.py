"""BFCL's own verdicts, from the installed `bfcl-eval` wheel's UNMODIFIED code (run with .venv-bfcl's python).

Reads JSON lines on stdin. An entry may be defined once and referred to by later cases:
    {"define": "simple_python_0", "category": "simple_python", "functions": [...], "gold": [...]}   (no output line)
then one case per line, with the entry's fields inline or as {"ref": "simple_python_0", ...}:
    {"category": "simple_python", "functions": [...], "gold": [...],
     "decoded": [{"fn": {"arg": value}}, ...]}      # an already decoded answer (tuples as {"__tuple__": [...]})
  or {"category": ..., "functions": ..., "gold": ..., "text": "[fn(a=1)]"}  # raw prompting-mode text
and writes one JSON line per case: {"valid": bool, "error_type": str | null}.

The logic is that of `bfcl_eval.eval_checker.eval_runner` for the single-turn categories:
`_evaluate_single_ast_entry` (decode -> `is_function_calling_format_output` -> `ast_checker`) and
`_evaluate_single_relevance_entry` (irrelevance: right iff no decodable, non-empty call). Raw text is
decoded with BFCL's `default_decode_ast_prompting` (the prompting handlers' Python-syntax decoder).

Only imports are stubbed, never the checking code: `bfcl_eval.constants.model_config` (it imports
every provider SDK; the checker only reads `underscore_to_dot`, False here because the harness maps
dotted names back before scoring) and tree_sitter (used only by the Java/JavaScript parsers).
`--self-check` checks that the pieces import and a known answer passes.
"""

from __future__ import annotations

import json
import sys
import types


def _stub_imports() -> None:
    cfg = types.ModuleType("bfcl_eval.constants.model_config")

    class _Cfg:
        underscore_to_dot = False

    class _Mapping(dict):
        def __missing__(self, key):  # noqa: ANN001
            return _Cfg()

    cfg.MODEL_CONFIG_MAPPING = _Mapping()
    sys.modules["bfcl_eval.constants.model_config"] = cfg
    ts = types.ModuleType("tree_sitter")

    class _Parser:
        def set_language(self, *_a):  # noqa: ANN002
            pass

    ts.Language = lambda *a, **k: None
    ts.Parser = _Parser
    sys.modules["tree_sitter"] = ts
    for name in ("tree_sitter_java", "tree_sitter_javascript"):
        m = types.ModuleType(name)
        m.language = lambda: None
        sys.modules[name] = m


def _untuple(x):  # noqa: ANN001, ANN202
    if isinstance(x, dict):
        if set(x) == {"__tuple__"}:
            return tuple(_untuple(v) for v in x["__tuple__"])
        return {k: _untuple(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_untuple(v) for v in x]
    return x


def main() -> int:
    _stub_imports()
    from bfcl_eval.constants.enums import Language
    from bfcl_eval.eval_checker.ast_eval.ast_checker import ast_checker
    from bfcl_eval.model_handler.utils import default_decode_ast_prompting
    from bfcl_eval.utils import is_empty_output, is_function_calling_format_output

    def verdict(case: dict) -> dict:
        cat = case["category"]
        try:
            decoded = default_decode_ast_prompting(case["text"]) if "text" in case else _untuple(case["decoded"])
        except Exception as exc:  # noqa: BLE001  (BFCL: "Failed to decode AST")
            if "irrelevance" in cat:
                return {"valid": True, "error_type": None}
            return {"valid": False, "error_type": "ast_decoder:decoder_failed", "detail": str(exc)[:200]}
        if "irrelevance" in cat:
            called = not is_empty_output(decoded)
            return {"valid": not called, "error_type": "irrelevance_error:decoder_success" if called else None}
        if not is_function_calling_format_output(decoded):
            return {"valid": False, "error_type": "ast_decoder:decoder_wrong_output_format"}
        try:
            r = ast_checker(case["functions"], decoded, case["gold"], Language.PYTHON, cat, "harness")
        except Exception as exc:  # noqa: BLE001  (a crash of BFCL's checker is reported, not hidden)
            return {"valid": False, "error_type": f"checker_exception:{type(exc).__name__}"}
        return {"valid": bool(r["valid"]), "error_type": r.get("error_type") if not r["valid"] else None}

    if "--self-check" in sys.argv:
        fn = [{"name": "f", "description": "", "parameters": {"type": "dict", "properties": {"x": {"type": "integer"}}, "required": ["x"]}}]
        ok = verdict({"category": "simple_python", "functions": fn, "gold": [{"f": {"x": [1]}}], "text": "[f(x=1)]"})
        bad = verdict({"category": "simple_python", "functions": fn, "gold": [{"f": {"x": [1]}}], "text": "[f(x=1.0)]"})
        assert ok["valid"] and not bad["valid"], (ok, bad)
        import importlib.metadata as md

        print(f"bfcl-eval {md.version('bfcl-eval')}: checker and decoder import, self-check passed")
        return 0
    out = sys.stdout
    entries: dict[str, dict] = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        case = json.loads(line)
        if "define" in case:
            entries[case.pop("define")] = case
            continue
        if "ref" in case:
            case = {**entries[case.pop("ref")], **case}
        out.write(json.dumps(verdict(case)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
