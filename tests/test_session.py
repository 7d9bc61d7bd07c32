"""The rehearsal state machine: selections, transitions, skipping, re-recording and the summary."""

from __future__ import annotations

import pytest

from opsprep_voice.core.bank import load_bank
from opsprep_voice.core.scoring import ScoreReport
from opsprep_voice.core.session import Phase, RehearsalSession, Selection, SessionStateError, plan_questions

BANK = load_bank()


def report(coverage: float) -> ScoreReport:
    return ScoreReport.from_dict(
        {"coverage": coverage, "duration_s": 70.0, "wpm": 140.0, "fillers": {"per_min": 1.5}}
    )


def test_selections_pick_the_right_questions() -> None:
    assert [q.number for q in plan_questions(BANK, Selection("all"))] == list(range(1, 25))
    five = plan_questions(BANK, Selection("random", count=5, seed=7))
    assert len(five) == 5 and len({q.id for q in five}) == 5
    assert five == plan_questions(BANK, Selection("random", count=5, seed=7))  # reproducible with a seed
    cat = BANK.questions[2].category
    in_cat = plan_questions(BANK, Selection("category", category=cat))
    assert in_cat and all(q.category == cat for q in in_cat)
    assert [q.id for q in plan_questions(BANK, Selection("single", question_id=BANK.questions[4].id))] == [
        BANK.questions[4].id
    ]
    with pytest.raises(ValueError, match="no questions in category"):
        plan_questions(BANK, Selection("category", category="nonsense"))
    with pytest.raises(KeyError):
        plan_questions(BANK, Selection("single", question_id="no-such-question"))


def test_the_plan_selection_rehearses_its_questions_in_the_plans_order() -> None:
    ids = (BANK.questions[8].id, BANK.questions[1].id, BANK.questions[20].id)
    selection = Selection("plan", question_ids=ids)
    assert tuple(q.id for q in plan_questions(BANK, selection)) == ids  # not bank order
    assert selection.describe() == "Today's plan"
    with pytest.raises(ValueError, match="nothing is due"):
        plan_questions(BANK, Selection("plan"))
    with pytest.raises(KeyError):  # a plan made for another bank
        plan_questions(BANK, Selection("plan", question_ids=("no-such-question",)))


def test_full_question_cycle_and_summary() -> None:
    seen: list[Phase] = []
    # Follow-ups off: these reports are not of the question (the follow-up turn: test_session_follow_up).
    s = RehearsalSession(BANK.questions[:2], "interview", follow_up_setting="off")
    s.subscribe(lambda sess: seen.append(sess.phase))
    assert not s.answer_visible
    s.begin_speaking()
    s.begin_thinking()
    s.start_recording()
    s.stop_recording()
    s.transcription_done(report(0.8))
    assert s.answer_visible  # interview mode reveals the example answer in review
    s.next_question()
    assert s.index == 1 and s.phase is Phase.READY
    s.next_question()  # skip the last one
    assert s.phase is Phase.FINISHED
    assert seen == [
        Phase.SPEAKING,
        Phase.THINKING,
        Phase.RECORDING,
        Phase.TRANSCRIBING,
        Phase.REVIEW,
        Phase.READY,
        Phase.FINISHED,
    ]
    rows = s.summary()
    assert rows[0]["coverage"] == 0.8 and rows[0]["attempts"] == 1 and not rows[0]["skipped"]
    assert rows[0]["coverage_with_follow_ups"] is None and rows[0]["follow_ups"] == 0
    assert rows[1]["skipped"] and rows[1]["coverage"] is None
    assert s.average_coverage() == pytest.approx(0.8)


def test_rerecord_keeps_counting_attempts_and_last_score_wins() -> None:
    s = RehearsalSession(BANK.questions[:1], "study")
    assert s.answer_visible
    s.start_recording()
    s.rerecord()
    s.start_recording()
    s.stop_recording()
    s.transcription_done(report(0.3))
    s.rerecord()
    s.start_recording()
    s.stop_recording()
    s.transcription_done(report(0.9))
    assert s.result.attempts == 3
    assert s.result.report is not None and s.result.report.coverage == 0.9


def answer(s: RehearsalSession, coverage: float, duration_s: float = 70.0) -> None:
    if s.phase is Phase.REVIEW:
        s.rerecord()
    s.start_recording()
    s.stop_recording()
    s.transcription_done(
        ScoreReport.from_dict({"coverage": coverage, "duration_s": duration_s, "wpm": 140.0})
    )


