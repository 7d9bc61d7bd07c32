"""``opsprep-voice plan``: which questions to rehearse today and why (see ``core.plan``).

The plan is built from History every time; ``--json`` prints a stable shape, version 1::

    {"plan_version": 1, "today": "YYYY-MM-DD", "interview_date": "YYYY-MM-DD" | null,
     "new_per_day": int, "due_today": int,
     "questions": [{"number", "question_id", "text", "due": "YYYY-MM-DD",
                    "status": "new" | "due" | "overdue" | "later", "reason", "reps",
                    "last_coverage", "best_coverage", "last_rehearsed", "stability_days",
                    "retrievability", "weak_points": [{"item_id", "label", "missed", "of"}]}]}

Questions are listed due first (weakest first), then by due date.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from opsprep_voice.cli import CliError
from opsprep_voice.cli.common import add_questions_option, bank_from_args

if TYPE_CHECKING:
    from opsprep_voice.core.plan import Plan

PLAN_VERSION = 1


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "plan", help="the practice plan: the questions due today, with reasons and next dates"
    )
    parser.add_argument("--json", action="store_true", help="print the plan as JSON (see the module doc)")
    parser.add_argument(
        "--date",
        type=_day,
        metavar="YYYY-MM-DD",
        help="plan as of this day instead of today (e.g. to see what is due tomorrow)",
    )
    parser.add_argument(
        "--interview",
        type=_day,
        metavar="YYYY-MM-DD",
        help="the interview date to plan for (default: the one set in the app's settings, if any)",
    )
    parser.add_argument(
        "--new-per-day",
        type=int,
        metavar="N",
        help="new questions introduced per day (default: the app's setting, 3)",
    )
    add_questions_option(parser)
    parser.set_defaults(func=run)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD") from None


def run(args: argparse.Namespace) -> int:
    from opsprep_voice.core.paths import AppPaths
    from opsprep_voice.core.plan import build_plan
    from opsprep_voice.core.settings import SettingsStore
    from opsprep_voice.storage.db import StorageError
    from opsprep_voice.storage.repository import HistoryRepository

    bank = bank_from_args(args)
    settings = SettingsStore(AppPaths.default().config / "settings.json").settings
    new_per_day = args.new_per_day if args.new_per_day is not None else settings.plan_new_per_day
    if new_per_day < 1:
        raise CliError(f"--new-per-day must be at least 1, not {new_per_day}")
    interview = args.interview or settings.interview_date
    local = datetime.now().astimezone().tzinfo or UTC
    now = datetime.now(local)
    if args.date is not None:
        now = datetime.combine(args.date, time(12, 0), tzinfo=local)
    try:
        with HistoryRepository.open_default(read_only=True) as repo:  # the plan only reads
            attempts = repo.plan_attempts()
    except StorageError as exc:
        raise CliError(f"{exc}") from None
    plan = build_plan(
        list(bank), attempts, now=now, tz=local, new_per_day=new_per_day, interview_date=interview
    )
    if args.json:
        print(json.dumps(plan_json(plan), indent=2, ensure_ascii=False))
        return 0
    print(_text(plan))
    return 0


def plan_json(plan: Plan) -> dict[str, Any]:
    return {
        "plan_version": PLAN_VERSION,
        "today": plan.today.isoformat(),
        "interview_date": plan.interview_date.isoformat() if plan.interview_date else None,
        "new_per_day": plan.new_per_day,
        "due_today": len(plan.due_today),
        "questions": [
            {
                "number": q.number,
                "question_id": q.question_id,
                "text": q.text,
                "due": q.due.isoformat(),
                "status": q.status,
                "reason": q.reason,
                "reps": q.reps,
                "last_coverage": _round(q.last_coverage),
                "best_coverage": _round(q.best_coverage),
                "last_rehearsed": q.last_rehearsed.isoformat() if q.last_rehearsed else None,
                "stability_days": _round(q.stability_days),
                "retrievability": _round(q.retrievability),
                "weak_points": [
                    {"item_id": p.item_id, "label": p.label, "missed": p.missed, "of": p.of}
                    for p in q.weak_points
                ],
            }
            for q in plan.questions
        ],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _text(plan: Plan) -> str:
    due = plan.due_today
    lines = [f"Practice plan for {plan.today:%a} {plan.today.day} {plan.today:%b %Y}"]
    if plan.interview_date is not None:
        days = plan.days_to_interview
        lines[0] += (
            f" · interview {plan.interview_date.isoformat()} (in {days} day{'s' if days != 1 else ''})"
        )
    noun = "question" if len(due) == 1 else "questions"
    lines.append(f"{len(due)} {noun} due today:" if due else "Nothing due today.")
    lines += [f"  Q{q.number:<2} {q.question_id}: {q.reason}" for q in due]
    later = [q for q in plan.questions if q.due > plan.today]
    if later:
        lines.append("Later:")
        lines += [f"  {q.due.isoformat()}  Q{q.number:<2} {q.question_id}: {q.reason}" for q in later]
    return "\n".join(lines)
