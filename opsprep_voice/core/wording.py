"""Counts in words for what the app shows and writes: "1 answer", "3 answers", never "3 answer(s)"."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``count`` and ``noun``, made plural unless the count is one (``many``: an irregular plural)."""
    return f"{count} {noun}" if count == 1 else f"{count} {many or noun + 's'}"
