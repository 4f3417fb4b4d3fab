"""Keep secrets out of everything the harness records or prints.

A URL may carry a password (`http://user:pw@host/v1`) or a key in its query (`?api_key=...`);
`redact_url` keeps the scheme, host, port and path and replaces the secret parts with `***`.
`redact` applies that to any string that looks like a URL (other values pass unchanged).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>]+")
_SECRET_PARAM = re.compile(r"key|token|secret|pass|auth|sig|credential", re.I)


def redact_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "***"  # an unparsable URL is not echoed at all
    netloc = host if ":" not in host else f"[{host}]"
    if port is not None:
        netloc += f":{port}"
    if parts.username is not None or parts.password is not None:
        netloc = f"***@{netloc}"
    query = parts.query
    if query:
        query = urlencode([(k, "***" if _SECRET_PARAM.search(k) else v) for k, v in parse_qsl(query, keep_blank_values=True)], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def redact(value: Any) -> Any:
    """`value` with every URL inside a string redacted; containers are walked."""
    if isinstance(value, str):
        return _URL.sub(lambda m: redact_url(m.group(0)), value)
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact(v) for v in value)
    return value
