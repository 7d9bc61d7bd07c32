"""Histories for the practice-plan screens: a stand-in for History's ``plan_attempts`` and constructed
answers (a small, telling history and a 10,000-answer one), at a fixed "now"."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from opsprep_voice.core.bank import Question, load_bank
from opsprep_voice.core.plan import PlanAttempt
from opsprep_voice.core.settings import SettingsStore
from opsprep_voice.ui.plan.plan_service import PlanService
from opsprep_voice.ui.workers import TaskRunner

BANK = load_bank()
QUESTIONS: list[Question] = list(BANK)
NOW = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
TODAY = NOW.date()


class StubHistory:
    """Answers :meth:`plan_attempts` like ``HistoryRepository`` (or fails, to test the error path)."""

    def __init__(self, attempts: Sequence[PlanAttempt] = (), *, error: str | None = None) -> None:
        self.attempts = list(attempts)
        self.error = error
        self.calls = 0

    def plan_attempts(self) -> list[PlanAttempt]:
        self.calls += 1
        if self.error is not None:
            raise RuntimeError(self.error)
        return list(self.attempts)


def answer(number: int, days_ago: float, coverage: float, missed: tuple[str, ...] = ()) -> PlanAttempt:
    question = QUESTIONS[number - 1]
    when = NOW - timedelta(days=days_ago)
    return PlanAttempt(question.id, when, coverage, duration_s=question.target_seconds, missed=missed)


def sample_attempts() -> list[PlanAttempt]:
    """Due today, in plan order: Q2 (30 %, overdue), Q9 (missed the restore tests twice, overdue), then the
    new Q1, Q3 and Q4; Q5 is strong and due in May."""
    return [
        answer(9, 12, 0.55, ("rto",)),
        answer(9, 9, 0.45, ("restore-tests",)),
        answer(9, 8, 0.6, ("restore-tests",)),
        answer(2, 10, 0.3),
        answer(5, 20, 0.95),
        answer(5, 12, 0.95),
    ]


SAMPLE_DUE = [QUESTIONS[n - 1].id for n in (2, 9, 1, 3, 4)]


def many_attempts(count: int = 10_000, seed: int = 7) -> list[PlanAttempt]:
    """``count`` answers spread over the year before :data:`NOW`, several a day, with missed items."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        question = rng.choice(QUESTIONS)
        missed = tuple(item.id for item in question.checklist if rng.random() < 0.3)
        when = NOW - timedelta(seconds=rng.uniform(0, 365 * 86400))
        out.append(PlanAttempt(question.id, when, rng.uniform(0.2, 1.0), missed=missed))
    return sorted(out, key=lambda a: a.when)


def make_service(
    history: StubHistory | None, settings_path: Path, *, now: datetime = NOW
) -> tuple[PlanService, SettingsStore]:
    store = SettingsStore(settings_path)
    service = PlanService(history, store, TaskRunner(), clock=lambda: now)  # type: ignore[arg-type]
    return service, store
