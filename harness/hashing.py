"""Stable content hashes, so every number in a report can be traced to its inputs."""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def stable_hash(obj: Any, length: int = 16) -> str:
    """SHA-256 of the canonical JSON of `obj`, truncated to `length` hex characters."""
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()[:length]


def derive_seed(seed: int, *labels: Any) -> int:
    """A sub-seed that depends only on (seed, labels): the same on every machine and Python."""
    digest = hashlib.sha256(canonical_json([seed, *labels]).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def rng_for(seed: int, *labels: Any) -> random.Random:
    return random.Random(derive_seed(seed, *labels))
