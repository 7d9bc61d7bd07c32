"""The interviewer's follow-up through the real app (widgets, controller, recorder pump, history store) with
a fake microphone that replays speech, a fake voice and a scripted transcriber: asked, answered, skipped,
re-recorded, cancelled, not spoken, failed; and the review (in the rehearsal and in History) that shows what
only the follow-up covered."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from opsprep_voice.asr.base import Audio, ProgressFn, TranscribeOptions
from opsprep_voice.core.follow_up_turn import FOLLOW_UP_TARGET_S, FOLLOW_UP_TIME_LIMIT_S
from opsprep_voice.core.session import Phase
from opsprep_voice.core.transcript import Transcript
from opsprep_voice.ui.application import AppContext
from opsprep_voice.ui.review.checklist_view import AFTER_FOLLOW_UP
from tests.support.app_fakes import FakeTranscriber
from tests.support.fake_sounddevice import FakeSoundDevice
from tests.support.page_objects import MainWindowPage, RehearsalPage
from tests.support.speech import synthesize
from tests.ui.test_rehearsal_flow import WAIT_MS, Q, make_app, phase, press, read_wav, start_single

# Q is question 3 (SLIs and SLOs). The main answer covers the user journeys, the SLIs and the dashboards and
# misses the burn-rate alerts, a core item: the follow-up asks about them, and its answer covers them.
THIN = (
    "I start with critical user paths and define SLIs like availability, latency at p95 and error rate. "
    "I store metrics in Prometheus and visualize them in Grafana."
)
BURN_RATE = "We alert on the burn rate of the error budget, so we page when it burns fast, not on noise."
PROBE_ITEM = "burn-rate-alerts"
PROBE = next(i for i in Q.checklist if i.id == PROBE_ITEM).follow_up
INTERVIEW = {"follow_ups": "one"}


class ScriptedTranscriber(FakeTranscriber):
    """A :class:`FakeTranscriber` whose script the test sets before each answer, and that can fail."""

    def __init__(self, script: str) -> None:
        super().__init__(script)
        self.fail_with: str | None = None

    def transcribe(
        self,
        audio: Audio,
        options: TranscribeOptions | None = None,
        *,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
    ) -> Transcript:
        if self.fail_with is not None and len(audio) > 16000 * 1.5:  # not the 1 s warm-up
            raise RuntimeError(self.fail_with)
        return super().transcribe(audio, options, progress=progress, cancel=cancel)


@pytest.fixture(scope="module")
def answer_pcm(speech_dir: Path) -> np.ndarray:
    return read_wav(synthesize(THIN, speech_dir / "follow-up-answer.wav"))


def app(
    qtbot: Any, tmp_path: Path, pcm: np.ndarray, settings: dict[str, Any] | None = None, **kw: Any
) -> tuple[AppContext, FakeSoundDevice, ScriptedTranscriber]:
    sd = FakeSoundDevice(pcm, 16000, blocksize=800)
    transcriber = ScriptedTranscriber(THIN)
    ctx = make_app(qtbot, tmp_path, sd, transcriber, settings={**INTERVIEW, **(settings or {})}, **kw)
    qtbot.waitUntil(lambda: ctx.transcription.ready, timeout=WAIT_MS)
    return ctx, sd, transcriber


def record_all(ctx: AppContext, qtbot: Any, sd: FakeSoundDevice, streams: int) -> None:
    """Wait until the ``streams``-th recording has every block of the fake microphone on disk."""
    qtbot.waitUntil(lambda: len(sd.streams) == streams, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: (
            ctx.recorder.session is not None
            and sd.replayed.is_set()
            and ctx.recorder.session.blocks_written == sd.blocks_sent
        ),
        timeout=WAIT_MS,
    )


def answer_main(ctx: AppContext, qtbot: Any, sd: FakeSoundDevice) -> None:
    """Record and stop the main answer (spoken questions off): the follow-up is asked."""
    press(ctx, "Space")
    record_all(ctx, qtbot, sd, 1)
    press(ctx, "Space")
    qtbot.waitUntil(lambda: phase(ctx) is Phase.FOLLOW_UP_READY, timeout=WAIT_MS)


def test_a_thin_answer_gets_a_spoken_follow_up_and_the_review_shows_what_it_recovered(
    qtbot: Any, tmp_path: Path, answer_pcm: np.ndarray
) -> None:
    ctx, sd, transcriber = app(qtbot, tmp_path, answer_pcm, {"speak_questions": True, "think_time_s": 0})
    synthesizer = ctx.speaker._synth
    start_single(ctx, qtbot)
    screen = ctx.window.rehearsal_screen
    # The question is spoken, then recording starts by itself.
    qtbot.waitUntil(lambda: phase(ctx) is Phase.RECORDING, timeout=WAIT_MS)
    record_all(ctx, qtbot, sd, 1)
    press(ctx, "Space")
    # The follow-up is asked aloud (the bank's wording), then its answer is recorded.
    qtbot.waitUntil(lambda: phase(ctx) is Phase.FOLLOW_UP_RECORDING, timeout=WAIT_MS)
    assert synthesizer is not None and PROBE in synthesizer.texts
    assert screen.follow_up.isVisible() and screen.follow_up.prompt.text() == PROBE
    assert "Follow-up" in screen.follow_up.label.text()
    assert screen.clock.target_s == FOLLOW_UP_TARGET_S
    assert ctx.recorder._time_limit_s == FOLLOW_UP_TIME_LIMIT_S
    # The live checklist: what the main answer covered is ticked, the rest follows the follow-up answer.
    rows = {
        screen.live_checklist.item(r).data(0x0100): screen.live_checklist.item(r).text()
        for r in range(screen.live_checklist.count())
    }
    assert rows["user-journeys"].startswith("✔") and "in your answer" in rows["user-journeys"]
    assert rows[PROBE_ITEM].startswith("○")
    screen.set_live("We alert on the burn rate", {PROBE_ITEM}, 140.0, 2.0)
    assert next(
        screen.live_checklist.item(r).text()
        for r in range(screen.live_checklist.count())
        if screen.live_checklist.item(r).data(0x0100) == PROBE_ITEM
    ).startswith("✔")
    assert "4 of 8 items" in screen.live_stats.text()

    transcriber.script = BURN_RATE
    record_all(ctx, qtbot, sd, 2)
    press(ctx, "Space")
    qtbot.waitUntil(lambda: phase(ctx) is Phase.REVIEW, timeout=WAIT_MS)
    review = screen.review
    qtbot.waitUntil(review.is_filled, timeout=WAIT_MS)
    assert RehearsalPage(screen).shows_review and not screen.follow_up.isVisible()
    row = review.checklist.row(PROBE_ITEM)
    assert row.status == AFTER_FOLLOW_UP and row.mark.text() == "↪"
    assert "After follow-up" in row.detail_text() and row.time_button is None
    assert review.checklist.row("user-journeys").status == "covered"
    assert review.checklist.row("slo-targets").status == "missed"
    assert "1 after follow-up" in review.checklist.heading.text()
    detail = review.coverage.detail.text()
    assert "Coverage 42% · with follow-up 58%" in detail and "1 after the follow-up" in detail
    assert review.coverage.with_follow_ups.isVisible() and "58%" in review.coverage.with_follow_ups.text()
    [block] = review.follow_up_panel.blocks()
    assert PROBE in block.prompt.text() and "burn rate" in block.answer.text()
    assert f"of 0:{FOLLOW_UP_TARGET_S} target" in block.metrics.value_text("length")
    assert "words/min" in block.metrics.value_text("pace") and block.metrics.is_row_visible("fillers")
    assert not block.metrics.is_row_visible("star")

    # Kept in History: the follow-up is linked to the main answer, which keeps both coverages.
    s = ctx.controller.session
    assert s is not None and ctx.history is not None
    main = ctx.history.get_attempt(s.result.attempt_id or -1)
    assert main.coverage == pytest.approx(4 / 9.5, abs=1e-3)
    assert main.coverage_with_follow_ups == pytest.approx(5.5 / 9.5, abs=1e-3)
    [follow] = ctx.history.follow_ups(main.id)
    assert (follow.status, follow.probe_item_id, follow.probe_prompt) == ("scored", PROBE_ITEM, PROBE)
    audio = ctx.history.resolve_audio(follow.audio_path)
    assert audio is not None and len(read_wav(audio)) == len(answer_pcm)

    # The summary shows the coverage with the follow-up.
    press(ctx, "N")
    window = MainWindowPage(ctx.window)
    assert window.current == "summary"
    [summary] = window.summary.rows()
    assert summary["Coverage"] == "42%" and summary["With follow-ups"] == "58%"
    assert "With follow-ups" in window.summary.shown_titles()
    assert "with follow-ups" in ctx.window.summary_screen.overview.text()

    # History's review of the main answer shows the same follow-up.
    ctx.window.show_history()
    history = ctx.window.history_screen
    assert history is not None and history.select_attempt(main.id)
    qtbot.waitUntil(history.attempt_view.is_filled, timeout=WAIT_MS)
    assert history.attempt_view.checklist.row(PROBE_ITEM).status == AFTER_FOLLOW_UP
    [stored] = history.attempt_view.follow_up_panel.blocks()
    assert PROBE in stored.prompt.text()
    assert "with follow-up 58%" in history.attempt_view.coverage.detail.text()
    ctx.shutdown()


def test_n_skips_the_follow_up_to_the_review(qtbot: Any, tmp_path: Path, answer_pcm: np.ndarray) -> None:
    ctx, sd, _transcriber = app(qtbot, tmp_path, answer_pcm)
    start_single(ctx, qtbot)
    answer_main(ctx, qtbot, sd)
    screen = ctx.window.rehearsal_screen
    assert screen.follow_up.prompt.text() == PROBE and screen.next_button.text() == "Skip follow-up (N)"
    press(ctx, "N")
    assert phase(ctx) is Phase.REVIEW  # the review of this question, not the summary
    qtbot.waitUntil(screen.review.is_filled, timeout=WAIT_MS)
    assert screen.review.checklist.row(PROBE_ITEM).status == "missed"
    assert not screen.review.follow_up_panel.isVisible()
    assert not screen.review.coverage.with_follow_ups.isVisible()
    assert ctx.history is not None and len(ctx.history.list_attempts(question_id=Q.id)) == 1
    press(ctx, "N")
    assert MainWindowPage(ctx.window).summary.rows()[0]["With follow-ups"] == ""
    ctx.shutdown()


def test_r_rerecords_the_follow_up_and_keeps_the_first_take(
    qtbot: Any, tmp_path: Path, answer_pcm: np.ndarray
) -> None:
    ctx, sd, transcriber = app(qtbot, tmp_path, answer_pcm)
    start_single(ctx, qtbot)
    answer_main(ctx, qtbot, sd)
    press(ctx, "Space")
    qtbot.waitUntil(lambda: phase(ctx) is Phase.FOLLOW_UP_RECORDING and sd.blocks_sent > 5, timeout=WAIT_MS)
    press(ctx, "R")
    qtbot.waitUntil(lambda: len(sd.streams) == 3 and phase(ctx) is Phase.FOLLOW_UP_RECORDING, timeout=WAIT_MS)
    s = ctx.controller.session
    assert s is not None and s.probe is not None and s.probe.item_id == PROBE_ITEM
    assert s.result.attempts == 1  # a new take of the follow-up, not of the question
    transcriber.script = BURN_RATE
    record_all(ctx, qtbot, sd, 3)
    press(ctx, "Space")
    qtbot.waitUntil(lambda: phase(ctx) is Phase.REVIEW, timeout=WAIT_MS)
    assert ctx.history is not None and s.result.attempt_id is not None
    takes = ctx.history.follow_ups(s.result.attempt_id)
    assert [t.status for t in takes] == ["cancelled", "scored"]  # the first take is kept, never counted
    assert takes[0].duration_s and takes[0].duration_s > 0
    assert [a.attempt_id for a in s.result.follow_ups] == [takes[1].id]
    ctx.shutdown()


def test_escape_cancels_the_follow_up_recording_and_keeps_its_audio(
    qtbot: Any, tmp_path: Path, answer_pcm: np.ndarray
) -> None:
    ctx, sd, _transcriber = app(qtbot, tmp_path, answer_pcm)
    start_single(ctx, qtbot)
    answer_main(ctx, qtbot, sd)
    press(ctx, "Space")
    qtbot.waitUntil(lambda: phase(ctx) is Phase.FOLLOW_UP_RECORDING and sd.blocks_sent > 5, timeout=WAIT_MS)
    press(ctx, "Esc")
    assert phase(ctx) is Phase.FOLLOW_UP_READY  # still asked: Space answers it, N skips it
    qtbot.waitUntil(lambda: not ctx.recorder.recording, timeout=WAIT_MS)
    screen = ctx.window.rehearsal_screen
    assert "cancelled" in screen.message.text().lower() and screen.follow_up.isVisible()
    s = ctx.controller.session
    history = ctx.history
    assert s is not None and history is not None and s.result.attempt_id is not None
    main_id = s.result.attempt_id
    qtbot.waitUntil(lambda: history.follow_ups(main_id)[0].status == "cancelled", timeout=WAIT_MS)
    press(ctx, "N")
    assert phase(ctx) is Phase.REVIEW
    ctx.shutdown()


@pytest.mark.parametrize(
    ("settings", "study"),
    [({"follow_ups": "off"}, False), ({}, True)],
    ids=["setting-off", "study-mode"],
)
def test_no_follow_up_when_off_or_in_study_mode(
    qtbot: Any, tmp_path: Path, answer_pcm: np.ndarray, settings: dict[str, Any], study: bool
) -> None:
    ctx, sd, _transcriber = app(qtbot, tmp_path, answer_pcm, settings)
    start_single(ctx, qtbot, study=study)
    press(ctx, "Space")
    record_all(ctx, qtbot, sd, 1)
    press(ctx, "Space")
    qtbot.waitUntil(lambda: phase(ctx) is Phase.REVIEW, timeout=WAIT_MS)
    s = ctx.controller.session
    assert s is not None and s.result.follow_ups == [] and len(sd.streams) == 1
    assert not ctx.window.rehearsal_screen.follow_up.isVisible()
    ctx.shutdown()


def test_without_a_voice_the_follow_up_is_shown_as_text_and_can_be_answered(
    qtbot: Any, tmp_path: Path, answer_pcm: np.ndarray
) -> None:
    ctx, sd, _transcriber = app(qtbot, tmp_path, answer_pcm, {"speak_questions": True}, synthesizer=None)
    assert not ctx.speaker.available
    start_single(ctx, qtbot)
    answer_main(ctx, qtbot, sd)
    screen = ctx.window.rehearsal_screen
    assert screen.follow_up.isVisible() and screen.follow_up.prompt.text() == PROBE
    assert "shown above" in screen.message.text() and "Speech synthesis is off" in screen.message.text()
    press(ctx, "Space")
    assert phase(ctx) is Phase.FOLLOW_UP_RECORDING
    ctx.shutdown()


def test_a_failed_follow_up_transcription_keeps_the_audio_and_says_so(
    qtbot: Any, tmp_path: Path, answer_pcm: np.ndarray
) -> None:
    ctx, sd, transcriber = app(qtbot, tmp_path, answer_pcm)
    start_single(ctx, qtbot)
    answer_main(ctx, qtbot, sd)
    transcriber.fail_with = "the model ran out of memory"
    press(ctx, "Space")
    record_all(ctx, qtbot, sd, 2)
    press(ctx, "Space")
    screen = ctx.window.rehearsal_screen
    qtbot.waitUntil(lambda: "Transcription failed" in screen.message.text(), timeout=WAIT_MS)
    assert phase(ctx) is Phase.FOLLOW_UP_READY and "kept" in screen.message.text()
    assert "out of memory" in screen.message.text() and "N skips it" in screen.message.text()
    s = ctx.controller.session
    assert s is not None and ctx.history is not None and s.result.attempt_id is not None
    [failed] = ctx.history.follow_ups(s.result.attempt_id)
    assert failed.status == "failed"
    audio = ctx.history.resolve_audio(failed.audio_path)
    assert audio is not None and len(read_wav(audio)) == len(answer_pcm)
    # The follow-up can be answered again.
    transcriber.fail_with = None
    transcriber.script = BURN_RATE
    press(ctx, "Space")
    record_all(ctx, qtbot, sd, 3)
    press(ctx, "Space")
    qtbot.waitUntil(lambda: phase(ctx) is Phase.REVIEW, timeout=WAIT_MS)
    assert [a.probe.item_id for a in s.result.follow_ups] == [PROBE_ITEM]
    ctx.shutdown()


def test_a_device_error_during_the_follow_up_keeps_its_audio_and_scores_it(
    qtbot: Any, tmp_path: Path, answer_pcm: np.ndarray
) -> None:
    """The microphone stops mid-answer (both times): each answer keeps what was recorded and is scored."""
    sd = FakeSoundDevice(answer_pcm, 16000, blocksize=800, die_after=40)
    transcriber = ScriptedTranscriber(THIN)
    ctx = make_app(qtbot, tmp_path, sd, transcriber, settings=INTERVIEW)
    qtbot.waitUntil(lambda: ctx.transcription.ready, timeout=WAIT_MS)
    start_single(ctx, qtbot)
    press(ctx, "Space")
    qtbot.waitUntil(lambda: phase(ctx) is Phase.FOLLOW_UP_READY, timeout=WAIT_MS)
    transcriber.script = BURN_RATE
    press(ctx, "Space")
    qtbot.waitUntil(lambda: phase(ctx) is Phase.REVIEW, timeout=WAIT_MS)
    screen = ctx.window.rehearsal_screen
    assert "stopped" in screen.message.text() and "kept" in screen.message.text()
    s = ctx.controller.session
    assert s is not None and ctx.history is not None and s.result.attempt_id is not None
    [answer] = s.result.follow_ups
    assert answer.audio_path is not None and len(read_wav(answer.audio_path)) == 40 * 800
    [stored] = ctx.history.follow_ups(s.result.attempt_id)
    assert stored.status == "scored"
    ctx.shutdown()


def test_n_declines_a_follow_up_whose_recording_already_started(
    qtbot: Any, tmp_path: Path, answer_pcm: np.ndarray
) -> None:
    """Once the follow-up is read, recording starts at once: N still declines it (it did nothing there)."""
    ctx, sd, _transcriber = app(qtbot, tmp_path, answer_pcm)
    start_single(ctx, qtbot)
    answer_main(ctx, qtbot, sd)
    press(ctx, "Space")
    qtbot.waitUntil(lambda: phase(ctx) is Phase.FOLLOW_UP_RECORDING and sd.blocks_sent > 5, timeout=WAIT_MS)
    screen = ctx.window.rehearsal_screen
    assert screen.next_button.isEnabled() and screen.next_button.text() == "Skip follow-up (N)"
    press(ctx, "N")
    assert phase(ctx) is Phase.REVIEW  # the review of the answer, not the next question
    qtbot.waitUntil(lambda: not ctx.recorder.recording, timeout=WAIT_MS)
    s, history = ctx.controller.session, ctx.history
    assert s is not None and history is not None and s.result.attempt_id is not None
    main_id = s.result.attempt_id
    qtbot.waitUntil(lambda: history.follow_ups(main_id)[0].status == "cancelled", timeout=WAIT_MS)
    assert s.result.follow_ups == []  # the declined take is kept in History, never counted
    ctx.shutdown()
