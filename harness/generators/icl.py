"""G-map items: mappings that can only be learnt from the examples in the prompt (003-07, 001-28, 003-09).

- `label_map`: sentiment words mapped to arbitrary labels `foo` (positive) / `bar` (negative);
- `add_k`: a number n mapped to n + k (a "novel function", k not stated);
- `second_letter`: a word mapped to its second letter.
`fields.instruction` states only the output format (label set, "a number", "one letter") unless
`describe: true`, which states the rule, so k = 0 is at chance for the undescribed maps.

Format-only control: `meta.wrong_target` is an answer of the right form drawn at random from the
output space, independent of the input (random labels as in Min et al. 2022; for `label_map` it
is right half the time by construction). A task whose `prompt.target` is
`" {{ meta.wrong_target }}"` shows shots with the right format but no input-output relation;
test items are still scored against `target`.
"""

from __future__ import annotations

import string
from typing import Literal

from pydantic import Field

from harness.generators.base import GeneratorParams, Item, register_generator
from harness.hashing import rng_for

POSITIVE = [
    "wonderful", "delightful", "brilliant", "excellent", "lovely", "superb", "charming", "joyful", "pleasant", "splendid",
    "fantastic", "marvelous", "cheerful", "gorgeous", "terrific", "amazing", "graceful", "happy", "kind", "beautiful",
]
NEGATIVE = [
    "terrible", "awful", "dreadful", "horrible", "miserable", "nasty", "gloomy", "painful", "disgusting", "boring",
    "rude", "ugly", "sad", "hostile", "annoying", "bitter", "cruel", "filthy", "lousy", "tragic",
]
LETTER_WORDS = sorted(
    {
        "garden", "window", "planet", "rocket", "silver", "forest", "bridge", "candle", "dragon", "tunnel", "marble", "pepper",
        "island", "orange", "violin", "basket", "wizard", "castle", "harbor", "jacket", "kitten", "ladder", "meadow", "needle",
        "oyster", "parrot", "quiver", "ribbon", "saddle", "temple", "umpire", "velvet", "walnut", "yogurt", "zipper", "anchor",
    }
)


class IclParams(GeneratorParams):
    fn: Literal["label_map", "add_k", "second_letter"] = "label_map"
    k: int = Field(3, ge=1, le=50, description="the offset of add_k")
    describe: bool = Field(False, description="state the rule in the instruction (zero-shot solvable)")


def _instruction(params: IclParams) -> str:
    if params.fn == "label_map":
        return "Label each word with its sentiment: foo for positive, bar for negative." if params.describe else "Label each word as foo or bar."
    if params.fn == "add_k":
        return f"Add {params.k} to the number." if params.describe else "Map each number to another number."
    return "Give the second letter of the word." if params.describe else "Map each word to one letter."


@register_generator("icl_map", IclParams)
def icl_map(params: IclParams, seed: int, n: int) -> list[Item]:
    """Fields `input`, `instruction`; target the mapped output; meta.wrong_target for the control."""
    rng = rng_for(seed, "icl_map", params.fn, params.k)
    instruction = _instruction(params)
    items = []
    for i in range(n):
        if params.fn == "label_map":
            positive = rng.random() < 0.5
            x = rng.choice(POSITIVE if positive else NEGATIVE)
            y, wrong = ("foo" if positive else "bar"), rng.choice(["foo", "bar"])
        elif params.fn == "add_k":
            v = rng.randrange(10, 90)
            x, y = str(v), str(v + params.k)
            wrong = str(rng.choice([w for w in range(10, 100) if w != v + params.k]))
        else:
            x = rng.choice(LETTER_WORDS)
            y = x[1]
            wrong = rng.choice([c for c in string.ascii_lowercase if c != y])
        items.append(Item(id=f"{i:05d}", fields={"input": x, "instruction": instruction}, target=y, meta={"fn": params.fn, "wrong_target": wrong}))
    return items
