"""Items of the Berkeley Function Calling Leaderboard (BFCL v4), read from the installed `bfcl-eval` wheel.

Nothing of BFCL is copied into this repository: the data files are read at run time from the
wheel that `scripts/setup_bfcl_env.sh` installs into `.venv-bfcl` (without its dependency tree),
and each file's SHA-256 is checked against `harness/data/bfcl_data.lock.json`, so a run
always scores the pinned data. Where the files are looked for, in order: `$BFCL_DATA_DIR`,
`<repo>/.venv-bfcl/lib/python3*/site-packages/bfcl_eval/data`, an importable `bfcl_eval` package.

One item per BFCL entry, in BFCL's file order (so `--limit N` takes BFCL's first N); id = BFCL's id.
`meta`: `category`, `messages` (BFCL's single-turn conversation), `functions` (BFCL's function
docs, unchanged: the matcher reads their types), `gold` (BFCL's possible answers; [] for the
irrelevance categories, where the right answer is no call).
"""

from __future__ import annotations

import glob
import hashlib
import importlib.util
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from harness.errors import HarnessError
from harness.generators.base import GeneratorParams, Item, register_generator

LOCK_FILE = Path(__file__).resolve().parents[1] / "data" / "bfcl_data.lock.json"
REPO_ROOT = Path(__file__).resolve().parents[2]
CATEGORIES = ("simple_python", "multiple", "parallel", "parallel_multiple", "irrelevance",
              "live_simple", "live_multiple", "live_parallel", "live_irrelevance")
Category = Literal["simple_python", "multiple", "parallel", "parallel_multiple", "irrelevance",
                   "live_simple", "live_multiple", "live_parallel", "live_irrelevance"]
INSTALL_HINT = "run scripts/setup_bfcl_env.sh (installs bfcl-eval=={version} without dependencies into .venv-bfcl) or set BFCL_DATA_DIR"


class BfclDataError(HarnessError):
    """The BFCL data files are missing or differ from the pinned ones."""


def lock() -> dict[str, Any]:
    return json.loads(LOCK_FILE.read_text())


def data_dir() -> Path:
    """The `bfcl_eval/data` folder of the installed wheel (see the module docstring for the search order)."""
    candidates: list[str] = []
    if os.environ.get("BFCL_DATA_DIR"):
        candidates.append(os.environ["BFCL_DATA_DIR"])
    candidates += sorted(glob.glob(str(REPO_ROOT / ".venv-bfcl" / "lib" / "python3*" / "site-packages" / "bfcl_eval" / "data")))
    spec = importlib.util.find_spec("bfcl_eval")
    if spec and spec.origin:
        candidates.append(str(Path(spec.origin).parent / "data"))
    for c in candidates:
        if (Path(c) / "possible_answer").is_dir():
            return Path(c)
    raise BfclDataError("BFCL data not found: " + INSTALL_HINT.format(version=lock()["version"]))


@lru_cache(maxsize=32)
def _read_jsonl(path: str, sha256: str) -> tuple[dict[str, Any], ...]:
    raw = Path(path).read_bytes()
    got = hashlib.sha256(raw).hexdigest()
    if got != sha256:
        raise BfclDataError(f"{path}: SHA-256 {got[:12]}… differs from the pinned {sha256[:12]}… (bfcl-eval=={lock()['version']} expected)")
    return tuple(json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip())


def load_category(category: str) -> list[dict[str, Any]]:
    """BFCL's entries of one category, each with its `gold` ([] for irrelevance), in file order."""
    if category not in CATEGORIES:
        raise BfclDataError(f"unknown BFCL category {category!r}; known: {', '.join(CATEGORIES)}")
    pins, d = lock()["files"], data_dir()
    name = f"BFCL_v4_{category}.json"
    entries = _read_jsonl(str(d / name), pins[name])
    answers: dict[str, Any] = {}
    if f"possible_answer/{name}" in pins:
        answers = {a["id"]: a["ground_truth"] for a in _read_jsonl(str(d / "possible_answer" / name), pins[f"possible_answer/{name}"])}
    out = []
    for e in entries:
        if answers and e["id"] not in answers:
            raise BfclDataError(f"{name}: entry {e['id']} has no possible answer")
        out.append({**e, "gold": answers.get(e["id"], [])})
    return out


class BfclParams(GeneratorParams):
    category: Category = Field("simple_python", description="BFCL v4 single-turn category")


@register_generator("bfcl", BfclParams)
def bfcl(params: BfclParams, seed: int, n: int) -> list[Item]:
    """The first n entries of a BFCL category (seed unused: BFCL's items and order are fixed)."""
    items = []
    for e in load_category(params.category)[:n]:
        turns = e["question"][0]
        question = "\n\n".join(m["content"] for m in turns if m["role"] == "user")
        gold = e["gold"]
        target = "no call" if not gold else "; ".join(next(iter(g)) for g in gold)
        items.append(Item(id=e["id"], fields={"question": question}, target=target,
                          meta={"category": params.category, "messages": turns, "functions": e["function"], "gold": gold,
                                "bfcl_version": lock()["version"]}))
    return items
