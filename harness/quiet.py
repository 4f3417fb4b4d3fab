"""Silence library warnings that are not the user's business, narrowly and in one place.

transformers 5.x announces on every prefix-cached `generate` call that `past_key_values` will be
renamed (a FutureWarning from transformers and one from torch's module call, plus a logger line);
these break the live progress bar and say nothing about the run. Only those messages are filtered:
any other warning still shows. (The lasting fix is to pass the new `cache=` argument in the HF
backend once every supported transformers version accepts it.)
"""

from __future__ import annotations

import logging
import warnings

_MESSAGES = (
    r".*`past_key_values` is deprecated.*",
    r".*`past_key_values`/`cache_params` are deprecated.*",
)


class _DropDeprecatedCacheNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        return "past_key_values" not in msg or "deprecated" not in msg


def silence_library_warnings() -> None:
    """Idempotent; called by the runner and the CLI before any model is loaded."""
    for pattern in _MESSAGES:
        warnings.filterwarnings("ignore", message=pattern, category=FutureWarning)
        warnings.filterwarnings("ignore", message=pattern, category=DeprecationWarning)
    for name in ("transformers", "transformers.utils.generic", "transformers.generation.utils", "transformers.modeling_utils"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropDeprecatedCacheNotice) for f in logger.filters):
            logger.addFilter(_DropDeprecatedCacheNotice())
