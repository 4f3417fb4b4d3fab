"""A deterministic test double for plumbing tests (never used to report a number).

`responder` maps a request's prompt text to an output; the default answers "What is A plus B"
questions correctly except on a chosen fraction, so metric and runner tests have known answers.
"""

from __future__ import annotations

import math
import re
from typing import Callable

from harness.backends.base import BackendInfo, Generation, GenerateRequest, Loglikelihood, LoglikelihoodRequest, cut_at_stop
from harness.hashing import derive_seed


def _prompt_text(req: GenerateRequest | LoglikelihoodRequest) -> str:
    if isinstance(req, GenerateRequest):
        if req.prompt is not None:
            return req.prompt
        return "\n".join(str(m.get("content", "")) for m in req.messages or [])
    if req.context is not None:
        return req.context
    return "\n".join(str(m.get("content", "")) for m in req.messages or [])


def arithmetic_responder(error_rate: float = 0.0) -> Callable[[str], str]:
    pat = re.compile(r"What is (\d+) (plus|times|minus) (\d+)\?")

    def respond(prompt: str) -> str:
        found = pat.findall(prompt)
        if not found:
            return " I don't know.\n"
        a, op, b = found[-1]
        value = {"plus": int(a) + int(b), "times": int(a) * int(b), "minus": int(a) - int(b)}[op]
        if derive_seed(0, prompt) % 10_000 < error_rate * 10_000:
            value += 10  # a wrong tens digit
        return f" {value}\nQ: junk after the stop"

    return respond


class FakeBackend:
    def __init__(self, responder: Callable[[str], str] | None = None, fail_on: str | None = None, **_: object):
        self.responder = responder or arithmetic_responder()
        self.fail_on = fail_on
        self.info = BackendInfo(backend="fake", model_id="fake", weights_hash="fake")
        self.calls = 0

    def generate(self, requests: list[GenerateRequest]) -> list[Generation]:
        self.calls += 1
        out = []
        for r in requests:
            text = self.responder(_prompt_text(r))
            if self.fail_on and self.fail_on in text:
                raise RuntimeError("fake backend failure")
            cut, stopped = cut_at_stop(text, r.stop)
            out.append(Generation(text=cut, n_tokens=len(cut.split()), finish_reason="stop" if stopped else "length"))
        return out

    def loglikelihood(self, requests: list[LoglikelihoodRequest]) -> list[Loglikelihood]:
        out = []
        for r in requests:
            answer = self.responder(_prompt_text(r)).strip().split("\n")[0]
            gold = r.continuation.strip()
            toks = list(gold)
            lps = [math.log(0.9) if i < len(answer) and answer[i] == c else math.log(0.1) for i, c in enumerate(toks)]
            out.append(Loglikelihood(logprobs=lps, tokens=toks, is_greedy=[lp > math.log(0.5) for lp in lps]))
        return out

    def close(self) -> None:
        pass
