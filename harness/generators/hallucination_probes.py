"""Two open-ended hallucination probes, Chinese and English.

- `halluc_filmography` (claim 002-17): "Which films has Tom Hanks acted in?" for the actors of
  `harness/data/filmography.json`, in several phrasings; scored by counting listed titles that
  are not in the frozen filmography (`metrics/hallucination.py`, `filmography` metric).
- `halluc_imaginative` (claim 000-21): the same fictional person asked in `factual` mode ("answer
  factually: who is X?") or `imaginative` mode ("write a short fictional biography of X"). Item ids
  and names do not depend on the mode, so the two tasks are paired item by item.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from harness.data import load_table
from harness.generators.base import GeneratorParams, Item, register_generator
from harness.generators.hallucination_names import fictional_name
from harness.hashing import rng_for

_FILM_Q = [
    ("Which films has {en} acted in? List their titles.", "{zh}演过哪些电影?请列出片名。"),
    ("How many films has {en} acted in? Name them.", "{zh}演过几部电影?请说出它们的名字。"),
    ("List five movies starring {en}.", "请列出五部{zh}主演的电影。"),
]


class FilmographyParams(GeneratorParams):
    actors: list[str] | None = Field(None, description="actor keys of filmography.json; default all")
    langs: list[Literal["en", "zh"]] = Field(default_factory=lambda: ["en", "zh"], min_length=1)


@register_generator("halluc_filmography", FilmographyParams)
def halluc_filmography(params: FilmographyParams, seed: int, n: int) -> list[Item]:
    """Actor x language x phrasing, cycled up to n items (the seed is unused: the set is fixed)."""
    table = load_table("filmography.json")["actors"]
    keys = params.actors or sorted(table)
    unknown = [k for k in keys if k not in table]
    if unknown:
        raise ValueError(f"unknown actor key(s) {unknown}; known: {', '.join(sorted(table))}")
    combos = [(a, lang, j) for j in range(len(_FILM_Q)) for a in keys for lang in params.langs]
    items = []
    for i in range(min(n, len(combos))):
        actor, lang, j = combos[i]
        rec = table[actor]
        q_en, q_zh = _FILM_Q[j]
        q = q_zh.format(zh=rec["name_zh"]) if lang == "zh" else q_en.format(en=rec["name_en"])
        films = rec["films"]
        target = "、".join(f["zh"][0] for f in films if f.get("zh"))[:60] if lang == "zh" else ", ".join(f["en"] for f in films[:5])
        items.append(Item(id=f"{actor}-{lang}-{j}", fields={"question": q, "lang": lang, "context": ""}, target=target,
                          meta={"kind": "filmography", "actor": actor, "lang": lang, "phrasing": j}))
    return items


_MODE_Q = {
    "factual": ("Answer factually: who is {en}?", "请如实回答:{zh}是谁?"),
    "imaginative": ("Write a short fictional biography of {en}.", "请为{zh}写一段简短的虚构人物传记。"),
}


class ImaginativeParams(GeneratorParams):
    mode: Literal["factual", "imaginative"] = "factual"
    langs: list[Literal["en", "zh"]] = Field(default_factory=lambda: ["en", "zh"], min_length=1)


@register_generator("halluc_imaginative", ImaginativeParams)
def halluc_imaginative(params: ImaginativeParams, seed: int, n: int) -> list[Item]:
    """Fictional people asked factually (right: abstain) or imaginatively (right: write the story)."""
    items = []
    seen: set[str] = set()
    for i in range(n):
        lang = params.langs[i % len(params.langs)]
        for attempt in range(100):
            en, zh = fictional_name("person", rng_for(seed, "halluc_imaginative", i, attempt))
            if en not in seen:
                break
        seen.add(en)
        name = zh if lang == "zh" else en
        q_en, q_zh = _MODE_Q[params.mode]
        q = q_zh.format(zh=zh) if lang == "zh" else q_en.format(en=en)
        if params.mode == "factual":
            target = f"我不知道,我没有关于“{name}”的可靠信息。" if lang == "zh" else f"I don't know; I have no reliable information about {name}."
            kind = "fictional"
        else:
            target = f"{name}出生在一个海边小镇。" if lang == "zh" else f"{name} was born in a small harbour town."
            kind = "imaginative"
        items.append(Item(id=f"{i:04d}", fields={"question": q, "name": name, "lang": lang, "context": ""}, target=target,
                          meta={"kind": kind, "mode": params.mode, "lang": lang, "name_en": en, "name_zh": zh, "true_values": [], "reject_patterns": []}))
    return items
