"""Typed, tolerant readers for the report dict (``ScoreReport.to_dict()``) used by the review widgets.

Reports come from storage (possibly written by an older version), so every reader accepts missing
or malformed fields and falls back to an empty value instead of raising.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

Report = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class TimedWord:
    text: str
    start: float
    end: float
    char_start: int
    char_end: int


@dataclass(frozen=True, slots=True)
class Evidence:
    text: str
    phrase: str
    match: str
    char_start: int | None
    char_end: int | None
    start: float | None
    end: float | None


@dataclass(frozen=True, slots=True)
class ChecklistEntry:
    id: str
    label: str
    hit: bool
    weight: float
    example: str
    evidence: Evidence | None


@dataclass(frozen=True, slots=True)
class CharSpan:
    text: str
    char_start: int
    char_end: int
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True, slots=True)
class Pause:
    start: float
    end: float
    duration: float


def _float(value: object, default: float | None = None) -> float | None:
    if value is None or isinstance(value, bool):
        return default
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


def _int(value: object) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _dicts(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []
    return [v for v in value if isinstance(v, Mapping)]


def transcript_text(report: Report) -> str:
    raw = report.get("transcript")
    if isinstance(raw, Mapping):
        raw = raw.get("text")
    return raw if isinstance(raw, str) else ""


def timed_words(report: Report, text: str | None = None) -> list[TimedWord]:
    """The report's words with their character spans in the transcript text.

    The text is normally the words joined by single spaces; if it is not (hand-edited data), each word is
    searched for in order and words that cannot be found are skipped.
    """
    body = transcript_text(report) if text is None else text
    raw = _dicts(report.get("words"))
    if not raw:
        raw_transcript = report.get("transcript")
        if isinstance(raw_transcript, Mapping):
            raw = _dicts(raw_transcript.get("words"))
    out: list[TimedWord] = []
    pos = 0
    for item in raw:
        word = str(item.get("word", "")).strip()
        start = _float(item.get("start"))
        end = _float(item.get("end"))
        if not word or start is None:
            continue
        found = body.find(word, pos)
        if found < 0:
            log.debug("word %r not found in transcript text after %d", word, pos)
            continue
        out.append(TimedWord(word, start, end if end is not None else start, found, found + len(word)))
        pos = found + len(word)
    return out


def checklist(report: Report) -> list[ChecklistEntry]:
    entries: list[ChecklistEntry] = []
    for item in _dicts(report.get("checklist")):
        ev_raw = item.get("evidence")
        evidence: Evidence | None = None
        if isinstance(ev_raw, Mapping):
            evidence = Evidence(
                text=str(ev_raw.get("text") or ""),
                phrase=str(ev_raw.get("phrase") or ""),
                match=str(ev_raw.get("match") or "exact"),
                char_start=_int(ev_raw.get("char_start")),
                char_end=_int(ev_raw.get("char_end")),
                start=_float(ev_raw.get("start")),
                end=_float(ev_raw.get("end")),
            )
        entries.append(
            ChecklistEntry(
                id=str(item.get("id") or ""),
                label=str(item.get("label") or item.get("id") or "?"),
                hit=bool(item.get("hit")),
                weight=_float(item.get("weight"), 1.0) or 1.0,
                example=str(item.get("example") or ""),
                evidence=evidence,
            )
        )
    return entries


def char_spans(items: object) -> list[CharSpan]:
    out: list[CharSpan] = []
    for item in _dicts(items):
        start, end = _int(item.get("char_start")), _int(item.get("char_end"))
        if start is None or end is None or end <= start:
            continue
        text = str(item.get("text") or "")
        out.append(CharSpan(text, start, end, _float(item.get("start")), _float(item.get("end"))))
    return out


def fillers(report: Report) -> list[CharSpan]:
    raw = report.get("fillers")
    return char_spans(raw.get("items")) if isinstance(raw, Mapping) else []


def figures(report: Report) -> list[CharSpan]:
    return char_spans(report.get("figures_mentioned"))


def long_pauses(report: Report) -> list[Pause]:
    out: list[Pause] = []
    for item in _dicts(report.get("long_pauses")):
        start, end = _float(item.get("start")), _float(item.get("end"))
        if start is None or end is None:
            continue
        duration = _float(item.get("duration"), end - start) or (end - start)
        out.append(Pause(start, end, duration))
    return out


def number(report: Report, key: str) -> float | None:
    return _float(report.get(key))


def coverage(report: Report) -> float:
    return max(0.0, min(1.0, _float(report.get("coverage"), 0.0) or 0.0))
