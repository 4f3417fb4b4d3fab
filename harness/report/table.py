"""One table type for every report table, rendered once each to Markdown, CSV and HTML.

A section builds `Table`s from an aggregate (strings already formatted, intervals included);
`markdown()` and `csv()` here and the HTML template all render the same object, so a number
cannot differ between the three.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""
    slug: str = ""  # file stem of its CSV and HTML id; derived from the title when empty
    level: int = 2  # Markdown heading level
    section: str = ""  # the family section it belongs to (for grouping)
    extra: list[str] = field(default_factory=list)  # Markdown lines after the table (e.g. totals)
    align: str = ""  # one letter per column, "r" = right-aligned (numbers); missing letters = left

    def __post_init__(self) -> None:
        if not self.slug:
            self.slug = re.sub(r"[^a-z0-9]+", "_", self.title.lower()).strip("_")[:60]

    def markdown(self, heading: bool = True) -> list[str]:
        out = [f"{'#' * self.level} {self.title}", ""] if heading else []
        if self.note:
            out += [self.note, ""]
        out += [
            "| " + " | ".join(md_cell(h) for h in self.header) + " |",
            "|" + "".join("---:|" if self.right(i) else "---|" for i in range(len(self.header))),
        ]
        out += ["| " + " | ".join(md_cell(c) for c in r) + " |" for r in self.rows]
        return [*out, "", *self.extra, *([""] if self.extra else [])]

    def right(self, col: int) -> bool:
        return self.align[col : col + 1] == "r"

    def csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(self.header)
        w.writerows(self.rows)
        return buf.getvalue()


def md_cell(text: str) -> str:
    """A Markdown table cell that cannot break the table or inject markup: `|` escaped, newlines
    flattened, and `&`, `<`, `>` as entities (model outputs and task text end up in cells)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|").replace("\n", " ")
