"""Retrieval over generated document sets (BM25 via the maintained `rank-bm25` package)."""

from harness.retrieval.bm25 import Passage, PassageIndex, tokenize

__all__ = ["Passage", "PassageIndex", "tokenize"]
