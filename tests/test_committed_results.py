"""Committed results stay as committed, and a run shows what it is doing (fake backend, plumbing only).

- Reading or resuming an archived record file (`<task>.jsonl.gz`) never unpacks, deletes or rewrites
  it; new items go to a plain `<task>.jsonl` beside it; `git status --porcelain` is clean after a
  `harness run` that only resumed (records, metadata, summary and report untouched).
- A model whose (model, task) cells are all recorded is never loaded.
- Output that is not a terminal gets periodic progress lines with rate and ETA.
"""

from __future__ import annotations

import gzip
import io
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from harness.backends.fake import FakeBackend, arithmetic_responder
from harness.cli import main
from harness.config import load_task
from harness.config.model import ModelRegistry
from harness.runner import Runner
from harness.store import ResultStore

REPO = Path(__file__).resolve().parents[1]
TASK = next(t for t in load_task(REPO / "tasks/arithmetic/addition.yaml") if t.name == "addition_3digit")
REGISTRY = {"models": {"fake-a": {"name": "fake-a", "display_name": "Fake-A", "family": "fake", "params": 1_000_000, "instruct": False,
                                  "source": {"kind": "local", "path": "/nonexistent"}}}}


class Loads:
    """A backend factory that counts model loads."""

    def __init__(self) -> None:
        self.loads = 0

    def __call__(self, kind, spec, options):  # type: ignore[no-untyped-def]
        self.loads += 1
        return FakeBackend(arithmetic_responder(0.3))


def _runner(root: Path, factory: Loads, console: Console | None = None, show_progress: bool = False) -> Runner:
    return Runner(ResultStore(root), ModelRegistry.model_validate(REGISTRY), backend_factory=factory, chunk_size=4,
                  console=console or Console(file=io.StringIO()), show_progress=show_progress)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def test_resume_only_run_leaves_committed_checkout_clean(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.fail("git is needed for this test")
    repo = tmp_path / "checkout"
    (repo / "configs").mkdir(parents=True)
    (repo / "configs/models.yaml").write_text(yaml.safe_dump(REGISTRY))
    sweep = repo / "configs/sweep.yaml"
    sweep.write_text(yaml.safe_dump({"name": "fake-sweep", "models": ["fake-a"], "tasks": ["addition_3digit"], "backend": {"kind": "fake"},
                                     "output_dir": str(repo / "results/fake"), "task_dir": str(REPO / "tasks"),
                                     "model_registry": str(repo / "configs/models.yaml")}))
    assert main(["run", str(sweep), "--limit", "8", "--no-progress"]) == 0
    assert main(["archive", str(repo / "results/fake")]) == 0
    gz = repo / "results/fake/records/fake-a/addition_3digit.jsonl.gz"
    plain = gz.with_suffix("")
    assert gz.exists() and not plain.exists()
    (repo / "results/fake/summary.json").unlink()  # as in results/cpu-addition, which commits none
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "committed results")
    committed = gz.read_bytes()

    # a run that only resumes: nothing is loaded, nothing in the checkout changes (records, meta, summary, report)
    assert main(["run", str(sweep), "--limit", "8", "--no-progress"]) == 0
    assert _git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    loads = Loads()
    summary = _runner(repo / "results/fake", loads).run(["fake-a"], [TASK], limit=8)
    assert loads.loads == 0 and summary.completed and summary.completed[0]["resumed"]
    assert _git(repo, "status", "--porcelain", "--untracked-files=all") == ""

    # growing N: the 4 new items go to a new plain file; the archive keeps its exact bytes
    summary = _runner(repo / "results/fake", loads).run(["fake-a"], [TASK], limit=12)
    assert loads.loads == 1 and not summary.failures
    assert gz.read_bytes() == committed
    assert len(plain.read_text().splitlines()) == 4
    store = ResultStore(repo / "results/fake")
    recs = store.read("fake-a", TASK.name)
    assert len(recs) == 12 and len({r.item_id for r in recs}) == 12
    # rewriting with the same records changes nothing; `archive` folds the new items into the archive
    store.rewrite("fake-a", TASK.name, recs)
    assert gz.read_bytes() == committed and plain.exists()
    assert [p.name for p in store.archive()] == ["addition_3digit.jsonl.gz"]
    assert not plain.exists()
    assert [r.item_id for r in store.read("fake-a", TASK.name)] == [r.item_id for r in recs]
    assert gzip.decompress(gz.read_bytes()).startswith(gzip.decompress(committed))


def test_resume_from_archive_only_reruns_changed_items_and_never_duplicates(tmp_path: Path) -> None:
    loads = Loads()
    _runner(tmp_path, loads).run(["fake-a"], [TASK], limit=6)
    store = ResultStore(tmp_path)
    store.archive()
    recs = store.read("fake-a", TASK.name)
    # an archived item recorded with another prompt is run again: that is a real change, so the archive is rewritten
    store.rewrite("fake-a", TASK.name, [r.model_copy(update={"prompt": "old prompt"}) if r.item_id == recs[2].item_id else r for r in recs])
    before = store.archive_path("fake-a", TASK.name).read_bytes()
    _runner(tmp_path, loads).run(["fake-a"], [TASK], limit=6)
    after = store.read("fake-a", TASK.name)
    assert sorted(r.item_id for r in after) == sorted(r.item_id for r in recs)
    assert next(r for r in after if r.item_id == recs[2].item_id).prompt == recs[2].prompt
    assert store.archive_path("fake-a", TASK.name).read_bytes() != before


def test_non_terminal_output_gets_progress_lines_with_rate_and_eta(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_PROGRESS_SECONDS", "0")
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200)
    _runner(tmp_path, Loads(), console=console, show_progress=True).run(["fake-a"], [TASK], limit=12)
    lines = [ln for ln in out.getvalue().splitlines() if "items/s" in ln]
    assert len(lines) == 3, out.getvalue()  # one per chunk of 4 when the period is 0
    assert lines[0].strip().startswith("addition_3digit: 4/12 items (33%)") and "ETA" in lines[0]
    assert "12/12 items (100%)" in lines[-1] and "ETA 0s" in lines[-1]
