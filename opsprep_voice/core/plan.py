"""The practice plan: which questions to rehearse today, and why, from the scored attempts in History.

Pure: no Qt, no SQLite. :func:`build_plan` takes the bank's questions and plain :class:`PlanAttempt`
records and returns a :class:`Plan` in which every question appears exactly once with a due date that is
today or later. The plan keeps no state of its own: it is rebuilt from History every time, so it survives
restarts, cannot get out of step with History (a deleted attempt simply stops counting) and has nothing to
lose or corrupt.

**Scheduling** uses ``fsrs`` (the Free Spaced Repetition Scheduler Anki ships): each question is a card
and each scored answer a review, in the order they were given. Learning steps are off: an answer is a
rehearsal of a whole question, and repeating it minutes later says little, so intervals are whole days.
Fuzzing is off so the same history always gives the same plan. Only the first answer of a question on a
(local) day is a review: the review screen then shows what was missed and the example answer, so a retake
minutes later measures repetition, not recall. Retakes still count in ``reps``, the coverages and the
calendar.

**An answer's rating** (:func:`rate`) comes from what it covered, because that is what the candidate
must recall in the interview:

* effective coverage = the main answer's coverage plus half of what follow-ups added (a point recalled
  only when the interviewer asked is half-remembered);
* below 0.5: Again (most points missing: rehearse it again soon); below 0.7: Hard; below 0.85: Good;
  otherwise Easy. 0.85 is about one regular point missed on a bundled checklist;
* delivery lowers the rating one step (never to Again, which is about content): an answer shorter than
  half its target or longer than 1.5 times it, or with more than :data:`MANY_FILLERS` fillers a minute,
  is not interview-ready even when the points are there.

The rating reads the scorer's coverage only: a point the candidate marked as made ("I made this point" in
the review, :attr:`PlanAttempt.marked`) never raises it, so a mark cannot move a question's schedule. A
marked point is, however, not reported as a weak point: the candidate said they made it.

**New questions** (never scored) are introduced ``new_per_day`` a day in bank order; questions first
answered today count against today's quota.

**An interview date** compresses the plan so every question is rehearsed at least twice before it: new
questions are introduced fast enough to leave a day for their second rehearsal, and no question is due
later than the day before the interview. Weak questions have short intervals, so they come back most.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Literal

from fsrs import Card, Rating, Scheduler

from opsprep_voice.core.bank import Question

DEFAULT_NEW_PER_DAY = 3
MANY_FILLERS = 6.0
"""Fillers per minute above which an answer sounds unprepared (the review calls 6+ "many")."""
RECENT = 3
"""How many of a question's latest answers the reasons look at."""
REPS_BEFORE_INTERVIEW = 2

Status = Literal["new", "due", "overdue", "later"]


@dataclass(frozen=True, slots=True)
class PlanAttempt:
    """One scored answer, as the plan needs it (History gives these)."""

    question_id: str
    when: datetime
    """When it was answered; a naive datetime is taken as UTC."""
    coverage: float
    coverage_with_follow_ups: float | None = None
    duration_s: float | None = None
    fillers_per_min: float | None = None
    missed: tuple[str, ...] = ()
    """Ids of the checklist items the main answer missed."""
    marked: tuple[str, ...] = ()
    """Ids of missed items the candidate marked as covered: not weak points (the rating ignores them)."""


@dataclass(frozen=True, slots=True)
class WeakPoint:
    item_id: str
    label: str
    missed: int
    of: int


