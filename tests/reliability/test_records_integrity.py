"""Records are never silently shortened, never mixed (issue 17, items 2 and 3).

- a corrupt line inside a `.jsonl.gz` makes `harness report` and `harness rescore` name the file
  and the line and change nothing (`rescore --repair` quarantines the bad lines explicitly);
- a truncated or non-gzip archive and a corrupt `meta.json` are one-line errors naming the file;
- one run per output folder at a time (a lock), and a cell's records share one seed and backend.
"""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from fakeserver import FakeOpenAI, http_backend, record_lines, write_sweep

from harness.cli import main
from harness.store import ResultStore

TASK = "addition_3digit"


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    return " ".join(capsys.readouterr().err.split())  # rich wraps long lines


def _fake_run(tmp_path: Path, registry_file: Path, out: Path, *extra: str, limit: int = 16) -> int:
    sweep = write_sweep(tmp_path, registry_file, {"kind": "fake"}, limit=limit, name="fake.yaml")
    return main(["run", str(sweep), "--output-dir", str(out), "--no-progress", "--no-report", *extra])


@pytest.fixture()
def archived(tmp_path: Path, registry_file: Path) -> Path:
    """A finished 16-item run whose record file is archived as .jsonl.gz (how results are committed)."""
    out = tmp_path / "out"
    assert _fake_run(tmp_path, registry_file, out) == 0
    assert main(["archive", str(out)]) == 0
    return out


def _gz(out: Path) -> Path:
    return out / "records" / "served" / f"{TASK}.jsonl.gz"


def _corrupt_lines(out: Path, numbers: tuple[int, ...]) -> None:
    lines = gzip.decompress(_gz(out).read_bytes()).decode().splitlines(keepends=True)
    for n in numbers:
        lines[n - 1] = lines[n - 1][: len(lines[n - 1]) // 2] + "\n"  # a record cut in half, mid-file
    _gz(out).write_bytes(gzip.compress("".join(lines).encode(), mtime=0))


def test_report_and_rescore_name_corrupt_lines_and_change_nothing(archived: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _corrupt_lines(archived, (3, 7))
    before = _gz(archived).read_bytes()
    assert main(["report", str(archived)]) == 2
    err = _err(capsys)
    assert f"{TASK}.jsonl.gz" in err and "line 3" in err and "line 7" in err
    assert main(["rescore", str(archived)]) != 0
    err = _err(capsys)
    assert "line 3" in err and "line 7" in err
    assert _gz(archived).read_bytes() == before  # not shortened from 16 to 14
    assert main(["rescore", str(archived), "--repair"]) == 0
    quarantined = (archived / "records" / "served" / f"{TASK}.jsonl.quarantine").read_text().splitlines()
    assert len(quarantined) == 2
    assert len(ResultStore(archived).read("served", TASK)) == 14


@pytest.mark.parametrize("damage", ["truncated", "not_gzip"])
def test_unreadable_archive_is_a_clear_error(archived: Path, capsys: pytest.CaptureFixture[str], damage: str) -> None:
    data = _gz(archived).read_bytes()
    _gz(archived).write_bytes(data[: len(data) // 2] if damage == "truncated" else b"this is not gzip\n")
    assert main(["report", str(archived)]) == 2
    err = _err(capsys)
    assert f"{TASK}.jsonl.gz" in err and "Traceback" not in err


def test_corrupt_meta_is_a_clear_error(archived: Path, capsys: pytest.CaptureFixture[str]) -> None:
    meta = archived / "records" / "served" / f"{TASK}.meta.json"
    meta.write_text('{"model": "served", "seed": ')
    assert main(["report", str(archived)]) == 2
    assert f"{TASK}.meta.json" in _err(capsys)


def test_a_second_writer_is_refused_while_the_first_runs(tmp_path: Path, registry_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two runs into one folder: the second stops with a clear message; every item is recorded once."""
    from harness.backends.fake import FakeBackend
    from harness.config import load_model_registry, load_task
    from harness.runner import Runner

    out = tmp_path / "out"
    task = next(t for t in load_task(Path("tasks/arithmetic/addition.yaml")) if t.name == TASK)
    started, release = threading.Event(), threading.Event()

    class Blocking(FakeBackend):
        def generate(self, requests):  # type: ignore[no-untyped-def]
            started.set()
            release.wait(30)
            return super().generate(requests)

    first = Runner(ResultStore(out), load_model_registry(registry_file), backend_factory=lambda k, s, o: Blocking(), show_progress=False)
    t = threading.Thread(target=first.run, args=(["served"], [task]), kwargs={"limit": 20})
    t.start()
    try:
        assert started.wait(30)
        assert _fake_run(tmp_path, registry_file, out, limit=20) == 2
        assert "in use by another run" in _err(capsys)
    finally:
        release.set()
        t.join(30)
    recs = record_lines(out, task=TASK)
    assert len(recs) == 20 and len({r["item_id"] for r in recs}) == 20


def test_another_seed_or_backend_never_mixes_into_a_cell(tmp_path: Path, registry_file: Path, fake_server: FakeOpenAI,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert _fake_run(tmp_path, registry_file, out, limit=6) == 0
    before = (out / "records" / "served" / f"{TASK}.jsonl").read_bytes()
    assert _fake_run(tmp_path, registry_file, out, "--seed", "7", limit=8) != 0
    assert "seed 1234" in _err(capsys)
    sweep = write_sweep(tmp_path, registry_file, http_backend(fake_server), limit=8)
    assert main(["run", str(sweep), "--output-dir", str(out), "--no-progress", "--no-report"]) != 0
    assert "backend 'fake'" in _err(capsys)
    assert (out / "records" / "served" / f"{TASK}.jsonl").read_bytes() == before
    assert fake_server.n == 0


def test_a_killed_run_resumes_without_loss_or_duplicates(tmp_path: Path, registry_file: Path, fake_server: FakeOpenAI) -> None:
    """kill -9 in the middle of a run, plus a torn last line: the rerun records every item exactly once."""
    fake_server.mode = "slow"
    fake_server.delay = 0.02
    out = tmp_path / "out"
    sweep = write_sweep(tmp_path, registry_file, http_backend(fake_server, batch_size=1, max_concurrency=1), tasks=["icl_addk_k0"], limit=32)
    records = out / "records" / "served" / "icl_addk_k0.jsonl"
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    proc = subprocess.Popen([sys.executable, "-m", "harness.cli", "run", str(sweep), "--output-dir", str(out), "--no-progress", "--no-report"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            if records.exists() and len(records.read_bytes().splitlines()) >= 16 or proc.poll() is not None:
                break
            threading.Event().wait(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    kept = records.read_bytes()
    assert 16 <= len(kept.splitlines()) < 32
    with records.open("ab") as f:
        f.write(b'{"schema_version": 1, "model": "served", "task": "icl_')  # a torn write
    fake_server.mode = "ok"
    assert main(["run", str(sweep), "--output-dir", str(out), "--no-progress", "--no-report"]) == 0
    recs = record_lines(out, task="icl_addk_k0")
    assert len(recs) == 32 and len({r["item_id"] for r in recs}) == 32
    assert records.read_bytes().startswith(kept)  # what was recorded before the kill is unchanged
