"""A generated fictional knowledge base and its `lookup(entity, attribute)` tool.

Every name is built from random syllables, so no model can know a fact closed-book: accuracy
without the tool is at chance by construction. Entities and relations:
    person:  employer -> company, birth_city -> city, birth_year
    company: ceo -> person, headquarters -> city, founded
    city:    country -> country, mayor -> person, population
    country: capital -> city, currency
Multi-hop questions chain relation attributes and end at any attribute.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from harness.hashing import rng_for
from harness.tools.base import Sandbox, ToolError, register_tool

_ONSETS = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "kr", "tr", "st", "th"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ou", "ei"]
_CODAS = ["", "", "n", "r", "l", "s", "th", "x", "m"]

RELATIONS: dict[str, dict[str, str]] = {
    "person": {"employer": "company", "birth_city": "city"},
    "company": {"ceo": "person", "headquarters": "city"},
    "city": {"country": "country", "mayor": "person"},
    "country": {"capital": "city"},
}
VALUES: dict[str, list[str]] = {"person": ["birth_year"], "company": ["founded"], "city": ["population"], "country": ["currency"]}
PHRASES = {
    "employer": "the employer", "birth_city": "the birth city", "ceo": "the CEO", "headquarters": "the headquarters city",
    "country": "the country", "mayor": "the mayor", "capital": "the capital", "birth_year": "the birth year",
    "founded": "the founding year", "population": "the population", "currency": "the currency",
}


@dataclass(frozen=True)
class KnowledgeBase:
    entities: dict[str, dict[str, Any]]  # name -> {"type": ..., attr: value}

    def get(self, entity: str, attribute: str) -> str:
        key = _norm(entity)
        match = next((n for n in self.entities if _norm(n) == key), None)
        if match is None:
            raise ToolError(f"unknown entity {entity!r}")
        row = self.entities[match]
        attr = attribute.strip().lower().replace(" ", "_")
        if attr not in row or attr == "type":
            known = ", ".join(k for k in row if k != "type")
            raise ToolError(f"{match} has no attribute {attribute!r}; known attributes: {known}")
        return str(row[attr])

    def of_type(self, typ: str) -> list[str]:
        return [n for n, r in self.entities.items() if r["type"] == typ]


def _norm(s: str) -> str:
    return " ".join(str(s).lower().split())


def _word(rng, syllables: int) -> str:
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables)).capitalize()


@lru_cache(maxsize=16)
def build_kb(seed: int, n_people: int = 30, n_companies: int = 12, n_cities: int = 10, n_countries: int = 5) -> KnowledgeBase:
    """A deterministic KB for `seed`; names unique across all entities."""
    rng = rng_for(seed, "kb")
    used: set[str] = set()

    def name(kind: str) -> str:
        while True:
            n = {"person": lambda: f"{_word(rng, 2)} {_word(rng, 2)}", "company": lambda: f"{_word(rng, 2)} {rng.choice(['Corp', 'Labs', 'Works', 'Group'])}",
                 "city": lambda: _word(rng, 3), "country": lambda: _word(rng, 2) + rng.choice(["ia", "land", "stan", "ovia"])}[kind]()
            if n.lower() not in used:
                used.add(n.lower())
                return n

    people = [name("person") for _ in range(n_people)]
    companies = [name("company") for _ in range(n_companies)]
    cities = [name("city") for _ in range(n_cities)]
    countries = [name("country") for _ in range(n_countries)]
    ent: dict[str, dict[str, Any]] = {}
    for c in countries:
        ent[c] = {"type": "country", "capital": None, "currency": _word(rng, 2).lower()}
    for c in cities:
        ent[c] = {"type": "city", "country": rng.choice(countries), "mayor": rng.choice(people), "population": rng.randrange(12_000, 2_000_000)}
    for c in companies:
        ent[c] = {"type": "company", "ceo": rng.choice(people), "headquarters": rng.choice(cities), "founded": rng.randrange(1850, 2020)}
    for p in people:
        ent[p] = {"type": "person", "employer": rng.choice(companies), "birth_city": rng.choice(cities), "birth_year": rng.randrange(1940, 2004)}
    for c in countries:
        in_country = [x for x in cities if ent[x]["country"] == c] or cities
        ent[c]["capital"] = rng.choice(in_country)
    return KnowledgeBase(ent)


def chain(kb: KnowledgeBase, rng, hops: int) -> tuple[str, list[str], list[str]]:
    """A random start entity and `hops` attributes (hops-1 relations then any attribute); returns
    (start, attributes, values along the way); the last value is the answer."""
    start = rng.choice(list(kb.entities))
    cur, attrs, values = start, [], []
    for h in range(hops):
        typ = kb.entities[cur]["type"]
        options = list(RELATIONS[typ]) if h < hops - 1 else list(RELATIONS[typ]) + VALUES[typ] * 2
        attr = rng.choice(options)
        cur = str(kb.entities[cur][attr])
        attrs.append(attr)
        values.append(cur)
    return start, attrs, values


def question(start: str, attrs: list[str]) -> str:
    """'What is the population of the birth city of the CEO of Zorva Labs?'"""
    phrase = " of ".join(PHRASES[a] for a in reversed(attrs))
    return f"{'Who' if attrs[-1] in ('ceo', 'mayor') else 'What'} is {phrase} of {start}?"


@register_tool(
    "lookup",
    "Look up one attribute of an entity (person, company, city or country) in the knowledge base. "
    "Attributes: person: employer, birth_city, birth_year; company: ceo, headquarters, founded; "
    "city: country, mayor, population; country: capital, currency.",
    {"entity": {"type": "string", "description": "exact entity name"}, "attribute": {"type": "string", "description": "attribute name"}},
)
def lookup(args: dict, sandbox: Sandbox) -> str:
    if sandbox.kb is None:
        raise ToolError("no knowledge base is available in this task")
    return sandbox.kb.get(args["entity"], args["attribute"])
