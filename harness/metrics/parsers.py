"""General-purpose answer parsers.

Linear in the output length (no nested quantifiers over the same characters, which made a 40K-char
output cost seconds), and bounded: an integer of more than MAX_DIGITS digits is an invalid answer
(None), never an exception.
"""

from __future__ import annotations

import re
from typing import Any

from harness.metrics.base import register_parser

_INT = r"-?\d[\d,]*"
MAX_DIGITS = 1000
# `[\s*]*` rather than `\s*\**\s*`: the same strings, one way to match them (no quadratic backtracking)
_ANSWER_PATTERNS = [
    re.compile(r"(?:answer|result|sum|product|total)\s*(?:is|:|=)[\s*]*(" + _INT + r")", re.I),
    re.compile(r"(?:答案|结果|答)\s*(?:(?:是|为|:|:)\s*)?(" + _INT + r")"),
    re.compile(r"=[\s*]*(" + _INT + r")(?:[^\S\n]|\*)*$", re.M),
]


def _clean_int(s: str) -> str | None:
    s = s.replace(",", "")
    if len(s) > MAX_DIGITS:
        return None
    try:
        return str(int(s))
    except ValueError:
        return None


@register_parser("identity")
def identity(text: str, item: Any) -> str | None:
    return text


@register_parser("strip")
def strip(text: str, item: Any) -> str | None:
    s = text.strip()
    return s or None


@register_parser("first_integer")
def first_integer(text: str, item: Any) -> str | None:
    """The first integer in the output (completion-format answers such as ' 124\\n')."""
    m = re.search(_INT, text)
    return _clean_int(m.group(0)) if m else None


@register_parser("answer_integer")
def answer_integer(text: str, item: Any) -> str | None:
    """For chatty outputs: 'the answer is N' / '答案是N' / '... = N', else the last integer.

    ('48 + 76 = 124' must give 124, not 48.)
    """
    for pat in _ANSWER_PATTERNS:
        m = pat.search(text)
        if m:
            return _clean_int(m.group(1))
    found = re.findall(_INT, text)
    return _clean_int(found[-1]) if found else None
