"""``opsprep-voice history`` and ``opsprep-voice export``: the rehearsal history on the command line.

``history [--json] [--question Q] [--limit N]`` lists sessions newest first with their answers, each with
its interviewer follow-ups under it (``follow_ups`` in the JSON) and its coverage with them.
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
from opsprep_voice.core.wording import plural
from opsprep_voice.practice.follow_ups import question_finder, recovered_labels
from opsprep_voice.storage.db import StorageError
from opsprep_voice.storage.export_files import ExportError
from opsprep_voice.storage.records import AttemptRecord, NotFoundError, SessionRecord
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
        return HistoryRepository.open_default(read_only=True)  # history and export only read
    except StorageError as exc:
        raise CliError(str(exc)) from None


def _attempt_json(a: AttemptRecord) -> dict[str, Any]:
    data: dict[str, Any] = {
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
    if a.is_follow_up:
        data.update(follow_up_of=a.follow_up_of, probe_item_id=a.probe_item_id, probe_prompt=a.probe_prompt)
    return data


def _session_json(session: SessionRecord) -> dict[str, Any]:
    """A session with its main answers; each lists its follow-up answers under ``follow_ups``."""
    # Imported here, as below: the export modules bring the scorer, which the app's start need not load.
    from opsprep_voice.storage.export_markdown import linked

    return {
        "id": session.id,
        "started_at": session.started_at.isoformat(),
        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
        "mode": session.mode,
        "title": session.title,
        "attempts": [
            {
                **_attempt_json(main),
                "coverage_with_follow_ups": main.coverage_with_follow_ups,
                "follow_ups": [_attempt_json(f) for f in follow_ups],
            }
            for main, follow_ups in linked(session.attempts)
        ],
    }


def _fmt(value: float | None, pattern: str) -> str:
    return pattern.format(value) if value is not None else "-"


def _pct(value: float | None) -> str:
    return _fmt(None if value is None else value * 100, "{:3.0f} %")


def _row(a: AttemptRecord, label: str) -> str:
    duration = "-" if a.duration_s is None else f"{int(a.duration_s // 60)}:{round(a.duration_s % 60):02d}"
    coverage = f"{_pct(a.coverage):>5}"
    if a.coverage_with_follow_ups is not None:
        coverage += f" → {_pct(a.coverage_with_follow_ups).strip()}"
    return f"{label} {a.status:<11} {coverage}  {duration:>5}  {_fmt(a.wpm, '{:.0f} wpm'):>7}"


def _table(sessions: list[SessionRecord]) -> str:
    from opsprep_voice.storage.export_markdown import linked

    if not sessions:
        return "No rehearsals saved yet."
    lines: list[str] = []
    for s in sessions:
        when = s.started_at.astimezone().strftime("%Y-%m-%d %H:%M")
        title = f"  {s.title}" if s.title else ""
        groups = linked(s.attempts)
        follow_count = sum(len(f) for _, f in groups)
        extra = f", {plural(follow_count, 'follow-up')}" if follow_count else ""
        lines.append(f"Session {s.id}  {when}  {s.mode}{title}  ({plural(len(groups), 'answer')}{extra})")
        for a, follow_ups in groups:
            lines.append(_row(a, f"  #{a.id:<6} Q{a.question_number:<3} {a.question_id[:34]:<34}"))
            if a.error:
                lines.append(f"          {a.error}")
            for f in follow_ups:
                lines.append(_row(f, f"    ↳ #{f.id:<6} follow-up {(f.probe_item_id or '')[:28]:<28}"))
                if f.probe_prompt:
                    lines.append(f"          asked: {f.probe_prompt}")
                if f.error:
                    lines.append(f"          {f.error}")
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
    """The bank, only to fill in question texts old records lack and to tell which items follow-ups
    recovered (None if it cannot be loaded)."""
    if all(a.question_text for a in session.attempts) and not any(a.is_follow_up for a in session.attempts):
        return None
    from opsprep_voice.core.bank import BankError, load_bank

    try:
        return load_bank()
    except BankError as exc:
        log.warning("question texts and recovered items unavailable: %s", exc)
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
    recovered = recovered_labels(session.attempts, question_finder(bank))
    options = {"overwrite": args.force, "with_audio": args.with_audio}
    from opsprep_voice.storage.export import export_csv as write_csv
    from opsprep_voice.storage.export import write_markdown

    try:
        if fmt == "md":
            written = write_markdown(session, path, bank=bank, recovered=recovered, **options)
        elif fmt == "csv":
            written = write_csv(session.attempts, path, **options)
        else:
            from opsprep_voice.ui.pdf_export import export_pdf

            written = export_pdf(session, path, bank=bank, recovered=recovered, **options)
    except ExportError as exc:
        raise CliError(str(exc)) from None
    print(f"Exported session {session.id} ({plural(len(session.attempts), 'answer')}) to {written}")
    return 0
