"""Exports of the history: a session (or all attempts of one question) as Markdown or CSV.

The Markdown is written by :mod:`.export_markdown` (follow-up answers under their main answer). The CSV has
one row per attempt, each main answer followed by its follow-ups, which name it in ``follow_up_of`` and the
item probed in ``probe_item_id``; a main answer's ``coverage_with_follow_ups`` is its coverage merged with
theirs (``coverage`` stays the main answer's own). The last two columns are the candidate's own marks
("I made this point" in the review): ``marked_by_you`` (the item ids, ``;``-joined) and
``coverage_with_your_marks`` (the coverage counting them; empty without marks). ``coverage`` stays the
scorer's.

The PDF is made from the same Markdown by :mod:`opsprep_voice.ui.pdf_export` (Qt's own writer; no Qt here).
With ``with_audio=True`` the answers' audio files are copied into a folder beside the export
(``<name>-audio/``) and the Markdown links to them relatively, so the pair can be zipped and shared.

Nothing is overwritten silently and a failed export never leaves half a file under the chosen name: the
targets are checked and written by :mod:`opsprep_voice.storage.export_files`.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from opsprep_voice.core.scoring import ScoreReport
from opsprep_voice.storage.export_files import (
    ExportError,
    check_target,
    staged_audio,
    write_text_file,
)
from opsprep_voice.storage.export_markdown import (
    BankLike,
    Recovered,
    export_markdown,
    linked,
    md_escape,
    question_markdown,
    report_of,
)
from opsprep_voice.storage.places import os_error_reason
from opsprep_voice.storage.records import AttemptRecord, SessionRecord

__all__ = [
    "CSV_FIELDS",
    "BankLike",
    "ExportError",
    "Recovered",
    "csv_text",
    "export_attempts",
    "export_csv",
    "export_markdown",
    "md_escape",
    "question_markdown",
    "write_markdown",
]

log = logging.getLogger(__name__)

ExportFormat = Literal["md", "csv"]

CSV_FIELDS = (
    "attempt_id",
    "session_id",
    "follow_up_of",
    "probe_item_id",
    "started_at",
    "ended_at",
    "question_number",
    "question_id",
    "category",
    "status",
    "coverage",
    "coverage_with_follow_ups",
    "checklist_hit",
    "checklist_total",
    "duration_s",
    "target_seconds",
    "word_count",
    "wpm",
    "wpm_band",
    "fillers_per_min",
    "filler_count",
    "long_pauses",
    "time_to_first_word_s",
    "engine",
    "model",
    "audio_file",
    "error",
    "transcript",
    # Added after the existing columns so readers of earlier exports keep their column positions.
    "marked_by_you",
    "coverage_with_your_marks",
)


# --------------------------------------------------------------------------- CSV


def _filler_count(report: ScoreReport) -> int:
    return len(report.fillers) if report.filler_count is None else report.filler_count


def _csv_row(attempt: AttemptRecord, audio_links: Mapping[int, str]) -> dict[str, Any]:
    report = report_of(attempt)
    merged = attempt.coverage_with_follow_ups
    checklist = report.checklist if report is not None else ()
    return {
        "attempt_id": attempt.id,
        "session_id": attempt.session_id,
        "follow_up_of": "" if attempt.follow_up_of is None else attempt.follow_up_of,
        "probe_item_id": attempt.probe_item_id or "",
        "started_at": attempt.started_at.isoformat(),
        "ended_at": attempt.ended_at.isoformat() if attempt.ended_at else "",
        "question_number": attempt.question_number,
        "question_id": attempt.question_id,
        "category": attempt.category,
        "status": attempt.status,
        "coverage": "" if attempt.coverage is None else round(attempt.coverage, 4),
        "coverage_with_follow_ups": "" if merged is None else round(merged, 4),
        "checklist_hit": sum(1 for i in checklist if i.hit) if checklist else "",
        "checklist_total": len(checklist) if checklist else "",
        "duration_s": "" if attempt.duration_s is None else round(attempt.duration_s, 2),
        "target_seconds": report.target_seconds if report is not None else "",
        "word_count": "" if attempt.word_count is None else attempt.word_count,
        "wpm": "" if attempt.wpm is None else round(attempt.wpm, 1),
        "wpm_band": (report.wpm_band or "") if report is not None else "",
        "fillers_per_min": "" if attempt.fillers_per_min is None else round(attempt.fillers_per_min, 2),
        "filler_count": _filler_count(report) if report is not None else "",
        "long_pauses": len(report.long_pauses) if report is not None else "",
        "time_to_first_word_s": report.time_to_first_word_s if report is not None else "",
        "engine": attempt.engine or "",
        "model": attempt.model or "",
        "audio_file": _audio_cell(attempt, audio_links),
        "error": attempt.error or "",
        "transcript": attempt.transcript_text,
        "marked_by_you": ";".join(report.marked_by_you) if report is not None else "",
        "coverage_with_your_marks": (
            round(report.coverage_with_marks, 4) if report is not None and report.marked_by_you else ""
        ),
    }


def _audio_cell(attempt: AttemptRecord, audio_links: Mapping[int, str]) -> str:
    """The exported copy, else the stored file; ``missing`` when the file is gone (a name would point at
    nothing)."""
    if attempt.id in audio_links:
        return audio_links[attempt.id]
    if attempt.audio_path is None:
        return ""
    return str(attempt.audio_path) if attempt.audio_path.is_file() else "missing"


def csv_text(attempts: Sequence[AttemptRecord], audio_links: Mapping[int, str] | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for main, follow_ups in linked(attempts):
        for attempt in (main, *follow_ups):
            writer.writerow(_csv_row(attempt, audio_links or {}))
    return buffer.getvalue()


def export_csv(
    attempts: Sequence[AttemptRecord],
    path: Path | str,
    *,
    overwrite: bool = False,
    with_audio: bool = False,
) -> Path:
    """One row per attempt with its metrics (header row first; follow-ups after their main answer), UTF-8.
    Returns the path written."""
    return _export(path, overwrite, with_audio, attempts, lambda links: csv_text(attempts, links))


# --------------------------------------------------------------------------- files


def write_markdown(
    session: SessionRecord,
    path: Path | str,
    *,
    attempts: Sequence[AttemptRecord] | None = None,
    bank: BankLike | None = None,
    overwrite: bool = False,
    with_audio: bool = False,
    recovered: Recovered | None = None,
) -> Path:
    """The session as Markdown (``recovered``: see :mod:`.export_markdown`)."""
    items = list(session.attempts if attempts is None else attempts)
    return _export(
        path,
        overwrite,
        with_audio,
        items,
        lambda links: export_markdown(session, items, bank, audio_links=links, recovered=recovered),
    )


def export_attempts(
    attempts: Sequence[AttemptRecord],
    path: Path | str,
    *,
    fmt: ExportFormat = "md",
    bank: BankLike | None = None,
    title: str | None = None,
    overwrite: bool = False,
    with_audio: bool = False,
    recovered: Recovered | None = None,
) -> Path:
    """Export a set of attempts, typically all attempts of one question, as Markdown or CSV
    (``recovered``: see :mod:`.export_markdown`; the CSV has no per-item columns)."""
    if fmt == "csv":
        return export_csv(attempts, path, overwrite=overwrite, with_audio=with_audio)
    if fmt != "md":
        raise ExportError(f"unknown export format {fmt!r}; use md or csv (PDF: opsprep_voice.ui.pdf_export)")
    return _export(
        path,
        overwrite,
        with_audio,
        attempts,
        lambda links: question_markdown(attempts, bank, title=title, audio_links=links, recovered=recovered),
    )


def _export(
    path: Path | str,
    overwrite: bool,
    with_audio: bool,
    attempts: Sequence[AttemptRecord],
    render: Callable[[Mapping[int, str]], str],
) -> Path:
    target = check_target(path, overwrite=overwrite, with_audio=with_audio)
    try:
        with staged_audio(attempts, target, with_audio) as links:
            write_text_file(target, render(links))
    except OSError as exc:
        raise ExportError(f"{target}: cannot write the export: {os_error_reason(exc, target)}") from exc
    log.info("exported %d attempt(s) to %s", len(attempts), target)
    return target
