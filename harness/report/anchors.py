"""Published reference numbers (GPT-3 Table 3.9 / H.1, Wei et al. thresholds) for our tasks."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_ANCHORS = "configs/claims/anchors.yaml"


@dataclass(frozen=True)
class AnchorPoint:
    label: str
    params: float
    value: float  # percent
    source: str


@dataclass(frozen=True)
class TaskAnchors:
    task: str
    op: str
    setting: str
    differs: str
    points: list[AnchorPoint]  # published values at given sizes, for the plot
    notes: list[str]  # thresholds and caveats, for the table
    threshold_params: float | None = None  # Wei et al.'s emergence size for this operation


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, Any]:
    p = Path(path)
    return yaml.safe_load(p.read_text(encoding="utf-8")) if p.exists() else {}


def anchors_for(task: str, path: str = DEFAULT_ANCHORS) -> TaskAnchors | None:
    data = _load(path)
    m = (data.get("task_map") or {}).get(task)
    if not m:
        return None
    op, setting = m["op"], m["setting"]
    t39 = data.get("gpt3_table_3_9", {})
    points: list[AnchorPoint] = []
    val = (t39.get("values", {}).get(setting) or {}).get(op)
    if val is not None:
        points.append(
            AnchorPoint(f"GPT-3 175B {setting} {op}", float(t39["params"]), float(val), t39.get("source", ""))
        )
    h1 = data.get("gpt3_h1_2d_plus", {})
    if op == "2D+" and setting in h1:
        points = [
            AnchorPoint(f"GPT-3 {setting} 2D+", float(p), float(v), h1.get("source", ""))
            for p, v in zip(h1["params"], h1[setting])
        ]
    notes = []
    wei = (data.get("wei_2022", {}).get("thresholds") or {}).get(op)
    if wei:
        notes.append(f"{wei['note']} ({data['wei_2022']['source']})")
    if val is not None:
        notes.append(f"{t39.get('source')}: {setting} {op} = {val}% ({m.get('differs', '')}; GPT-3 few-shot is K = 50)")
    return TaskAnchors(task, op, setting, m.get("differs", ""), points, notes, float(wei["params"]) if wei else None)