@dataclass(frozen=True, slots=True)
class QuestionPlan:
    question_id: str
    number: int
    text: str
    due: date
    status: Status
    reason: str
    reps: int
    """Scored answers, retakes included."""
    days_rehearsed: int = 0
    last_coverage: float | None = None
    best_coverage: float | None = None
    last_rehearsed: date | None = None
    stability_days: float | None = None
    """FSRS stability: days until recall is expected to drop to 90 %. None for a new question."""
    retrievability: float | None = None
    """FSRS's chance of recalling the question today, 0..1. None for a new question."""
    weak_points: tuple[WeakPoint, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    today: date
    questions: tuple[QuestionPlan, ...]
    """Every question exactly once: due ones first (weakest first), then by due date."""
    interview_date: date | None = None
    new_per_day: int = DEFAULT_NEW_PER_DAY
    activity: dict[date, int] = field(default_factory=dict)
    """Scored answers per local day, for the calendar."""

    @property
    def due_today(self) -> tuple[QuestionPlan, ...]:
        return tuple(q for q in self.questions if q.due <= self.today)

    @property
    def days_to_interview(self) -> int | None:
        return None if self.interview_date is None else (self.interview_date - self.today).days


def rate(attempt: PlanAttempt, target_seconds: float | None = None) -> Rating:
    """The FSRS rating of one answer (see the module doc)."""
    coverage = _clamp(attempt.coverage)
    with_follow_ups = attempt.coverage_with_follow_ups
    if with_follow_ups is not None and math.isfinite(with_follow_ups):
        coverage += max(0.0, _clamp(with_follow_ups) - coverage) / 2
    if coverage < 0.5:
        return Rating.Again
    rating = Rating.Hard if coverage < 0.7 else Rating.Good if coverage < 0.85 else Rating.Easy
    if rating > Rating.Hard and _poor_delivery(attempt, target_seconds):
        rating = Rating(rating - 1)
    return rating


def _poor_delivery(attempt: PlanAttempt, target_seconds: float | None) -> bool:
    duration = attempt.duration_s
    too_short_or_long = (
        target_seconds
        and duration is not None
        and math.isfinite(duration)
        and not 0.5 * target_seconds <= duration <= 1.5 * target_seconds
    )
    if too_short_or_long:
        return True
    fillers = attempt.fillers_per_min
    return fillers is not None and math.isfinite(fillers) and fillers > MANY_FILLERS


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value)) if math.isfinite(value) else 0.0


def build_plan(
    questions: Sequence[Question],
    attempts: Iterable[PlanAttempt],
    *,
    now: datetime,
    tz: tzinfo = UTC,
    new_per_day: int = DEFAULT_NEW_PER_DAY,
    interview_date: date | None = None,
) -> Plan:
    """The plan for the local day of ``now`` in ``tz``. Attempts of questions not in ``questions`` are
    ignored; attempts dated after ``now`` (a clock set back) count as made ``now``.

    Raises ValueError if ``new_per_day`` < 1 or ``now`` is naive.
    """
    if new_per_day < 1:
        raise ValueError(f"new_per_day must be at least 1, not {new_per_day}")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = now.astimezone(tz).date()
    by_question: dict[str, list[PlanAttempt]] = {q.id: [] for q in questions}
    activity: Counter[date] = Counter()
    for attempt in attempts:
        if attempt.question_id in by_question:
            by_question[attempt.question_id].append(attempt)
            activity[_aware(attempt.when, now).astimezone(tz).date()] += 1
    if interview_date is not None and interview_date < today:
        interview_date = None  # the interview is over: plan as if there were none
    scheduler = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
    last_day = _last_review_day(today, interview_date)

    reviewed: list[QuestionPlan] = []
    new: list[Question] = []
    first_answered_today = 0
    for question in questions:
        history = sorted(by_question[question.id], key=lambda a: _aware(a.when, now))
        if not history:
            new.append(question)
            continue
        if _aware(history[0].when, now).astimezone(tz).date() == today:
            first_answered_today += 1
        reviewed.append(_reviewed(question, history, scheduler, now, tz, today, last_day))
    introduced = _introduce(new, today, interview_date, new_per_day, first_answered_today)
    ordered = sorted(
        [*reviewed, *introduced],
        key=lambda q: (q.due, q.status == "new", q.retrievability or 0.0, q.number),
    )
    return Plan(today, tuple(ordered), interview_date, new_per_day, dict(sorted(activity.items())))


