"""Call extraction from messy output and BFCL-style matching."""

from __future__ import annotations

from harness.generators import Item, get_generator
from harness.metrics.base import ScoreContext
from harness.metrics.tool_calls import agent_answer, fc_ast, match_call
from harness.tools import Call, extract_calls


def test_native_tag_and_trailing_text() -> None:
    ex = extract_calls('<tool_call>\n{"name": "calculator", "arguments": {"expression": "1+2"}}\n</tool_call> then I will answer')
    assert ex.calls == [Call("calculator", {"expression": "1+2"})] and not ex.malformed
    assert ex.text == "then I will answer"


def test_messy_shapes() -> None:
    fenced = "Sure!\n```json\n{'name': 'lookup', 'arguments': {'entity': 'Zorv', 'attribute': 'ceo',}}\n```\nDone."
    assert extract_calls(fenced).calls == [Call("lookup", {"entity": "Zorv", "attribute": "ceo"})]
    two = '<tool_call>{"name": "a", "arguments": {}}</tool_call><tool_call>{"name": "b", "arguments": "{\\"x\\": 1}"}</tool_call>'
    assert [c.name for c in extract_calls(two).calls] == ["a", "b"]
    assert extract_calls(two).calls[1].arguments == {"x": 1}
    inline = 'I will call {"function": {"name": "day_of_week", "parameters": {"date": "2020-01-01"}}} now'
    assert extract_calls(inline).calls == [Call("day_of_week", {"date": "2020-01-01"})]
    unclosed = '<tool_call>{"name": "calculator", "arguments": {"expression": "5*5"}'  # cut at the stop string
    assert extract_calls(unclosed).calls == [Call("calculator", {"expression": "5*5"})]
    pyish = '{"tool": "calculator", "args": {"expression": "2+2", "exact": True}}'
    assert extract_calls(pyish).calls[0].arguments == {"expression": "2+2", "exact": True}


def test_malformed_and_plain_answers() -> None:
    bad = extract_calls('<tool_call>{"name": "calculator", "arguments": {expression: 1+}</tool_call>')
    assert not bad.calls and len(bad.malformed) == 1 and bad.attempted
    assert extract_calls("<tool_call>nothing here</tool_call>").malformed
    pseudo = extract_calls("calculator(123 + 456)", known_tools=("calculator",))
    assert not pseudo.calls and pseudo.malformed
    plain = extract_calls("The answer is 579. A set is written {1, 2}.", known_tools=("calculator",))
    assert not plain.attempted and plain.text.startswith("The answer is 579")
    assert agent_answer("I looked it up.\nAnswer: Zoderno.", None) == "Zoderno"


def _ctx(item: Item, turn: dict) -> ScoreContext:
    return ScoreContext(item=item, output="", parsed=None, trajectory=[{"role": "assistant", **turn}])


def test_bfcl_matching_type_aware() -> None:
    gold = {"name": "convert_units", "arguments": {"value": [221], "from_unit": ["ft", "feet"], "to_unit": ["m", "meters"]}}
    assert match_call(Call("convert_units", {"value": 221.0, "from_unit": "Feet", "to_unit": "m"}), gold) == (True, 1.0)
    ok, partial = match_call(Call("convert_units", {"value": "221", "from_unit": "ft", "to_unit": "km"}), gold)
    assert not ok and abs(partial - 1 / 3) < 1e-9  # a string is not a number; km is wrong
    ok, partial = match_call(Call("convert_units", {"value": 221, "from_unit": "ft", "to_unit": "m", "precision": 2}), gold)
    assert not ok and partial == 0.75  # a hallucinated argument costs credit
    assert match_call(Call("lookup", {}), gold) == (False, 0.0)


