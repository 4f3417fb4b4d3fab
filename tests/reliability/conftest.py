"""Fixtures of the fault-injection suite (the fake server lives in fakeserver.py)."""

from fakeserver import fake_server, registry_file  # noqa: F401  (fixtures)
