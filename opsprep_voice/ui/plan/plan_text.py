"""How the plan's facts read on screen: short question titles, days, percentages and summaries.

Plain functions with no Qt, shared by the start screen's plan choice and the Plan screen so both say the
same thing the same way.
"""

from __future__ import annotations

import math

from opsprep_voice.core.plan import Plan, QuestionPlan, day_label
from opsprep_voice.core.wording import plural

NONE = "–"


def short_title(entry: QuestionPlan, limit: int = 48) -> str:
    """A question's id in words ("backups and disaster recovery"): shorter than its text and as telling.
    A custom bank's id may be a bare number or code, so then the text's start."""
    words = entry.question_id.replace("-", " ").replace("_", " ").strip()
    if sum(c.isalpha() for c in words) >= 3:
        return words
    text = entry.text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def percent(value: float | None) -> str:
    return NONE if value is None or not math.isfinite(value) else f"{min(max(value, 0.0), 1.0):.0%}"


def due_summary(plan: Plan) -> str:
    """ "5 questions due today (2 overdue, 1 new)", or when the next ones are due."""
    due = plan.due_today
    if not due:
        upcoming = [q for q in plan.questions if q.due > plan.today]
        if not upcoming:
            return "Nothing is due."
        first = upcoming[0].due
        count = sum(1 for q in upcoming if q.due == first)
        return f"Nothing is due today; {plural(count, 'question')} next {day_label(first, plan.today)}."
    parts = []
    overdue = sum(1 for q in due if q.status == "overdue")
    new = sum(1 for q in due if q.status == "new")
    if overdue:
        parts.append(f"{overdue} overdue")
    if new:
        parts.append(f"{new} new")
    detail = f" ({', '.join(parts)})" if parts else ""
    return f"{plural(len(due), 'question')} due today{detail}"


def interview_summary(plan: Plan) -> str:
    days = plan.days_to_interview
    if plan.interview_date is None or days is None:
        return ""
    when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    return f"Interview {when} ({day_label(plan.interview_date, plan.today)})"


def brief_reason(entry: QuestionPlan) -> str:
    """The reason without its date ("missed “Regular restore tests” twice (overdue)"), for the start screen,
    where every question listed is due today anyway."""
    what, _, _when = entry.reason.rpartition("; ")
    if not what:
        return entry.reason
    return f"{what} (overdue)" if entry.status == "overdue" else what


def weak_points_text(entry: QuestionPlan) -> str:
    return "; ".join(f"{p.label} ({p.missed}/{p.of})" for p in entry.weak_points)


def stability_text(days: float | None) -> str:
    if days is None or not math.isfinite(days):
        return NONE
    return f"{days:.1f} d" if days < 10 else f"{days:.0f} d"
