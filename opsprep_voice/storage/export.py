"""Exports of the history: a session (or all attempts of one question) as Markdown or CSV.

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
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from opsprep_voice.core.scoring import ScoreReport
from opsprep_voice.storage.export_files import (
    ExportError,
    audio_folder_for,
    check_target,
    copy_audio,
    write_text_file,
)
from opsprep_voice.storage.records import AttemptRecord, SessionRecord

log = logging.getLogger(__name__)

ExportFormat = Literal["md", "csv"]

CSV_FIELDS = (
    "attempt_id",
    "session_id",
    "started_at",
    "ended_at",
    "question_number",
    "question_id",
    "category",
    "status",
    "coverage",
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
)


class BankLike(Protocol):
    """Enough of a question bank to fill in question texts (``QuestionBank`` fits)."""

    def find(self, ref: str | int) -> Any: ...


# --------------------------------------------------------------------------- formatting helpers


def _local(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else ""


def _pct(value: float | None) -> str:
    return f"{value * 100:.0f} %" if value is not None else "–"


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    total = round(seconds)
    return f"{total // 60}:{total % 60:02d}"


def _num(value: float | None, digits: int = 0) -> str:
    return f"{value:.{digits}f}" if value is not None else "–"


_MD_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>#|~"})


def md_escape(text: str) -> str:
    """Escape Markdown syntax in free text (transcripts, labels) so it shows as typed."""
    escaped = " ".join(text.split()).translate(_MD_SPECIAL)
    # A leading "-", "+" or "12." would start a list.
    escaped = re.sub(r"^([-+=])", r"\\\1", escaped)
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", escaped)


def _question_text(attempt: AttemptRecord, bank: BankLike | None) -> str:
    if attempt.question_text:
        return attempt.question_text
    if bank is not None:
        try:
            return str(bank.find(attempt.question_id).text)
        except (KeyError, AttributeError):
            pass
    return attempt.question_id


def _report(attempt: AttemptRecord) -> ScoreReport | None:
    """The attempt's score report, read by the one tolerant reader (None when it was not scored)."""
    return None if attempt.report is None else ScoreReport.from_dict(attempt.report)


def _attempt_markdown(attempt: AttemptRecord, bank: BankLike | None, audio_link: str | None) -> list[str]:
    report = _report(attempt)
    lines = [
        f"## Q{attempt.question_number}. {md_escape(_question_text(attempt, bank))}",
        "",
        f"*{md_escape(attempt.category)} · {_local(attempt.started_at)} · attempt {attempt.id} · "
        f"{attempt.status}*",
        "",
    ]
    if attempt.error:
        lines += [f"**Problem:** {md_escape(attempt.error)}", ""]
    facts = [f"Coverage: **{_pct(attempt.coverage)}**"]
    duration = _clock(attempt.duration_s)
    if report is not None and report.target_seconds:
        duration += f" (target {_clock(float(report.target_seconds))})"
    facts.append(f"Duration: {duration}")
    if attempt.wpm is not None:
        band = report.wpm_band if report is not None else None
        facts.append(f"Pace: {attempt.wpm:.0f} wpm" + (f" ({md_escape(str(band))})" if band else ""))
    if attempt.fillers_per_min is not None:
        facts.append(f"Fillers: {attempt.fillers_per_min:.1f}/min")
    lines += [" · ".join(facts), ""]
    if audio_link:
        lines += [f"Audio: [{md_escape(Path(audio_link).name)}](<{audio_link}>)", ""]
    if attempt.transcript_text:
        lines += ["### Transcript", "", f"> {md_escape(attempt.transcript_text)}", ""]
    checklist = report.checklist if report is not None else ()
    if checklist:
        lines += ["### Checklist", ""]
        for item in checklist:
            label = md_escape(item.label)
            if item.hit:
                evidence = item.quote
                lines.append(f"- [x] {label}" + (f" — “{md_escape(evidence)}”" if evidence else ""))
            else:
                example = item.example
                lines.append(f"- [ ] {label}" + (f" — e.g. “{md_escape(example)}”" if example else ""))
        lines.append("")
    return lines


