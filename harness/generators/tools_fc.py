"""Single-turn function-calling items, BFCL style, generated from the harness's own tool schemas.

Categories:
- `simple`: one tool offered, the question needs exactly that call;
- `multiple`: the right tool among 3 distractors;
- `irrelevance`: tools offered that cannot answer the question; the right answer is no call.
`meta.gold` lists acceptable calls: {"name", "arguments": {param: [acceptable values]}}; a
param whose list holds "" may be omitted (BFCL's convention). Strings are compared after
BFCL's normalisation, numbers with a tolerance (see harness/metrics/tool_calls.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Literal

from pydantic import Field

from harness.generators.base import GeneratorParams, Item, register_generator
from harness.hashing import rng_for
from harness.tools.kb import PHRASES, RELATIONS, VALUES, build_kb

Gold = dict[str, Any]
ALL_TOOLS = ["calculator", "convert_units", "lookup", "date_add_days", "days_between", "day_of_week", "list_files", "read_file", "move_file", "delete_file"]

_UNITS = [  # (value range, from spellings, to spellings, from word, to word)
    (("km", "kilometer", "kilometers"), ("mi", "mile", "miles"), "kilometers", "miles"),
    (("lb", "lbs", "pound", "pounds"), ("kg", "kilogram", "kilograms"), "pounds", "kilograms"),
    (("ft", "foot", "feet"), ("m", "meter", "meters", "metre", "metres"), "feet", "meters"),
    (("c", "celsius"), ("f", "fahrenheit"), "degrees Celsius", "degrees Fahrenheit"),
    (("gal", "gallon", "gallons"), ("l", "liter", "liters", "litre", "litres"), "gallons", "liters"),
    (("h", "hr", "hour", "hours"), ("min", "minute", "minutes"), "hours", "minutes"),
]
_IRRELEVANT = [
    "Write a two-line poem about the sea.",
    "Tell me a joke about cats.",
    "Translate 'good morning' into French.",
    "Who wrote the play Hamlet?",
    "What is the opposite of the word 'happy'?",
    "Give me three tips for sleeping better.",
    "Summarise the plot of Cinderella in one sentence.",
    "What colour do you get by mixing blue and yellow?",
    "Suggest a name for a pet goldfish.",
    "Which is the largest ocean on Earth?",
    "Explain what photosynthesis is in one sentence.",
    "What is your favourite season, and why?",
]


def _date(rng) -> str:
    return (dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(0, 3650))).isoformat()


def _calc(rng, kb_seed: int) -> tuple[str, Gold]:
    a, b, c = rng.randrange(12, 99), rng.randrange(12, 99), rng.randrange(100, 999)
    exprs = [f"{a}*{b}+{c}", f"({a}*{b})+{c}", f"{c}+{a}*{b}", f"{c}+({a}*{b})", f"{a}×{b}+{c}"]
    return f"Use a tool to compute {a} times {b} plus {c}.", {"name": "calculator", "arguments": {"expression": exprs}}


def _units(rng, kb_seed: int) -> tuple[str, Gold]:
    src, dst, sw, dw = rng.choice(_UNITS)
    v = rng.randrange(2, 500)
    return f"Convert {v} {sw} to {dw}.", {"name": "convert_units", "arguments": {"value": [v], "from_unit": list(src), "to_unit": list(dst)}}


def _lookup(rng, kb_seed: int) -> tuple[str, Gold]:
    kb = build_kb(kb_seed)
    ent = rng.choice(list(kb.entities))
    typ = kb.entities[ent]["type"]
    attr = rng.choice(list(RELATIONS[typ]) + VALUES[typ])
    return (f"Look up {PHRASES[attr]} of {ent} in the knowledge base.",
            {"name": "lookup", "arguments": {"entity": [ent], "attribute": [attr, attr.replace("_", " ")]}})


def _date_add(rng, kb_seed: int) -> tuple[str, Gold]:
    d, n = _date(rng), rng.randrange(3, 400)
    return f"What date is {n} days after {d}?", {"name": "date_add_days", "arguments": {"date": [d], "days": [n]}}


def _between(rng, kb_seed: int) -> tuple[str, Gold]:
    d1, d2 = sorted([_date(rng), _date(rng)])
    return f"How many days are there from {d1} to {d2}?", {"name": "days_between", "arguments": {"start": [d1], "end": [d2]}}


def _weekday(rng, kb_seed: int) -> tuple[str, Gold]:
    d = _date(rng)
    return f"What day of the week was {d}?", {"name": "day_of_week", "arguments": {"date": [d]}}


_FILES = ["report", "draft", "cache", "notes", "build", "old_data", "scratch", "backup"]


def _path(rng) -> tuple[str, str]:
    name = f"{rng.choice(_FILES)}{rng.randrange(1, 99)}.{rng.choice(['txt', 'log', 'tmp', 'csv'])}"
    return f"/{rng.choice(['proj', 'home/ana', 'data'])}/{name}", name


def _list(rng, kb_seed: int) -> tuple[str, Gold]:
    d = rng.choice(["/proj", "/home/ana", "/data/raw"])
    return f"Which files are in the directory {d}?", {"name": "list_files", "arguments": {"directory": [d, d + "/"]}}


def _read(rng, kb_seed: int) -> tuple[str, Gold]:
    p, _ = _path(rng)
    return f"Show me the contents of the file {p}.", {"name": "read_file", "arguments": {"path": [p]}}


def _move(rng, kb_seed: int) -> tuple[str, Gold]:
    p, name = _path(rng)
    return (f"Move the file {p} into the folder /archive.",
            {"name": "move_file", "arguments": {"source": [p], "destination": ["/archive", "/archive/", f"/archive/{name}"]}})


def _delete(rng, kb_seed: int) -> tuple[str, Gold]:
    p, _ = _path(rng)
    return f"Delete the file {p}.", {"name": "delete_file", "arguments": {"path": [p]}}


MAKERS: dict[str, Callable[[Any, int], tuple[str, Gold]]] = {
    "calculator": _calc, "convert_units": _units, "lookup": _lookup, "date_add_days": _date_add, "days_between": _between,
    "day_of_week": _weekday, "list_files": _list, "read_file": _read, "move_file": _move, "delete_file": _delete,
}


class FunctionCallParams(GeneratorParams):
    category: Literal["simple", "multiple", "irrelevance"] = "simple"
    kb_seed: int = Field(7, description="seed of the generated knowledge base used by lookup questions")
    n_distractors: int = Field(3, ge=1, le=9, description="extra tools offered in `multiple` (and offered in `irrelevance`)")


@register_generator("function_calling", FunctionCallParams)
def function_calling(params: FunctionCallParams, seed: int, n: int) -> list[Item]:
    """BFCL-style single-turn items over the harness tools; fields: question; target: the gold call(s) as text."""
    rng = rng_for(seed, "function_calling", params.category, params.kb_seed)
    items = []
    for i in range(n):
        if params.category == "irrelevance":
            q = _IRRELEVANT[i % len(_IRRELEVANT)] if i < len(_IRRELEVANT) else rng.choice(_IRRELEVANT)
            tools = rng.sample([t for t in ALL_TOOLS if t != "lookup"], params.n_distractors)  # lookup could look plausible for trivia
            gold: list[Gold] = []
        else:
            tool = ALL_TOOLS[i % len(ALL_TOOLS)]
            q, g = MAKERS[tool](rng, params.kb_seed)
            gold = [g]
            tools = [tool]
            if params.category == "multiple":
                tools += rng.sample([t for t in ALL_TOOLS if t != tool], params.n_distractors)
                rng.shuffle(tools)
        target = "no call" if not gold else f"{gold[0]['name']}(" + ", ".join(f"{k}={v[0]!r}" for k, v in gold[0]["arguments"].items()) + ")"
        items.append(Item(id=f"{params.category}-{i:04d}", fields={"question": q}, target=target,
                          meta={"category": params.category, "tools": tools, "gold": gold, "tool": gold[0]["name"] if gold else None}))
    return items
