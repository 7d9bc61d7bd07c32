"""Drives one rehearsal: moves the session state machine as the speaker, the recorder and transcription
report back, and hands each transcript to the practice service (:class:`~opsprep_voice.practice.attempts.
Attempts`), which scores it and owns the attempt in the history.

The module reads better whole: it is one class of signal handlers over one session, and what one handler
starts (the think timer, the live transcription, the task in flight) the others stop or finish, so the
flow of an answer reads from top to bottom in one place.

The view follows the session: :meth:`RehearsalSession.subscribe` renders every phase change (the answer
page, the follow-up being asked, the review). Everything slow happens in services off the GUI thread (warm-up
work as a task); this class only reacts to their signals.

A main answer and a follow-up answer are recorded, transcribed and kept the same way; what differs per turn
(transitions, the attempt's link to its main answer, the time limit, scoring, asking the follow-up) is in
:mod:`opsprep_voice.ui.rehearsal.follow_up`, chosen by the session's phase.
"""

from __future__ import annotations

import logging
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from opsprep_voice.core.bank import Question
from opsprep_voice.core.session import Phase, RehearsalSession
from opsprep_voice.core.settings import Settings
from opsprep_voice.core.transcript import Transcript
from opsprep_voice.practice.attempts import Attempts, live_feedback, warm_up
from opsprep_voice.ui.rehearsal import follow_up
from opsprep_voice.ui.rehearsal.rehearsal_screen import WAITING_PHASES, RehearsalScreen
from opsprep_voice.ui.services.recording import AnswerRecorder
from opsprep_voice.ui.services.speaker import QuestionSpeaker
from opsprep_voice.ui.services.transcription import LiveTranscription, TranscriptionService
from opsprep_voice.ui.workers import Task, TaskRunner

if TYPE_CHECKING:
    from opsprep_voice.audio.recorder import RecordingResult

log = logging.getLogger(__name__)


