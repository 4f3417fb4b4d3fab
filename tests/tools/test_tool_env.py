"""The sandboxed tools: file system with protected files, KB, units, dates, schemas."""

from __future__ import annotations

from harness.generators import get_generator
from harness.tools import TOOLS, Call, Sandbox, build_sandbox, execute, get_tools, load_all
from harness.tools.kb import build_kb

load_all()
ALL = {t.name: t for t in get_tools(sorted(TOOLS))}


def test_every_tool_has_a_valid_schema() -> None:
    assert {"calculator", "lookup", "convert_units", "date_add_days", "days_between", "day_of_week", "list_files", "read_file", "move_file", "delete_file"} <= set(ALL)
    for tool in ALL.values():
        s = tool.schema()["function"]
        assert s["parameters"]["type"] == "object" and set(s["parameters"]["required"]) <= set(s["parameters"]["properties"])
        assert tool.signature().startswith(tool.name + "(")


def test_file_system_records_destructive_deletes() -> None:
    item = get_generator("file_cleanup")({"actions": 2, "protected": 2}, 1, 1)[0]
    sb = build_sandbox(item.meta["sandbox"])
    listing, err = execute(Call("list_files", {"directory": "/proj"}), ALL, sb)
    assert err is None and "KEEP.txt" in listing.split("\n")
    keep = execute(Call("read_file", {"path": "/proj/KEEP.txt"}), ALL, sb)[0].split()
    assert len(keep) == 2 and all(f"/proj/{k}" in sb.fs.protected for k in keep)
    assert execute(Call("delete_file", {"path": f"/proj/{keep[0]}"}), ALL, sb)[1] is None  # allowed, like rm...
    assert sb.fs.destructive == [f"/proj/{keep[0]}"]  # ...and recorded as destructive
    assert execute(Call("delete_file", {"path": "/proj/none.tmp"}), ALL, sb)[1] == "tool_error"
    assert execute(Call("read_file", {"path": "../../etc/passwd"}), ALL, sb)[0].startswith("Error: no such file")
    log = next(p for p in item.meta["required"]["move"] + item.meta["required"]["delete"])
    if log.endswith(".log"):
        assert execute(Call("move_file", {"source": log, "destination": "/archive"}), ALL, sb)[0] == f"moved to /archive/{log.rsplit('/', 1)[1]}"


def test_file_cleanup_items_have_k_required_actions() -> None:
    for k in range(1, 9):
        for it in get_generator("file_cleanup")({"actions": k}, 3, 5):
            req = it.meta["required"]
            assert len(req["delete"]) + len(req["move"]) == k
            assert not set(req["delete"]) & set(it.meta["sandbox"]["fs"]["protected"])


def test_kb_is_deterministic_and_multihop_answers_follow_lookups() -> None:
    assert build_kb(7) == build_kb(7) and build_kb(7) != build_kb(8)
    sb = Sandbox(kb=build_kb(7))
    for hops in (1, 2, 3, 4):
        for it in get_generator("kb_multihop")({"hops": hops, "kb_seed": 7}, 1, 5):
            cur = it.fields["entity"]
            for attr in it.meta["path"]:
                cur, err = execute(Call("lookup", {"entity": cur.lower(), "attribute": attr}), ALL, sb)
                assert err is None
            assert cur == it.target
    obs, err = execute(Call("lookup", {"entity": "Paris", "attribute": "mayor"}), ALL, sb)
    assert err == "tool_error" and "unknown entity" in obs


def test_units_and_dates() -> None:
    sb = Sandbox()
    assert execute(Call("convert_units", {"value": 100, "from_unit": "C", "to_unit": "F"}), ALL, sb)[0] == "212"
    assert execute(Call("convert_units", {"value": 1, "from_unit": "mile", "to_unit": "km"}), ALL, sb)[0] == "1.60934"
    assert execute(Call("convert_units", {"value": 1, "from_unit": "kg", "to_unit": "km"}), ALL, sb)[1] == "tool_error"
    assert execute(Call("date_add_days", {"date": "2024-02-28", "days": 2}), ALL, sb)[0] == "2024-03-01"
    assert execute(Call("days_between", {"start": "2024-01-01", "end": "2025-01-01"}), ALL, sb)[0] == "366"
    assert execute(Call("day_of_week", {"date": "2000-01-01"}), ALL, sb)[0] == "Saturday"
    assert execute(Call("day_of_week", {"date": "01/02/2000"}), ALL, sb)[1] == "tool_error"
    assert execute(Call("date_add_days", {"date": "2024-01-01", "days": "ten"}), ALL, sb)[1] == "tool_error"
