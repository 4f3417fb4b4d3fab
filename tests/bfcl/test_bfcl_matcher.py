"""BFCL semantics of the matcher and decoders, on hand-made cases (no BFCL install needed)."""

from __future__ import annotations

import pytest

from harness.metrics.bfcl import BfclOptions, DecodeError, check, decode_and_check, decode_fc, decode_prompting


def doc(name: str, **props: dict) -> dict:
    return {"name": name, "description": "", "parameters": {"type": "dict", "properties": props, "required": [next(iter(props))]}}


F = [doc("f", n={"type": "integer"}, x={"type": "float"}, s={"type": "string"}, opts={"type": "dict", "properties": {}},
         rows={"type": "array", "items": {"type": "dict"}}, xs={"type": "array", "items": {"type": "float"}})]
GOLD = [{"f": {"n": [3], "x": [8.854e-12], "s": ["", "metric"], "opts": [{"a": ["x"], "b": [1, ""]}, ""],
               "rows": [[{"k": ["v"]}], ""], "xs": [[1.5, 2.0], ""]}}]


def ok(call_args: dict, category: str = "simple_python") -> bool:
    return check(F, [{"f": call_args}], GOLD, category).valid


def test_types_come_from_the_schema() -> None:
    assert ok({"n": 3, "x": 8.854e-12})
    assert not ok({"n": 3.0, "x": 8.854e-12})  # float for an integer: never
    g_xs = [{"f": {"n": [3], "x": [1.0], "xs": [[1.5, 2.0]]}}]
    assert check(F, [{"f": {"n": 3, "x": 1.0, "xs": [1.5, 2.0]}}], g_xs, "simple_python").valid
    assert not check(F, [{"f": {"n": 3, "x": 1.0, "xs": [1.5, 2]}}], g_xs, "simple_python").valid  # an int element in a float array
    # BFCL quirk, kept: where the array is optional ("" among its answers) the element types are not checked
    assert ok({"n": 3, "x": 8.854e-12, "xs": [1.5, 2]})
    g2 = [{"f": {"n": [3], "x": [5.0]}}]
    assert check(F, [{"f": {"n": 3, "x": 5}}], g2, "simple_python").valid  # int for float: allowed


def test_numbers_compare_exactly() -> None:
    for x in (8.854e-11, 0.0, 8.854e-12 + 1e-20):
        assert not ok({"n": 3, "x": x})
    assert not ok({"n": 4, "x": 8.854e-12})


def test_dict_and_list_of_dict_parameters() -> None:
    assert ok({"n": 3, "x": 8.854e-12, "opts": {"a": "X"}})  # b optional, strings normalised
    assert not ok({"n": 3, "x": 8.854e-12, "opts": {"b": 1}})  # a missing
    assert ok({"n": 3, "x": 8.854e-12, "rows": [{"k": "v"}]})
    assert not ok({"n": 3, "x": 8.854e-12, "rows": [{"k": "w"}]})


def test_optional_parameters_and_the_empty_string() -> None:
    assert ok({"n": 3, "x": 8.854e-12, "s": ""})  # explicit "" for an optional string
    assert ok({"n": 3, "x": 8.854e-12, "s": "Metric"})
    assert not ok({"n": 3, "x": 8.854e-12, "s": "imperial"})
    assert not ok({"x": 8.854e-12})  # required n missing
    assert not ok({"n": 3, "x": 8.854e-12, "extra": 1})


def test_parallel_calls_match_in_any_order() -> None:
    g = [{"f": {"n": [1], "x": [1.0]}}, {"f": {"n": [2], "x": [2.0]}}]
    calls = [{"f": {"n": 2, "x": 2.0}}, {"f": {"n": 1, "x": 1.0}}]
    assert check(F, calls, g, "parallel").valid
    assert not check(F, calls[:1], g, "parallel").valid  # one call of two
    assert not check(F, calls[:1], g[:1], "simple_python").valid  # wrong one


def test_greedy_parallel_matching_is_bfcls_and_optimal_is_an_option() -> None:
    g = [{"f": {"n": [1, 2], "x": [1.0]}}, {"f": {"n": [1], "x": [1.0]}}]
    calls = [{"f": {"n": 1, "x": 1.0}}, {"f": {"n": 2, "x": 1.0}}]
    assert not check(F, calls, g, "parallel").valid  # the first answer takes call 0, the second finds none
    assert check(F, calls, g, "parallel", BfclOptions(parallel_matching="optimal")).valid


def test_prompting_decoder_never_executes_text() -> None:
    assert decode_prompting("[f(n=3, x=2**3)]") == [{"f": {"n": 3, "x": 8}}]
    assert decode_prompting("```\nmath.sqrt(x=4)\n```") == [{"math.sqrt": {"x": 4}}]
    # a call inside a value is kept as text (BFCL's reading), never run
    assert decode_prompting("[f(n=__import__('os').system('true'))]") == [{"f": {"n": "__import__('os').system('true')"}}]
    for bad in ["[f(n=lambda: 1)]", "[f(n=", "[f(n=9**9**9)]", "hello"]:
        with pytest.raises(DecodeError):
            decode_prompting(bad)


def test_irrelevance_is_no_decodable_call() -> None:
    truncated = '<tool_call>\n{"name": "f", "arguments": {'
    assert decode_fc(truncated) == []
    assert decode_and_check(truncated, F, [], "irrelevance", mode="fc")[0].valid
    assert not decode_and_check('<tool_call>\n{"name": "f", "arguments": {"n": 1}}\n</tool_call>', F, [], "irrelevance", mode="fc")[0].valid
    assert decode_and_check("I cannot help with that.", F, [], "irrelevance")[0].valid
    assert not decode_and_check("[f(n=1)]", F, [], "irrelevance")[0].valid


def test_fc_names_are_mapped_back_and_server_calls_read() -> None:
    calls = decode_fc("", [{"type": "function", "function": {"name": "math_f", "arguments": '{"n": 3}'}}], {"math_f": "math.f"})
    assert calls == [{"math.f": {"n": 3}}]
