"""The practice plan: spaced repetition of questions from constructed histories (no Qt, no SQLite)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from fsrs import Rating

from opsprep_voice.core.bank import Question, load_bank
from opsprep_voice.core.plan import PlanAttempt, QuestionPlan, build_plan, rate

BANK = load_bank()
QUESTIONS: list[Question] = list(BANK)
NOW = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
TODAY = NOW.date()


def answer(number: int, days_ago: float, coverage: float, **extra: object) -> PlanAttempt:
    question = QUESTIONS[number - 1]
    return PlanAttempt(
        question.id,
        NOW - timedelta(days=days_ago),
        coverage,
        duration_s=extra.pop("duration_s", question.target_seconds),  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )


def entry(plan_questions: Sequence[QuestionPlan], number: int) -> QuestionPlan:
    return next(q for q in plan_questions if q.number == number)


# --------------------------------------------------------------------------- rating


@pytest.mark.parametrize(
    ("coverage", "expected"),
    [(0.2, Rating.Again), (0.49, Rating.Again), (0.6, Rating.Hard), (0.8, Rating.Good), (0.95, Rating.Easy)],
)
def test_coverage_decides_the_rating(coverage: float, expected: Rating) -> None:
    assert rate(PlanAttempt("q", NOW, coverage, duration_s=100.0), 100.0) == expected


def test_poor_delivery_lowers_the_rating_one_step_but_never_to_again() -> None:
    good = PlanAttempt("q", NOW, 0.95, duration_s=100.0)
    assert rate(good, 100.0) == Rating.Easy
    assert rate(PlanAttempt("q", NOW, 0.95, duration_s=30.0), 100.0) == Rating.Good  # far too short
    assert rate(PlanAttempt("q", NOW, 0.95, duration_s=200.0), 100.0) == Rating.Good  # far too long
    assert rate(PlanAttempt("q", NOW, 0.95, duration_s=100.0, fillers_per_min=9.0), 100.0) == Rating.Good
    assert rate(PlanAttempt("q", NOW, 0.6, duration_s=20.0), 100.0) == Rating.Hard


def test_points_recovered_only_after_a_follow_up_count_half() -> None:
    assert rate(PlanAttempt("q", NOW, 0.4, coverage_with_follow_ups=0.8), None) == Rating.Hard  # 0.6
    assert rate(PlanAttempt("q", NOW, 0.4, coverage_with_follow_ups=0.4), None) == Rating.Again


# --------------------------------------------------------------------------- scheduling


def test_every_question_is_planned_once_and_nothing_is_due_in_the_past() -> None:
    history = [answer(1, 9, 0.3), answer(2, 20, 0.9), answer(3, 1, 0.6)]
    plan = build_plan(QUESTIONS, history, now=NOW)
    assert sorted(q.number for q in plan.questions) == list(range(1, len(QUESTIONS) + 1))
    assert all(q.due >= TODAY for q in plan.questions)


def test_a_question_answered_well_moves_later_and_a_missed_one_comes_back_sooner() -> None:
    plan = build_plan(QUESTIONS, [answer(1, 1, 0.95), answer(2, 1, 0.2)], now=NOW)
    well, missed = entry(plan.questions, 1), entry(plan.questions, 2)
    assert missed.due <= TODAY < well.due
    assert missed.status in ("due", "overdue")
    assert "covered 20%" in missed.reason
    assert well.stability_days is not None and missed.stability_days is not None
    assert well.stability_days > missed.stability_days
    # Answering it well again pushes it further out.
    again = build_plan(QUESTIONS, [answer(1, 12, 0.95), answer(1, 1, 0.95)], now=NOW)
    assert entry(again.questions, 1).due > well.due


def test_the_reason_names_the_point_missed_repeatedly() -> None:
    question = QUESTIONS[8]  # backups and disaster recovery
    core = next(item for item in question.checklist if item.weight >= 1.0)
    history = [answer(9, d, 0.5, missed=(core.id,)) for d in (6, 4, 2)]
    plan_entry = entry(build_plan(QUESTIONS, history, now=NOW).questions, 9)
    assert f"missed “{core.label}” 3 times" in plan_entry.reason
    assert plan_entry.weak_points[0].item_id == core.id


def test_new_questions_arrive_at_the_set_rate_in_bank_order() -> None:
    plan = build_plan(QUESTIONS, [], now=NOW, new_per_day=3)
    due_today = plan.due_today
    assert [q.number for q in due_today] == [1, 2, 3]
    assert all(q.status == "new" and "not rehearsed yet" in q.reason for q in due_today)
    tomorrow = [q.number for q in plan.questions if q.due == TODAY + timedelta(days=1)]
    assert tomorrow == [4, 5, 6]
    # Questions first answered today use up today's quota.
    plan = build_plan(QUESTIONS, [answer(1, 0.1, 0.9), answer(2, 0.1, 0.9)], now=NOW, new_per_day=3)
    assert [q.number for q in plan.questions if q.status == "new" and q.due == TODAY] == [3]


def test_an_interview_date_compresses_the_plan_so_everything_is_rehearsed_twice_before_it() -> None:
    interview = TODAY + timedelta(days=5)
    history = [answer(1, 1, 0.98), answer(1, 0.5, 0.98)]  # strong: fsrs would wait for weeks
    relaxed = build_plan(QUESTIONS, history, now=NOW)
    assert entry(relaxed.questions, 1).due > interview
    plan = build_plan(QUESTIONS, history, now=NOW, interview_date=interview)
    assert plan.days_to_interview == 5
    assert all(q.due <= interview - timedelta(days=1) for q in plan.questions)
    assert "before the interview" in entry(plan.questions, 1).reason
    # 23 new questions in the 4 days before the last one: 6 a day, not 3.
    new_days = sorted(q.due for q in plan.questions if q.status == "new")
    assert new_days[-1] <= interview - timedelta(days=2)
    assert sum(1 for d in new_days if d == TODAY) == 6


def test_a_past_interview_date_is_ignored() -> None:
    plan = build_plan(QUESTIONS, [], now=NOW, interview_date=TODAY - timedelta(days=1))
    assert plan.interview_date is None


def test_the_local_day_decides_what_today_is() -> None:
    late_evening_utc = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    tokyo = timezone(timedelta(hours=9))
    plan = build_plan(QUESTIONS, [], now=late_evening_utc, tz=tokyo)
    assert plan.today == date(2026, 3, 11)
    assert all(q.due >= date(2026, 3, 11) for q in plan.questions)


def test_answers_dated_in_the_future_by_a_clock_change_do_not_break_the_plan() -> None:
    history = [answer(1, -3, 0.4), answer(1, 2, 0.9), answer(2, -0.5, 0.95)]
    plan = build_plan(QUESTIONS, history, now=NOW)
    assert all(q.due >= TODAY for q in plan.questions)
    assert entry(plan.questions, 1).reps == 2


def test_answers_and_clocks_in_any_time_zone_are_planned() -> None:
    """fsrs accepts only UTC times: an answer stored with an offset, or one capped at a local ``now``
    (a clock set back), used to raise ValueError (found by tests/test_plan_properties.py)."""
    local = timezone(timedelta(hours=-5))
    history = [
        PlanAttempt(QUESTIONS[0].id, (NOW - timedelta(days=2)).astimezone(local), 0.8),
        PlanAttempt(QUESTIONS[1].id, NOW + timedelta(days=1), 0.8),  # in the future: capped at now
    ]
    plan = build_plan(QUESTIONS, history, now=NOW.astimezone(local), tz=local)
    assert entry(plan.questions, 1).reps == 1 and entry(plan.questions, 2).reps == 1


def test_questions_first_answered_today_do_not_push_new_ones_past_an_interview_tomorrow() -> None:
    plan = build_plan(QUESTIONS, [answer(1, 0.1, 0.9)], now=NOW, interview_date=TODAY + timedelta(days=1))
    assert {q.due for q in plan.questions} == {TODAY}


def test_attempts_of_questions_not_in_the_bank_are_ignored_and_bad_arguments_refused() -> None:
    plan = build_plan(QUESTIONS, [PlanAttempt("gone", NOW, 0.5)], now=NOW)
    assert len(plan.questions) == len(QUESTIONS)
    with pytest.raises(ValueError, match="new_per_day"):
        build_plan(QUESTIONS, [], now=NOW, new_per_day=0)
    with pytest.raises(ValueError, match="timezone"):
        build_plan(QUESTIONS, [], now=NOW.replace(tzinfo=None))


def test_activity_counts_answers_per_local_day() -> None:
    plan = build_plan(QUESTIONS, [answer(1, 1, 0.5), answer(2, 1, 0.5), answer(3, 0, 0.5)], now=NOW)
    assert plan.activity == {TODAY - timedelta(days=1): 2, TODAY: 1}


def test_a_retake_the_same_day_is_practice_not_a_second_review() -> None:
    first_only = build_plan(QUESTIONS, [answer(1, 2, 0.3)], now=NOW)
    with_retake = build_plan(QUESTIONS, [answer(1, 2, 0.3), answer(1, 1.99, 0.95)], now=NOW)
    one, two = entry(first_only.questions, 1), entry(with_retake.questions, 1)
    assert (two.reps, two.days_rehearsed) == (2, 1)
    assert two.due == one.due and two.stability_days == one.stability_days
    assert two.last_coverage == 0.95 and two.best_coverage == 0.95
    # On another day it is a review of its own.
    next_day = build_plan(QUESTIONS, [answer(1, 2, 0.3), answer(1, 1, 0.95)], now=NOW)
    assert entry(next_day.questions, 1).days_rehearsed == 2
