"""Runner and store through the public entry points, on the fake backend (plumbing only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.backends.fake import FakeBackend, arithmetic_responder
from harness.config import load_task
from harness.config.model import ModelRegistry
from harness.report import aggregate, write_tables
from harness.runner import Runner
from harness.store import ResultStore

TASK = next(t for t in load_task(Path(__file__).resolve().parents[1] / "tasks/arithmetic/addition.yaml") if t.name == "addition_3digit")

REGISTRY = ModelRegistry.model_validate(
    {
        "models": {
            name: {"name": name, "display_name": name, "family": "fake", "params": p, "instruct": False, "source": {"kind": "local", "path": "/nonexistent"}}
            for name, p in [("fake-small", 1_000_000), ("fake-big", 9_000_000), ("broken", 5_000_000)]
        }
    }
)


class CountingFactory:
    """Serves fake models; `broken` fails to load; counts generate calls per model."""

    def __init__(self, error_rate: dict[str, float] | None = None, crash_after: int | None = None):
        self.error_rate = error_rate or {"fake-small": 0.5, "fake-big": 0.0}
        self.crash_after = crash_after
        self.generated: dict[str, int] = {}

    def __call__(self, kind: str, spec, options):  # type: ignore[no-untyped-def]
        if spec.name == "broken":
            raise OSError("weights file is corrupt")
        backend = FakeBackend(arithmetic_responder(self.error_rate.get(spec.name, 0.0)))
        original = backend.generate
        factory = self

        def generate(reqs):  # type: ignore[no-untyped-def]
            done = factory.generated.get(spec.name, 0)
            if factory.crash_after is not None and done >= factory.crash_after:
                raise KeyboardInterrupt  # simulates a kill in the middle of the run
            factory.generated[spec.name] = done + len(reqs)
            return original(reqs)

        backend.generate = generate  # type: ignore[method-assign]
        return backend


def _run(tmp: Path, factory: CountingFactory, models=("fake-small", "fake-big"), limit: int = 40):  # type: ignore[no-untyped-def]
    runner = Runner(ResultStore(tmp), REGISTRY, backend_factory=factory, chunk_size=8, show_progress=False)
    return runner.run(list(models), [TASK], limit=limit)


def test_records_scores_and_reported_em_match_raw_outputs(tmp_path: Path) -> None:
    summary = _run(tmp_path, CountingFactory())
    assert not summary.failures
    recs = ResultStore(tmp_path).read("fake-small", TASK.name)
    assert len(recs) == 40 and len({r.item_id for r in recs}) == 40
    # recompute EM independently from the raw outputs
    em = sum(r.output.strip() == r.target for r in recs) / len(recs)
    assert 0.2 < em < 0.8
    agg = aggregate(str(tmp_path))
    assert agg.get("fake-small", TASK.name, "exact_match").mean == pytest.approx(em)
    assert agg.get("fake-big", TASK.name, "exact_match").mean == 1.0
    assert [m.name for m in agg.models] == ["fake-small", "fake-big"]  # sorted by params
    md, csv_path = write_tables(agg, tmp_path / "report")
    text = md.read_text()
    assert "addition_3digit" in text and "[1 − L·e, 1 − e]" in text
    assert "fake-big" in csv_path.read_text()


def test_same_seed_gives_byte_identical_records(tmp_path: Path) -> None:
    _run(tmp_path / "a", CountingFactory())
    _run(tmp_path / "b", CountingFactory())
    a = (tmp_path / "a/records/fake-small/addition_3digit.jsonl").read_bytes()
    b = (tmp_path / "b/records/fake-small/addition_3digit.jsonl").read_bytes()
    assert a == b


def test_killed_run_resumes_without_redoing_items(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, CountingFactory(crash_after=16), models=("fake-small",))
    # simulate a torn final line from the kill
    path = tmp_path / "records/fake-small/addition_3digit.jsonl"
    with path.open("a") as f:
        f.write('{"schema_version": 1, "model": "fake-sm')
    assert len(ResultStore(tmp_path).read("fake-small", TASK.name)) == 16
    factory = CountingFactory()
    summary = _run(tmp_path, factory, models=("fake-small",))
    assert not summary.failures
    assert factory.generated["fake-small"] == 40 - 16  # only the unfinished items were generated
    recs = ResultStore(tmp_path).read("fake-small", TASK.name)
    assert sorted(r.item_id for r in recs) == [f"{i:05d}" for i in range(40)]
    # and a third run does nothing at all
    factory = CountingFactory()
    _run(tmp_path, factory, models=("fake-small",))
    assert factory.generated == {}


def test_failed_model_is_reported_and_sweep_continues(tmp_path: Path) -> None:
    summary = _run(tmp_path, CountingFactory(), models=("broken", "fake-big", "nonexistent"))
    stages = {(f["model"], f["stage"]) for f in summary.failures}
    assert stages == {("broken", "load"), ("nonexistent", "registry")}
    assert any(c["model"] == "fake-big" for c in summary.completed)
    saved = json.loads((tmp_path / "summary.json").read_text())
    assert "corrupt" in json.dumps(saved["failures"])


def test_garbage_outputs_are_scored_invalid(tmp_path: Path) -> None:
    factory = CountingFactory()
    runner = Runner(
        ResultStore(tmp_path), REGISTRY, backend_factory=lambda k, s, o: FakeBackend(lambda p: "\x00 ��� <|endoftext|> nan"), chunk_size=8, show_progress=False
    )
    summary = runner.run(["fake-small"], [TASK], limit=10)
    assert not summary.failures
    recs = ResultStore(tmp_path).read("fake-small", TASK.name)
    assert len(recs) == 10 and all(not r.valid and r.scores["exact_match"] == 0.0 for r in recs)
    del factory


def test_changed_task_does_not_mix_with_old_records(tmp_path: Path) -> None:
    _run(tmp_path, CountingFactory(), models=("fake-big",), limit=8)
    changed = TASK.model_copy(update={"generation": TASK.generation.model_copy(update={"max_new_tokens": 9})})
    runner = Runner(ResultStore(tmp_path), REGISTRY, backend_factory=CountingFactory(), chunk_size=8, show_progress=False)
    runner.run(["fake-big"], [changed], limit=8)
    recs = ResultStore(tmp_path).read("fake-big", TASK.name)
    assert {r.task_hash for r in recs} == {changed.hash}
    assert list((tmp_path / "records/fake-big").glob("*.stale-*.jsonl"))


def test_growing_n_items_resumes_and_changed_prompts_are_rerun(tmp_path: Path) -> None:
    factory = CountingFactory()
    runner = Runner(ResultStore(tmp_path), REGISTRY, backend_factory=factory, chunk_size=8, show_progress=False)
    runner.run(["fake-big"], [TASK.model_copy(update={"n_items": 8})])
    bigger = TASK.model_copy(update={"n_items": 16})
    runner.run(["fake-big"], [bigger])
    assert factory.generated["fake-big"] == 16  # 8, then only the 8 new items
    store = ResultStore(tmp_path)
    recs = store.read("fake-big", TASK.name)
    assert len(recs) == 16 and {r.task_hash for r in recs} == {bigger.hash}
    # an item recorded with another prompt (e.g. fixed shots that moved) is run again, not duplicated
    store.rewrite("fake-big", TASK.name, [r.model_copy(update={"prompt": "old prompt"}) if r.item_id == recs[3].item_id else r for r in recs])
    runner.run(["fake-big"], [bigger])
    after = store.read("fake-big", TASK.name)
    assert factory.generated["fake-big"] == 17
    assert sorted(r.item_id for r in after) == sorted(r.item_id for r in recs)
    assert next(r for r in after if r.item_id == recs[3].item_id).prompt == recs[3].prompt


def test_archived_records_are_read_and_resumed(tmp_path: Path) -> None:
    _run(tmp_path, CountingFactory(), models=("fake-big",), limit=8)
    before = aggregate(str(tmp_path)).get("fake-big", TASK.name, "exact_match")
    store = ResultStore(tmp_path)
    assert [p.name for p in store.archive()] == ["addition_3digit.jsonl.gz"]
    assert aggregate(str(tmp_path)).get("fake-big", TASK.name, "exact_match") == before
    factory = CountingFactory()
    _run(tmp_path, factory, models=("fake-big",), limit=12)  # resume from the archive: 4 new items
    assert factory.generated["fake-big"] == 4
    assert len(ResultStore(tmp_path).read("fake-big", TASK.name)) == 12


def test_task_that_cannot_render_is_reported_and_next_task_runs(tmp_path: Path) -> None:
    broken = TASK.model_copy(update={"name": "broken_template", "prompt": TASK.prompt.model_copy(update={"template": "{{ no_such_field }}"})})
    runner = Runner(ResultStore(tmp_path), REGISTRY, backend_factory=CountingFactory(), chunk_size=8, show_progress=False)
    summary = runner.run(["fake-big"], [broken, TASK], limit=4)
    assert [(f["task"], f["stage"]) for f in summary.failures] == [("broken_template", "items")]
    assert len(ResultStore(tmp_path).read("fake-big", TASK.name)) == 4


def test_rescore_recomputes_from_stored_outputs_and_leaves_changed_tasks_alone(tmp_path: Path) -> None:
    from harness.cli import main
    from harness.rescore import rescore_run

    _run(tmp_path, CountingFactory(), models=("fake-small",), limit=24)
    store = ResultStore(tmp_path)
    good = store.read("fake-small", TASK.name)
    # a stale scoring: what an older metric version might have written
    path = store.records_path("fake-small", TASK.name)
    path.write_text("".join(r.model_copy(update={"parsed": "zzz", "scores": {"exact_match": 0.5}}).model_dump_json() + "\n" for r in good))
    store.archive()  # rescoring works on committed (gzipped) records too, and keeps them gzipped
    s = rescore_run(tmp_path, task_dir=Path(__file__).resolve().parents[1] / "tasks")
    assert (s.files, s.records, s.changed, s.skipped) == (1, 24, 24, [])
    again = store.read("fake-small", TASK.name)
    assert [(r.parsed, r.scores) for r in again] == [(r.parsed, r.scores) for r in good]
    assert path.with_name(path.name + ".gz").exists() and not path.exists()
    # records of an older task config are not rescored: they need a rerun
    gz = path.with_name(path.name + ".gz")
    import gzip

    lines = gzip.decompress(gz.read_bytes()).decode().splitlines()
    gz.write_bytes(gzip.compress("".join(json.dumps({**json.loads(ln), "task_hash": "old"}) + "\n" for ln in lines).encode()))
    s = rescore_run(tmp_path, task_dir=Path(__file__).resolve().parents[1] / "tasks")
    assert s.files == 0 and "task changed since the run" in s.skipped[0]
    assert main(["rescore", str(tmp_path)]) == 0
