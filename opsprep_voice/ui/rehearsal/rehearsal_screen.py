"""The rehearsal screen: the question, the answer being recorded, the interviewer's follow-up, then the
review.

A view only: it shows what the :class:`~opsprep_voice.ui.rehearsal.controller.RehearsalController`
tells it and emits signals for the user's actions. Keyboard: Space start/stop, R re-record,
N next (in a follow-up: skip it, to the review; Space too in the review), P replay the question (or the
follow-up), Esc cancel.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from opsprep_voice.core.bank import Question
from opsprep_voice.core.follow_up_turn import FOLLOW_UP_TARGET_S
from opsprep_voice.core.session import FOLLOW_UP_PHASES, Phase
from opsprep_voice.practice.follow_ups import FollowUpTurn
from opsprep_voice.ui.rehearsal.live_panel import LiveAnswerPanel
from opsprep_voice.ui.rehearsal.widgets import (
    ElapsedClock,
    FollowUpBanner,
    LevelMeter,
    SpeakingIndicator,
    format_clock,
)
from opsprep_voice.ui.review.attempt_view import AttemptView
from opsprep_voice.ui.review.report_data import Report

if TYPE_CHECKING:
    from opsprep_voice.core.followup import Probe

PHASE_HINTS = {
    Phase.READY: "Press Space (or Record) when you are ready to answer.",
    Phase.SPEAKING: "Listen to the question…  (Space to skip straight to your answer)",
    Phase.THINKING: "Think time. Recording starts when the countdown ends (Space to start now).",
    Phase.RECORDING: "Recording. Speak your answer; press Space to stop.",
    Phase.TRANSCRIBING: "Transcribing your answer on this computer…  (Esc to cancel)",
    Phase.REVIEW: "Your review. R to answer again, N (or Space) for the next question.",
    Phase.FINISHED: "Rehearsal finished.",
    Phase.PROBING: "The interviewer asks a follow-up…  (Space to answer now, N to skip it)",
    Phase.FOLLOW_UP_READY: "Press Space to answer the follow-up, or N to skip it and see your review.",
    Phase.FOLLOW_UP_RECORDING: "Recording the follow-up. Space stops it (R re-record, Esc cancel, N skip).",
    Phase.FOLLOW_UP_TRANSCRIBING: "Transcribing your follow-up answer…  (Esc to cancel)",
}
RECORDING_PHASES = (Phase.RECORDING, Phase.FOLLOW_UP_RECORDING)
TRANSCRIBING_PHASES = (Phase.TRANSCRIBING, Phase.FOLLOW_UP_TRANSCRIBING)
#: Where the candidate may start an answer (Space), or skip on with N.
WAITING_PHASES = (Phase.READY, Phase.SPEAKING, Phase.THINKING, Phase.FOLLOW_UP_READY, Phase.PROBING)


def _button(text: str, name: str, tip: str) -> QPushButton:
    b = QPushButton(text)
    b.setAccessibleName(name)
    b.setToolTip(tip)
    b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    return b


class RehearsalScreen(QWidget):
    recordToggled = Signal()
    replayRequested = Signal()
    stopSpeakingRequested = Signal()
    rerecordRequested = Signal()
    nextRequested = Signal()
    cancelRequested = Signal()
    endRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Rehearsal")
        # -- question header -------------------------------------------------------------------
        self.position = QLabel("")
        self.position.setAccessibleName("Question position")
        self.question_text = QLabel("")
        self.question_text.setWordWrap(True)
        self.question_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        qfont = QFont(self.question_text.font())
        qfont.setPointSizeF(qfont.pointSizeF() * 1.45)
        qfont.setBold(True)
        self.question_text.setFont(qfont)
        self.question_text.setAccessibleName("Question")
        self.follow_up = FollowUpBanner()
        self.follow_up.hide()
        self._question: Question | None = None
        self._probe: Probe | None = None  # the follow-up shown, if any
        self.replay_button = _button(
            "▶ Replay question (P)", "Replay question", "Hear the question again (P)"
        )
        self.stop_speaking_button = _button("■ Stop voice", "Stop speaking", "Stop reading the question")
        self.end_button = _button("End rehearsal", "End rehearsal", "Finish now and see the summary")
        self.speaking = SpeakingIndicator()
        top_buttons = QHBoxLayout()
        top_buttons.addWidget(self.replay_button)
        top_buttons.addWidget(self.stop_speaking_button)
        top_buttons.addWidget(self.speaking)
        top_buttons.addStretch(1)
        top_buttons.addWidget(self.end_button)

        self.study = QGroupBox("Guidance and example answer")
        self.study_text = QTextBrowser()
        self.study_text.setAccessibleName("Guidance and example answer")
        self.study_text.setOpenLinks(False)
        QVBoxLayout(self.study).addWidget(self.study_text)

        # -- answer page -----------------------------------------------------------------------
        self.hint = QLabel("")
        self.hint.setAccessibleName("What to do now")
        self.hint.setWordWrap(True)
        self.clock = ElapsedClock()
        self.target_bar = QProgressBar()
        self.target_bar.setTextVisible(False)
        self.target_bar.setMaximumHeight(8)
        self.target_bar.setAccessibleName("Progress toward the target length")
        self.level = LevelMeter()
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Messages")
        self.message.setVisible(False)

        self.record_button = _button("● Record (Space)", "Record or stop", "Start or stop recording (Space)")
        self.record_button.setMinimumHeight(40)
        self.rerecord_button = _button(
            "↺ Re-record (R)", "Re-record", "Discard this take and answer again (R)"
        )
        self.next_button = _button("Skip (N)", "Next question", "Go to the next question (N)")
        self.cancel_button = _button("Cancel (Esc)", "Cancel", "Cancel transcription or the recording (Esc)")
        controls = QHBoxLayout()
        for b in (self.record_button, self.rerecord_button, self.cancel_button):
            controls.addWidget(b)
        controls.addStretch(1)
        controls.addWidget(self.next_button)

        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setAccessibleName("Transcription progress")
        self.progress.setVisible(False)

        self.live = LiveAnswerPanel()
        live = self.live
        self.live_text, self.live_checklist, self.live_stats = live.text, live.checklist, live.stats

        answer = QWidget()
        al = QVBoxLayout(answer)
        al.setContentsMargins(0, 0, 0, 0)
        al.addWidget(self.hint)
        al.addWidget(self.clock)
        al.addWidget(self.target_bar)
        al.addWidget(self.level)
        al.addWidget(self.message)
        al.addLayout(controls)
        al.addWidget(self.progress)
        al.addWidget(self.live, 1)

        # -- review page -----------------------------------------------------------------------
        self.review = AttemptView()
        self.review_rerecord = _button("↺ Answer again (R)", "Answer again", "Record a new take (R)")
        self.review_next = _button(
            "Next question (N) →", "Next question", "Go to the next question (N or Space)"
        )
        rb = QHBoxLayout()
        rb.addWidget(self.review_rerecord)
        rb.addStretch(1)
        rb.addWidget(self.review_next)
        review = QWidget()
        rl = QVBoxLayout(review)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.review, 1)
        rl.addLayout(rb)

        self.pages = QStackedWidget()
        self.pages.addWidget(answer)
        self.pages.addWidget(review)

        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(self.pages)
        body.addWidget(self.study)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)
        self.body = body

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        root = QVBoxLayout(self)
        root.setContentsMargins(20, 14, 20, 14)
        root.addWidget(self.position)
        root.addWidget(self.question_text)
        root.addWidget(self.follow_up)
        root.addLayout(top_buttons)
        root.addWidget(line)
        root.addWidget(body, 1)

        # -- actions ---------------------------------------------------------------------------
        self.record_button.clicked.connect(self.recordToggled)
        self.replay_button.clicked.connect(self.replayRequested)
        self.stop_speaking_button.clicked.connect(self.stopSpeakingRequested)
        self.rerecord_button.clicked.connect(self.rerecordRequested)
        self.review_rerecord.clicked.connect(self.rerecordRequested)
        self.next_button.clicked.connect(self.nextRequested)
        self.review_next.clicked.connect(self.nextRequested)
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.end_button.clicked.connect(self.endRequested)
        self.shortcuts: dict[str, QShortcut] = {}
        for key, signal in (
            ("Space", self.recordToggled),
            ("R", self.rerecordRequested),
            ("N", self.nextRequested),
            ("P", self.replayRequested),
            ("Esc", self.cancelRequested),
        ):
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(signal)
            self.shortcuts[key] = sc
        self._phase = Phase.READY
        self.set_speaking(False)

    # -- content ---------------------------------------------------------------------------------
    def show_question(self, question: Question, index: int, total: int, *, study: bool) -> None:
        self._question, self._probe = question, None
        self.follow_up.hide()
        self.position.setText(
            f"Question {index + 1} of {total}  ·  {question.category}  ·  "
            f"target {format_clock(question.target_seconds)}"
        )
        self.question_text.setText(question.text)
        self.clock.set_target(question.target_seconds)
        self.clock.set_elapsed(0)
        self.target_bar.setRange(0, question.target_seconds * 10)
        self.target_bar.setValue(0)
        self.level.reset()
        self.live.show_question(question)
        self.study_text.setHtml(self._study_html(question))
        self.set_study_visible(study)
        self.review.clear()
        self.pages.setCurrentIndex(0)
        self.show_message("")

    @staticmethod
    def _study_html(question: Question) -> str:
        items = "".join(f"<li>{html.escape(i.label)}</li>" for i in question.checklist)
        return (
            f"<p><b>Why they ask</b><br>{html.escape(question.guidance)}</p>"
            f"<p><b>Example answer</b><br><i>{html.escape(question.example_answer)}</i></p>"
            f"<p><b>What the checklist listens for</b></p><ul>{items}</ul>"
        )

    def set_study_visible(self, visible: bool) -> None:
        self.study.setVisible(visible)

    def set_phase(self, phase: Phase, *, is_last: bool = False, answered: bool = False) -> None:
        new_take = phase in RECORDING_PHASES and self._phase not in RECORDING_PHASES
        dropped_take = self._phase in RECORDING_PHASES and phase in (Phase.READY, Phase.FOLLOW_UP_READY)
        if new_take or dropped_take:
            # A take starts (first, re-recorded or after Esc) from an empty page, not the last take's
            # transcript, ticks and stats, which would otherwise stay until the first word is heard.
            self._clear_take()
        self._phase = phase
        self.hint.setText(PHASE_HINTS.get(phase, ""))
        recording = phase in RECORDING_PHASES
        in_follow_up = phase in FOLLOW_UP_PHASES
        self.record_button.setText("■ Stop (Space)" if recording else "● Record (Space)")
        self.record_button.setEnabled(phase in WAITING_PHASES or recording)
        self.rerecord_button.setEnabled(phase in RECORDING_PHASES + TRANSCRIBING_PHASES)
        self.cancel_button.setEnabled(
            phase in (*RECORDING_PHASES, *TRANSCRIBING_PHASES, Phase.THINKING, Phase.PROBING)
        )
        self.next_button.setEnabled(phase in WAITING_PHASES or phase is Phase.FOLLOW_UP_RECORDING)
        self.next_button.setText(
            "Skip follow-up (N)" if in_follow_up else "Finish (N)" if is_last else "Skip (N)"
        )
        self.review_next.setText(
            "Finish and see summary (N or Space) →" if is_last else "Next question (N or Space) →"
        )
        self.speaking.set_follow_up(in_follow_up)
        self.replay_button.setText("▶ Replay follow-up (P)" if in_follow_up else "▶ Replay question (P)")
        self.progress.setVisible(phase in TRANSCRIBING_PHASES)
        if phase in TRANSCRIBING_PHASES:
            self.progress.setValue(0)
        self.pages.setCurrentIndex(1 if phase == Phase.REVIEW else 0)
        self.question_text.setVisible(phase != Phase.REVIEW)  # the review repeats the question

    def set_speaking(self, speaking: bool) -> None:
        """The voice is reading (or about to read) the question or a follow-up, in any phase (P replays it
        in the review too): Stop voice works and a busy line says so."""
        self.stop_speaking_button.setEnabled(speaking)
        self.speaking.setVisible(speaking)

    def set_elapsed(self, seconds: float) -> None:
        self.clock.set_elapsed(seconds)
        self.target_bar.setValue(min(self.target_bar.maximum(), int(seconds * 10)))

    def set_think_countdown(self, remaining_s: float) -> None:
        self.hint.setText(
            f"Think time: recording starts in {format_clock(remaining_s + 0.999)} (Space to start now)."
        )

    def set_level(self, db: float) -> None:
        self.level.set_level(db)

    def set_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(max(0.0, min(1.0, fraction)) * 100))
        self.progress.setFormat(f"{message} %p%")

    def show_message(self, text: str, kind: str = "info") -> None:
        """Explain something plainly (missing mic, device error ...). Empty text hides the message."""
        self.message.setVisible(bool(text))
        icon = {"info": "ℹ", "warning": "⚠", "error": "⚠"}.get(kind, "")
        self.message.setText(f"{icon} {text}" if text else "")

    def set_follow_up(self, probe: Probe | None, earlier: Collection[str], limit_s: float) -> None:
        """Show ``probe`` (None: no follow-up) to be answered; ``earlier``: items the answer so far covered.

        Follows the session: called on every phase change, it resets the answer area only when the
        follow-up shown changes (a new probe, or back to the question)."""
        if probe == self._probe:
            return
        self._probe = probe
        question = self._question
        target = FOLLOW_UP_TARGET_S if probe is not None else question.target_seconds if question else 0
        if probe is not None:
            self.follow_up.show_probe(probe.prompt, probe.number, FOLLOW_UP_TARGET_S, limit_s)
        self.follow_up.setVisible(probe is not None)
        self.clock.set_target(target)
        self.target_bar.setRange(0, target * 10)
        self.live.set_turn(follow_up=probe is not None, earlier=earlier)
        self._clear_take()

    def _clear_take(self) -> None:
        """Empty the answer area: no clock, level, transcript, ticks or stats from an earlier take."""
        self.clock.set_elapsed(0)
        self.target_bar.setValue(0)
        self.level.reset()
        self.live.clear()

    def set_live(self, text: str, hit_ids: set[str], wpm: float | None, elapsed_s: float) -> None:
        self.live.set_live(text, hit_ids, wpm, elapsed_s)

    def prewarm(self, question: Question | None, report: Report, then: Callable[[], None]) -> None:
        """At an idle moment before the first rehearsal: polish the (hidden) screen and build a review once,
        so opening the screen and the first review don't pay for first use; ``then`` is called when done."""
        if self.isVisible():
            then()
            return
        self.ensurePolished()
        self.review.prewarm(question, report, then)

    def show_review(
        self,
        question: Question,
        report: Report,
        audio_path: Path | None,
        follow_ups: Sequence[FollowUpTurn] = (),
    ) -> None:
        self.review.show_attempt(question, report, audio_path, follow_ups)
        self.set_study_visible(False)
        self.pages.setCurrentIndex(1)
