"""The claims registry: generated catalogue, hand-written rules, and their validation."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness.claims.rules import load_not_measured
from harness.claims import load_catalogue, load_rules, validate_rules
from harness.cli import main
from harness.errors import ConfigError

# the catalogue the registry is generated from, committed with the project (a copy of shared/claims/CATALOGUE.md)
SOURCE = Path(__file__).resolve().parents[2] / "configs" / "claims" / "source" / "CATALOGUE.md"


def test_catalogue_has_every_claim_with_source_quote_and_translation() -> None:
    cat = load_catalogue()
    assert len(cat.claims) == 217 and len(cat.untestable) == 165
    for c in cat.claims:
        assert re.fullmatch(r"\d{3}-\d{2}", c.id)
        assert c.source_file.endswith(".txt") and c.line and c.speaker and c.quote.startswith("「") and c.en and c.rule
    assert all(u.reason and u.statement for u in cat.untestable)
    assert cat.get("000-25").line == 92 and "0%" in cat.get("000-25").quote  # type: ignore[union-attr]


def test_every_catalogue_id_is_in_the_registry_and_generation_is_reproducible(tmp_path: Path) -> None:
    text = SOURCE.read_text(encoding="utf-8")
    ids = set(re.findall(r"^### (\d{3}-\d{2}) · ", text, re.M)) | set(re.findall(r"^- (\d{3}-U\d{2}) · ", text, re.M))
    assert ids == load_catalogue().ids
    out = tmp_path / "catalogue.yaml"
    subprocess.run([sys.executable, "scripts/build_claims_registry.py", str(SOURCE), "-o", str(out)], check=True, capture_output=True)
    assert yaml.safe_load(out.read_text()) == yaml.safe_load(Path("configs/claims/catalogue.yaml").read_text())


def test_shipped_rules_validate(capsys: pytest.CaptureFixture[str]) -> None:
    rules = load_rules()
    assert validate_rules(rules, catalogue_ids=load_catalogue().ids) == []
    assert main(["claims", "check"]) == 0
    assert "valid" in capsys.readouterr().out


def test_every_claim_served_by_a_task_has_a_rule() -> None:
    from harness.config import load_tasks

    served = {c for t in load_tasks("tasks").values() for c in t.claims}
    ruled = {r.claim for r in load_rules()} | set(load_not_measured())
    assert served - ruled == set()


def _rules_file(tmp_path: Path, **override: object) -> Path:
    rule = {"claim": "000-25", "kind": "level", "statement": "x", "tasks": ["addition_3digit"], "metric": "exact_match", "params": {"threshold": 0.5, "direction": "above"}}
    rule.update(override)
    p = tmp_path / "rules_test.yaml"
    p.write_text(yaml.safe_dump({"rules": [rule]}))
    return p


def test_validation_fails_on_unknown_task_or_metric(tmp_path: Path) -> None:
    bad_task = load_rules(_rules_file(tmp_path, tasks=["no_such_task"]))
    assert any("no_such_task" in p and "does not exist" in p for p in validate_rules(bad_task))
    bad_metric = load_rules(_rules_file(tmp_path, metric="no_such_metric"))
    assert any("no_such_metric" in p for p in validate_rules(bad_metric))
    wrong_task_metric = load_rules(_rules_file(tmp_path, tasks=["addition_3digit"], metric="valid", params={"threshold": 0.5, "direction": "above"}))
    assert validate_rules(wrong_task_metric) == []
    bad_model = load_rules(_rules_file(tmp_path, models=["no-such-model"]))
    assert any("no-such-model" in p for p in validate_rules(bad_model))
    assert main(["claims", "check", "--rules", str(_rules_file(tmp_path, tasks=["no_such_task"]))]) == 1


def test_bad_kind_or_params_name_file_and_field(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"rules_test.yaml: rules\[0\].kind"):
        load_rules(_rules_file(tmp_path, kind="astrology"))
    with pytest.raises(ConfigError, match=r"rules\[0\].params.direction"):
        load_rules(_rules_file(tmp_path, params={"threshold": 0.5, "direction": "sideways"}))
    with pytest.raises(ConfigError, match=r"rules\[0\].claim"):
        load_rules(_rules_file(tmp_path, claim="25"))