class RehearsalController(QObject):
    finished = Signal(object)  # the RehearsalSession, when the last question is done or ended early
    notice = Signal(str)  # for the window's notice line: a mark the history did not keep

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
        self.follow_ups = follow_up.FollowUpQuestions(view, speaker, attempts)
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
        view.review.markChanged.connect(self.mark_item)
        speaker.finished.connect(self._speech_done)
        speaker.failed.connect(self._speech_failed)
        speaker.speakingChanged.connect(view.set_speaking)
        recorder.level.connect(self._level)
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
        """An answer (or a follow-up answer) is being recorded or transcribed."""
        s = self.session
        return s is not None and (s.recording or s.transcribing)

    def _require_session(self) -> RehearsalSession:
        if self.session is None:
            raise RuntimeError("no rehearsal in progress")
        return self.session

    def _render(self, session: RehearsalSession) -> None:
        """The view follows the session (subscribed in :meth:`start`): its phase, the follow-up being asked
        and, on entering the review, the answer with its follow-ups."""
        if session is not self.session:
            return
        res = session.result
        self.view.set_phase(session.phase, is_last=session.is_last)
        self.view.set_follow_up(session.probe, res.covered_ids, follow_up.follow_up_limit_s(self.settings))
        if session.phase is Phase.REVIEW and res.report is not None:
            self.view.show_review(res.question, res.report, res.audio_path, follow_up.turns(res))

    def mark_item(self, item_id: str, covered: bool) -> None:
        """The candidate's mark on a missed item of the reviewed answer: kept with the take (a later render
        of the review shows it), then saved like the answer's score, on this thread. A failure is told in
        the window's notice line; the mark stays shown."""
        s = self.session
        if s is None or s.result.report is None:
            return
        s.result.keep_marks(self.view.review.marked)
        problem = self.attempts.set_mark(s.result.attempt_id, item_id, covered)
        if problem:
            self.notice.emit(problem)

    # -- speaking and thinking -------------------------------------------------------------------
    def replay(self) -> None:
        s = self._require_session()
        probe = s.probe
        if s.phase in (Phase.FOLLOW_UP_READY, Phase.PROBING) and probe is not None:
            s.begin_probing()
            self.speaker.speak(probe.prompt)
        elif s.phase in (Phase.READY, Phase.SPEAKING, Phase.THINKING, Phase.REVIEW):
            self._think_timer.stop()
            if s.phase != Phase.REVIEW:
                s.begin_speaking()
            self.speaker.speak(s.question.text)

    def _speech_done(self) -> None:
        s = self.session
        if s is not None and s.phase is Phase.PROBING:
            self._start_recording()  # asked: the answer starts, as after the question with no think time
            return
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
        s = self.session
        if s is not None and s.phase is Phase.PROBING:
            self.follow_ups.speech_failed(s, message)
            return
        self.view.show_message(message, "warning")
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
        if s.recording:
            self.stop_recording()
        elif s.phase in WAITING_PHASES:
            self._start_recording()
        elif s.phase is Phase.REVIEW:
            self.next_question()  # Space in the review goes on, as N (the button says so)

    def _start_recording(self) -> None:
        s = self._require_session()
        self._think_timer.stop()
        self.speaker.stop()
        path = self.follow_ups.reserve(s)
        self._live = None
        sinks: tuple[Any, ...] = ()
        if self.settings.live_transcription:
            self._live = self.transcription.start_live(s.question)
            if self._live is not None:
                # The pass names its take: an abandoned take's last pass may still arrive after the next
                # began. A bound method, not a closure, since PySide can drop queued calls to a closure
                # once its sender is freed, and this sender is freed after each answer.
                self._live.updated.connect(self._live_update)
                self._live.failed.connect(self._live_failed)
                sinks = (self._live.sink,)
        limit_s = follow_up.time_limit_s(self.settings, s)  # before the phase moves on
        follow_up.start_answer(s)
        self.view.show_message("")
        ok = self.recorder.start(
            path,
            device=self.settings.input_device,
            time_limit_s=limit_s,
            silence_stop_s=self.settings.silence_stop_s if self.settings.silence_stop else None,
            sinks=sinks,
        )
        if not ok:
            if self._live is not None:
                self._live.abandon()
                self._live = None
            self.attempts.failed(path, "the microphone could not be opened")
            follow_up.back_to_waiting(s)

    def _recording_failed(self, message: str) -> None:
        self.view.show_message(
            f"{message} You can still read the questions and study the example answers.", "error"
        )

    def _elapsed(self, seconds: float) -> None:
        # The recorder reports until its stream is closed: a take dropped with Esc or R keeps the empty
        # page its drop gave it (its last second showed as "0:06 / 0:45" while waiting for the next take).
        s = self.session
        if s is not None and s.recording:
            self.view.set_elapsed(seconds)

    def _level(self, db: float) -> None:
        s = self.session
        if s is not None and s.recording:
            self.view.set_level(db)

    def stop_recording(self) -> None:
        s = self._require_session()
        if not s.recording:
            return
        self._stop_pressed_at = time.monotonic()
        follow_up.stop_answer(s)
        self.view.set_progress(0.0, "Finishing the recording")
        self.recorder.stop()

    def _recording_finished(self, result: RecordingResult) -> None:
        s = self.session
        self.attempts.recorded(result.path, result.duration)
        if result.error is not None:
            self.view.show_message(f"{result.error} ({result.duration:.1f} s kept)", "error")
        if s is None:
            return
        if s.recording:
            # Ended by the device, the silence detector or the time limit.
            self._stop_pressed_at = time.monotonic()
            follow_up.stop_answer(s)
        if not s.transcribing:
            self.attempts.cancelled(result.path)  # kept, but never counted nor taken for a crash
            if self._live is not None:  # cancelled or re-recorded: keep the audio, drop the live text
                self._live.abandon()
                self._live = None
            return
        if result.duration < 0.3:
            self.view.show_message(
                "Nothing was recorded. Check the microphone level and try again.", "warning"
            )
            follow_up.answer_failed(s)
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

    def _live_update(self, source: LiveTranscription, words: list[Any]) -> None:
        s = self.session
        if s is None or not s.recording or source is not self._live:
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
        if s is None or not s.transcribing:
            return
        transcriber = self.transcription.transcriber
        if s.phase is Phase.FOLLOW_UP_TRANSCRIBING:
            save_error = self.follow_ups.score(s, path, transcript, transcriber)
        else:
            scored = self.attempts.score_and_save(path, question, transcript, transcriber)
            save_error = scored.save_error
            s.transcription_done(scored.report, path, scored.attempt_id)  # the review, or a follow-up
        if save_error is not None:
            self.view.show_message(f"The review could not be saved in History: {save_error}", "warning")
        if s.phase is Phase.FOLLOW_UP_READY:
            self.follow_ups.ask(s, self.settings)
        if self._stop_pressed_at is not None:
            self.last_stop_to_review_s = time.monotonic() - self._stop_pressed_at
            log.info("Stop-to-review: %.2f s", self.last_stop_to_review_s)

    def _transcription_failed(self, path: Path, was_live: bool, message: str) -> None:
        s = self.session
        self._task = None
        if s is None or not s.transcribing:
            return
        if was_live:
            log.warning("Live finish failed (%s); transcribing the file instead", message)
            self._transcribe(path, s.question)
            return
        self.attempts.failed(path, message)
        again = " Space answers the follow-up again; N skips it." if s.in_follow_up else ""
        self.view.show_message(
            f"Transcription failed: {message} Your recording is kept ({path.name}).{again}", "error"
        )
        follow_up.answer_failed(s)

    def _transcription_cancelled(self) -> None:
        s = self.session
        self._task = None
        if s is not None and s.transcribing:
            self.view.show_message("Transcription cancelled. Your recording is kept in History.", "info")
            follow_up.answer_failed(s)

    # -- navigation ------------------------------------------------------------------------------
    def cancel(self) -> None:
        s = self.session
        if s is None:
            return
        if s.transcribing and self._task is not None:
            self._task.cancel()
        elif s.recording:
            follow_up.back_to_waiting(s)  # the audio so far is kept, not transcribed
            self.recorder.stop()
            self.view.show_message("Recording cancelled. The audio so far is kept in History.", "info")
        elif s.phase == Phase.THINKING:
            self._think_timer.stop()
            s.rerecord()
        elif s.phase in (Phase.SPEAKING, Phase.PROBING):
            self.speaker.stop()
            follow_up.back_to_waiting(s)

    def rerecord(self) -> None:
        s = self.session
        if s is None:
            return
        if s.recording:
            follow_up.back_to_waiting(s)
            self.recorder.stop()
        elif s.transcribing:
            if self._task is not None:
                self._task.cancel()
            follow_up.back_to_waiting(s)
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
        if s is not None and s.phase in (Phase.READY, Phase.FOLLOW_UP_READY):
            self._start_recording()

    def next_question(self) -> None:
        s = self.session
        if s is not None and s.phase is Phase.FOLLOW_UP_RECORDING:
            # The follow-up's recording starts as soon as it has been asked: N still declines it. The take
            # is dropped as Esc drops it (kept, cancelled) and the review of the answer follows.
            follow_up.back_to_waiting(s)
            self.recorder.stop()
        if s is None or s.recording or s.transcribing or s.phase is Phase.FINISHED:
            return
        self._think_timer.stop()
        self.speaker.stop()
        if s.in_follow_up:
            s.skip_follow_up()  # N in a follow-up: to the review, not past the question
            return
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