def test_fc_ast_metric_all_categories() -> None:
    gen = get_generator("function_calling")
    simple = gen({"category": "simple"}, 3, 10)
    day = next(it for it in simple if it.meta["tool"] == "day_of_week")
    d = day.meta["gold"][0]["arguments"]["date"][0]
    right = fc_ast(_ctx(day, {"calls": [{"name": "day_of_week", "arguments": {"date": d}}], "malformed": []}))
    assert right["fc_accuracy"] == 1.0 and right["fc_json_valid"] == 1.0
    twice = fc_ast(_ctx(day, {"calls": [{"name": "day_of_week", "arguments": {"date": d}}] * 2, "malformed": []}))
    assert twice["fc_accuracy"] == 0.0 and twice["fc_args"] == 1.0
    none = fc_ast(_ctx(day, {"calls": [], "malformed": ["<tool_call>{oops"]}))
    assert none["fc_accuracy"] == 0.0 and none["fc_json_valid"] == 0.0 and none["fc_called"] == 0.0
    irr = gen({"category": "irrelevance"}, 3, 3)[0]
    assert fc_ast(_ctx(irr, {"calls": [], "malformed": []}))["fc_accuracy"] == 1.0
    assert fc_ast(_ctx(irr, {"calls": [{"name": "calculator", "arguments": {"expression": "1"}}], "malformed": []}))["fc_accuracy"] == 0.0


def test_doubled_braces_from_the_qwen_coder_template_are_repaired_and_flagged() -> None:
    """Qwen2.5-Coder's chat template shows `{{"name": ..., "arguments": ...}}` and the 1.5B model
    copies it: the call is executed, scored for accuracy, but not counted as valid JSON."""
    raw = '{{"name": "calculator", "arguments": {"expression": "33 * 73 + 414"}}}'
    ex = extract_calls(raw, ("calculator",))
    assert ex.calls == [Call("calculator", {"expression": "33 * 73 + 414"})] and ex.repaired == [raw] and not ex.malformed
    placeholder = extract_calls('{{"name": "TOOL_NAME", "arguments": {...}}}', ("calculator",))
    assert not placeholder.calls and placeholder.malformed  # a copied placeholder stays malformed
    item = Item(id="x", fields={}, target="", meta={"gold": [{"name": "calculator", "arguments": {"expression": ["33 * 73 + 414", "33*73+414"]}}]})
    s = fc_ast(_ctx(item, {"calls": [c.as_dict() for c in ex.calls], "malformed": [], "repaired": ex.repaired}))
    assert s["fc_accuracy"] == 1.0 and s["fc_json_valid"] == 0.0


def test_fc_matcher_bugs_of_issue_16_are_fixed() -> None:
    days = {"name": "date_add_days", "arguments": {"date": ["2020-01-01"], "days": [5]}}
    assert match_call(Call("date_add_days", {"date": "2020-01-01", "days": 5}), days)[0]
    assert not match_call(Call("date_add_days", {"date": "2020-01-01", "days": 5.0}), days)[0]  # float for an integer param
    conv = {"name": "convert_units", "arguments": {"value": [8.854e-12], "from_unit": ["ft"], "to_unit": ["m"]}}
    for v in (8.854e-11, 0.0):
        assert not match_call(Call("convert_units", {"value": v, "from_unit": "ft", "to_unit": "m"}), conv)[0]  # exact numbers
    big = {"name": "convert_units", "arguments": {"value": [213000000], "from_unit": ["ft"], "to_unit": ["m"]}}
    assert not match_call(Call("convert_units", {"value": 213000001, "from_unit": "ft", "to_unit": "m"}), big)[0]
    nested = {"name": "x", "arguments": {"opts": [{"a": ["v"], "b": [1, ""]}], "rows": [[{"k": ["v"]}]], "s": ["", "metric"]}}
    assert match_call(Call("x", {"opts": {"a": "V"}, "rows": [{"k": "v"}], "s": ""}), nested)[0]  # dicts, list of dicts, explicit ""
    assert not match_call(Call("x", {"opts": {"b": 1}, "rows": [{"k": "v"}]}), nested)[0]


def test_fc_irrelevance_counts_a_repaired_truncated_call_as_no_call() -> None:
    irr = get_generator("function_calling")({"category": "irrelevance"}, 3, 1)[0]
    turn = {"calls": [{"name": "calculator", "arguments": {}}], "malformed": [], "repaired": ['<tool_call>{"name": "calculator", "arguments": {']}
    assert fc_ast(_ctx(irr, turn))["fc_accuracy"] == 1.0
