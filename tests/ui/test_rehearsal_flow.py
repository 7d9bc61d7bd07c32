"""The rehearsal flow through the real app (real widgets, controller, recorder pump, history store)
with a fake microphone that replays speech, a fake voice and a scripted transcriber."""

from __future__ import annotations

import json
import threading
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QSpinBox

from opsprep_voice.asr.base import ModelUnavailableError
from opsprep_voice.core.bank import load_bank
from opsprep_voice.core.paths import AppPaths
from opsprep_voice.core.session import Phase
from opsprep_voice.core.transcript import Word
from opsprep_voice.ui.application import AppContext, apply_settings, build_app
from opsprep_voice.ui.rehearsal.widgets import FLOOR_DB
from tests.support.app_fakes import FakeSynthesizer, FakeTranscriber, factory_for
from tests.support.fake_sounddevice import FakeSoundDevice
from tests.support.page_objects import HistoryPage, MainWindowPage, RehearsalPage, ReviewPage
from tests.support.speech import synthesize
from tests.support.waits import BACKGROUND_MS

BANK = load_bank()
Q = BANK.find("3")


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).copy()


@pytest.fixture(scope="module")
def answer_pcm(speech_dir: Path) -> np.ndarray:
    return read_wav(synthesize(Q.example_answer[:160], speech_dir / "ui-answer.wav"))


#: How long a test waits for the app to reach a state. A bound against hangs, not a speed target: the
#: steps take well under a second on an idle machine, and CI shares two cores with other jobs.
WAIT_MS = BACKGROUND_MS  # the app's background work may be waited on: see tests.support.waits


def make_app(
    qtbot: Any,
    tmp_path: Path,
    sd: Any,
    transcriber: Any,
    *,
    settings: dict[str, Any] | None = None,
    engines: list[tuple[str | None, str | None]] | None = None,
    synthesizer: Any = "fake",
) -> AppContext:
    """The real app over ``tmp_path`` (``synthesizer``: a :class:`FakeSynthesizer` unless given; None: no
    voice)."""
    paths = AppPaths(data=tmp_path / "data", cache=tmp_path / "cache", config=tmp_path / "config")
    paths.config_dir()
    # Follow-ups off: these tests are about the main answer (the follow-up turn: test_follow_up_flow.py).
    base = {"speak_questions": False, "live_transcription": False, "follow_ups": "off"}
    (paths.config / "settings.json").write_text(json.dumps({**base, **(settings or {})}))
    ctx = build_app(
        paths=paths,
        sd=sd,
        synthesizer=FakeSynthesizer(tmp_path) if synthesizer == "fake" else synthesizer,
        transcriber_factory=factory_for(transcriber, engines),
    )
    qtbot.addWidget(ctx.window)
    ctx.window.resize(1280, 800)
    ctx.window.show()
    return ctx


def start_single(ctx: AppContext, qtbot: Any, question_id: str = Q.id, *, study: bool = False) -> None:
    start = ctx.window.start_screen
    start.single.setCurrentIndex(start.single.findData(question_id))
    (start.rb_study if study else start.rb_interview).setChecked(True)
    qtbot.mouseClick(start.start_button, Qt.MouseButton.LeftButton)
    assert MainWindowPage(ctx.window).current == "rehearsal"


def phase(ctx: AppContext) -> Phase:
    assert ctx.controller.session is not None
    return ctx.controller.session.phase


def press(ctx: AppContext, key: str) -> None:
    ctx.window.rehearsal_screen.shortcuts[key].activated.emit()


def answer_in_full(ctx: AppContext, qtbot: Any, sd: FakeSoundDevice) -> None:
    """Space to record, the whole replayed answer written to its file, Space to stop; back at the review."""
    press(ctx, "Space")
    assert phase(ctx) is Phase.RECORDING
    assert sd.replayed.wait(10)
    qtbot.waitUntil(
        lambda: ctx.recorder.session is not None and ctx.recorder.session.blocks_written == sd.blocks_sent,
        timeout=WAIT_MS,
    )
    press(ctx, "Space")
    qtbot.waitUntil(lambda: phase(ctx) is Phase.REVIEW, timeout=WAIT_MS)