def _summary_table(attempts: Sequence[AttemptRecord]) -> list[str]:
    lines = [
        "| # | Question | When | Status | Coverage | Duration | WPM | Fillers/min |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for a in attempts:
        lines.append(
            f"| {a.question_number} | {md_escape(a.question_id)} | {_local(a.started_at)} | {a.status} | "
            f"{_pct(a.coverage)} | {_clock(a.duration_s)} | {_num(a.wpm)} | {_num(a.fillers_per_min, 1)} |"
        )
    return [*lines, ""]


# --------------------------------------------------------------------------- Markdown


def export_markdown(
    session: SessionRecord,
    attempts: Sequence[AttemptRecord] | None = None,
    bank: BankLike | None = None,
    *,
    audio_links: Mapping[int, str] | None = None,
) -> str:
    """The session as Markdown: a summary table, then each answer with its transcript and checklist.

    ``attempts`` defaults to ``session.attempts``; ``bank`` fills in question texts missing from old records.
    """
    items = list(session.attempts if attempts is None else attempts)
    title = session.title or "Rehearsal session"
    scored = [a.coverage for a in items if a.coverage is not None]
    head = [
        f"# {md_escape(title)}",
        "",
        f"Session {session.id} · {md_escape(session.mode)} · started {_local(session.started_at)}"
        + (f" · ended {_local(session.ended_at)}" if session.ended_at else ""),
        "",
        f"{len(items)} answer(s)"
        + (f" · average coverage {_pct(sum(scored) / len(scored))}" if scored else "")
        + (f" · bank: {md_escape(session.bank)}" if session.bank else ""),
        "",
    ]
    return _document(head, items, bank, audio_links)


def question_markdown(
    attempts: Sequence[AttemptRecord],
    bank: BankLike | None = None,
    *,
    title: str | None = None,
    audio_links: Mapping[int, str] | None = None,
) -> str:
    """All attempts of one question (oldest first) as Markdown, for tracking progress on it."""
    items = sorted(attempts, key=lambda a: (a.started_at, a.id))
    if title is None:
        title = f"Q{items[0].question_number}. {_question_text(items[0], bank)}" if items else "Attempts"
    scored = [a.coverage for a in items if a.coverage is not None]
    head = [f"# {md_escape(title)}", ""]
    if scored:
        head += [
            f"{len(items)} attempt(s) · best coverage {_pct(max(scored))} · latest {_pct(scored[-1])}",
            "",
        ]
    return _document(head, items, bank, audio_links)


def _document(
    head: list[str],
    items: Sequence[AttemptRecord],
    bank: BankLike | None,
    audio_links: Mapping[int, str] | None,
) -> str:
    lines = list(head)
    if items:
        lines += _summary_table(items)
    for attempt in items:
        lines += _attempt_markdown(attempt, bank, (audio_links or {}).get(attempt.id))
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- CSV


def _filler_count(report: ScoreReport) -> int:
    return len(report.fillers) if report.filler_count is None else report.filler_count


def _csv_row(attempt: AttemptRecord, audio_links: Mapping[int, str]) -> dict[str, Any]:
    report = _report(attempt)
    checklist = report.checklist if report is not None else ()
    return {
        "attempt_id": attempt.id,
        "session_id": attempt.session_id,
        "started_at": attempt.started_at.isoformat(),
        "ended_at": attempt.ended_at.isoformat() if attempt.ended_at else "",
        "question_number": attempt.question_number,
        "question_id": attempt.question_id,
        "category": attempt.category,
        "status": attempt.status,
        "coverage": "" if attempt.coverage is None else round(attempt.coverage, 4),
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
        "audio_file": audio_links.get(attempt.id, str(attempt.audio_path) if attempt.audio_path else ""),
        "error": attempt.error or "",
        "transcript": attempt.transcript_text,
    }


def csv_text(attempts: Sequence[AttemptRecord], audio_links: Mapping[int, str] | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for attempt in attempts:
        writer.writerow(_csv_row(attempt, audio_links or {}))
    return buffer.getvalue()


def export_csv(
    attempts: Sequence[AttemptRecord],
    path: Path | str,
    *,
    overwrite: bool = False,
    with_audio: bool = False,
) -> Path:
    """One row per attempt with its metrics (header row first), UTF-8. Returns the path written."""
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
) -> Path:
    items = list(session.attempts if attempts is None else attempts)
    return _export(
        path,
        overwrite,
        with_audio,
        items,
        lambda links: export_markdown(session, items, bank, audio_links=links),
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
) -> Path:
    """Export a set of attempts, typically all attempts of one question, as Markdown or CSV."""
    if fmt == "csv":
        return export_csv(attempts, path, overwrite=overwrite, with_audio=with_audio)
    if fmt != "md":
        raise ExportError(f"unknown export format {fmt!r}; use md or csv (PDF: opsprep_voice.ui.pdf_export)")
    return _export(
        path,
        overwrite,
        with_audio,
        attempts,
        lambda links: question_markdown(attempts, bank, title=title, audio_links=links),
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
        links = copy_audio(attempts, audio_folder_for(target)) if with_audio else {}
        write_text_file(target, render(links))
    except OSError as exc:
        raise ExportError(f"{target}: cannot write the export ({exc.strerror or exc})") from exc
    log.info("exported %d attempt(s) to %s", len(attempts), target)
    return target
