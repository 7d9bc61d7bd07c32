"""Reading one field of a stored report without raising: the helpers :meth:`ScoreReport.from_dict
<opsprep_voice.core.scoring.ScoreReport.from_dict>` reads every field with. A missing or malformed value reads
as an empty one, and a bad list item is dropped on its own (logged at debug level), so one bad item never
loses the report."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from opsprep_voice.core.transcript import Word

logger = logging.getLogger(__name__)

_T = TypeVar("_T")


def as_float(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def as_int(value: object) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def as_str(value: object) -> str:
    return "" if value is None else str(value)


def read_items(raw: object, read: Callable[[dict[str, Any]], _T | None]) -> tuple[_T, ...]:
    """``read`` each dict of a stored list; an item it cannot read (or returns None for) is dropped."""
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return ()
    out: list[_T] = []
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        try:
            value = read(dict(item))
        except (KeyError, TypeError, ValueError) as exc:
            logger.debug("skipped an unreadable report item %r: %s", item, exc)
            continue
        if value is not None:
            out.append(value)
    return tuple(out)


def read_word(data: dict[str, Any]) -> Word | None:
    text, start = as_str(data.get("word")).strip(), as_float(data.get("start"))
    if not text or start is None:
        return None
    end = as_float(data.get("end"))
    probability = as_float(data.get("probability"))
    return Word(
        text,
        start,
        start if end is None else end,
        1.0 if probability is None else probability,
        data.get("joined") is True,
    )


def read_spanned(read: Callable[[dict[str, Any]], _T], data: dict[str, Any]) -> _T | None:
    """A filler or figure: only with a non-empty character span (it marks the transcript)."""
    start, end = as_int(data.get("char_start")), as_int(data.get("char_end"))
    return read(data) if start is not None and end is not None and end > start else None