def _aware(when: datetime, now: datetime) -> datetime:
    """``when`` (naive = UTC) capped at ``now``, in UTC: fsrs refuses any other zone, and ``now`` (the cap
    for a clock set back) is usually local."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return min(aware, now).astimezone(UTC)


def _last_review_day(today: date, interview_date: date | None) -> date | None:
    """The latest due date an interview allows: the day before it (today at the latest)."""
    if interview_date is None:
        return None
    return max(today, interview_date - timedelta(days=1))


def _reviewed(
    question: Question,
    history: list[PlanAttempt],
    scheduler: Scheduler,
    now: datetime,
    tz: tzinfo,
    today: date,
    last_day: date | None,
) -> QuestionPlan:
    card = Card(card_id=question.number)  # an explicit id: fsrs would otherwise sleep to make one
    days: list[date] = []
    firsts: list[PlanAttempt] = []
    for attempt in history:
        when = _aware(attempt.when, now)
        day = when.astimezone(tz).date()
        if days and days[-1] == day:
            continue  # a retake the same day (see the module doc)
        days.append(day)
        firsts.append(attempt)
        card, _ = scheduler.review_card(card, rate(attempt, question.target_seconds), when)
    scheduled = card.due.astimezone(tz).date()
    due, capped = scheduled, False
    if last_day is not None and due > last_day:
        due, capped = last_day, True
    if len(days) < REPS_BEFORE_INTERVIEW and last_day is not None:
        # The second rehearsal must fit before the interview: at the latest the day before it.
        due = min(due, last_day)
    status: Status = "overdue" if due < today else "due" if due == today else "later"
    due = max(due, today)
    last = history[-1]
    weak = _weak_points(question, firsts[-RECENT:])
    reason = _reason(question, last, weak, status, due, today, scheduled, capped)
    return QuestionPlan(
        question_id=question.id,
        number=question.number,
        text=question.text,
        due=due,
        status=status,
        reason=reason,
        reps=len(history),
        days_rehearsed=len(days),
        last_coverage=last.coverage,
        best_coverage=max(a.coverage for a in history),
        last_rehearsed=_aware(last.when, now).astimezone(tz).date(),
        stability_days=card.stability,
        retrievability=scheduler.get_card_retrievability(card, now),
        weak_points=weak,
    )


def _weak_points(question: Question, recent: Sequence[PlanAttempt]) -> tuple[WeakPoint, ...]:
    """Core and regular items missed in at least two of the recent days' first answers (or in the only
    one), most missed first."""
    counts = Counter(item for attempt in recent for item in set(attempt.missed) - set(attempt.marked))
    needed = 1 if len(recent) == 1 else 2
    points = [
        WeakPoint(item.id, item.label, counts[item.id], len(recent))
        for item in question.checklist
        if counts[item.id] >= needed and item.weight >= 1.0
    ]
    return tuple(sorted(points, key=lambda p: -p.missed))


def _reason(
    question: Question,
    last: PlanAttempt,
    weak: Sequence[WeakPoint],
    status: Status,
    due: date,
    today: date,
    scheduled: date,
    capped: bool,
) -> str:
    when = _when(due, today, status, scheduled)
    if weak:
        point = weak[0]
        times = {1: "once", 2: "twice"}.get(point.missed, f"{point.missed} times")
        what = f"missed “{point.label}” {times}" if point.of > 1 else f"missed “{point.label}”"
    elif last.coverage < 0.7:
        what = f"last answer covered {last.coverage:.0%}"
    else:
        what = f"strong last time ({last.coverage:.0%})"
    if capped:
        when += ", brought forward to come before the interview"
    return f"{what}; {when}"


def _when(due: date, today: date, status: Status, scheduled: date) -> str:
    if status == "overdue":
        return f"overdue since {day_label(scheduled, today)}"
    if status == "due":
        return "due today"
    return f"next {day_label(due, today)}"


def day_label(day: date, today: date) -> str:
    """A day as the plan's reasons and screens say it: "today", "tomorrow", "yesterday", "Tue 2 Dec" (with
    the year when it is not this one)."""
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    text = f"{day:%a} {day.day} {day:%b}"
    return text if day.year == today.year else f"{text} {day.year}"


def _introduce(
    new: Sequence[Question],
    today: date,
    interview_date: date | None,
    new_per_day: int,
    first_answered_today: int,
) -> list[QuestionPlan]:
    """Due dates for never-answered questions, ``new_per_day`` a day (faster before an interview)."""
    per_day = new_per_day
    if interview_date is not None and new:
        # Leave the day before the interview free for every question's second rehearsal. Questions first
        # answered today use up today's quota, so they count against the days' capacity too.
        days = max(1, (interview_date - today).days - 1)
        per_day = max(per_day, math.ceil((len(new) + first_answered_today) / days))
    left_today = max(0, per_day - first_answered_today)
    out = []
    for position, question in enumerate(new):
        offset = 0 if position < left_today else 1 + (position - left_today) // per_day
        due = today + timedelta(days=offset)
        status: Status = "new"
        when = "due today" if offset == 0 else f"introduced {day_label(due, today)}"
        reason = f"new: not rehearsed yet; {when} ({per_day} new a day)"
        out.append(QuestionPlan(question.id, question.number, question.text, due, status, reason, 0))
    return out


__all__ = [
    "DEFAULT_NEW_PER_DAY",
    "Plan",
    "PlanAttempt",
    "QuestionPlan",
    "WeakPoint",
    "build_plan",
    "day_label",
    "rate",
]
