"""Date arithmetic with `datetime` (ISO dates only, so there is no locale ambiguity)."""

from __future__ import annotations

import datetime as dt

from harness.tools.base import Sandbox, ToolError, register_tool


def parse_date(s: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(s).strip())
    except ValueError:
        raise ToolError(f"invalid date {s!r}; use YYYY-MM-DD") from None


@register_tool(
    "date_add_days",
    "The date that is a number of days after (or, if negative, before) a date. Dates are YYYY-MM-DD.",
    {"date": {"type": "string", "description": "start date, YYYY-MM-DD"}, "days": {"type": "integer", "description": "days to add"}},
)
def date_add_days(args: dict, sandbox: Sandbox) -> str:
    if abs(args["days"]) > 3_000_000:
        raise ToolError("too many days")
    try:
        return (parse_date(args["date"]) + dt.timedelta(days=args["days"])).isoformat()
    except OverflowError:
        raise ToolError("date out of range") from None


@register_tool(
    "days_between",
    "Number of days from the start date to the end date (negative if end is earlier). Dates are YYYY-MM-DD.",
    {"start": {"type": "string", "description": "YYYY-MM-DD"}, "end": {"type": "string", "description": "YYYY-MM-DD"}},
)
def days_between(args: dict, sandbox: Sandbox) -> str:
    return str((parse_date(args["end"]) - parse_date(args["start"])).days)


@register_tool("day_of_week", "The weekday name of a date (YYYY-MM-DD).", {"date": {"type": "string", "description": "YYYY-MM-DD"}})
def day_of_week(args: dict, sandbox: Sandbox) -> str:
    return parse_date(args["date"]).strftime("%A")
