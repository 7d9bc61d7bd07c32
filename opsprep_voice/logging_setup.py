"""Logging is configured once, here, by the entry point (CLI or app); modules only call getLogger."""

from __future__ import annotations

import logging

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def configure_logging(verbosity: int = 0) -> None:
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format=_FORMAT, datefmt="%H:%M:%S", force=True)
    # Third-party libraries are chatty at INFO; keep them at WARNING unless debugging.
    if verbosity < 2:
        for name in ("faster_whisper", "httpx", "huggingface_hub", "comtypes", "numba"):
            logging.getLogger(name).setLevel(logging.WARNING)
