"""The issue-15 table scripts run end to end on fake-backend records (plumbing; real numbers are in results/)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from harness.backends.fake import FakeBackend, arithmetic_responder
from harness.config import load_task
from harness.config.model import ModelRegistry
from harness.runner import Runner
from harness.store import ResultStore

REPO = Path(__file__).resolve().parents[2]
ADD = {t.name: t for t in load_task(REPO / "tasks/arithmetic/addition.yaml")}


def _script(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def test_variant_and_item_level_scripts_on_fake_records(tmp_path: Path) -> None:
    reg = ModelRegistry.model_validate(
        {"models": {"qwen2.5-coder-0.5b": {"name": "qwen2.5-coder-0.5b", "display_name": "f", "family": "fake", "params": 1_000_000, "instruct": True, "source": {"kind": "local", "path": "/x"}}}}
    )
    runner = Runner(ResultStore(tmp_path / "add"), reg, backend_factory=lambda kind, spec, opts: FakeBackend(arithmetic_responder(0.3)), show_progress=False)
    tasks = [ADD[n] for n in ("addition_3digit", "addition_3digit_qa", "addition_3digit_chat")]
    assert not runner.run(["qwen2.5-coder-0.5b"], tasks, limit=30).failures
    (tmp_path / "rea").mkdir()
    out = tmp_path / "variants.md"
    assert _script("variant_tables").main(["--addition", str(tmp_path / "add"), "--reasoning", str(tmp_path / "rea"), "--out", str(out)]) == 0
    text = out.read_text()
    # the fake answers "What is A plus B" questions only (70% right): t1 is above chance, t2 ('a + b') never is
    assert "| qwen2.5-coder-0.5b | 30 |" in text and "TEMPLATE-SENSITIVE (t1:above, t2:not)" in text
    assert "| qwen2.5-coder-0.5b | addition_3digit | addition_3digit_chat | 30 |" in text
    out2 = tmp_path / "item_level.md"
    assert _script("item_level_report").main(["--addition", str(tmp_path / "add"), "--reasoning", str(tmp_path / "rea"), "--out", str(out2)]) == 0
    assert "Exact match by number of carries" in out2.read_text()
