"""Drives one rehearsal: moves the session state machine as the speaker, the recorder and transcription
report back, and hands each transcript to the practice service (:class:`~opsprep_voice.practice.attempts.
Attempts`), which scores it and owns the attempt in the history.

The view follows the session: :meth:`RehearsalSession.subscribe` renders every phase change. Everything slow
happens in services off the GUI thread (warm-up work as a task); this class only reacts to their signals.
"""

from __future__ import annotations

import logging
import time
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from opsprep_voice.audio.recorder import RecordingResult
from opsprep_voice.core.bank import Question
from opsprep_voice.core.session import Phase, RehearsalSession
from opsprep_voice.core.settings import Settings
from opsprep_voice.core.transcript import Transcript
from opsprep_voice.practice.attempts import Attempts, live_feedback, warm_up
from opsprep_voice.ui.rehearsal.rehearsal_screen import RehearsalScreen
from opsprep_voice.ui.services.recording import AnswerRecorder
from opsprep_voice.ui.services.speaker import QuestionSpeaker
from opsprep_voice.ui.services.transcription import LiveTranscription, TranscriptionService
from opsprep_voice.ui.workers import Task, TaskRunner

log = logging.getLogger(__name__)


class RehearsalController(QObject):
    finished = Signal(object)  # the RehearsalSession, when the last question is done or ended early

    def __init__(
        self,
        view: RehearsalScreen,
        *,
        speaker: QuestionSpeaker,
        recorder: AnswerRecorder,
        transcription: TranscriptionService,
        attempts: Attempts,
        runner: TaskRunner,
        settings: Settings,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = view
        self.speaker = speaker
        self.recorder = recorder
        self.transcription = transcription
        self.attempts = attempts
        self.runner = runner
        self.settings = settings
        self.session: RehearsalSession | None = None
        self._task: Task | None = None
        self._live: LiveTranscription | None = None
        self._stop_pressed_at: float | None = None
        self.last_stop_to_review_s: float | None = None
        self._think_left = 0.0
        self._think_timer = QTimer(self)
        self._think_timer.setInterval(100)
        self._think_timer.timeout.connect(self._think_tick)

        view.recordToggled.connect(self.toggle_recording)
        view.replayRequested.connect(self.replay)
        view.stopSpeakingRequested.connect(self.speaker.stop)
        view.rerecordRequested.connect(self.rerecord)
        view.nextRequested.connect(self.next_question)
        view.cancelRequested.connect(self.cancel)
        view.endRequested.connect(self.end)
        speaker.finished.connect(self._speech_done)
        speaker.failed.connect(self._speech_failed)
        recorder.level.connect(view.set_level)
        recorder.elapsed.connect(self._elapsed)
        recorder.finished.connect(self._recording_finished)
        recorder.failed.connect(self._recording_failed)

    # -- session lifecycle -----------------------------------------------------------------------
    def start(self, session: RehearsalSession, *, title: str = "", bank: str = "") -> None:
        self.session = session
        session.subscribe(self._render)
        problem = self.attempts.start_session(session.mode, title, bank)
        if problem:
            self.view.show_message(problem, "warning")
        self._enter_question()

    def _enter_question(self) -> None:
        s = self._require_session()
        # The first score of a question compiles its phrases (~0.4 s): do it off the GUI thread now, so
        # live updates and the review never pay for it.
        question = s.question
        self.runner.start(lambda _progress, _cancel: warm_up(question), "warm up scoring")
        self.view.show_question(s.question, s.index, len(s.questions), study=s.mode == "study")
        self._render(s)  # a new question: its first phase is shown even without a change
        if not s.is_last:
            self.speaker.prepare(s.questions[s.index + 1].text)
        if self.settings.speak_questions and self.speaker.available:
            s.begin_speaking()
            self.speaker.speak(s.question.text)
        elif self.settings.speak_questions and self.speaker.unavailable_reason:
            self.view.show_message(self.speaker.unavailable_reason, "warning")

    @property
    def busy(self) -> bool:
        """An answer is being recorded or transcribed."""
        return self.session is not None and self.session.phase in (Phase.RECORDING, Phase.TRANSCRIBING)

    def _require_session(self) -> RehearsalSession:
        if self.session is None:
            raise RuntimeError("no rehearsal in progress")
        return self.session

    def _render(self, session: RehearsalSession) -> None:
        """The view follows the session's phase (subscribed in :meth:`start`)."""
        if session is self.session:
            self.view.set_phase(session.phase, is_last=session.is_last)

    # -- speaking and thinking -------------------------------------------------------------------
    def replay(self) -> None:
        s = self._require_session()
        if s.phase in (Phase.READY, Phase.SPEAKING, Phase.THINKING, Phase.REVIEW):
            self._think_timer.stop()
            if s.phase != Phase.REVIEW:
                s.begin_speaking()
            self.speaker.speak(s.question.text)

    def _speech_done(self) -> None:
        s = self.session
        if s is None or s.phase != Phase.SPEAKING:
            return
        if self.settings.think_time_s > 0:
            s.begin_thinking()
            self._think_left = float(self.settings.think_time_s)
            self.view.set_think_countdown(self._think_left)
            self._think_timer.start()
        else:
            self._start_recording()

    def _speech_failed(self, message: str) -> None:
        self.view.show_message(message, "warning")
        s = self.session
        if s is not None and s.phase == Phase.SPEAKING:
            s.speech_failed()  # back to READY: the candidate reads the question and presses Space

    def _think_tick(self) -> None:
        self._think_left -= self._think_timer.interval() / 1000
        if self._think_left <= 0:
            self._think_timer.stop()
            self._start_recording()
        else:
            self.view.set_think_countdown(self._think_left)

    # -- recording ---------------------------------------------------------------------------------
    def toggle_recording(self) -> None:
        s = self._require_session()
        if s.phase == Phase.RECORDING:
            self.stop_recording()
        elif s.phase in (Phase.READY, Phase.SPEAKING, Phase.THINKING):
            self._start_recording()

    def _start_recording(self) -> None:
        s = self._require_session()
        self._think_timer.stop()
        self.speaker.stop()
        path = self.attempts.reserve(s.question)
        self._live = None
        sinks: tuple[Any, ...] = ()
        if self.settings.live_transcription:
            self._live = self.transcription.start_live(s.question)
            if self._live is not None:
                self._live.updated.connect(self._live_update)
                self._live.failed.connect(self._live_failed)
                sinks = (self._live.sink,)
        s.start_recording()
        self.view.show_message("")
        ok = self.recorder.start(
            path,
            device=self.settings.input_device,
            time_limit_s=self.settings.time_limit_s,
            silence_stop_s=self.settings.silence_stop_s if self.settings.silence_stop else None,
            sinks=sinks,
        )
        if not ok:
            if self._live is not None:
                self._live.abandon()
                self._live = None
            self.attempts.failed(path, "the microphone could not be opened")
            s.rerecord()

    def _recording_failed(self, message: str) -> None:
        self.view.show_message(
            f"{message} You can still read the questions and study the example answers.", "error"
        )

    def _elapsed(self, seconds: float) -> None:
        self.view.set_elapsed(seconds)

    def stop_recording(self) -> None:
        s = self._require_session()
        if s.phase != Phase.RECORDING:
            return
        self._stop_pressed_at = time.monotonic()
        s.stop_recording()
        self.view.set_progress(0.0, "Finishing the recording")
        self.recorder.stop()

    def _recording_finished(self, result: RecordingResult) -> None:
        s = self.session
        self.attempts.recorded(result.path, result.duration)
        if result.error is not None:
            self.view.show_message(f"{result.error} ({result.duration:.1f} s kept)", "error")
        if s is None:
            return
        if s.phase == Phase.RECORDING:
            # Ended by the device, the silence detector or the time limit.
            self._stop_pressed_at = time.monotonic()
            s.stop_recording()
        if s.phase != Phase.TRANSCRIBING:
            self.attempts.cancelled(result.path)  # kept, but never counted nor taken for a crash
            if self._live is not None:  # cancelled or re-recorded: keep the audio, drop the live text
                self._live.abandon()
                self._live = None
            return
        if result.duration < 0.3:
            self.view.show_message(
                "Nothing was recorded. Check the microphone level and try again.", "warning"
            )
            s.transcription_failed()
            return
        self._transcribe(result.path, s.question)

    def _transcribe(self, path: Path, question: Question) -> None:
        live = self._live
        self._live = None
        task = live.finish() if live is not None else self.transcription.transcribe_file(path, question)
        self._task = task
        task.then(
            partial(self._transcribed, question, path),
            partial(self._transcription_failed, path, live is not None),
            self._transcription_cancelled,
            progress=self.view.set_progress,
        )

    def _live_update(self, words: list[Any]) -> None:
        s = self.session
        if s is None or s.phase != Phase.RECORDING:
            return
        live = live_feedback(s.question, words)
        if live is not None:
            self.view.set_live(live.text, set(live.hits), live.wpm, live.duration_s)

    def _live_failed(self, message: str) -> None:
        log.warning("Live transcription stopped: %s", message)
        self._live = None  # the answer is transcribed from the file at Stop instead

    # -- results -----------------------------------------------------------------------------------
    def _transcribed(self, question: Question, path: Path, transcript: Transcript) -> None:
        s = self.session
        self._task = None
        if s is None or s.phase != Phase.TRANSCRIBING:
            return
        scored = self.attempts.score_and_save(path, question, transcript, self.transcription.transcriber)
        if scored.save_error is not None:
            message = f"The review could not be saved in History: {scored.save_error}"
            self.view.show_message(message, "warning")
        s.transcription_done(scored.report, path, scored.attempt_id)
        self.view.show_review(question, scored.report, path)
        if self._stop_pressed_at is not None:
            self.last_stop_to_review_s = time.monotonic() - self._stop_pressed_at
            log.info("Stop-to-review: %.2f s", self.last_stop_to_review_s)

    def _transcription_failed(self, path: Path, was_live: bool, message: str) -> None:
        s = self.session
        self._task = None
        if s is None or s.phase != Phase.TRANSCRIBING:
            return
        if was_live:
            log.warning("Live finish failed (%s); transcribing the file instead", message)
            self._transcribe(path, s.question)
            return
        self.attempts.failed(path, message)
        self.view.show_message(
            f"Transcription failed: {message} Your recording is kept ({path.name}).", "error"
        )
        s.transcription_failed()

    def _transcription_cancelled(self) -> None:
        s = self.session
        self._task = None
        if s is not None and s.phase == Phase.TRANSCRIBING:
            self.view.show_message("Transcription cancelled. Your recording is kept in History.", "info")
            s.transcription_failed()

    # -- navigation ------------------------------------------------------------------------------
    def cancel(self) -> None:
        s = self.session
        if s is None:
            return
        if s.phase == Phase.TRANSCRIBING and self._task is not None:
            self._task.cancel()
        elif s.phase == Phase.RECORDING:
            s.rerecord()  # back to READY; the audio so far is kept, not transcribed
            self.recorder.stop()
            self.view.show_message("Recording cancelled. The audio so far is kept in History.", "info")
        elif s.phase == Phase.THINKING:
            self._think_timer.stop()
            s.rerecord()
        elif s.phase == Phase.SPEAKING:
            self.speaker.stop()
            s.rerecord()

    def rerecord(self) -> None:
        s = self.session
        if s is None:
            return
        if s.phase == Phase.RECORDING:
            s.rerecord()
            self.recorder.stop()
        elif s.phase == Phase.TRANSCRIBING:
            if self._task is not None:
                self._task.cancel()
            s.rerecord()
        elif s.phase == Phase.REVIEW:
            s.rerecord()
        else:
            return
        if self.recorder.recording:
            # Start the new take once the old one is finalised.
            self.recorder.finished.connect(self._start_after_stop)
        else:
            self._start_recording()

    def _start_after_stop(self, _result: object) -> None:
        self.recorder.finished.disconnect(self._start_after_stop)
        s = self.session
        if s is not None and s.phase == Phase.READY:
            self._start_recording()

    def next_question(self) -> None:
        s = self.session
        if s is None or s.phase in (Phase.RECORDING, Phase.TRANSCRIBING, Phase.FINISHED):
            return
        self._think_timer.stop()
        self.speaker.stop()
        s.next_question()
        if s.phase == Phase.FINISHED:
            self._finish()
        else:
            self._enter_question()

    def end(self) -> None:
        s = self.session
        if s is None:
            return
        self._think_timer.stop()
        self.speaker.stop()
        if self._task is not None:
            self._task.cancel()
        if self.recorder.recording:
            self.recorder.stop()
        s.finish()
        self._finish()

    def _finish(self) -> None:
        s = self._require_session()
        self.attempts.end_session()
        self.finished.emit(s)
