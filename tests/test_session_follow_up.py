"""The follow-up turn of the rehearsal state machine: when a probe is asked, every transition of the turn,
the transitions it refuses, and what the summary counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsprep_voice.core.bank import load_bank
from opsprep_voice.core.follow_up_turn import FOLLOW_UP_TARGET_S, FOLLOW_UP_TIME_LIMIT_S, as_follow_up
from opsprep_voice.core.scoring import ScoreReport, score_answer
from opsprep_voice.core.session import FOLLOW_UP_PHASES, Phase, RehearsalSession, SessionStateError
from opsprep_voice.core.settings import FollowUpSetting, Mode
from opsprep_voice.core.transcript import Transcript

BANK = load_bank()
Q = BANK.find("3")  # SLIs and SLOs
# Covers the user journeys, the SLIs and the dashboards (42 %): misses the burn-rate alerts (a core item).
THIN = (
    "I start with critical user paths and define SLIs like availability, latency at p95 and error rate. "
    "I store metrics in Prometheus and visualize them in Grafana."
)
BURN_RATE = "We alert on the burn rate of the error budget, so we page when it burns fast, not on noise."


def scored(text: str) -> ScoreReport:
    return score_answer(Q, Transcript.from_text(text))


def session(mode: Mode = "interview", setting: FollowUpSetting = "one", count: int = 1) -> RehearsalSession:
    questions = [Q, *BANK.questions[5 : 5 + count - 1]]
    return RehearsalSession(questions, mode, follow_up_setting=setting)


def answered(s: RehearsalSession, text: str = THIN) -> None:
    s.start_recording()
    s.stop_recording()
    s.transcription_done(scored(text), Path("main.wav"), 11)


def follow_up_answered(s: RehearsalSession, text: str = BURN_RATE, attempt_id: int = 12) -> None:
    s.start_follow_up()
    s.stop_follow_up()
    s.follow_up_done(scored(text), Path(f"follow-up-{attempt_id}.wav"), attempt_id)


def test_a_thin_interview_answer_gets_a_follow_up_before_its_review() -> None:
    seen: list[Phase] = []
    s = session()
    s.subscribe(lambda sess: seen.append(sess.phase))
    answered(s)
    assert s.phase is Phase.FOLLOW_UP_READY and s.in_follow_up
    probe = s.probe
    assert probe is not None and probe.item_id == "burn-rate-alerts" and probe.number == 1
    assert probe.prompt == Q.checklist[5].follow_up  # the bank's wording, never "you didn't say"
    assert not s.answer_visible  # the example answer stays hidden until the review
    s.begin_probing()
    s.start_follow_up()  # the spoken probe ended: recording starts
    assert s.recording and s.phase is Phase.FOLLOW_UP_RECORDING
    s.stop_follow_up()
    assert s.transcribing and s.phase is Phase.FOLLOW_UP_TRANSCRIBING
    s.follow_up_done(scored(BURN_RATE), Path("f.wav"), 12)
    assert s.phase is Phase.REVIEW and s.probe is None and s.answer_visible
    assert seen == [
        Phase.RECORDING,
        Phase.TRANSCRIBING,
        Phase.FOLLOW_UP_READY,
        Phase.PROBING,
        Phase.FOLLOW_UP_RECORDING,
        Phase.FOLLOW_UP_TRANSCRIBING,
        Phase.REVIEW,
    ]
    res = s.result
    assert [a.probe.item_id for a in res.follow_ups] == ["burn-rate-alerts"]
    assert res.follow_ups[0].audio_path == Path("f.wav") and res.follow_ups[0].attempt_id == 12
    assert res.attempt_id == 11 and res.attempts == 1  # the follow-up is not another take of the question
    merged = res.follow_up_result
    assert merged is not None and [i.id for i in merged.recovered] == ["burn-rate-alerts"]
    row = s.summary()[0]
    assert row["coverage"] == pytest.approx(4 / 9.5)
    assert row["coverage_with_follow_ups"] == pytest.approx(5.5 / 9.5) and row["follow_ups"] == 1
    assert s.average_coverage() == pytest.approx(4 / 9.5)
    assert s.average_coverage_with_follow_ups() == pytest.approx(5.5 / 9.5)


def test_no_follow_up_in_study_mode_with_the_setting_off_or_after_a_good_answer() -> None:
    for s in (session(mode="study"), session(setting="off")):
        answered(s)
        assert s.phase is Phase.REVIEW and s.probe is None
        assert s.summary()[0]["coverage_with_follow_ups"] is None
        assert s.average_coverage_with_follow_ups() is None
    s = session()
    answered(s, Q.example_answer)
    assert s.phase is Phase.REVIEW


def test_a_probe_that_cannot_be_spoken_is_answered_when_ready() -> None:
    s = session()
    answered(s)
    s.begin_probing()
    s.probe_speech_failed()
    assert s.phase is Phase.FOLLOW_UP_READY and s.probe is not None
    with pytest.raises(SessionStateError, match="cannot give up speaking the follow-up"):
        s.probe_speech_failed()
    s.start_follow_up()  # Space
    assert s.phase is Phase.FOLLOW_UP_RECORDING


def test_skipping_the_follow_up_goes_to_the_review_not_the_next_question() -> None:
    for speaking in (False, True):
        s = session(count=2)
        answered(s)
        if speaking:
            s.begin_probing()
        s.skip_follow_up()
        assert s.phase is Phase.REVIEW and s.index == 0 and s.probe is None
        assert s.result.follow_ups == [] and not s.result.skipped
        assert s.summary()[0]["coverage_with_follow_ups"] is None
        s.next_question()
        assert s.index == 1


def test_rerecording_and_cancelling_the_follow_up_keep_it_asked() -> None:
    s = session()
    answered(s)
    probe = s.probe
    s.start_follow_up()
    s.rerecord_follow_up()  # R while recording
    assert s.phase is Phase.FOLLOW_UP_READY and s.probe == probe
    s.start_follow_up()
    s.stop_follow_up()
    s.rerecord_follow_up()  # R while transcribing
    assert s.phase is Phase.FOLLOW_UP_READY
    s.start_follow_up()
    s.cancel_follow_up()  # Esc while recording
    assert s.phase is Phase.FOLLOW_UP_READY
    s.begin_probing()
    s.cancel_follow_up()  # Esc while the probe is spoken
    assert s.phase is Phase.FOLLOW_UP_READY
    s.start_follow_up()
    s.stop_follow_up()
    s.follow_up_failed()  # transcription failed or cancelled: the follow-up is still there
    assert s.phase is Phase.FOLLOW_UP_READY and s.probe == probe and s.result.follow_ups == []
    follow_up_answered(s)
    assert s.phase is Phase.REVIEW and len(s.result.follow_ups) == 1


def test_a_second_follow_up_when_the_setting_allows_two_and_the_answer_is_still_thin() -> None:
    s = session(setting="two")
    answered(s)
    follow_up_answered(s, attempt_id=12)
    assert s.phase is Phase.FOLLOW_UP_READY
    second = s.probe
    assert second is not None and second.number == 2 and second.item_id == "slo-targets"
    follow_up_answered(s, "Our SLO target is three nines over a rolling 30 day window.", attempt_id=13)
    assert s.phase is Phase.REVIEW  # two asked: the limit
    assert [a.attempt_id for a in s.result.follow_ups] == [12, 13]
    merged = s.result.follow_up_result
    assert merged is not None and [i.id for i in merged.recovered] == ["slo-targets", "burn-rate-alerts"]
    # One follow-up answer that covered nothing still ends the turn with "one".
    s = session(setting="one")
    answered(s)
    follow_up_answered(s, "I am not sure.")
    assert s.phase is Phase.REVIEW


def test_answering_the_question_again_drops_the_earlier_answers_follow_ups() -> None:
    s = session()
    answered(s)
    follow_up_answered(s)
    s.rerecord()  # R in the review: a new take of the question
    answered(s)
    assert s.phase is Phase.FOLLOW_UP_READY and s.result.follow_ups == [] and s.result.attempts == 2


def test_impossible_follow_up_transitions_are_refused() -> None:
    s = session(count=2)
    for call in (
        s.begin_probing,
        s.probe_speech_failed,
        s.start_follow_up,
        s.stop_follow_up,
        s.follow_up_failed,
        s.rerecord_follow_up,
        s.cancel_follow_up,
        s.skip_follow_up,
    ):
        with pytest.raises(SessionStateError):
            call()  # READY: no follow-up asked
    with pytest.raises(SessionStateError, match="cannot score the follow-up answer while ready"):
        s.follow_up_done(scored(BURN_RATE))
    answered(s)
    assert s.phase is Phase.FOLLOW_UP_READY
    for call in (s.next_question, s.start_recording, s.stop_recording, s.rerecord, s.stop_follow_up):
        with pytest.raises(SessionStateError):
            call()  # N skips the follow-up; the main answer's transitions do not apply
    s.start_follow_up()
    for call in (s.skip_follow_up, s.begin_probing, s.next_question, s.follow_up_failed):
        with pytest.raises(SessionStateError):
            call()  # stop (or cancel) first
    s.stop_follow_up()
    for call in (s.cancel_follow_up, s.skip_follow_up, s.start_follow_up, s.transcription_failed):
        with pytest.raises(SessionStateError):
            call()
    s.follow_up_done(scored(BURN_RATE))
    for call in (s.start_follow_up, s.skip_follow_up, s.rerecord_follow_up):
        with pytest.raises(SessionStateError):
            call()  # the review: the turn is over
    assert not FOLLOW_UP_PHASES & {Phase.READY, Phase.REVIEW, Phase.FINISHED}


def test_finishing_during_a_follow_up_keeps_the_main_answer() -> None:
    s = session(count=2)
    answered(s)
    s.start_follow_up()
    s.finish()
    assert s.phase is Phase.FINISHED and s.probe is None
    rows = s.summary()
    assert rows[0]["coverage"] == pytest.approx(4 / 9.5) and not rows[0]["skipped"] and rows[1]["skipped"]


def test_follow_up_length_constants_and_the_follow_up_target() -> None:
    assert FOLLOW_UP_TARGET_S == 45 and FOLLOW_UP_TIME_LIMIT_S == 90
    report = as_follow_up(scored(BURN_RATE))
    assert report.target_seconds == FOLLOW_UP_TARGET_S and Q.target_seconds != FOLLOW_UP_TARGET_S
