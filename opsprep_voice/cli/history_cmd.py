"""``opsprep-voice history`` and ``opsprep-voice export``: the rehearsal history on the command line.

``history [--json] [--question Q] [--limit N]`` lists sessions newest first with their attempts.
``export SESSION_ID --format md|pdf|csv -o PATH [--with-audio] [--force]`` writes one session.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from opsprep_voice.cli import CliError
from opsprep_voice.core.bank import question_number as bank_question_number
from opsprep_voice.storage.db import StorageError
from opsprep_voice.storage.export import export_csv as write_csv
from opsprep_voice.storage.export import write_markdown
from opsprep_voice.storage.export_files import ExportError
from opsprep_voice.storage.records import NotFoundError, SessionRecord
from opsprep_voice.storage.repository import HistoryRepository

log = logging.getLogger(__name__)

FORMATS = ("md", "pdf", "csv")


def register(subparsers: Any) -> None:
    history = subparsers.add_parser(
        "history",
        help="list past rehearsal sessions and their answers",
        description="List rehearsal sessions, newest first, with each answer's coverage, length and pace.",
    )
    history.add_argument("--json", action="store_true", help="print the sessions as a JSON array")
    history.add_argument("--question", "-q", metavar="Q", help="only answers to this question (number or id)")
    history.add_argument("--limit", "-n", type=int, metavar="N", help="only the N most recent sessions")
    history.set_defaults(func=run_history)

    export = subparsers.add_parser(
        "export",
        help="export one session as Markdown, PDF or CSV",
        description="Export a session (ids: 'opsprep-voice history'). Never overwrites without --force.",
    )
    export.add_argument("session", metavar="SESSION_ID", help="the session's id")
    export.add_argument(
        "--format", "-f", choices=FORMATS, help="md, pdf or csv (default: from PATH's suffix)"
    )
    export.add_argument("--output", "-o", required=True, type=Path, metavar="PATH", help="file to write")
    export.add_argument(
        "--with-audio", action="store_true", help="copy the answers' audio into a folder beside PATH"
    )
    export.add_argument("--force", action="store_true", help="replace PATH (and its audio folder) if present")
    export.set_defaults(func=run_export)


# --------------------------------------------------------------------------- shared


def _open_repo() -> HistoryRepository:
    try:
        return HistoryRepository.open_default()
    except StorageError as exc:
        raise CliError(str(exc)) from None


def _session_json(session: SessionRecord) -> dict[str, Any]:
    return {
        "id": session.id,
        "started_at": session.started_at.isoformat(),
        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
        "mode": session.mode,
        "title": session.title,
        "attempts": [
            {
                "id": a.id,
                "question_id": a.question_id,
                "question_number": a.question_number,
                "category": a.category,
                "started_at": a.started_at.isoformat(),
                "status": a.status,
                "coverage": a.coverage,
                "duration_s": a.duration_s,
                "wpm": a.wpm,
                "fillers_per_min": a.fillers_per_min,
                "transcript": a.transcript_text,
                "audio_path": str(a.audio_path) if a.audio_path else None,
                "error": a.error,
            }
            for a in session.attempts
        ],
    }


def _fmt(value: float | None, pattern: str) -> str:
    return pattern.format(value) if value is not None else "-"


def _table(sessions: list[SessionRecord]) -> str:
    if not sessions:
        return "No rehearsals saved yet."
    lines: list[str] = []
    for s in sessions:
        when = s.started_at.astimezone().strftime("%Y-%m-%d %H:%M")
        title = f"  {s.title}" if s.title else ""
        lines.append(f"Session {s.id}  {when}  {s.mode}{title}  ({len(s.attempts)} answer(s))")
        for a in s.attempts:
            duration = (
                "-" if a.duration_s is None else f"{int(a.duration_s // 60)}:{round(a.duration_s % 60):02d}"
            )
            lines.append(
                f"  #{a.id:<6} Q{a.question_number:<3} {a.question_id[:34]:<34} {a.status:<11} "
                f"{_fmt(None if a.coverage is None else a.coverage * 100, '{:3.0f} %'):>5}  "
                f"{duration:>5}  {_fmt(a.wpm, '{:.0f} wpm'):>7}"
            )
            if a.error:
                lines.append(f"          {a.error}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- history


def run_history(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        raise CliError(f"--limit must be 1 or more, got {args.limit}")
    question_id: str | None = None
    question_number: int | None = None
    if args.question is not None:
        ref = str(args.question).strip()
        question_number = bank_question_number(ref)
        if question_number is None:
            question_id = ref
    with _open_repo() as repo:
        sessions = repo.list_sessions(
            limit=args.limit, question_id=question_id, question_number=question_number, with_json=False
        )
    if args.json:
        print(json.dumps([_session_json(s) for s in sessions], indent=2, ensure_ascii=False))
    else:
        print(_table(sessions))
    return 0


# --------------------------------------------------------------------------- export


def _bank_if_needed(session: SessionRecord) -> Any:
    """The bundled bank, only to fill in question texts old records lack (None if it cannot be loaded)."""
    if all(a.question_text for a in session.attempts):
        return None
    from opsprep_voice.core.bank import BankError, load_bank

    try:
        return load_bank()
    except BankError as exc:
        log.warning("question texts unavailable: %s", exc)
        return None


def run_export(args: argparse.Namespace) -> int:
    try:
        session_id = int(str(args.session).strip())
    except ValueError:
        raise CliError(
            f"SESSION_ID must be a number, got {args.session!r}; see 'opsprep-voice history'"
        ) from None
    path: Path = args.output
    fmt = args.format or path.suffix.lower().lstrip(".").replace("markdown", "md")
    if fmt not in FORMATS:
        raise CliError(f"cannot tell the format from {path.name!r}; add --format md, pdf or csv")
    with _open_repo() as repo:
        try:
            session = repo.get_session(session_id)
        except NotFoundError:
            raise CliError(f"no session {session_id}; run 'opsprep-voice history' to see the ids") from None
    bank = _bank_if_needed(session)
    try:
        if fmt == "md":
            written = write_markdown(
                session, path, bank=bank, overwrite=args.force, with_audio=args.with_audio
            )
        elif fmt == "csv":
            written = write_csv(session.attempts, path, overwrite=args.force, with_audio=args.with_audio)
        else:
            from opsprep_voice.ui.pdf_export import export_pdf

            written = export_pdf(session, path, bank=bank, overwrite=args.force, with_audio=args.with_audio)
    except ExportError as exc:
        raise CliError(str(exc)) from None
    print(f"Exported session {session.id} ({len(session.attempts)} answer(s)) to {written}")
    return 0
