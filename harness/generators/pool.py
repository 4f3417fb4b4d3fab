"""Fill-and-drain pool problems (004-02: models misread simultaneous inlet/outlet problems).

Languages: `zh_hans`, `zh_hant` (hand-written parallel templates), `en`, and `abstract` (the
same arithmetic as a bare formula, the comprehension control C1). Variants, cycled over items
(meta.variant says which):
- `base`: inlet fills the empty pool in x h, outlet drains the full pool in y h (y > x); both
  open: x*y/(y-x) h;
- `never_fills`: outlet faster (y < x): the pool never fills, target `never`;
- `delayed_outlet`: the outlet opens d h after the inlet: d + (x-d)*y/(y-x);
- `start_full`: the pool starts full, outlet faster (y < x), time to empty: x*y/(x-y);
- `volume`: V m³, inlet a m³/h, outlet b m³/h: V/(a-b);
- `distractor`: `base` plus irrelevant numbers (depth, pipe diameter, clock time).
All answers are whole hours (integer grids: x <= 30, y <= 60, answer <= 120).

`meta.signatures` maps each misreading to the number it would produce (rates added instead of
subtracted, one pipe only, times subtracted, delay ignored); `harness.metrics.reasoning` matches
wrong answers against them.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Literal

from pydantic import Field, model_validator

from harness.generators.base import GeneratorParams, Item, register_generator
from harness.hashing import rng_for

Variant = Literal["base", "never_fills", "delayed_outlet", "start_full", "volume", "distractor"]
ALL_VARIANTS: list[str] = ["base", "never_fills", "delayed_outlet", "start_full", "volume", "distractor"]
NEVER = "never"

# question templates per language and variant; {x} inlet fill time, {y} outlet drain time, {d} delay,
# {V} volume, {a}/{b} inlet/outlet rates, {h} depth, {c} diameter, {t} clock time
_PIPES = {
    "zh_hans": "一个水池装有一根进水管和一根出水管。单开进水管，{x}小时可以把空池注满；单开出水管，{y}小时可以把满池的水放完。",
    "zh_hant": "一個水池裝有一根進水管和一根出水管。單開進水管，{x}小時可以把空池注滿；單開出水管，{y}小時可以把滿池的水放完。",
    "en": "A pool has an inlet pipe and an outlet pipe. The inlet alone fills the empty pool in {x} hours; the outlet alone drains the full pool in {y} hours.",
}
_ASK_FILL = {
    "zh_hans": "两管同时打开，空池几小时可以注满？",
    "zh_hant": "兩管同時打開，空池幾小時可以注滿？",
    "en": " Both pipes are opened at the same time. How many hours does it take to fill the empty pool?",
}
_ASK_DELAYED = {
    "zh_hans": "先打开进水管，{d}小时后再打开出水管。从开始注水算起，空池几小时可以注满？",
    "zh_hant": "先打開進水管，{d}小時後再打開出水管。從開始注水算起，空池幾小時可以注滿？",
    "en": " The inlet is opened first and the outlet {d} hours later. Counting from the start, how many hours does it take to fill the empty pool?",
}
_ASK_EMPTY = {
    "zh_hans": "现在水池是满的，两管同时打开，几小时可以把池里的水放完？",
    "zh_hant": "現在水池是滿的，兩管同時打開，幾小時可以把池裡的水放完？",
    "en": " The pool is now full. Both pipes are opened at the same time. How many hours does it take to empty the pool?",
}
_VOLUME = {
    "zh_hans": "一个水池的容积是{V}立方米。进水管每小时进水{a}立方米，出水管每小时放水{b}立方米。两管同时打开，空池几小时可以注满？",
    "zh_hant": "一個水池的容積是{V}立方米。進水管每小時進水{a}立方米，出水管每小時放水{b}立方米。兩管同時打開，空池幾小時可以注滿？",
    "en": "A pool holds {V} cubic metres. The inlet pipe lets in {a} cubic metres per hour and the outlet pipe drains {b} cubic metres per hour. Both pipes are opened at the same time. How many hours does it take to fill the empty pool?",
}
_DISTRACT = {
    "zh_hans": "水池深{h}米，进水管的直径是{c}厘米。管理员在早上{t}点同时打开两管。空池几小时可以注满？",
    "zh_hant": "水池深{h}米，進水管的直徑是{c}釐米。管理員在早上{t}點同時打開兩管。空池幾小時可以注滿？",
    "en": " The pool is {h} metres deep and the inlet pipe is {c} centimetres wide. The keeper opens both pipes at {t} o'clock in the morning. How many hours does it take to fill the empty pool?",
}
_ABSTRACT = {
    "base": "Compute {x} * {y} / ({y} - {x}).",
    "distractor": "Compute {x} * {y} / ({y} - {x}).",
    "delayed_outlet": "Compute {d} + ({x} - {d}) * {y} / ({y} - {x}).",
    "start_full": "Compute {x} * {y} / ({x} - {y}).",
    "volume": "Compute {V} / ({a} - {b}).",
}
INSTRUCTION = {
    "zh_hans": "只回答一个数字（小时数）；如果水池永远无法注满，回答“无法注满”。",
    "zh_hant": "只回答一個數字（小時數）；如果水池永遠無法注滿，回答「無法注滿」。",
    "en": "Answer with one number (hours) only; if the pool can never be filled, answer \"never\".",
    "abstract": "Answer with one number only.",
}


# how a shot's answer is written after the question's answer cue
NEVER_TEXT = {"zh_hans": "无法注满", "zh_hant": "無法注滿", "en": " never", "abstract": " never"}


class PoolParams(GeneratorParams):
    lang: Literal["zh_hans", "zh_hant", "en", "abstract"] = "zh_hans"
    variants: list[Variant] = Field(default_factory=lambda: list(ALL_VARIANTS), description="cycled over items")

    @model_validator(mode="after")
    def _abstract_ok(self) -> "PoolParams":
        if not self.variants:
            raise ValueError("variants must not be empty")
        if self.lang == "abstract" and "never_fills" in self.variants:
            raise ValueError("never_fills has no abstract form; drop it from variants for lang: abstract")
        return self


def _fill_pairs() -> list[tuple[int, int]]:
    return [(x, y) for x in range(1, 31) for y in range(x + 1, 61) if (x * y) % (y - x) == 0 and x * y // (y - x) <= 120]


def _num(v: Fraction | int) -> float:
    return float(v)


def _pick(rng, variant: str) -> tuple[dict[str, int], str, dict[str, float | None]]:  # type: ignore[no-untyped-def]
    """Numbers, gold answer and misreading signatures of one problem."""
    if variant in ("base", "distractor"):
        x, y = rng.choice(_FILL_PAIRS)
        nums = {"x": x, "y": y}
        if variant == "distractor":
            nums |= {"h": rng.randrange(2, 6), "c": rng.choice([5, 8, 10, 12, 15]), "t": rng.randrange(6, 11)}
        sig = {"rates_added": _num(Fraction(x * y, x + y)), "one_pipe": [x, y], "difference": y - x}
        return nums, str(x * y // (y - x)), sig  # type: ignore[return-value]
    if variant == "never_fills":
        x = rng.randrange(2, 31)
        y = rng.randrange(1, x)
        sig = {"rates_added": _num(Fraction(x * y, x + y)), "one_pipe": [x, y], "difference": x - y, "sign_flipped": _num(Fraction(x * y, x - y))}
        return {"x": x, "y": y}, NEVER, sig  # type: ignore[return-value]
    if variant == "delayed_outlet":
        x, y, d = rng.choice(_DELAYED)
        base = x * y // (y - x)
        total = d + (x - d) * y // (y - x)
        sig = {"rates_added": _num(Fraction(x * y, x + y)), "one_pipe": [x, y], "difference": y - x, "delay_ignored": [base, total - d]}
        return {"x": x, "y": y, "d": d}, str(total), sig  # type: ignore[return-value]
    if variant == "start_full":
        y, x = rng.choice(_FILL_PAIRS)  # outlet time y < inlet time x
        sig = {"rates_added": _num(Fraction(x * y, x + y)), "one_pipe": [x, y], "difference": x - y}
        return {"x": x, "y": y}, str(x * y // (x - y)), sig  # type: ignore[return-value]
    a = rng.randrange(2, 21)
    b = rng.randrange(1, a)
    t = rng.randrange(2, 25)
    V = (a - b) * t
    sig = {"rates_added": _num(Fraction(V, a + b)), "one_pipe": [_num(Fraction(V, a)), _num(Fraction(V, b))], "difference": a - b}
    return {"V": V, "a": a, "b": b}, str(t), sig  # type: ignore[return-value]


_FILL_PAIRS = _fill_pairs()
_DELAYED = [(x, y, d) for x, y in _FILL_PAIRS for d in range(1, x) if ((x - d) * y) % (y - x) == 0]


def _question(lang: str, variant: str, nums: dict[str, int]) -> str:
    if lang == "abstract":
        return _ABSTRACT[variant].format(**nums)
    if variant == "volume":
        return _VOLUME[lang].format(**nums)
    ask = {"base": _ASK_FILL, "never_fills": _ASK_FILL, "delayed_outlet": _ASK_DELAYED, "start_full": _ASK_EMPTY, "distractor": _DISTRACT}[variant]
    return (_PIPES[lang] + ask[lang]).format(**nums)


@register_generator("pool", PoolParams)
def pool(params: PoolParams, seed: int, n: int) -> list[Item]:
    """Fields `question`, `instruction`, `target_text` (the answer as a shot shows it); target whole hours or `never`; meta variant, numbers, signatures."""
    items = []
    for i in range(n):
        variant = params.variants[i % len(params.variants)]
        rng = rng_for(seed, "pool", variant, i)  # same numbers for every language: items are paired
        nums, answer, sig = _pick(rng, variant)
        meta: dict[str, Any] = {"variant": variant, "lang": params.lang, "numbers": nums, "signatures": sig}
        shown = NEVER_TEXT[params.lang] if answer == NEVER else (answer if params.lang.startswith("zh") else f" {answer}")
        fields = {"question": _question(params.lang, variant, nums), "instruction": INSTRUCTION[params.lang], "target_text": shown}
        items.append(Item(id=f"{i:05d}", fields=fields, target=answer, meta=meta))
    return items
