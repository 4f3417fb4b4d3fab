"""`harness bench` report files: the committed benchmark table re-renders from its JSON, and
regenerating it keeps the hand-written notes under the marker."""

from __future__ import annotations

import json
from pathlib import Path

from harness.bench import NOTES_MARKER, render_markdown, write_markdown


def test_committed_benchmark_json_renders_every_cell() -> None:
    data = json.loads(Path("results/benchmarks.json").read_text())
    md = render_markdown(data)
    for c in data["cells"]:
        assert f"{c['cell']['model']} / {c['cell']['task']} / N={c['cell']['n']}" in md


def test_regenerating_keeps_the_notes(tmp_path: Path) -> None:
    p = tmp_path / "bench.md"
    write_markdown(p, "table v1\n")
    assert p.read_text() == "table v1\n"
    p.write_text(p.read_text() + f"\n{NOTES_MARKER}\n\nwhy the numbers look like this\n")
    write_markdown(p, "table v2\n")
    text = p.read_text()
    assert text.startswith("table v2\n") and "table v1" not in text and text.endswith("why the numbers look like this\n")
