"""Data parallelism for the vLLM backend: N engine replicas as Ray actors, requests split between them.

vLLM's offline `LLM` class refuses `data_parallel_size > 1` in one process, and points to
multi-process launchers; Ray actors are the standard way to run several engines (each on
`tensor_parallel_size` GPUs) and, with a Ray cluster, across nodes. Each call splits its requests
into N contiguous shards (so few-shot prefixes stay together for prefix caching), runs them on the
replicas concurrently and joins the results in order. Results are identical to one replica: greedy
decoding and teacher forcing do not depend on which engine serves a request.

`vllm serve --data-parallel-size N` with the `openai` backend is the alternative without Ray.
"""

from __future__ import annotations

from typing import Any

from harness.backends.base import BackendInfo, Generation, GenerateRequest, Loglikelihood, LoglikelihoodRequest
from harness.errors import ModelLoadError


def _shards(n_items: int, n: int) -> list[range]:
    size, rest = divmod(n_items, n)
    out, start = [], 0
    for k in range(n):
        end = start + size + (1 if k < rest else 0)
        out.append(range(start, end))
        start = end
    return out


class DataParallelVLLM:
    """`data_parallel_size` replicas of VLLMBackend, each a Ray actor holding `tensor_parallel_size` GPUs."""

    def __init__(self, model_path: str, *, data_parallel_size: int, **kwargs: Any):
        try:
            import ray
        except ImportError as exc:
            raise ModelLoadError("data_parallel_size > 1 needs Ray (pip install ray) or `vllm serve --data-parallel-size N` with the openai backend") from exc
        from harness.backends.vllm import VLLMBackend

        if not ray.is_initialized():
            ray.init(address=kwargs.pop("ray_address", None) or None, ignore_reinit_error=True)
        tp = int(kwargs.get("tensor_parallel_size") or 1)
        gpus = 0 if kwargs.pop("ray_cpu_only", False) else tp
        Replica = ray.remote(num_gpus=gpus)(VLLMBackend)
        self._ray = ray
        self.replicas = [Replica.remote(model_path, **kwargs) for _ in range(data_parallel_size)]
        info: BackendInfo = ray.get(self.replicas[0].describe.remote())
        info.extra = {**info.extra, "data_parallel_size": data_parallel_size}
        self.info = info

    def _run(self, method: str, requests: list[Any]) -> list[Any]:
        parts = _shards(len(requests), len(self.replicas))
        futures = [getattr(r, method).remote([requests[i] for i in part]) for r, part in zip(self.replicas, parts) if len(part)]
        return [x for chunk in self._ray.get(futures) for x in chunk]

    def generate(self, requests: list[GenerateRequest]) -> list[Generation]:
        return self._run("generate", requests)

    def loglikelihood(self, requests: list[LoglikelihoodRequest]) -> list[Loglikelihood]:
        return self._run("loglikelihood", requests)

    def close(self) -> None:
        for r in self.replicas:
            try:
                self._ray.get(r.close.remote())
            finally:
                self._ray.kill(r)
        self.replicas = []