def test_every_scored_take_is_kept_and_the_summary_shows_the_best_one() -> None:
    s = RehearsalSession(BANK.questions[:2], "interview", follow_up_setting="off")
    answer(s, 0.74, duration_s=49.0)
    answer(s, 0.0, duration_s=22.6)  # a weak last take must not hide the good one
    assert [t.report.coverage for t in s.result.takes] == [0.74, 0.0]
    assert s.result.report is not None and s.result.report.coverage == 0.0  # the review: the last take
    s.next_question()
    answer(s, 0.5)
    row, second = s.summary()
    assert row["coverage"] == 0.74 and row["duration_s"] == 49.0
    assert row["scored_takes"] == 2 and row["best_take"] == 1 and row["attempts"] == 2
    assert second["scored_takes"] == 1 and second["best_take"] == 1
    # The average is of what the summary shows, not of the last takes (0.0 and 0.5).
    assert s.average_coverage() == pytest.approx((0.74 + 0.5) / 2)


def test_a_tie_shows_the_later_take() -> None:
    s = RehearsalSession(BANK.questions[:1], "interview", follow_up_setting="off")
    answer(s, 0.6, duration_s=80.0)
    answer(s, 0.6, duration_s=60.0)
    assert s.summary()[0]["best_take"] == 2 and s.summary()[0]["duration_s"] == 60.0


def test_impossible_transitions_are_refused() -> None:
    s = RehearsalSession(BANK.questions[:1])
    with pytest.raises(SessionStateError, match="cannot stop recording while ready"):
        s.stop_recording()
    s.start_recording()
    with pytest.raises(SessionStateError):
        s.next_question()  # must stop first
    with pytest.raises(SessionStateError):
        s.transcription_done(report(1.0))
    s.stop_recording()
    s.transcription_failed()  # e.g. cancelled: back to READY, answer can be recorded again
    assert s.phase is Phase.READY


def test_a_question_that_cannot_be_spoken_goes_back_to_ready() -> None:
    s = RehearsalSession(BANK.questions[:1])
    s.begin_speaking()
    s.speech_failed()
    assert s.phase is Phase.READY and s.result.attempts == 0
    with pytest.raises(SessionStateError, match="cannot give up speaking the question while ready"):
        s.speech_failed()


def test_finish_early_marks_the_rest_skipped() -> None:
    s = RehearsalSession(BANK.questions[:3], follow_up_setting="off")
    s.start_recording()
    s.stop_recording()
    s.transcription_done(report(0.5))
    s.finish()
    assert s.phase is Phase.FINISHED
    assert [r["skipped"] for r in s.summary()] == [False, True, True]


def test_empty_session_is_rejected() -> None:
    with pytest.raises(ValueError):
        RehearsalSession([])


def test_sessions_get_human_titles_and_old_titles_read_the_same() -> None:
    from opsprep_voice.core.titles import readable_title, session_title, short_text

    q3 = BANK.find(3)
    title = session_title([q3], "interview")
    assert title.startswith("Q3 · What is your process for defining SLIs") and title.endswith("…")
    assert q3.id not in title and len(title) < 60
    assert session_title(BANK.questions[:5], "interview") == "Interview · 5 questions"
    assert session_title(BANK.questions[:1], "study").startswith("Q1 · ")
    # Stored the old way ("Question <id>"): read as the new title; unknown ids and other titles unchanged.
    assert readable_title(f"Question {q3.id}", BANK.find) == title
    assert readable_title("Question no-such-id", BANK.find) == "Question no-such-id"
    assert readable_title("5 random questions", BANK.find) == "5 random questions"
    assert readable_title(None) == "Rehearsal session"
    assert short_text("short") == "short" and not short_text("word " * 30).endswith(" …")


def test_the_best_take_average_counts_each_question_once_at_its_best() -> None:
    from opsprep_voice.core.question_result import best_take_average, has_retakes

    assert best_take_average([("a", 0.74), ("a", 0.0), ("b", 0.5), ("c", None)]) == pytest.approx(0.62)
    assert best_take_average([("a", None)]) is None and best_take_average([]) is None
    assert has_retakes(["a", "b", "a"]) and not has_retakes(["a", "b"])
