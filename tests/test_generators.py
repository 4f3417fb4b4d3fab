"""Item generation: determinism across calls, correct gold answers, documented operand ranges."""

from __future__ import annotations

from harness.config import load_task
from harness.generators import get_generator
from harness.runner import build_items, render_all


def test_same_seed_same_items_and_hashes() -> None:
    gen = get_generator("arithmetic")
    a = gen({"digits": 3}, 7, 50)
    b = gen({"digits": 3}, 7, 50)
    assert [(i.id, i.hash) for i in a] == [(i.id, i.hash) for i in b]
    c = gen({"digits": 3}, 8, 50)
    assert [i.hash for i in a] != [i.hash for i in c]


def test_items_are_pinned_across_machines() -> None:
    # If this fails, item generation changed: every stored result and published table is invalidated.
    items = get_generator("arithmetic")({"digits": 3}, 1234, 3)
    assert [(i.fields["a"], i.fields["b"], i.target) for i in items] == [(686, 243, "929"), (731, 799, "1530"), (747, 456, "1203")]


def test_gold_answers_and_ranges() -> None:
    for digits in (1, 2, 3, 4, 5):
        for it in get_generator("arithmetic")({"digits": digits}, 1, 200):
            a, b = it.fields["a"], it.fields["b"]
            assert 10 ** (digits - 1) <= a < 10**digits and 10 ** (digits - 1) <= b < 10**digits
            assert int(it.target) == a + b
    for it in get_generator("arithmetic")({"digits": 2, "op": "times"}, 1, 100):
        assert int(it.target) == it.fields["a"] * it.fields["b"]
    gpt3 = get_generator("arithmetic")({"digits": 3, "operand_range": "gpt3"}, 1, 2000)
    assert min(min(i.fields["a"], i.fields["b"]) for i in gpt3) < 100  # [0, 1000) includes short operands


def test_result_digits_filter() -> None:
    items = get_generator("arithmetic")({"digits": 3, "result_digits": 3}, 1, 100)
    assert all(len(i.target) == 3 for i in items)


def _task(name: str):
    return next(t for t in load_task("tasks/arithmetic/addition.yaml") if t.name == name)


def test_fewshot_disjoint_fixed_and_prompt_format() -> None:
    task = _task("addition_3digit")
    items = build_items(task, task.seed, 20)
    prompts = render_all(task, items, task.seed, instruct=False)
    first = prompts[0].prompt
    assert first.count("Q: What is") == 4 and first.endswith(f"Q: What is {items[0].fields['a']} plus {items[0].fields['b']}? A:")
    prefix = first.rsplit("\n", 1)[0]
    assert all(p.prompt.startswith(prefix) for p in prompts)  # fixed shots: one shared prefix
    shot_lines = prefix.split("\n")
    test_qs = {f"Q: What is {i.fields['a']} plus {i.fields['b']}? A:" for i in items}
    assert not any(line.rsplit(" ", 1)[0] in test_qs for line in shot_lines)
    assert prompts[0].gold_continuation == f" {items[0].target}"


def test_chat_format_uses_turns() -> None:
    task = _task("addition_3digit_chat")
    items = build_items(task, task.seed, 2)
    msgs = render_all(task, items, task.seed, instruct=True)[0].messages
    assert msgs is not None and msgs[0]["role"] == "system"
    assert [m["role"] for m in msgs[1:]] == ["user", "assistant"] * 3 + ["user"]


def test_every_task_generator_is_prefix_stable() -> None:
    # The task hash leaves out n_items because of this: the first n items of a larger N are the same
    # items, so raising N (or dropping --limit) resumes what is recorded.
    from pathlib import Path

    from harness.config.task import load_tasks

    from harness.generators.bfcl import BfclDataError, data_dir

    try:
        data_dir()
        have_bfcl = True
    except BfclDataError:  # BFCL's data come from the bfcl-eval wheel (scripts/setup_bfcl_env.sh); tests/bfcl cover them
        have_bfcl = False
    for task in load_tasks(Path(__file__).resolve().parents[1] / "tasks").values():
        if task.generator.name == "bfcl" and not have_bfcl:
            continue
        n = min(task.n_items, 60)
        small, large = build_items(task, task.seed, n), build_items(task, task.seed, 2 * n)
        assert [(i.id, i.hash) for i in small] == [(i.id, i.hash) for i in large[:n]], task.name


def test_limit_run_renders_the_same_prompts_as_the_full_run() -> None:
    # Fixed shots are kept disjoint from the task's full item set, so a --limit run's records resume
    # into the full run (1-digit addition: all 81 questions appear among 500 items).
    from pathlib import Path

    from harness.config.task import load_tasks

    task = load_tasks(Path(__file__).resolve().parents[1] / "tasks")["addition_1digit"]
    small = render_all(task, build_items(task, task.seed, 100), task.seed, False)
    full = render_all(task, build_items(task, task.seed, None), task.seed, False)
    assert [p.as_record() for p in small] == [p.as_record() for p in full[:100]]
