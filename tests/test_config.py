"""Config validation: every shipped config loads; malformed ones name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import main
from harness.config import load_model_registry, load_sweep, load_task, load_tasks
from harness.errors import ConfigError


def test_all_shipped_tasks_and_sweeps_load(repo: Path) -> None:
    tasks = load_tasks(repo / "tasks")
    assert "addition_3digit" in tasks
    for sweep in (repo / "configs" / "sweeps").glob("*.yaml"):
        load_sweep(sweep)
    load_model_registry(repo / "configs" / "models.yaml")


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    return p


BASE = """
name: t
generator: {name: arithmetic, params: {digits: 2}}
n_items: 5
prompt: {template: "Q: What is {{ a }} plus {{ b }}? A:"}
metrics: [exact_match]
"""


def test_valid_minimal_task(tmp_path: Path) -> None:
    (spec,) = load_task(_write(tmp_path, BASE))
    assert spec.primary_metric == "exact_match"


@pytest.mark.parametrize(
    "mutation, field, words",
    [
        (("n_items: 5", "n_items: five"), "n_items", "integer"),
        (("digits: 2", "digits: 2, bogus: 1"), "generator", "bogus"),
        (("name: arithmetic", "name: nosuchgen"), "generator", "unknown generator"),
        (("[exact_match]", "[exact_match, nosuchmetric]"), "metrics", "unknown metric"),
        (("n_items: 5", "n_items: 5\ngeneration: {max_new_tokens: -1}"), "generation.max_new_tokens", "greater than"),
        (("n_items: 5", "n_items: 5\nunknown_key: 1"), "unknown_key", "Extra inputs"),
    ],
)
def test_malformed_task_names_file_and_field(tmp_path: Path, mutation, field, words) -> None:
    path = _write(tmp_path, BASE.replace(*mutation))
    with pytest.raises(ConfigError) as err:
        load_task(path)
    msg = str(err.value)
    assert str(path) in msg and field in msg and words in msg


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: [unclosed\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: line \d+"):
        load_task(path)


def test_variants_expand_and_hash_differs(tmp_path: Path) -> None:
    path = _write(tmp_path, BASE + "variants:\n  - {name: a}\n  - {name: b, set: {generator.params.digits: 3}}\n")
    a, b = load_task(path)
    assert (a.name, b.name) == ("a", "b") and a.hash != b.hash
    assert b.generator.params["digits"] == 3


def test_cli_reports_config_error_without_traceback(tmp_path: Path, capsys) -> None:
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("name: s\nmodels: smollm2-135m\ntasks: [addition_3digit]\n")
    assert main(["run", str(sweep)]) == 2
    err = capsys.readouterr().err
    assert "sweep.yaml" in err and "models" in err and "Traceback" not in err
