#!/usr/bin/env python3
"""Generate configs/claims/catalogue.yaml from the claims catalogue (Markdown).

The catalogue (configs/claims/source/CATALOGUE.md, a copy of shared/claims/CATALOGUE.md) is the source of truth for
the claims' wording; this script turns every `### DDD-NN · title` entry and every untestable
`DDD-UNN` line into structured YAML so that rules and reports can refer to claims by id.

    python scripts/build_claims_registry.py [configs/claims/source/CATALOGUE.md] [-o configs/claims/catalogue.yaml]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ENTRY = re.compile(r"^### (\d{3}-\d{2}) · (.+)$")
THEME = re.compile(r"^## Theme ([A-Z]) · (.+?)(?: \(\d+ claims?\))?$")
FIELD = re.compile(r"^- \*\*(Source|Quote|EN|Hypothesis|Test|Rule|Feasibility|Links):\*\* ?(.*)$")
SOURCE = re.compile(r"^`([^`]+)`, (.+?) · \*\*Speaker:\*\* (.+)$")
UNTESTABLE = re.compile(r"^- (\d{3}-U\d{2}) · (.+?) · (.+)$")
FILE_HEADER = re.compile(r"^\*\*(\d{3}_[0-9a-f]+\.txt)\*\*$")
KEYS = {"Source": "source", "Quote": "quote", "EN": "en", "Hypothesis": "hypothesis", "Test": "test", "Rule": "rule", "Feasibility": "feasibility", "Links": "links"}


def first_line(spec: str) -> int | None:
    m = re.search(r"L(\d+)", spec)
    return int(m.group(1)) if m else None


def split_reason(text: str) -> tuple[str, str]:
    """'statement: reason.' -> (statement, reason); the reason follows the last ': '."""
    if ": " in text:
        stmt, reason = text.rsplit(": ", 1)
        return stmt.strip(), reason.strip().rstrip(".")
    if " — " in text:  # 'statement — declared by the speaker a matter of belief (...)'
        stmt, reason = text.split(" — ", 1)
        return stmt.strip(), reason.strip().rstrip(".")
    return text.strip(), "no claim about model behaviour is made"


def parse(text: str) -> dict[str, Any]:
    claims: list[dict[str, Any]] = []
    untestable: list[dict[str, Any]] = []
    theme: dict[str, str] | None = None
    cur: dict[str, Any] | None = None
    last_key: str | None = None
    doc_file: str | None = None
    in_untestable = False
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.startswith("## "):
            cur, last_key = None, None
            m = THEME.match(line)
            theme = {"id": m.group(1), "name": m.group(2)} if m else None
            in_untestable = line.startswith("## Statements judged not empirically testable")
            continue
        if in_untestable:
            if (m := FILE_HEADER.match(line)) is not None:
                doc_file = m.group(1)
            elif (m := UNTESTABLE.match(line)) is not None:
                stmt, reason = split_reason(m.group(3))
                untestable.append({"id": m.group(1), "source_file": doc_file, "lines": m.group(2), "line": first_line(m.group(2)), "statement": stmt, "reason": reason})
            continue
        if (m := ENTRY.match(line)) is not None:
            cur = {"id": m.group(1), "title": m.group(2).strip(), "theme": theme["id"] if theme else None, "theme_name": theme["name"] if theme else None}
            claims.append(cur)
            last_key = None
            continue
        if cur is None:
            continue
        if (m := FIELD.match(line)) is not None:
            key = KEYS[m.group(1)]
            value = m.group(2).strip()
            if key == "source":
                s = SOURCE.match(value)
                if s is None:
                    raise ValueError(f"{cur['id']}: cannot parse Source line: {value!r}")
                cur["source_file"], cur["lines"], cur["speaker"] = s.group(1), s.group(2).strip(), s.group(3).strip()
                cur["line"] = first_line(s.group(2))
            elif key == "quote":
                cur["quote"] = value
                cur["quotes"] = [q.strip().strip("「」") for q in value.split(" / ")]
            else:
                cur[key] = value
            last_key = key
        elif line.startswith("### ") or line.startswith("Claims:"):
            cur, last_key = None, None
        elif line.strip() and last_key and not line.startswith("- **"):
            cur[last_key] = f"{cur[last_key]} {line.strip()}"  # a field continued on the next line
    for c in claims:
        c["testable"] = True
        c["links_ids"] = sorted(set(re.findall(r"\b\d{3}-\d{2}\b", c.get("links", ""))) - {c["id"]})
    return {"claims": claims, "untestable": untestable}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("catalogue", nargs="?", default="configs/claims/source/CATALOGUE.md")
    ap.add_argument("-o", "--output", default="configs/claims/catalogue.yaml")
    args = ap.parse_args(argv)
    src = Path(args.catalogue)
    if not src.exists():
        print(f"catalogue not found: {src}", file=sys.stderr)
        return 2
    data = parse(src.read_text(encoding="utf-8"))
    header = (
        f"# GENERATED by scripts/build_claims_registry.py from {src.name}; do not edit by hand.\n"
        f"# {len(data['claims'])} testable claims, {len(data['untestable'])} statements judged not testable.\n"
        "# Decision rules live in configs/claims/rules.yaml.\n"
    )
    body = yaml.safe_dump({"source": src.name, **data}, allow_unicode=True, sort_keys=False, width=10_000)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(header + body, encoding="utf-8")
    print(f"wrote {args.output}: {len(data['claims'])} claims, {len(data['untestable'])} untestable")
    return 0


if __name__ == "__main__":
    sys.exit(main())
