"""Multi-step reasoning items with worked rationales, for direct vs chain-of-thought (001-29, 003-25/26).

Every item carries both its answer (`target`) and a programmatic rationale (`fields.rationale`),
so the direct and CoT prompts of a comparison are built from the *same* items (same generator,
same seed): the comparison is paired. Families:
- `word_problem`: an arithmetic story with k operations (add, take away, multiply, share);
  intermediates stay in [1, 999];
- `last_letter`: concatenate the last letters of k words (Wei et al. 2022);
- `coin_flip`: does a coin that k people may flip end heads up (Wei et al. 2022).
`steps` is one k or a list cycled over items (meta.steps tells which), so one task can cover
k = 1..6 and be broken down by k.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from harness.generators.base import GeneratorParams, Item, register_generator
from harness.hashing import rng_for

NAMES = [
    "Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Kira", "Liam", "Maya",
    "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoe",
]
OBJECTS = ["apples", "marbles", "stickers", "pencils", "cookies", "stamps", "coins", "books", "shells", "cards"]
WORDS = [
    "Elon", "Musk", "Larry", "Page", "Sergey", "Brin", "Bill", "Gates", "Steve", "Jobs", "Ada", "Lovelace", "Alan",
    "Turing", "Grace", "Hopper", "Linus", "Torvalds", "Marie", "Curie", "Isaac", "Newton", "Nikola", "Tesla",
    "Katherine", "Johnson", "Barbara", "Liskov", "Donald", "Knuth", "Frances", "Allen", "Edsger", "Dijkstra",
]


class ReasoningParams(GeneratorParams):
    family: Literal["word_problem", "last_letter", "coin_flip"] = "word_problem"
    steps: list[int] = Field(default_factory=lambda: [2], description="k per item, cycled over items")

    @field_validator("steps", mode="before")
    @classmethod
    def _listify(cls, v: object) -> object:
        return [v] if isinstance(v, int) else v

    @field_validator("steps")
    @classmethod
    def _range(cls, v: list[int]) -> list[int]:
        if not v or any(not 1 <= k <= 12 for k in v):
            raise ValueError("steps must be a non-empty list of integers in 1..12")
        return v


def _word_problem(rng, k: int) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    name, other = rng.sample(NAMES, 2)
    obj = rng.choice(OBJECTS)
    value = rng.randrange(2, 21)
    sentences = [f"{name} has {value} {obj}."]
    steps = [f"{name} starts with {value} {obj}."]
    for _ in range(k):
        ops = ["add", "sub", "mul", "div"]
        rng.shuffle(ops)
        for op in ops:
            if op == "add":
                n = rng.randrange(2, 21)
                if value + n > 999:
                    continue
                sentences.append(f"Then {name} gets {n} more {obj}.")
                steps.append(f"{value} + {n} = {value + n}.")
                value += n
            elif op == "sub":
                if value < 3:
                    continue
                n = rng.randrange(1, min(value - 1, 20) + 1)
                sentences.append(f"Then {name} gives {n} {obj} to {other}.")
                steps.append(f"{value} - {n} = {value - n}.")
                value -= n
            elif op == "mul":
                n = rng.choice([2, 3])
                if value * n > 999:
                    continue
                sentences.append(f"Then the number of {obj} {name} has becomes {'twice' if n == 2 else 'three times'} as large.")
                steps.append(f"{value} * {n} = {value * n}.")
                value *= n
            else:
                divisors = [d for d in (2, 3, 4, 5) if value % d == 0 and value // d >= 1]
                if not divisors:
                    continue
                n = rng.choice(divisors)
                sentences.append(f"Then {name} shares the {obj} equally among {n} friends, {name} included, and keeps one share.")
                steps.append(f"{value} / {n} = {value // n}.")
                value //= n
            break
    question = " ".join(sentences) + f" How many {obj} does {name} have now?"
    return question, " ".join(steps), str(value)


def _last_letter(rng, k: int) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    words = rng.sample(WORDS, k)
    answer = "".join(w[-1] for w in words).lower()
    question = f'Take the last letters of the words in "{" ".join(words)}" and concatenate them.'
    steps = [f'The last letter of "{w}" is "{w[-1].lower()}".' for w in words]
    steps.append(f'Concatenating them gives "{answer}".')
    return question, " ".join(steps), answer


def _coin_flip(rng, k: int) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    people = rng.sample(NAMES, k)
    heads = True
    sentences, steps = ["A coin is heads up."], ["The coin starts heads up."]
    for p in people:
        flip = rng.random() < 0.5
        if flip:
            heads = not heads
            sentences.append(f"{p} flips the coin.")
            steps.append(f"{p} flips it, so it is now {'heads' if heads else 'tails'} up.")
        else:
            sentences.append(f"{p} does not flip the coin.")
            steps.append(f"{p} does not flip it, so it stays {'heads' if heads else 'tails'} up.")
    question = " ".join(sentences) + " Is the coin still heads up?"
    return question, " ".join(steps), "yes" if heads else "no"


_FAMILIES = {"word_problem": _word_problem, "last_letter": _last_letter, "coin_flip": _coin_flip}


@register_generator("reasoning", ReasoningParams)
def reasoning(params: ReasoningParams, seed: int, n: int) -> list[Item]:
    """Fields `question`, `rationale` (worked steps, without the final 'The answer is'); target the answer."""
    make = _FAMILIES[params.family]
    items = []
    for i in range(n):
        k = params.steps[i % len(params.steps)]
        rng = rng_for(seed, "reasoning", params.family, i, k)
        question, rationale, answer = make(rng, k)
        items.append(Item(id=f"{i:05d}", fields={"question": question, "rationale": rationale}, target=answer, meta={"family": params.family, "steps": k}))
    return items
