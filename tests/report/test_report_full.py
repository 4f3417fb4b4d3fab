"""`harness report` on synthetic runs: verdicts, plots, anchors, Markdown and self-contained HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from harness.claims.synthetic import DEFAULT_LADDER, DEFAULT_TASKS, SynthModel, write_synthetic_run
from harness.cli import main


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = write_synthetic_run(tmp_path_factory.mktemp("run"), DEFAULT_LADDER, DEFAULT_TASKS, n=200)
    assert main(["report", str(run), "--title", "Synthetic ladder"]) == 0
    return run / "report"


def test_report_files_and_verdicts(reported: Path) -> None:
    for name in ("table.md", "table.csv", "verdicts.json", "report.md", "report.html"):
        assert (reported / name).stat().st_size > 0, name
    verdicts = {v["rule_id"]: v for v in json.loads((reported / "verdicts.json").read_text())}
    assert verdicts["004-13"]["status"] == "refuted" and verdicts["001-28"]["status"] == "supported"
    md = (reported / "report.md").read_text()
    assert "| [004-13](#claim-004-13)" in md and '<a id="claim-004-13"></a>' in md
    assert "目前這一能力通常在百億、千億級別的參數(shù)區(qū)間出現(xiàn)" in md  # the claim's quote, verbatim


def test_plots_are_pngs_linked_from_html_or_embedded_on_request(reported: Path, tmp_path: Path) -> None:
    pngs = sorted((reported / "plots").glob("*.png"))
    names = {p.stem for p in pngs}
    assert {"scaling_addition_3digit", "conditions_addition"} <= names
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    html = (reported / "report.html").read_text()
    linked = re.findall(r'<img src="plots/([^"]+)\.png"', html)  # the PNGs beside the page, not a second copy inside it
    assert sorted(linked) == sorted(names) and "data:image/png" not in html
    assert "<script src" not in html and 'href="http' not in html  # nothing from the network
    assert main(["report", str(reported.parent), "--out", str(tmp_path / "one"), "--embed-figures"]) == 0
    one = (tmp_path / "one" / "report.html").read_text()
    assert len(re.findall(r'<img src="data:image/png;base64,', one)) == len(pngs)  # one self-contained file


def test_html_verdict_table_links_to_quotes_and_shows_anchors(reported: Path) -> None:
    html = (reported / "report.html").read_text()
    rows = re.findall(r'<tr class="verdict-row [^"]*" data-claim="([^"]+)" data-status="([^"]+)">', html)
    assert ("004-13", "refuted") in rows and len(rows) >= 10
    assert 'href="#claim-000-25"' in html and 'id="claim-000-25"' in html
    assert "80.4%" in html and "Table 3.9" in html  # GPT-3 3D+ few-shot beside our addition_3digit


def test_report_on_a_partial_run_with_an_unknown_task(tmp_path: Path) -> None:
    models = [
        SynthModel("only", 5 * 10**8, "x", 0.6),
        SynthModel("perfect", 10**9, "x", 1.0),
    ]  # n/n: interval ends at the mean
    run = write_synthetic_run(tmp_path, models, {"addition_2digit": 2, "mystery_task": 2}, n=50)
    assert main(["report", str(run)]) == 0
    verdicts = {v["rule_id"]: v["status"] for v in json.loads((run / "report" / "verdicts.json").read_text())}
    assert verdicts["001-28"] == "not run" and verdicts["004-13"] == "not run"
    assert verdicts["001-14"] == "inconclusive"  # N = 50 < 100
    assert (run / "report" / "plots" / "scaling_mystery_task.png").exists()


def test_report_on_an_empty_dir_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path)]) == 2
    assert "no records" in capsys.readouterr().err


def test_claims_cli_lists_and_prints_verdicts(reported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["claims", "list"]) == 0
    listed = capsys.readouterr().out
    assert "000-25" in listed and "em_vs_digit_error" in listed
    assert main(["claims", "list", "--all"]) == 0
    assert "004-U31" in capsys.readouterr().out
    assert main(["claims", "verdicts", str(reported.parent)]) == 0
    assert re.search(r"004-13\s+refuted", capsys.readouterr().out)


def test_combined_report_over_two_run_folders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Zero-shot and few-shot halves written to different folders decide 001-28 only together."""
    a = write_synthetic_run(tmp_path / "a", DEFAULT_LADDER, {"addition_3digit": 3}, n=200)
    b = write_synthetic_run(tmp_path / "b", DEFAULT_LADDER, {"addition_3digit_0shot": 3}, n=200)
    assert main(["report", str(a), str(b), "--out", str(tmp_path / "combined")]) == 0
    verdicts = {v["rule_id"]: v for v in json.loads((tmp_path / "combined" / "verdicts.json").read_text())}
    assert verdicts["001-28"]["status"] == "supported"
    md = (tmp_path / "combined" / "report.md").read_text()
    assert md.count("## Arithmetic and emergence") == 1  # the family section, once, over both folders
    emergence = (tmp_path / "combined" / "tables" / "emergence.csv").read_text()
    assert "addition_3digit," in emergence and "addition_3digit_0shot," in emergence
    assert main(["report", str(a)]) == 0  # one folder alone: the pair is not there
    alone = {v["rule_id"]: v for v in json.loads((a / "report" / "verdicts.json").read_text())}
    assert alone["001-28"]["status"] == "inconclusive" and "no model ran both conditions" in alone["001-28"]["reason"]
    assert main(["report", str(a), str(b)]) != 0
    assert "needs an output folder (--out)" in capsys.readouterr().err


def test_report_opens_with_the_limitations_block(reported: Path) -> None:
    md = (reported / "report.md").read_text()
    assert md.index("## Read this first: limitations") < md.index("## Verdicts")
    assert "mixes 2 families (synth-a, synth-b)" in md and "One greedy decode per item" in md
    assert "independent analysis(es)" in md
    html = (reported / "report.html").read_text()
    assert html.index('id="limitations-list"') < html.index('id="verdict-table"') and "mixes 2 families" in html
