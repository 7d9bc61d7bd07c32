"""Properties of the practice plan over arbitrary histories (hypothesis): whatever History holds (any times,
time zones, coverages including NaN and infinities, unknown questions, clocks set back) and whatever
interview date is set, every question is planned exactly once and nothing is due before today."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsprep_voice.core.bank import Question, load_bank
from opsprep_voice.core.plan import PlanAttempt, build_plan

QUESTIONS: list[Question] = list(load_bank())
IDS = [q.id for q in QUESTIONS]
ITEM_IDS = sorted({item.id for q in QUESTIONS for item in q.checklist})
NOW_MIN = datetime(2024, 1, 1)
NOW_MAX = datetime(2030, 12, 31)

ZONES: list[tzinfo] = [
    UTC,
    timezone(timedelta(hours=-12)),
    timezone(timedelta(hours=14)),
    timezone(timedelta(hours=5, minutes=45)),
    ZoneInfo("Europe/Berlin"),  # summer time: days of 23 and 25 hours
    ZoneInfo("America/St_Johns"),
    ZoneInfo("Pacific/Apia"),  # skipped a whole day in 2011
]

zones = st.sampled_from(ZONES)
odd_floats = st.floats(allow_nan=True, allow_infinity=True) | st.floats(-0.5, 1.5)
maybe_floats = st.none() | odd_floats


@st.composite
def attempts_around(draw: st.DrawFn, now: datetime) -> PlanAttempt:
    # Mostly within the last year, some in the future (a clock set back), some naive (taken as UTC).
    # Today's answers matter most (the new-question quota, retakes): they get a strategy of their own.
    offset = draw(st.floats(-400 * 86400, 30 * 86400) | st.floats(-86400, 0))
    when = (now + timedelta(seconds=offset)).astimezone(draw(zones))
    if draw(st.booleans()):
        when = when.replace(tzinfo=None)
    return PlanAttempt(
        question_id=draw(st.sampled_from([*IDS, "not-in-the-bank"])),
        when=when,
        coverage=draw(odd_floats),
        coverage_with_follow_ups=draw(maybe_floats),
        duration_s=draw(maybe_floats),
        fillers_per_min=draw(maybe_floats),
        missed=tuple(draw(st.lists(st.sampled_from([*ITEM_IDS, "unknown-item"]), max_size=4))),
    )


Scenario = tuple[datetime, tzinfo, list[PlanAttempt], date | None, int, list[int]]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    tz = draw(zones)
    now = draw(st.datetimes(NOW_MIN, NOW_MAX, timezones=st.just(tz)))
    attempts = draw(st.lists(attempts_around(now), max_size=40))
    today = now.astimezone(tz).date()
    soon = st.dates(today, today + timedelta(days=3))  # the tightest plans
    interview = draw(st.none() | soon | st.dates(today - timedelta(days=30), today + timedelta(days=120)))
    new_per_day = draw(st.integers(1, 24))
    # A custom bank may hold any subset of the questions, in any order (drawn as indices: short reports).
    indices = list(range(len(QUESTIONS)))
    if draw(st.booleans()):
        indices = draw(st.permutations(indices))[: draw(st.integers(1, len(QUESTIONS)))]
    return now, tz, attempts, interview, new_per_day, indices


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_question_is_planned_once_and_nothing_is_due_before_today(scenario: Scenario) -> None:
    now, tz, attempts, interview, new_per_day, indices = scenario
    questions = [QUESTIONS[i] for i in indices]
    plan = build_plan(questions, attempts, now=now, tz=tz, new_per_day=new_per_day, interview_date=interview)

    assert plan.today == now.astimezone(tz).date()
    assert sorted(q.question_id for q in plan.questions) == sorted(q.id for q in questions)
    assert all(q.due >= plan.today for q in plan.questions)
    assert [q.due for q in plan.questions] == sorted(q.due for q in plan.questions)
    assert set(plan.due_today) == {q for q in plan.questions if q.due == plan.today}
    known = {q.id for q in questions}
    assert sum(plan.activity.values()) == sum(1 for a in attempts if a.question_id in known)
    for entry in plan.questions:
        assert entry.reason
        assert (entry.status == "new") == (entry.reps == 0)
        assert entry.retrievability is None or 0.0 <= entry.retrievability <= 1.0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_with_an_interview_ahead_nothing_is_due_after_the_day_before_it(scenario: Scenario) -> None:
    now, tz, attempts, interview, new_per_day, indices = scenario
    questions = [QUESTIONS[i] for i in indices]
    plan = build_plan(questions, attempts, now=now, tz=tz, new_per_day=new_per_day, interview_date=interview)
    if interview is None or interview < plan.today:
        assert plan.interview_date is None  # none set, or it is over: planned as if there were none
        return
    last_day = max(plan.today, interview - timedelta(days=1))
    assert all(q.due <= last_day for q in plan.questions)
