"""Where things live: claims' decision modules and the analysis layer do not import report/, and
the generic report modules name no metric output (the metrics declare how they are shown)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from harness.metrics import OUTPUTS, load_all

HARNESS = Path(__file__).resolve().parents[2] / "harness"
GENERIC_REPORT = ["build.py", "tables.py", "table.py", "plots.py", "html.py", "verdicts.py"]


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_claims_and_analysis_do_not_import_report() -> None:
    offenders = []
    for pkg in ("claims", "analysis", "metrics", "stats"):
        for f in (HARNESS / pkg).rglob("*.py"):
            bad = {
                m
                for m in _imports(f)
                if m.startswith("harness.report") or (pkg != "claims" and m.startswith("harness.claims"))
            }
            offenders += [f"{f.relative_to(HARNESS)}: {m}" for m in sorted(bad)]
    assert not offenders, offenders


def test_generic_report_modules_name_no_metric_output() -> None:
    load_all()
    names = set(OUTPUTS)
    found = []
    for name in GENERIC_REPORT:
        text = (HARNESS / "report" / name).read_text(encoding="utf-8")
        literals = set(re.findall(r"[\"']([a-z][a-z0-9_]*)[\"']", text))
        found += [f"{name}: {lit}" for lit in sorted(literals & names)]
    assert not found, found
