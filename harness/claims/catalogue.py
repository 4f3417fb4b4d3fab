"""The claims catalogue as data: every claim id with its source, quote, translation and hypothesis.

`configs/claims/catalogue.yaml` is generated from CATALOGUE.md by scripts/build_claims_registry.py;
this module only reads it.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from harness.errors import ConfigError

DEFAULT_CATALOGUE = "configs/claims/catalogue.yaml"


class Claim(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str
    title: str
    theme: str | None = None
    theme_name: str | None = None
    source_file: str
    lines: str
    line: int | None = None
    speaker: str
    quote: str
    quotes: list[str] = []
    en: str
    hypothesis: str | None = None
    test: str = ""
    rule: str = ""
    feasibility: str = ""
    links: str | None = None
    links_ids: list[str] = []


class Untestable(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str
    source_file: str | None
    lines: str
    line: int | None = None
    statement: str
    reason: str


class Catalogue(BaseModel):
    source: str = ""
    claims: list[Claim]
    untestable: list[Untestable] = []

    def get(self, claim_id: str) -> Claim | None:
        return next((c for c in self.claims if c.id == claim_id), None)

    @property
    def ids(self) -> set[str]:
        return {c.id for c in self.claims} | {u.id for u in self.untestable}


def load_catalogue(path: str | Path = DEFAULT_CATALOGUE) -> Catalogue:
    p = Path(path)
    if not p.exists():
        raise ConfigError(str(p), None, "claims catalogue not found (generate it with scripts/build_claims_registry.py)")
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is ~10x faster on this 400 KB file
        return Catalogue.model_validate(yaml.load(p.read_text(encoding="utf-8"), Loader=loader))  # noqa: S506 (a safe loader)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(str(p), ".".join(str(x) for x in err["loc"]), err["msg"]) from exc
