"""A request that fails is an error, never an output (issue 17, items 1 and 6).

Against the loopback fake server: 401/400, a body that is not JSON, an empty `choices` list and a
JSON list each leave no record and no score, the run exits non-zero and says so in summary.json,
and a rerun against a working server computes every item. A hung server opens the circuit
instead of spending every item's retries, and Ctrl-C stops at once with nothing sent after.
"""

from __future__ import annotations

import _thread
import json
import threading
import time
from pathlib import Path

import pytest
from fakeserver import FakeOpenAI, http_backend, record_lines, write_sweep

from harness.backends.base import GenerateRequest
from harness.backends.openai import BackendRequestError, OpenAIBackend
from harness.cli import main

REQ = GenerateRequest(prompt="Q: What is 12 plus 30? A:", max_new_tokens=4, stop=("\n",))


@pytest.mark.parametrize("mode", [401, 400, "badjson", "empty", "notobject"])
def test_failed_requests_are_never_scores_and_a_rerun_computes_them(fake_server: FakeOpenAI, registry_file: Path, tmp_path: Path, mode: object) -> None:
    # icl_addk_k0 needs no log-likelihoods: only its generate requests can fail (addition_3digit also asks for echo log-probs)
    tasks = ["icl_addk_k0", "addition_3digit"]
    sweep = write_sweep(tmp_path, registry_file, http_backend(fake_server), tasks=tasks)
    out = tmp_path / "out"
    fake_server.mode = mode
    assert main(["run", str(sweep), "--output-dir", str(out), "--no-progress", "--no-report"]) != 0
    for task in tasks:
        assert record_lines(out, task=task) == []  # no item counts as done, none has a score
    summary = json.loads((out / "summary.json").read_text())
    assert summary["completed"] == [] and {f["task"] for f in summary["failures"]} == set(tasks)
    fake_server.mode = "ok"
    assert main(["run", str(sweep), "--output-dir", str(out), "--no-progress", "--no-report"]) == 0
    for task in tasks:
        recs = record_lines(out, task=task)
        assert len(recs) == 6 and len({r["item_id"] for r in recs}) == 6 and all(r["error"] is None for r in recs)
        assert not (out / "records" / "served" / f"{task}.errors.json").exists()
    assert all(r["scores"]["exact_match"] == 1.0 for r in record_lines(out, task="addition_3digit"))


def test_items_that_fail_are_listed_and_only_they_are_retried(tmp_path: Path) -> None:
    """A server that fails some items: the others are recorded; the failed ones are listed, then rerun."""
    from harness.backends.base import Generation
    from harness.backends.fake import FakeBackend
    from harness.config import load_task
    from harness.config.model import ModelRegistry
    from harness.runner import Runner
    from harness.store import ResultStore

    task = next(t for t in load_task(Path("tasks/arithmetic/addition.yaml")) if t.name == "addition_3digit")
    reg = ModelRegistry.model_validate({"models": {"m": {"name": "m", "display_name": "m", "family": "f", "params": 1, "instruct": False,
                                                         "source": {"kind": "local", "path": "/x"}}}})
    sent: list[int] = []

    class HalfFailing(FakeBackend):
        def __init__(self, fail: bool) -> None:
            super().__init__()
            self.fail = fail

        def generate(self, requests):  # type: ignore[no-untyped-def]
            gens = super().generate(requests)
            sent.append(len(requests))
            return [Generation(text="", finish_reason="error", error="HTTP 400: bad") if self.fail and i % 2 else g for i, g in enumerate(gens)]

    s1 = Runner(ResultStore(tmp_path), reg, backend_factory=lambda k, s, o: HalfFailing(True), chunk_size=4, show_progress=False).run(["m"], [task], limit=8)
    assert s1.failures and s1.failures[0]["n_failed_items"] == 4 and not s1.completed
    assert len(ResultStore(tmp_path).read("m", task.name)) == 4
    errors = json.loads((tmp_path / "records" / "m" / f"{task.name}.errors.json").read_text())
    assert len(errors) == 4 and all("HTTP 400" in e for e in errors.values())
    sent.clear()
    s2 = Runner(ResultStore(tmp_path), reg, backend_factory=lambda k, s, o: HalfFailing(False), chunk_size=4, show_progress=False).run(["m"], [task], limit=8)
    assert not s2.failures and sum(sent) == 4  # only the failed items were sent again
    recs = ResultStore(tmp_path).read("m", task.name)
    assert len(recs) == 8 and len({r.item_id for r in recs}) == 8


def test_a_hung_server_opens_the_circuit(fake_server: FakeOpenAI) -> None:
    fake_server.mode = "hang"
    b = OpenAIBackend("fake", base_url=fake_server.base_url, timeout_s=0.2, max_retries=2, backoff_s=0.01, max_concurrency=2)
    try:
        with pytest.raises(BackendRequestError):
            b.generate([REQ] * 40)
        # before: 40 items x 3 attempts, each waiting out the timeout; now: the first give-up stops all
        assert fake_server.n <= 2 * 3
        n = fake_server.n
        with pytest.raises(BackendRequestError, match="not sending more requests"):
            b.generate([REQ] * 5)
        assert fake_server.n == n
    finally:
        b.close()


def test_repeated_failures_open_the_circuit(fake_server: FakeOpenAI) -> None:
    """Fast failures (bodies that are not JSON) stop after `breaker_threshold` in a row, not after every item."""
    fake_server.mode = "badjson"
    b = OpenAIBackend("fake", base_url=fake_server.base_url, max_concurrency=1, breaker_threshold=3)
    try:
        with pytest.raises(BackendRequestError, match="3 requests in a row failed"):
            b.generate([REQ] * 50)
        assert fake_server.n == 3
    finally:
        b.close()


def test_ctrl_c_stops_at_once_and_sends_nothing_after(fake_server: FakeOpenAI) -> None:
    import signal

    # a process started in the background by a non-interactive shell (as CI may be) inherits SIGINT as
    # ignored, and then interrupt_main() does nothing: restore Python's handler for this test
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    fake_server.mode = "hang"
    b = OpenAIBackend("fake", base_url=fake_server.base_url, timeout_s=30, max_concurrency=2)
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    t0 = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            b.generate([REQ] * 20)
        waited = time.monotonic() - t0
        n = fake_server.n
        time.sleep(0.5)
        assert fake_server.n == n <= 2  # the two requests in flight; nothing after the interrupt
        assert waited < 10  # it does not wait out the 30 s request timeout (before: 60 s and more requests)
    finally:
        timer.cancel()
        b.close()
        signal.signal(signal.SIGINT, previous)


def test_a_client_error_is_an_error_not_an_empty_answer(fake_server: FakeOpenAI) -> None:
    fake_server.mode = 400
    b = OpenAIBackend("fake", base_url=fake_server.base_url)
    try:
        (g,) = b.generate([REQ])
        assert g.finish_reason == "error" and "HTTP 400" in (g.error or "")
    finally:
        b.close()