def test_answer_is_recorded_transcribed_scored_saved_and_summarised(
    qtbot: Any, tmp_path: Path, answer_pcm: np.ndarray
) -> None:
    sd = FakeSoundDevice(answer_pcm, 16000, blocksize=800)
    ctx = make_app(qtbot, tmp_path, sd, FakeTranscriber(Q.example_answer))
    qtbot.waitUntil(lambda: ctx.transcription.ready, timeout=WAIT_MS)
    start_single(ctx, qtbot)
    screen = ctx.window.rehearsal_screen
    assert screen.question_text.text() == Q.text
    assert not screen.study.isVisible()  # interview mode hides the example answer
    answer_in_full(ctx, qtbot, sd)
    assert RehearsalPage(screen).shows_review
    result = ctx.controller.session.result if ctx.controller.session else None
    assert result is not None and result.report is not None
    assert result.report.coverage >= 0.75
    # The review fills in over a few event-loop turns: every checklist item ends up on screen.
    qtbot.waitUntil(screen.review.is_filled, timeout=WAIT_MS)
    assert screen.review.report is result.report
    assert [r.entry.id for r in screen.review.checklist.rows()] == [i.id for i in Q.checklist]
    assert result.audio_path is not None and result.audio_path.exists()
    assert len(read_wav(result.audio_path)) == len(answer_pcm)  # every block reached the file
    # Saved in the history with its audio.
    assert ctx.history is not None
    attempt = ctx.history.get_attempt(result.attempt_id or -1)
    assert attempt.status == "scored" and attempt.coverage == pytest.approx(result.report.coverage, abs=1e-3)
    # Space in the review goes on as N does (the button says so): here, to the summary.
    assert "Space" in screen.review_next.text()
    press(ctx, "Space")
    window = MainWindowPage(ctx.window)
    assert window.current == "summary"
    rows = window.summary.rows()
    assert len(rows) == 1 and rows[0]["Coverage"].endswith("%")
    ctx.shutdown()


