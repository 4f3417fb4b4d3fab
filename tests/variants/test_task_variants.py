"""Task variants of issue 15: facets, shared items, chat format recorded in the run meta (fake backend)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.backends.fake import FakeBackend, arithmetic_responder
from harness.config import load_task
from harness.config.model import ModelRegistry
from harness.prompts.render import task_facets
from harness.runner import Runner, build_items, render_all
from harness.store import ResultStore

REPO = Path(__file__).resolve().parents[2]


def _tasks(rel: str) -> dict:
    return {t.name: t for t in load_task(REPO / rel)}


ADD = _tasks("tasks/arithmetic/addition.yaml")
LABELS = _tasks("tasks/reasoning/icl_label_map.yaml")


def test_facets_default_and_tagged() -> None:
    assert task_facets(ADD["addition_3digit"]) == {"format": "completion", "template": "t1", "arm": "bare"}
    assert task_facets(ADD["addition_3digit_t3"])["template"] == "t3"
    assert task_facets(ADD["addition_3digit_chat"], instruct=True)["format"] == "chat"
    assert task_facets(LABELS["icl_labels_k0_desc_chat"]) == {"format": "chat", "template": "t1", "arm": "described"}
    bad = ADD["addition_3digit"].model_copy(update={"tags": ["format:chat"]})
    with pytest.raises(ValueError, match="disagrees"):
        task_facets(bad)


@pytest.mark.parametrize(
    "group",
    [
        ["addition_3digit", "addition_3digit_qa", "addition_3digit_t3", "addition_3digit_t4", "addition_3digit_chat"],
        ["icl_labels_k4", "icl_labels_k4_t2", "icl_labels_k4_t3", "icl_labels_k4_chat"],
        ["icl_labels_k0", "icl_labels_k0_desc", "icl_labels_k0_t2", "icl_labels_k0_t3"],
    ],
)
def test_templates_share_items_but_not_prompts(group: list[str]) -> None:
    tasks = [(ADD | LABELS)[n] for n in group]
    items = [build_items(t, t.seed, 30) for t in tasks]
    assert all([it.hash for it in x] == [it.hash for it in items[0]] for x in items)
    prompts = [tuple(str(p.as_record()) for p in render_all(t, x, t.seed, instruct=True)) for t, x in zip(tasks, items)]
    assert len(set(prompts)) == len(prompts)


def test_described_arm_states_the_rule_and_bare_arm_does_not() -> None:
    bare, desc = LABELS["icl_labels_k0"], LABELS["icl_labels_k0_desc"]
    [pb], [pd] = (render_all(t, build_items(t, t.seed, 1), t.seed, instruct=False) for t in (bare, desc))
    assert "positive" not in pb.prompt and "foo for positive, bar for negative" in pd.prompt


def test_chat_variant_is_recorded_in_meta(tmp_path: Path) -> None:
    reg = ModelRegistry.model_validate(
        {"models": {"fake-instruct": {"name": "fake-instruct", "display_name": "f", "family": "fake", "params": 1_000_000, "instruct": True, "source": {"kind": "local", "path": "/x"}}}}
    )
    runner = Runner(ResultStore(tmp_path), reg, backend_factory=lambda kind, spec, opts: FakeBackend(arithmetic_responder(0.0)), show_progress=False)
    summary = runner.run(["fake-instruct"], [ADD["addition_3digit_chat"], ADD["addition_3digit_t3"]], limit=5)
    assert not summary.failures
    metas = {m: json.loads((tmp_path / "records/fake-instruct" / f"{m}.meta.json").read_text()) for m in ("addition_3digit_chat", "addition_3digit_t3")}
    assert metas["addition_3digit_chat"]["prompt_format"] == "chat" and metas["addition_3digit_chat"]["facets"]["format"] == "chat"
    assert metas["addition_3digit_t3"]["prompt_format"] == "completion" and metas["addition_3digit_t3"]["facets"]["template"] == "t3"
    rec = json.loads((tmp_path / "records/fake-instruct/addition_3digit_chat.jsonl").read_text().splitlines()[0])
    assert isinstance(rec["prompt"], list) and rec["prompt"][-1]["role"] == "user"
