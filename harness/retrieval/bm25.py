"""BM25 retrieval over a small passage store, bilingual.

Tokenisation: Latin text -> lower-cased word tokens (accents stripped); Chinese text -> single
characters plus character bigrams (the usual dictionary-free choice for Chinese BM25). The index
is deterministic: ties are broken by passage order, so the same store and query always give the
same passages. `exclude` removes passages (e.g. the gold passage, for the "store lacks the
answer" condition) without rebuilding the index.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rank_bm25 import BM25Okapi

_CJK = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset("the a an of is was in on to and for by who what which did does why how when where".split())


@dataclass(frozen=True)
class Passage:
    id: str
    text: str
    topic: str  # the entity the passage is about (used to exclude gold passages)


def tokenize(text: str) -> list[str]:
    """Word tokens for Latin script, character unigrams + bigrams for Chinese."""
    s = unicodedata.normalize("NFKD", text.lower())
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    toks = [w for w in _WORD.findall(s) if w not in _STOP]
    for run in _CJK.findall(s):
        toks.extend(run)
        toks.extend(run[i : i + 2] for i in range(len(run) - 1))
    return toks


class PassageIndex:
    """BM25Okapi over a fixed passage list."""

    def __init__(self, passages: list[Passage]):
        if not passages:
            raise ValueError("cannot index an empty passage list")
        self.passages = passages
        self._bm25 = BM25Okapi([tokenize(p.text) or ["<empty>"] for p in passages])

    def search(self, query: str, k: int, exclude_topics: frozenset[str] = frozenset()) -> list[Passage]:
        """Top-k passages for `query`, skipping passages whose topic is excluded."""
        scores = self._bm25.get_scores(tokenize(query) or ["<empty>"])
        order = sorted(range(len(self.passages)), key=lambda i: (-scores[i], i))
        out = [self.passages[i] for i in order if self.passages[i].topic not in exclude_topics]
        return out[:k]
