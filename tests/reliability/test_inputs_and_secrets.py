"""Inputs checked at the door, secrets never written (issue 17, items 4 and 5, and issue 13 item 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakeserver import FakeOpenAI, http_backend, write_sweep

from harness.cli import main
from harness.config import load_sweep, load_task, load_tasks
from harness.errors import ConfigError, HarnessError

ADDITION = Path("tasks/arithmetic/addition.yaml")


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    return " ".join(capsys.readouterr().err.split())


# ------------------------------------------------------------------ secrets
def test_no_secret_from_a_url_or_the_environment_reaches_the_output_or_console(
        fake_server: FakeOpenAI, registry_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MY_SERVER_KEY", "sk-envsecret-4711")
    url = fake_server.base_url.replace("http://", "http://alice:hunter2pw@") + "?api_key=qsecret-99"
    sweep = write_sweep(tmp_path, registry_file, http_backend(fake_server, base_url=url, api_key_env="MY_SERVER_KEY"), limit=3)
    out = tmp_path / "out"
    assert main(["run", str(sweep), "--output-dir", str(out), "--no-progress"]) == 0  # with the report
    assert (fake_server.auth or "").startswith("Basic ")  # the URL's credentials were used, not recorded
    fake_server.mode = 503  # and a failing run prints and records the URL in its errors
    assert main(["run", str(sweep), "--output-dir", str(tmp_path / "out2"), "--no-progress", "--no-report"]) != 0
    console = capsys.readouterr()
    written = [p for d in (out, tmp_path / "out2") for p in d.rglob("*") if p.is_file()]
    assert any(p.name == "report.html" for p in written) and any(p.name == "summary.json" for p in written)
    for secret in ("hunter2pw", "alice", "sk-envsecret-4711", "qsecret-99"):
        assert secret not in console.out + console.err
        for p in written:
            assert secret.encode() not in p.read_bytes(), f"{secret} written to {p}"
    assert "127.0.0.1" in (out / "records" / "served" / "addition_3digit.meta.json").read_text()  # redacted, not dropped


def test_the_key_comes_from_the_named_variable(fake_server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.backends.base import GenerateRequest
    from harness.backends.openai import OpenAIBackend

    monkeypatch.setenv("MY_SERVER_KEY", "sk-envsecret-4711")
    b = OpenAIBackend("fake", base_url=fake_server.base_url, api_key_env="MY_SERVER_KEY")
    try:
        assert b.generate([GenerateRequest(prompt="Q: What is 1 plus 2? A:", max_new_tokens=3)])[0].error is None
        assert fake_server.auth == "Bearer sk-envsecret-4711"
        assert "sk-envsecret" not in json.dumps(b.info.__dict__, default=str)
    finally:
        b.close()


def test_an_api_key_in_a_config_is_an_error(tmp_path: Path, registry_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sweep = write_sweep(tmp_path, registry_file, {"kind": "openai", "base_url": "http://127.0.0.1:9/v1", "api_key": "sk-inconfig-123"})
    assert main(["run", str(sweep), "--output-dir", str(tmp_path / "out"), "--no-progress"]) == 2
    err = _err(capsys)
    assert "api_key" in err and "api_key_env" in err and "sk-inconfig-123" not in err
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------ typed options
def test_a_misspelt_backend_option_names_the_file_and_field(tmp_path: Path, registry_file: Path) -> None:
    sweep = write_sweep(tmp_path, registry_file, {"kind": "hf", "batchsize": 4})
    with pytest.raises(ConfigError, match=r"sweep\.yaml: backend: batchsize: unknown option for backend 'hf'"):
        load_sweep(sweep)
    bad = json.loads(sweep.read_text())
    bad["backend"] = {"kind": "openai"}
    bad["per_model_backend"] = {"served": {"max_concurency": 2}}
    sweep.write_text(json.dumps(bad))
    with pytest.raises(ConfigError, match=r"per_model_backend: served\.max_concurency: unknown option"):
        load_sweep(sweep)


def test_capabilities_are_declared_not_inferred_from_the_name() -> None:
    from harness.backends.base import Capabilities
    from harness.backends.fake import FakeBackend
    from harness.backends.openai import OpenAIBackend
    from harness.tools.protocol import supports_native_tools

    b = FakeBackend()
    assert not supports_native_tools(b)
    b.info.capabilities = Capabilities(native_tools=True, string_tool_arguments=True)
    assert supports_native_tools(b)
    o = OpenAIBackend("m", base_url="http://127.0.0.1:9/v1")
    try:
        assert o.info.capabilities.string_tool_arguments and o.info.capabilities.prompt_logprobs is None
        assert not supports_native_tools(o)
    finally:
        o.close()


# ------------------------------------------------------------------- inputs
@pytest.mark.parametrize("args", [["--limit", "0"], ["--limit", "-5"], ["--batch-size", "0"], ["--batch-size", "-3"]])
def test_counts_must_be_positive(args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", "--models", "smollm2-135m", "--tasks", "addition_3digit", "--backend", "fake", "--output-dir", str(tmp_path / "o"), *args])
    assert exc.value.code == 2 and "positive integer" in _err(capsys)
    assert not (tmp_path / "o").exists()


def test_an_unknown_model_fails_the_command(tmp_path: Path, registry_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sweep = write_sweep(tmp_path, registry_file, {"kind": "fake"}, limit=2)
    out = tmp_path / "o"
    assert main(["run", str(sweep), "--models", "served,nosuchmodel", "--output-dir", str(out), "--no-progress", "--no-report"]) == 2
    assert "nosuchmodel" in _err(capsys)
    assert not (out / "records").exists()  # nothing ran


def test_a_non_utf8_task_file_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.yaml").write_bytes(ADDITION.read_bytes().replace(b"Q: What is", b"Q: Wh\xe4t is", 1))
    assert main(["tasks", "list", "--task-dir", str(tmp_path)]) == 2
    err = _err(capsys)
    assert "bad.yaml" in err and "UTF-8" in err


def _task_file(tmp_path: Path, template: str) -> Path:
    text = ADDITION.read_text(encoding="utf-8")
    start = text.index("template:")
    end = text.index("\n", start)
    path = tmp_path / "t.yaml"
    path.write_text(text[:start] + "template: " + json.dumps(template) + text[end:], encoding="utf-8")
    return path


def test_a_missing_template_variable_is_found_when_the_task_loads(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"t\.yaml.*prompt\.template: undefined template variable\(s\) \['c'\]"):
        load_task(_task_file(tmp_path, "Q: What is {{ a }} plus {{ c }}? A:"))


def test_templates_are_sandboxed(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    hostile = "{{ cycler.__init__.__globals__.os.popen('touch " + str(marker) + "').read() }}Q: {{ a }}"
    with pytest.raises(ConfigError, match=r"prompt\.template: the template is not allowed in the sandbox"):
        load_task(_task_file(tmp_path, hostile))
    assert not marker.exists()


def test_a_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\nname: bomb\n")
    with pytest.raises(ConfigError, match=r"bomb\.yaml: the YAML expands to more than"):
        load_tasks(tmp_path)


def test_output_dir_that_is_a_file_or_holds_a_link(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = ["run", "--models", "smollm2-135m", "--tasks", "addition_3digit", "--backend", "fake", "--limit", "2", "--no-progress", "--no-report"]
    f = tmp_path / "file"
    f.write_text("x")
    assert main([*run, "--output-dir", str(f)]) == 2
    assert "is a file" in _err(capsys)
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (out / "summary.json").symlink_to(victim)
    assert main([*run, "--output-dir", str(out)]) == 2
    assert "symbolic link" in _err(capsys)
    assert victim.read_text() == "keep me"


def test_summary_is_never_written_through_a_link(tmp_path: Path) -> None:
    from harness.store import ResultStore

    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "summary.json").symlink_to(victim)
    ResultStore(tmp_path / "out").write_summary({"completed": []})
    assert victim.read_text() == "keep me" and not (tmp_path / "out" / "summary.json").is_symlink()


def test_harness_errors_are_one_line(tmp_path: Path) -> None:
    from harness.config.loading import read_yaml

    with pytest.raises(HarnessError) as exc:
        read_yaml(tmp_path / "missing.yaml")
    assert "\n" not in str(exc.value)
