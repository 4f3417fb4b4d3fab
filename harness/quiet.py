"""Silence library warnings that are not the user's business, narrowly and in one place.

transformers 5.x announces on every prefix-cached `generate` call that `past_key_values` will be
renamed (a FutureWarning from transformers and one from torch's module call, plus a logger line);
these break the live progress bar and say nothing about the run. Only those messages are filtered:
any other warning still shows. (The lasting fix is to pass the new `cache=` argument in the HF
backend once every supported transformers version accepts it.)

When stderr is not a terminal (logs, CI, `| tee`), transformers' per-tensor tqdm bars ("Loading
weights", "Converting and de-quantizing GGUF tensors") would print hundreds of carriage-return
updates; they are turned off there (HF_HUB_DISABLE_PROGRESS_BARS, unless the user set it), and the
harness prints its own one-line messages instead.
"""

from __future__ import annotations

import logging
import os
import sys
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
    if not (sys.stderr and sys.stderr.isatty()):
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        if "transformers" in sys.modules and os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] == "1":
            from transformers.utils import logging as tf_logging

            tf_logging.disable_progress_bar()
    for pattern in _MESSAGES:
        warnings.filterwarnings("ignore", message=pattern, category=FutureWarning)
        warnings.filterwarnings("ignore", message=pattern, category=DeprecationWarning)
    for name in ("transformers", "transformers.utils.generic", "transformers.generation.utils", "transformers.modeling_utils"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropDeprecatedCacheNotice) for f in logger.filters):
            logger.addFilter(_DropDeprecatedCacheNotice())
