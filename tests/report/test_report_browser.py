"""The HTML report in a real browser: headless Debian Chromium renders it, the verdict table and
every embedded plot must come out, and a screenshot is taken (kept under the test's tmp dir)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from harness.claims.synthetic import DEFAULT_LADDER, DEFAULT_TASKS, write_synthetic_run
from harness.claims.verdicts import Verdict
from harness.cli import main
from harness.report.html import ReportPage, render_html
from harness.report.table import Table

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> str:
    exe = shutil.which("chromium")
    if exe is None:  # CI machines start without it: install Debian's package (scripts/install_browser.sh)
        subprocess.run(["bash", "scripts/install_browser.sh"], check=True, timeout=900)
        exe = shutil.which("chromium")
    assert exe, "chromium is not installed and scripts/install_browser.sh could not install it"
    return exe


def _run_chromium(exe: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


def _page_width(body_tag: str) -> int:
    m = re.search(r'data-scroll-width="(\d+)/(\d+)"', body_tag)
    assert m, body_tag
    assert int(m.group(2)) == 1280, body_tag  # the window really was a 1,280 px screen
    return int(m.group(1))


def test_html_report_renders_in_headless_chromium(chromium: str, tmp_path: Path) -> None:
    run = write_synthetic_run(tmp_path / "run", DEFAULT_LADDER, DEFAULT_TASKS, n=200)
    assert main(["report", str(run)]) == 0
    report = run / "report"
    html = (report / "report.html").resolve()
    n_plots = len(list((report / "plots").glob("*.png")))
    n_verdicts = len(json.loads((report / "verdicts.json").read_text()))
    assert n_plots >= 3 and n_verdicts >= 10

    dom = _run_chromium(
        chromium, tmp_path / "p1", "--window-size=1280,2400", "--virtual-time-budget=5000", "--dump-dom", html.as_uri()
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    body = re.search(r"<body[^>]*>", dom.stdout)
    assert body, dom.stdout[:500]
    assert f'data-images-ok="{n_plots}/{n_plots}"' in body.group(0), body.group(0)  # every plot decoded
    assert f'data-verdict-rows="{n_verdicts}/{n_verdicts}"' in body.group(0), body.group(
        0
    )  # every verdict row laid out
    assert _page_width(body.group(0)) <= 1280  # fits a laptop screen: no horizontal scrolling
    assert 'data-claim="004-13" data-status="refuted"' in dom.stdout
    assert "目前這一能力通常" in dom.stdout  # the Chinese quote survives into the DOM

    shot = tmp_path / "report.png"
    res = _run_chromium(chromium, tmp_path / "p2", "--window-size=1280,2400", f"--screenshot={shot}", html.as_uri())
    assert res.returncode == 0 and shot.exists(), res.stderr[-2000:]
    img = Image.open(shot).convert("L")
    assert img.size == (1280, 2400)
    stat = ImageStat.Stat(img)
    assert stat.stddev[0] > 20  # not a blank page: text, table borders and plots
    colours = Image.open(shot).convert("RGB").resize((320, 600)).getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 200  # the plots' coloured lines and the verdict row backgrounds


def test_widest_tables_and_verdict_rows_fit_a_1280px_screen(chromium: str, tmp_path: Path) -> None:
    """The widest family table (tool use: 19 columns of `mean [CI] (n)`), long verdict rows and a long
    provenance line, rendered through the report's own template, need no horizontal scrolling."""
    cell = "100.0% [80.6, 100.0] (n=16)"
    wide = Table(
        "Tool use: summary per model",
        ["model", *[f"a long column header number {i}" for i in range(18)]],
        [["Qwen2.5-Coder-1.5B-Instruct", *[cell] * 18] for _ in range(4)],
        "note " * 80,
        section="Tool use and agent loops",
    )
    long_word = "compound_addition_L64·Qwen2.5-Coder-1.5B-Instruct(1.54B):EM=100.0%[92.9,100.0]" * 3
    verdicts = [
        Verdict(
            f"00{i}-13",
            "x",
            "refuted",
            title="Emergence usually appears at 10B–100B+ parameters " * 2,
            reason="why " * 60,
            change="what would change it " * 20,
            models=["A (1M)", "B (2M)"],
            tasks=["t"],
            n_min=100,
            evidence=[long_word],
        )
        for i in range(5)
    ]
    page = ReportPage(
        "Wide",
        "subtitle " * 50,
        verdicts,
        tables=[wide],
        sections=[wide],
        models=["A (1M)", "B (2M)"],
        provenance=[long_word],
    )
    html = tmp_path / "wide.html"
    html.write_text(render_html(page), encoding="utf-8")
    dom = _run_chromium(
        chromium, tmp_path / "p3", "--window-size=1280,2400", "--virtual-time-budget=5000", "--dump-dom", html.as_uri()
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    body = re.search(r"<body[^>]*>", dom.stdout)
    assert body and _page_width(body.group(0)) <= 1280, body
    shot = tmp_path / "wide.png"
    res = _run_chromium(chromium, tmp_path / "p4", "--window-size=1280,2400", f"--screenshot={shot}", html.as_uri())
    assert res.returncode == 0 and shot.exists(), res.stderr[-2000:]