def test_start_up_work_runs_once_the_model_has_loaded(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import opsprep_voice.ui.application as application

    freezes: list[None] = []
    monkeypatch.setattr(application.gc, "freeze", lambda: freezes.append(None))
    paths = AppPaths(data=tmp_path / "data", cache=tmp_path / "cache", config=tmp_path / "config")
    paths.config_dir()
    (paths.config / "settings.json").write_text(json.dumps({"speak_questions": False}))
    ctx = build_app(
        paths=paths,
        sd=FakeSoundDevice(np.zeros(1600, np.int16), 16000),
        synthesizer=None,
        transcriber_factory=factory_for(FakeTranscriber("x"), None),
        freeze_gc=True,
    )
    qtbot.addWidget(ctx.window)
    ctx.window.show()
    qtbot.waitUntil(lambda: ctx.warmed_up, timeout=WAIT_MS)
    assert ctx.transcription.ready
    assert len(freezes) == 1
    # The review built while warming up is gone again; the app shows the start screen, untouched.
    review = ctx.window.rehearsal_screen.review
    assert review.report is None and review.checklist.rows() == [] and ReviewPage(review).shows_placeholder
    assert MainWindowPage(ctx.window).current == "start"
    ctx.shutdown()


def test_start_up_work_leaves_a_rehearsal_started_early_alone(qtbot: Any, tmp_path: Path) -> None:
    ctx = make_app(qtbot, tmp_path, FakeSoundDevice(np.zeros(1600, np.int16), 16000), FakeTranscriber("x"))
    start_single(ctx, qtbot)  # before the model load (and so the start-up work) has ended
    assert not ctx.warmed_up
    qtbot.waitUntil(lambda: ctx.warmed_up, timeout=WAIT_MS)
    screen = ctx.window.rehearsal_screen
    assert screen.question_text.text() == Q.text and RehearsalPage(screen).shows_answer
    assert screen.review.report is None
    ctx.shutdown()


def test_no_microphone_degrades_with_an_explanation(qtbot: Any, tmp_path: Path) -> None:
    sd = FakeSoundDevice(np.zeros(1600, np.int16), 16000, devices=[])
    ctx = make_app(qtbot, tmp_path, sd, FakeTranscriber("hello"))
    assert "microphone" in ctx.window.mic_label.text().lower()
    assert ctx.window.start_screen.mic_status.mark.text() == "⚠"
    start_single(ctx, qtbot, study=True)
    screen = ctx.window.rehearsal_screen
    assert screen.study.isVisible() and Q.example_answer[:40] in screen.study_text.toPlainText()
    press(ctx, "Space")
    assert phase(ctx) is Phase.READY  # could not record, but the app goes on
    assert screen.message.isVisible() and "microphone" in screen.message.text().lower()
    press(ctx, "N")  # skipping still works
    assert MainWindowPage(ctx.window).current == "summary"
    ctx.shutdown()


class BrokenSynthesizer(FakeSynthesizer):
    def synthesize(self, text: str, voice_id: str | None = None, rate: int | None = None) -> Path:
        raise RuntimeError("espeak-ng exited with status 1")


@pytest.mark.parametrize(
    ("outputs", "reason"),
    [(["speakers"], "exited with status 1"), ([], "No audio output device found")],
    ids=["synthesis-fails", "no-output-device"],
)
def test_a_question_that_cannot_be_spoken_is_shown_and_can_be_answered(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, outputs: list[str], reason: str
) -> None:
    import opsprep_voice.ui.services.speaker as speaker_module

    class Devices:  # what Qt Multimedia reports, whatever this machine's sound server does
        @staticmethod
        def audioOutputs() -> list[str]:
            return outputs

    monkeypatch.setattr(speaker_module, "QMediaDevices", Devices)
    paths = AppPaths(data=tmp_path / "data", cache=tmp_path / "cache", config=tmp_path / "config")
    paths.config_dir()
    (paths.config / "settings.json").write_text(json.dumps({"speak_questions": True, "think_time_s": 0}))
    sd = FakeSoundDevice(np.zeros(16000, np.int16), 16000)
    ctx = build_app(
        paths=paths,
        sd=sd,
        synthesizer=BrokenSynthesizer(tmp_path),
        transcriber_factory=factory_for(FakeTranscriber("hi")),
    )
    qtbot.addWidget(ctx.window)
    ctx.window.show()
    start_single(ctx, qtbot)
    screen = ctx.window.rehearsal_screen
    qtbot.waitUntil(lambda: reason in screen.message.text(), timeout=WAIT_MS)
    assert phase(ctx) is Phase.READY  # the question is on screen; Space starts the answer
    press(ctx, "Space")
    assert phase(ctx) is Phase.RECORDING
    ctx.shutdown()


def test_missing_model_keeps_the_recording_and_says_so(
    qtbot: Any, tmp_path: Path, answer_pcm: np.ndarray
) -> None:
    sd = FakeSoundDevice(answer_pcm, 16000, blocksize=800)
    ctx = make_app(qtbot, tmp_path, sd, ModelUnavailableError("model 'x' is not embedded"))
    qtbot.waitUntil(lambda: ctx.transcription.state == "failed", timeout=WAIT_MS)
    assert "unavailable" in ctx.window.model_label.text().lower()
    start_single(ctx, qtbot)
    press(ctx, "Space")
    assert sd.replayed.wait(10)
    press(ctx, "Space")
    qtbot.waitUntil(lambda: phase(ctx) is Phase.READY, timeout=WAIT_MS)
    screen = ctx.window.rehearsal_screen
    assert "transcription failed" in screen.message.text().lower() and "kept" in screen.message.text()
    assert ctx.history is not None
    attempts = ctx.history.list_attempts(question_id=Q.id)
    assert len(attempts) == 1
    audio = ctx.history.resolve_audio(attempts[0].audio_path)
    assert audio is not None and audio.exists() and audio.stat().st_size > 10_000
    ctx.shutdown()


def test_escape_cancels_a_slow_transcription(qtbot: Any, tmp_path: Path, answer_pcm: np.ndarray) -> None:
    gate = threading.Event()
    sd = FakeSoundDevice(answer_pcm, 16000, blocksize=800)
    ctx = make_app(qtbot, tmp_path, sd, FakeTranscriber("never finished", gate=gate))
    qtbot.waitUntil(lambda: ctx.transcription.ready, timeout=WAIT_MS)
    start_single(ctx, qtbot)
    press(ctx, "Space")
    assert sd.replayed.wait(10)
    press(ctx, "Space")
    qtbot.waitUntil(
        lambda: phase(ctx) is Phase.TRANSCRIBING and ctx.controller._task is not None, timeout=WAIT_MS
    )
    assert ctx.window.rehearsal_screen.progress.isVisible()
    press(ctx, "Esc")
    qtbot.waitUntil(lambda: phase(ctx) is Phase.READY, timeout=WAIT_MS)
    assert "cancelled" in ctx.window.rehearsal_screen.message.text().lower()
    gate.set()
    ctx.shutdown()


def test_rerecord_starts_a_new_take_and_keeps_the_old_audio(
    qtbot: Any, tmp_path: Path, answer_pcm: np.ndarray
) -> None:
    sd = FakeSoundDevice(answer_pcm, 16000, blocksize=800, pace=0.005)
    ctx = make_app(qtbot, tmp_path, sd, FakeTranscriber(Q.example_answer))
    start_single(ctx, qtbot)
    press(ctx, "Space")
    qtbot.waitUntil(lambda: sd.blocks_sent > 5, timeout=WAIT_MS)
    press(ctx, "R")
    qtbot.waitUntil(lambda: len(sd.streams) == 2 and phase(ctx) is Phase.RECORDING, timeout=WAIT_MS)
    assert ctx.controller.session is not None and ctx.controller.session.result.attempts == 2
    assert ctx.history is not None
    first = min(ctx.history.list_attempts(question_id=Q.id), key=lambda a: a.id)
    # The dropped take is kept, marked cancelled (never counted, never taken for a crash).
    assert first.status == "cancelled" and first.duration_s and first.duration_s > 0
    press(ctx, "Esc")
    qtbot.waitUntil(lambda: not ctx.recorder.recording, timeout=WAIT_MS)
    ctx.shutdown()


def test_live_words_and_ticks_reach_the_screen_while_recording(
    qtbot: Any, tmp_path: Path, answer_pcm: np.ndarray
) -> None:
    """The live pass runs on its own thread; its words and the items they credit reach the view queued."""
    sd = FakeSoundDevice(answer_pcm, 16000, blocksize=800, pace=0.01)
    ctx = make_app(
        qtbot, tmp_path, sd, FakeTranscriber(Q.example_answer), settings={"live_transcription": True}
    )
    qtbot.waitUntil(lambda: ctx.transcription.ready, timeout=WAIT_MS)
    start_single(ctx, qtbot)
    press(ctx, "Space")
    screen = ctx.window.rehearsal_screen
    qtbot.waitUntil(lambda: bool(screen.live_text.toPlainText()), timeout=WAIT_MS)
    assert phase(ctx) is Phase.RECORDING
    assert screen.live_text.toPlainText().split()[:3] == Q.example_answer.split()[:3]
    live_rows = (screen.live_checklist.item(r).text() for r in range(screen.live_checklist.count()))
    assert any(row.startswith("✔") for row in live_rows)
    press(ctx, "Esc")
    qtbot.waitUntil(lambda: not ctx.recorder.recording, timeout=WAIT_MS)
    ctx.shutdown()


def test_a_dropped_takes_late_live_words_never_reach_the_next_take(
    qtbot: Any, tmp_path: Path, answer_pcm: np.ndarray
) -> None:
    """Live passes run on their own thread: one that ends after R must not show its words in the new take."""
    sd = FakeSoundDevice(answer_pcm, 16000, blocksize=800, pace=0.005)
    ctx = make_app(qtbot, tmp_path, sd, FakeTranscriber(Q.example_answer))
    start_single(ctx, qtbot)
    press(ctx, "Space")
    qtbot.waitUntil(lambda: phase(ctx) is Phase.RECORDING, timeout=WAIT_MS)
    screen = ctx.window.rehearsal_screen
    dropped_take = object()  # not the take being recorded
    ctx.controller._live_update(dropped_take, [Word("error", 0.0, 0.4), Word("budget", 0.4, 0.9)])
    assert screen.live_text.toPlainText() == "" and screen.live_stats.text() == ""
    press(ctx, "Esc")
    qtbot.waitUntil(lambda: not ctx.recorder.recording, timeout=WAIT_MS)
    ctx.shutdown()


def test_device_error_mid_answer_keeps_the_audio_so_far(
    qtbot: Any, tmp_path: Path, answer_pcm: np.ndarray
) -> None:
    sd = FakeSoundDevice(answer_pcm, 16000, blocksize=800, die_after=40)
    ctx = make_app(qtbot, tmp_path, sd, FakeTranscriber("my answer so far"))
    qtbot.waitUntil(lambda: ctx.transcription.ready, timeout=WAIT_MS)
    start_single(ctx, qtbot)
    press(ctx, "Space")
    qtbot.waitUntil(lambda: phase(ctx) is Phase.REVIEW, timeout=WAIT_MS)
    screen = ctx.window.rehearsal_screen
    result = ctx.controller.session.result if ctx.controller.session else None
    assert result is not None and result.audio_path is not None
    assert len(read_wav(result.audio_path)) == 40 * 800
    assert result.report is not None and result.report.transcript == "my answer so far"
    assert ctx.window.rehearsal_screen.review.isVisible()
    assert RehearsalPage(screen).shows_review
    ctx.shutdown()


def test_switching_engine_in_settings_reloads_without_restart(qtbot: Any, tmp_path: Path) -> None:
    calls: list[tuple[str | None, str | None]] = []
    sd = FakeSoundDevice(np.zeros(1600, np.int16), 16000)
    ctx = make_app(qtbot, tmp_path, sd, FakeTranscriber("x"), engines=calls)
    qtbot.waitUntil(lambda: ctx.transcription.ready, timeout=WAIT_MS)
    apply_settings(ctx, {"engine": "openai-whisper", "model": "tiny.en", "think_time_s": 5})
    qtbot.waitUntil(lambda: ctx.transcription.ready and len(calls) == 2, timeout=WAIT_MS)
    assert calls[-1] == ("openai-whisper", "tiny.en")
    assert ctx.controller.settings.think_time_s == 5
    assert json.loads((tmp_path / "config" / "settings.json").read_text())["engine"] == "openai-whisper"
    ctx.shutdown()


def test_every_control_has_an_accessible_name(qtbot: Any, tmp_path: Path) -> None:
    ctx = make_app(qtbot, tmp_path, FakeSoundDevice(np.zeros(1600, np.int16), 16000), FakeTranscriber("x"))
    unnamed = []
    for cls in (QAbstractButton, QComboBox, QLineEdit, QSpinBox):
        for w in ctx.window.findChildren(cls):
            if type(w) is QAbstractButton or w.objectName().startswith(("qt_", "_q_")):
                continue  # Qt's own parts: table corner button, toolbar extension, line-edit clear button
            if type(w).__name__ == "QToolButton" and type(w.parent()).__name__ == "QLineEdit":
                continue
            name = w.accessibleName() or (w.text() if isinstance(w, QAbstractButton) else "")
            if not name.strip():
                unnamed.append(f"{type(w).__name__} {w.objectName()!r} in {type(w.parent()).__name__}")
    assert not unnamed, unnamed
    ctx.shutdown()


def test_the_start_screen_offers_the_last_chosen_question_again_after_a_restart(
    qtbot: Any, tmp_path: Path
) -> None:
    sd = FakeSoundDevice(np.zeros(1600, np.int16), 16000)
    first = make_app(qtbot, tmp_path, sd, FakeTranscriber("x"))
    start_single(first, qtbot, BANK.find("5").id)
    first.controller.end()
    first.shutdown()
    saved = json.loads((tmp_path / "config" / "settings.json").read_text())
    assert saved["last_selection"] == "single" and saved["last_question_id"] == BANK.find("5").id
    remembered = {key: saved[key] for key in ("last_selection", "last_question_id", "last_category")}
    again = make_app(
        qtbot,
        tmp_path,
        FakeSoundDevice(np.zeros(1600, np.int16), 16000),
        FakeTranscriber("x"),
        settings=remembered,
    )
    start = again.window.start_screen
    assert start.rb_single.isChecked() and start.single.currentData() == BANK.find("5").id
    assert start.single.toolTip() == start.single.currentText()
    # The list shows each question whole: as wide as its longest, wider than the closed box.
    assert start.single.view().minimumWidth() >= start.single.view().sizeHintForColumn(0)
    again.shutdown()


def test_enter_on_the_start_screen_starts_the_rehearsal(qtbot: Any, tmp_path: Path) -> None:
    """The start button says "(Enter)": a default button only answers Enter in a dialog, so this is a
    shortcut of the screen (found in a real session under Xvfb)."""
    ctx = make_app(qtbot, tmp_path, FakeSoundDevice(np.zeros(1600, np.int16), 16000), FakeTranscriber("x"))
    start = ctx.window.start_screen
    start.single.setCurrentIndex(start.single.findData(Q.id))
    start.shortcuts["Return"].activated.emit()
    qtbot.waitUntil(lambda: MainWindowPage(ctx.window).current == "rehearsal", timeout=WAIT_MS)
    assert ctx.controller.session is not None and ctx.controller.session.question.id == Q.id


def test_a_take_cancelled_with_esc_survives_a_clean_quit_as_cancelled_not_recovered(
    qtbot: Any, tmp_path: Path, answer_pcm: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opsprep_voice.storage import recovery
    from opsprep_voice.ui.history.history_model import COL_STATUS

    sd = FakeSoundDevice(answer_pcm, 16000, blocksize=800, pace=0.005)
    ctx = make_app(qtbot, tmp_path, sd, FakeTranscriber(Q.example_answer))
    qtbot.waitUntil(lambda: ctx.transcription.ready, timeout=WAIT_MS)
    start_single(ctx, qtbot)
    press(ctx, "Space")
    qtbot.waitUntil(lambda: sd.blocks_sent > 5, timeout=WAIT_MS)
    press(ctx, "Esc")
    qtbot.waitUntil(lambda: not ctx.recorder.recording, timeout=WAIT_MS)
    assert ctx.history is not None
    (attempt,) = ctx.history.list_attempts(question_id=Q.id)
    assert attempt.status == "cancelled" and attempt.duration_s and attempt.duration_s > 0
    ctx.window.close()  # Ctrl+Q: a clean quit
    qtbot.waitUntil(lambda: ctx.history is not None and not ctx.window.isVisible(), timeout=WAIT_MS)

    # The next start, as a new process would see it: this run's recordings belong to a dead run.
    monkeypatch.setattr(recovery, "RUN_ID", "the-next-start")
    again = make_app(qtbot, tmp_path, FakeSoundDevice(answer_pcm, 16000), FakeTranscriber(Q.example_answer))
    assert not any("recovered" in p for p in again.problems), again.problems
    assert again.history is not None
    assert again.history.get_attempt(attempt.id).status == "cancelled"
    qtbot.waitUntil(lambda: again.transcription.ready, timeout=WAIT_MS)

    again.window.show_history()
    screen = again.window.history_screen
    assert screen is not None
    assert screen.select_attempt(attempt.id)
    assert screen.detail.currentWidget() is screen.status_panel
    assert "cancelled" in screen.status_panel.message.text()
    assert "closed while you were answering" not in screen.status_panel.message.text()
    assert HistoryPage(screen).cell(attempt.id, COL_STATUS) == "cancelled"

    # "Transcribe now" shows the real result in place, and the take still does not count.
    screen.status_panel.transcribe_button.click()
    qtbot.waitUntil(lambda: screen.detail.currentWidget() is screen.attempt_view, timeout=WAIT_MS)
    qtbot.waitUntil(screen.attempt_view.is_filled, timeout=WAIT_MS)
    shown = screen.attempt_view.report
    assert shown is not None and shown["transcript"] == Q.example_answer and shown["coverage"] > 0.5
    record = again.history.get_attempt(attempt.id)
    assert (record.status, record.coverage) == ("cancelled", None)
    assert again.history.best_attempt_ids() == {} and again.history.progress() == []
    again.shutdown()


def test_only_answers_recovered_at_this_start_are_announced(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opsprep_voice.storage import recovery
    from opsprep_voice.storage.repository import HistoryRepository
    from tests.support.history_data import wav_bytes

    with HistoryRepository(tmp_path / "data" / "history.sqlite3") as repo:
        session = repo.create_session("interview")
        earlier = repo.start_attempt(session.id, Q)  # recovered at an earlier start, not transcribed yet
        repo.mark_interrupted(earlier.id, 30.0)
        crashed = repo.start_attempt(session.id, Q)  # left recording by a crash since
        assert crashed.audio_path is not None
        crashed.audio_path.write_bytes(wav_bytes(2.0))
    monkeypatch.setattr(recovery, "RUN_ID", "the-next-start")  # this run's recordings belong to a dead run

    first = make_app(qtbot, tmp_path, FakeSoundDevice(np.zeros(1600, np.int16), 16000), FakeTranscriber("x"))
    announced = [p for p in first.problems if "recovered" in p]
    assert len(announced) == 1
    assert announced[0].startswith("1 answer recorded before the app stopped unexpectedly was recovered")
    first.shutdown()
    again = make_app(qtbot, tmp_path, FakeSoundDevice(np.zeros(1600, np.int16), 16000), FakeTranscriber("x"))
    assert not any("recovered" in p for p in again.problems), again.problems
    assert again.history is not None
    assert {a.id for a in again.history.list_attempts(status="interrupted")} == {earlier.id, crashed.id}
    again.shutdown()


def test_a_dropped_take_keeps_an_empty_clock_and_meter_while_the_recorder_winds_down(
    qtbot: Any, tmp_path: Path, answer_pcm: np.ndarray
) -> None:
    """The recorder reports time and level until its stream is closed, a moment after Esc: those last
    reports of the dropped take must not come back on the empty page ("0:06 / 0:45" after Esc)."""
    sd = FakeSoundDevice(answer_pcm, 16000, blocksize=800, pace=0.005)
    ctx = make_app(qtbot, tmp_path, sd, FakeTranscriber(Q.example_answer))
    start_single(ctx, qtbot)
    press(ctx, "Space")
    screen = ctx.window.rehearsal_screen
    qtbot.waitUntil(lambda: not screen.clock.text().startswith("0:00"), timeout=WAIT_MS)
    press(ctx, "Esc")
    assert phase(ctx) is Phase.READY
    empty_clock = screen.clock.text()
    assert empty_clock.startswith("0:00 /")
    ctx.recorder.elapsed.emit(6.0)  # a report of the take just dropped, delivered after Esc
    ctx.recorder.level.emit(-12.0)
    assert screen.clock.text() == empty_clock and screen.level.level_db == FLOOR_DB
    qtbot.waitUntil(lambda: not ctx.recorder.recording, timeout=WAIT_MS)
    assert screen.clock.text() == empty_clock
    ctx.shutdown()
