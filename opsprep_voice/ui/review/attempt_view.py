"""The review of one attempt: question, coverage headline, transcript with player, checklist, delivery metrics
and (collapsible) the question's example answer beside the transcript.

Playback highlights the current word; clicking a word, or a checklist item's time, plays from there.

An answer that got interviewer follow-ups (``follow_ups``) shows both coverages ("54% · with follow-up 72%",
:class:`~opsprep_voice.ui.review.coverage_summary.CoverageSummary`), marks the items only a follow-up
answer covered as "after follow-up" in the checklist, and lists each follow-up (question, answer,
delivery) under the answer's own delivery.

A missed item can be marked by the candidate as covered ("I made this point", see
:mod:`~opsprep_voice.ui.review.checklist_view`): the view shows the mark and the coverage with the marks at
once, keeps them in the report it shows, and emits :attr:`AttemptView.markChanged` for its owner to save.

:meth:`AttemptView.show_attempt` fills the view over a few event-loop turns so the GUI never stalls: the
header, coverage, transcript, delivery metrics and player at once, then the checklist rows (a few per turn)
and the example answer. :attr:`AttemptView.filled` is emitted when everything is in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from opsprep_voice.core.bank import Question
from opsprep_voice.practice.follow_ups import FollowUpTurn, merged_result
from opsprep_voice.ui.review import report_data as rd
from opsprep_voice.ui.review.audio_player import AudioPlayer
from opsprep_voice.ui.review.checklist_view import ChecklistView
from opsprep_voice.ui.review.coverage_summary import CoverageSummary
from opsprep_voice.ui.review.example_answer import ExampleAnswerPanel
from opsprep_voice.ui.review.follow_up_panel import FollowUpPanel
from opsprep_voice.ui.review.metrics_panel import MetricsPanel
from opsprep_voice.ui.review.style import bold_font
from opsprep_voice.ui.review.transcript_view import TranscriptView

if TYPE_CHECKING:
    from opsprep_voice.core.followup import FollowUpResult
    from opsprep_voice.core.scoring import ChecklistResult, ScoreReport

log = logging.getLogger(__name__)

#: Checklist rows built per event-loop turn while a review fills in: a few rows keep each turn far below
#: the 50 ms stall target (docs/BENCHMARKS.md).
CHECKLIST_ROWS_PER_TURN = 4


class AttemptView(QWidget):
    """The composite review of one attempt. ``show_attempt(question, report, audio_path)``, ``clear()``."""

    exampleToggled = Signal(bool)
    #: The attempt given to :meth:`show_attempt` is fully shown (checklist, metrics and example answer too).
    filled = Signal()
    #: The candidate marked a missed item as covered (True) or took the mark back (False): item id, state.
    markChanged = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None, *, metrics_columns: int = 2) -> None:
        """``metrics_columns``: 1 where the view shares the window (History), so the delivery figures
        wrap in one readable column instead of two squeezed ones."""
        super().__init__(parent)
        self.setAccessibleName("Answer review")
        self._question: Question | None = None
        self._report: rd.Report | None = None  # as given
        self._read: ScoreReport | None = None  # as read
        self._merged: FollowUpResult | None = None  # with its follow-ups, when it has any scored
        # The rest of show_attempt's work, one step per event-loop turn (a zero-interval timer owned by the
        # view, so a new show_attempt or clear() simply stops it and no step outlives the widget).
        self._fill_timer = QTimer(self)
        self._fill_timer.setSingleShot(True)
        self._fill_timer.setInterval(0)
        self._fill_timer.timeout.connect(self._fill_step)
        self._example_pending = False
        self._after_prewarm: Callable[[], None] | None = None

        # ---- header: question and coverage
        self.question_meta = QLabel(self)
        self.question_meta.setAccessibleName("Question number and category")
        self.question_label = QLabel(self)
        self.question_label.setWordWrap(True)
        self.question_label.setAccessibleName("Question")
        self.question_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bold_font(self.question_label, 1.15)
        self.example_button = QToolButton(self)
        self.example_button.setText("Example answer")
        self.example_button.setCheckable(True)
        self.example_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.example_button.setArrowType(Qt.ArrowType.RightArrow)
        self.example_button.setAccessibleName("Show or hide the example answer")
        self.example_button.setToolTip("Show the question's example answer beside your transcript")
        self.example_button.toggled.connect(self.set_example_visible)

        self.coverage = CoverageSummary(self)

        header = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(self.question_meta, 1)
        top.addWidget(self.example_button)
        header.addLayout(top)
        header.addWidget(self.question_label)
        header.addWidget(self.coverage)

        # ---- transcript, player and delivery metrics
        self.metrics = MetricsPanel(self, columns=metrics_columns)
        self.transcript = TranscriptView(self)
        self.follow_up_panel = FollowUpPanel(self)
        self.player = AudioPlayer(self)
        left = QWidget(self)
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        transcript_title = QLabel("Your answer", left)
        bold_font(transcript_title, 1.1)
        left_box.addWidget(transcript_title)
        left_box.addWidget(self.transcript, 1)
        left_box.addWidget(self.player)
        metrics_line = QFrame(left)
        metrics_line.setFrameShape(QFrame.Shape.HLine)
        metrics_line.setFrameShadow(QFrame.Shadow.Sunken)
        left_box.addWidget(metrics_line)
        left_box.addWidget(self.metrics)
        left_box.addWidget(self.follow_up_panel)  # after the answer it follows up, with its own delivery

        # ---- example answer (collapsible)
        self.example_panel = ExampleAnswerPanel(self)
        self.example_panel.hide()

        # ---- checklist
        self.checklist = ChecklistView(self)
        feedback = QWidget()
        fb_box = QVBoxLayout(feedback)
        fb_box.setContentsMargins(4, 0, 8, 0)
        fb_box.addWidget(self.checklist)
        fb_box.addStretch(1)
        self.feedback_scroll = QScrollArea(self)
        self.feedback_scroll.setWidget(feedback)
        self.feedback_scroll.setWidgetResizable(True)
        self.feedback_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.feedback_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.feedback_scroll.setAccessibleName("Checklist and delivery feedback")

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        # The answer's column scrolls as a whole when the window is short: wrapped delivery figures need the
        # height their width gives them, which only a scroll area asks of its widget (a splitter does not,
        # and the labels were clipped to one line). The transcript keeps a usable minimum inside it.
        self.transcript.setMinimumHeight(140)
        self.left_scroll = QScrollArea(self)
        self.left_scroll.setWidget(left)
        self.left_scroll.setWidgetResizable(True)
        self.left_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.left_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.left_scroll.setAccessibleName("Your answer and its delivery")
        self.splitter.addWidget(self.left_scroll)
        self.splitter.addWidget(self.example_panel)
        self.splitter.addWidget(self.feedback_scroll)
        self.splitter.setStretchFactor(0, 6)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 4)
        # Minimums that leave History's list half of a 1280 px window beside the review.
        self.left_scroll.setMinimumWidth(360)
        self.example_panel.setMinimumWidth(220)
        self.feedback_scroll.setMinimumWidth(250)

        content = QWidget(self)
        content_box = QVBoxLayout(content)
        content_box.setContentsMargins(0, 0, 0, 0)
        content_box.addLayout(header)
        content_box.addWidget(self.splitter, 1)

        self.placeholder = QLabel("Choose an attempt to review it here.", self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setAccessibleName("No attempt shown")
        self.placeholder.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        outer.addWidget(self.stack)

        # ---- wiring
        self.player.positionChanged.connect(self.transcript.set_current_time)
        self.transcript.wordClicked.connect(self._play_from)
        self.checklist.seekRequested.connect(self._play_from)
        self.checklist.markToggled.connect(self._on_mark)

    # ----------------------------------------------------------------------------------------- public API
    def show_attempt(
        self,
        question: Question | None,
        report: rd.Report,
        audio_path: Path | None,
        follow_ups: Sequence[FollowUpTurn] = (),
    ) -> None:
        """Show ``report`` (a ``ScoreReport.to_dict()``) for ``question`` with its recording, if any, and the
        interviewer's ``follow_ups`` of this answer (merged with it only when ``question`` is known).

        The header, coverage, transcript, metrics and player are in place when this returns; the checklist
        rows and the example answer follow in the next event-loop turns (:attr:`filled`, :meth:`is_filled`,
        :meth:`finish_filling`).
        """
        self._end_prewarm()
        self._question = question
        self._report = report
        self._read = read = rd.as_report(report)
        self._merged = merged_result(question, read, follow_ups) if question is not None else None
        number = read.question_number or (question.number if question else "?")
        if question is not None:
            kind = " · behavioural" if question.behavioural else ""
            self.question_meta.setText(f"Question {number} · {question.category.replace('-', ' ')}{kind}")
            self.question_label.setText(question.text)
        else:
            self.question_meta.setText(f"Question {number}")
            self.question_label.setText(read.question_id or "Unknown question")
        self.coverage.show_report(read, self._merged)
        self.follow_up_panel.set_turns(follow_ups)
        self.transcript.set_report(read)
        # The metrics share the transcript's column: filled now, so its text is laid out only once.
        self.metrics.set_report(read)
        self.checklist.start_report(read, self._recovered_results(follow_ups))
        self._example_pending = True  # hidden by default: filled last, or when shown
        if self.is_example_visible():
            self._example_pending = False
            self.example_panel.set_question(question, read)
        self.example_button.setEnabled(question is not None)
        self.player.load(audio_path)
        self.stack.setCurrentIndex(1)
        self._fill_timer.start()

    def prewarm(self, question: Question | None, report: rd.Report, then: Callable[[], None]) -> None:
        """Build a review once while the view is hidden, then clear it and call ``then``.

        The first review of a process pays for first use (style polish, fonts, PySide6's lazily created enum
        types); doing that at an idle moment keeps it out of the first real review. Skipped
        (``then`` called at once) when the view is visible or already shows an attempt.
        """
        if self.isVisible() or self._report is not None:
            then()
            return
        self.ensurePolished()
        self.show_attempt(question, report, None)
        self._after_prewarm = then

    def is_filled(self) -> bool:
        """True once every part of the shown attempt is in (and when nothing is shown)."""
        return not self._fill_timer.isActive()

    def finish_filling(self) -> None:
        """Fill in the rest of the shown attempt now (screenshots, printing)."""
        while self._fill_timer.isActive():
            self._fill_timer.stop()
            self._fill_step()

    def clear(self) -> None:
        self._fill_timer.stop()
        self._question = None
        self._report = None
        self._read = None
        self._merged = None
        self.follow_up_panel.clear()
        self.player.clear()
        self.transcript.clear()
        self.checklist.clear()
        self.metrics.clear()
        self.stack.setCurrentIndex(0)
        self._end_prewarm()

    def _end_prewarm(self) -> None:
        """A prewarm still filling in is over (done, or overtaken by a real attempt): call its ``then``."""
        then, self._after_prewarm = self._after_prewarm, None
        if then is not None:
            then()

    def set_example_visible(self, visible: bool) -> None:
        if self.example_button.isChecked() != visible:
            self.example_button.setChecked(visible)  # re-enters via toggled
            return
        if visible and self._example_pending and self._read is not None:
            self._example_pending = False
            self.example_panel.set_question(self._question, self._read)
        self.example_panel.setVisible(visible)
        self.example_button.setArrowType(Qt.ArrowType.DownArrow if visible else Qt.ArrowType.RightArrow)
        self.exampleToggled.emit(visible)

    def is_example_visible(self) -> bool:
        return not self.example_panel.isHidden()

    @property
    def report(self) -> rd.Report | None:
        return self._report

    @property
    def question(self) -> Question | None:
        return self._question

    # ------------------------------------------------------------------------------------------- internals
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._read is not None:
            self.coverage.show_report(self._read, self._merged)
            self.example_panel.set_question(self._question, self._read)

    def _fill_step(self) -> None:
        """One piece of the pending fill: a few checklist rows, then the (hidden by default) example answer;
        re-arms the timer until done, then emits :attr:`filled` (or ends a prewarm)."""
        report = self._read
        if report is None:
            return
        if self.checklist.pending_rows:
            self.checklist.add_rows(CHECKLIST_ROWS_PER_TURN)
        elif self._example_pending:
            self._example_pending = False
            self.example_panel.set_question(self._question, report)
        if self.checklist.pending_rows or self._example_pending:
            self._fill_timer.start()
            return
        if self._after_prewarm is None:
            self.filled.emit()
        else:
            self.clear()  # calls the prewarm's ``then``

    def _recovered_results(self, follow_ups: Sequence[FollowUpTurn]) -> dict[str, ChecklistResult]:
        """Each item only a follow-up covered, with its result in the first follow-up answer that did."""
        if self._merged is None:
            return {}
        recovered = {item.id for item in self._merged.recovered}
        found: dict[str, ChecklistResult] = {}
        for turn in follow_ups:
            for entry in turn.report.checklist if turn.report is not None else ():
                if entry.hit and entry.id in recovered:
                    found.setdefault(entry.id, entry)
        return found

    def _on_mark(self, item_id: str, marked: bool) -> None:
        """The headline follows the candidate's marks at once; saving them is the owner's (markChanged)."""
        if self._read is None:
            return
        self._read = self._read.with_marks(self.checklist.marked())
        self._report = self._read
        self.coverage.show_report(self._read, self._merged)
        self.markChanged.emit(item_id, marked)

    @property
    def marked(self) -> tuple[str, ...]:
        """The items the candidate marked as covered in the shown answer."""
        return self._read.marked_by_you if self._read is not None else ()

    def _play_from(self, seconds: float) -> None:
        if not self.player.available:
            return
        self.player.seek(seconds)
        self.player.play()
