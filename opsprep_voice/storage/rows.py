"""How history records are written to and read from SQLite rows (used by :mod:`.repository` only).

Reports and transcripts go in as compact JSON with NaN/inf as null (SQLite's JSON functions reject them)
and come out as dicts, or ``None`` when the stored text cannot be read. Filter values become SQL bounds and
``LIKE`` patterns here, and a row becomes an :class:`~.records.AttemptRecord` or
:class:`~.records.SessionRecord`.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from opsprep_voice.core.plan import PlanAttempt
from opsprep_voice.storage.records import (
    AttemptRecord,
    ProgressPoint,
    SessionRecord,
    Status,
    from_db_time,
    to_db_time,
    utc_now,
)

log = logging.getLogger(__name__)

#: The key under which a stored report is handed back with the candidate's marks (what
#: ``ScoreReport.from_dict`` reads as ``marked_by_you``).
MARKS_KEY = "marked_by_you"


def bound(value: datetime | date, *, end: bool) -> str:
    """A filter bound: a datetime as given; a date is local midnight (``until`` a date includes that day)."""
    if isinstance(value, datetime):
        return to_db_time(value)
    day = value + timedelta(days=1) if end else value
    return to_db_time(datetime.combine(day, time.min).astimezone())


def finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _clean(value: Any) -> Any:
    """JSON-safe copy: NaN/inf become null (SQLite's JSON functions reject them), tuples become lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def dumps(value: Mapping[str, Any]) -> str:
    return json.dumps(_clean(value), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def loads(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):  # nested too deep is unreadable too
        log.warning("unreadable JSON in the history database (kept as is): %.60r", text)
        return None
    return data if isinstance(data, dict) else None


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


ATTEMPT_COLUMNS = (
    "id, session_id, question_id, question_number, category, question_text, started_at, ended_at, status, "
    "audio_path, transcript_json, report_json, error, transcript_text, coverage, duration_s, wpm, "
    "fillers_per_min, word_count, engine, model, recorder, follow_up_of, probe_item_id, probe_prompt, "
    "coverage_with_follow_ups, missed_items, "
    # The candidate's marks, from their own table (in key order; the report reader puts them in checklist
    # order).
    "(SELECT group_concat(item_id, ' ') FROM item_marks WHERE item_marks.attempt_id = attempts.id) "
    "AS marked_items"
)
#: Without the two JSON documents (tens of kB each with word timings): for lists and tables.
ATTEMPT_COLUMNS_LIGHT = ATTEMPT_COLUMNS.replace(
    "transcript_json, report_json", "NULL AS transcript_json, NULL AS report_json"
)


def columns(with_json: bool) -> str:
    return ATTEMPT_COLUMNS if with_json else ATTEMPT_COLUMNS_LIGHT


def score_values(report: Mapping[str, Any], transcript: Mapping[str, Any] | None) -> tuple[Any, ...]:
    """The columns a score fills, in order: report and transcript JSON, transcript text, coverage,
    duration, wpm, fillers per minute, word count, engine, model (a missing or non-finite number is null),
    and the ids of the checklist items missed (a JSON array, for the practice plan).
    """
    fillers = report.get("fillers")
    transcript_text = (transcript or {}).get("text") or report.get("transcript") or ""
    duration = finite(report.get("duration_s"))
    if duration is None and transcript is not None:
        duration = finite(transcript.get("duration_s"))
    # The candidate's marks live in their own table: a report handed back with them does not store them twice.
    report = {key: value for key, value in report.items() if key != MARKS_KEY}
    return (
        dumps(report),
        dumps(transcript) if transcript is not None else None,
        str(transcript_text),
        finite(report.get("coverage")),
        duration,
        finite(report.get("wpm")),
        finite(fillers.get("per_min")) if isinstance(fillers, Mapping) else None,
        int(report["word_count"]) if isinstance(report.get("word_count"), int) else None,
        str(report["engine"]) if report.get("engine") is not None else None,
        str(report["model"]) if report.get("model") is not None else None,
        " ".join(missed_items(report)),
    )


def missed_items(report: Mapping[str, Any]) -> list[str]:
    """The ids of the checklist items a stored report marks as not hit (slugs: no spaces)."""
    checklist = report.get("checklist")
    if not isinstance(checklist, list):
        return []
    return [
        str(item["id"])
        for item in checklist
        if isinstance(item, Mapping) and isinstance(item.get("id"), str) and item.get("hit") is False
    ]


def uncounted(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """:func:`score_values` of a cancelled take: coverage, wpm and fillers per minute left null (they are in
    the report), so nothing that averages or charts the columns counts the take."""
    report, transcript, text, _coverage, duration, _wpm, _fillers, *rest = values
    return (report, transcript, text, None, duration, None, None, *rest)


def attempt_filter(
    *,
    question_id: str | None = None,
    question_number: int | None = None,
    category: str | None = None,
    since: datetime | date | None = None,
    until: datetime | date | None = None,
    text: str | None = None,
    status: Status | Sequence[Status] | None = None,
    session_id: int | None = None,
    follow_ups: bool = True,
) -> tuple[list[str], list[Any]]:
    """The ``WHERE`` terms (joined by ``AND``) and their parameters for filters on attempts (None: any)."""
    where: list[str] = []
    params: list[Any] = []
    if question_id is not None:
        where.append("question_id = ?")
        params.append(question_id)
    if question_number is not None:
        where.append("question_number = ?")
        params.append(question_number)
    if category is not None:
        where.append("category = ?")
        params.append(category)
    if since is not None:
        where.append("started_at >= ?")
        params.append(bound(since, end=False))
    if until is not None:
        where.append("started_at < ?")
        params.append(bound(until, end=True))
    if text and not follow_ups:
        # A main answer is found by its follow-ups' words too: they answer the same question.
        where.append(
            "(transcript_text LIKE ? ESCAPE '\\' OR id IN "
            "(SELECT follow_up_of FROM attempts WHERE transcript_text LIKE ? ESCAPE '\\'))"
        )
        params += [like_pattern(text.strip())] * 2
    elif text:
        where.append("transcript_text LIKE ? ESCAPE '\\'")
        params.append(like_pattern(text.strip()))
    if status is not None:
        wanted = [status] if isinstance(status, str) else list(status)
        where.append(f"status IN ({', '.join('?' * len(wanted))})")
        params += wanted
    if session_id is not None:
        where.append("session_id = ?")
        params.append(session_id)
    if not follow_ups:
        where.append("follow_up_of IS NULL")
    return where, params


def session_from_row(row: sqlite3.Row) -> SessionRecord:
    """A session row, without its attempts."""
    return SessionRecord(
        id=int(row["id"]),
        started_at=from_db_time(row["started_at"]) or utc_now(),
        ended_at=from_db_time(row["ended_at"]),
        mode=row["mode"],
        title=row["title"],
        bank=row["bank"],
    )


def progress_from_row(row: sqlite3.Row) -> ProgressPoint:
    """A scored attempt's row (id, question, start, coverage, pace, fillers, length) as a chart point."""
    return ProgressPoint(
        attempt_id=int(row["id"]),
        question_id=row["question_id"],
        started_at=from_db_time(row["started_at"]) or utc_now(),
        coverage=row["coverage"],
        wpm=row["wpm"],
        fillers_per_min=row["fillers_per_min"],
        duration_s=row["duration_s"],
        coverage_with_follow_ups=row["coverage_with_follow_ups"],
    )


def plan_attempt_from_row(row: sqlite3.Row) -> PlanAttempt:
    """A row of :meth:`HistoryRepository.plan_attempts` as the plan's record."""
    missed = row["missed"] or ""
    return PlanAttempt(
        question_id=row["question_id"],
        when=from_db_time(row["started_at"]) or utc_now(),
        coverage=float(row["coverage"]),
        coverage_with_follow_ups=finite(row["coverage_with_follow_ups"]),
        duration_s=finite(row["duration_s"]),
        fillers_per_min=finite(row["fillers_per_min"]),
        missed=tuple(missed.split()),
        marked=tuple((row["marked"] or "").split()),
    )


def attempt_from_row(row: sqlite3.Row, resolve_audio: Callable[[str | None], Path | None]) -> AttemptRecord:
    """An attempt row selected with :func:`columns`; ``resolve_audio`` gives its absolute audio path. The
    candidate's marks are in ``marked_items`` and, when the report was read, in the report too, so the one
    report reader gives them back with it."""
    marked = tuple(dict.fromkeys((row["marked_items"] or "").split()))
    report = loads(row["report_json"])
    if report is not None:
        report.pop(MARKS_KEY, None)  # the table is the only record of them
        if marked:
            report[MARKS_KEY] = list(marked)
    return AttemptRecord(
        id=int(row["id"]),
        session_id=int(row["session_id"]),
        question_id=row["question_id"],
        question_number=int(row["question_number"]),
        category=row["category"],
        started_at=from_db_time(row["started_at"]) or utc_now(),
        ended_at=from_db_time(row["ended_at"]),
        status=row["status"],
        audio_path=resolve_audio(row["audio_path"]),
        transcript=loads(row["transcript_json"]),
        report=report,
        coverage=row["coverage"],
        duration_s=row["duration_s"],
        wpm=row["wpm"],
        fillers_per_min=row["fillers_per_min"],
        engine=row["engine"],
        model=row["model"],
        error=row["error"],
        question_text=row["question_text"],
        transcript_text=row["transcript_text"] or "",
        word_count=row["word_count"],
        recorder=row["recorder"],
        follow_up_of=row["follow_up_of"],
        probe_item_id=row["probe_item_id"],
        probe_prompt=row["probe_prompt"],
        coverage_with_follow_ups=row["coverage_with_follow_ups"],
        marked_items=marked,
    )
