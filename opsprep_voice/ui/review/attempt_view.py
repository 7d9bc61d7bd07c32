"""The review of one attempt: question, coverage headline, transcript with player, checklist, delivery metrics
and (collapsible) the question's example answer beside the transcript.

Playback highlights the current word; clicking a word, or a checklist item's time, plays from there.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from opsprep_voice.core.bank import Question
from opsprep_voice.ui.review import report_data as rd
from opsprep_voice.ui.review.audio_player import AudioPlayer
from opsprep_voice.ui.review.checklist_view import ChecklistView
from opsprep_voice.ui.review.metrics_panel import MetricsPanel
from opsprep_voice.ui.review.style import ReviewColours
from opsprep_voice.ui.review.transcript_view import TranscriptView

log = logging.getLogger(__name__)


def _bold(label: QLabel, scale: float = 1.0) -> None:
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)


class ExampleAnswerPanel(QWidget):
    """Why employers ask the question and the example answer, with the wording of missed items underlined."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Example answer")
        title = QLabel("Example answer", self)
        _bold(title, 1.1)
        self.browser = QTextBrowser(self)
        self.browser.setAccessibleName("Example answer and guidance")
        self.browser.setOpenLinks(False)
        font = self.browser.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.browser.setFont(font)
        self.browser.document().setDocumentMargin(8)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.browser, 1)

    def set_question(self, question: Question | None, report: rd.Report | None) -> None:
        if question is None:
            self.browser.setHtml("<p>This question is no longer in the question bank.</p>")
            return
        colours = ReviewColours.from_palette(self.palette())
        answer = question.example_answer
        missed = [e.example for e in rd.checklist(report) if not e.hit and e.example] if report else []
        marks: list[tuple[int, int]] = []
        folded = answer.casefold()
        for wording in missed:
            at = folded.find(wording.casefold())
            if at >= 0:
                marks.append((at, at + len(wording)))
        marks.sort()
        parts: list[str] = []
        pos = 0
        for start, end in marks:
            if start < pos:
                continue
            parts.append(html.escape(answer[pos:start]))
            parts.append(
                f'<span style="background:{colours.missed_bg.name()}; text-decoration: underline;">'
                f"{html.escape(answer[start:end])}</span>"
            )
            pos = end
        parts.append(html.escape(answer[pos:]))
        legend = (
            f'<p style="color:{colours.muted.name()};"><small>Marked: wording of the points you missed.'
            "</small></p>"
            if marks
            else ""
        )
        guidance = html.escape(question.guidance)
        self.browser.setHtml(
            f"<p>{''.join(parts)}</p>{legend}"
            f'<p style="color:{colours.muted.name()};"><b>Why they ask:</b> {guidance}</p>'
        )


class AttemptView(QWidget):
    """The composite review of one attempt. ``show_attempt(question, report, audio_path)``, ``clear()``."""

    exampleToggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Answer review")
        self._question: Question | None = None
        self._report: rd.Report | None = None

        # ---- header: question and coverage
        self.question_meta = QLabel(self)
        self.question_meta.setAccessibleName("Question number and category")
        self.question_label = QLabel(self)
        self.question_label.setWordWrap(True)
        self.question_label.setAccessibleName("Question")
        self.question_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        _bold(self.question_label, 1.15)
        self.example_button = QToolButton(self)
        self.example_button.setText("Example answer")
        self.example_button.setCheckable(True)
        self.example_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.example_button.setArrowType(Qt.ArrowType.RightArrow)
        self.example_button.setAccessibleName("Show or hide the example answer")
        self.example_button.setToolTip("Show the question's example answer beside your transcript")
        self.example_button.toggled.connect(self.set_example_visible)

        self.coverage_label = QLabel(self)
        self.coverage_label.setAccessibleName("Coverage")
        _bold(self.coverage_label, 1.6)
        self.coverage_bar = QProgressBar(self)
        self.coverage_bar.setRange(0, 100)
        self.coverage_bar.setTextVisible(False)
        self.coverage_bar.setMaximumHeight(10)
        self.coverage_bar.setAccessibleName("Coverage of the checklist")
        self.coverage_detail = QLabel(self)
        self.coverage_detail.setAccessibleName("Checklist summary")
        self.coverage_detail.setWordWrap(True)

        header = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(self.question_meta, 1)
        top.addWidget(self.example_button)
        header.addLayout(top)
        header.addWidget(self.question_label)
        cov = QHBoxLayout()
        cov.addWidget(self.coverage_label)
        cov_right = QVBoxLayout()
        cov_right.addWidget(self.coverage_detail)
        cov_right.addWidget(self.coverage_bar)
        cov.addLayout(cov_right, 1)
        header.addLayout(cov)

        # ---- transcript, player and delivery metrics
        self.metrics = MetricsPanel(self, columns=2)
        self.transcript = TranscriptView(self)
        self.player = AudioPlayer(self)
        left = QWidget(self)
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        transcript_title = QLabel("Your answer", left)
        _bold(transcript_title, 1.1)
        left_box.addWidget(transcript_title)
        left_box.addWidget(self.transcript, 1)
        left_box.addWidget(self.player)
        metrics_line = QFrame(left)
        metrics_line.setFrameShape(QFrame.Shape.HLine)
        metrics_line.setFrameShadow(QFrame.Shadow.Sunken)
        left_box.addWidget(metrics_line)
        left_box.addWidget(self.metrics)

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
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.example_panel)
        self.splitter.addWidget(self.feedback_scroll)
        self.splitter.setStretchFactor(0, 6)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 4)
        left.setMinimumWidth(420)
        self.example_panel.setMinimumWidth(220)
        self.feedback_scroll.setMinimumWidth(300)

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

    # ----------------------------------------------------------------------------------------- public API
    def show_attempt(self, question: Question | None, report: rd.Report, audio_path: Path | None) -> None:
        """Show ``report`` (a ``ScoreReport.to_dict()``) for ``question`` with its recording, if any."""
        self._question = question
        self._report = report
        number = report.get("question_number") or (question.number if question else "?")
        if question is not None:
            kind = " · behavioural" if question.behavioural else ""
            self.question_meta.setText(f"Question {number} · {question.category.replace('-', ' ')}{kind}")
            self.question_label.setText(question.text)
        else:
            self.question_meta.setText(f"Question {number}")
            self.question_label.setText(str(report.get("question_id") or "Unknown question"))
        self._show_coverage(report)
        self.transcript.set_report(report)
        self.checklist.set_report(report)
        self.metrics.set_report(report)
        self.example_panel.set_question(question, report)
        self.example_button.setEnabled(question is not None)
        self.player.load(audio_path)
        self.stack.setCurrentIndex(1)

    def clear(self) -> None:
        self._question = None
        self._report = None
        self.player.clear()
        self.transcript.clear()
        self.checklist.clear()
        self.metrics.clear()
        self.stack.setCurrentIndex(0)

    def set_example_visible(self, visible: bool) -> None:
        if self.example_button.isChecked() != visible:
            self.example_button.setChecked(visible)  # re-enters via toggled
            return
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
        if event.type() == QEvent.Type.PaletteChange and self._report is not None:
            self._show_coverage(self._report)
            self.example_panel.set_question(self._question, self._report)

    def _play_from(self, seconds: float) -> None:
        if not self.player.available:
            return
        self.player.seek(seconds)
        self.player.play()

    def _show_coverage(self, report: rd.Report) -> None:
        colours = ReviewColours.from_palette(self.palette())
        value = rd.coverage(report)
        entries = rd.checklist(report)
        hits = sum(1 for e in entries if e.hit)
        colour = colours.good if value >= 0.7 else colours.bad if value < 0.4 else colours.text
        self.coverage_label.setText(f"{value:.0%}")
        self.coverage_label.setStyleSheet(f"color: {colour.name()};")
        self.coverage_bar.setValue(round(value * 100))
        missed = len(entries) - hits
        verdict = (
            "Strong coverage."
            if value >= 0.7
            else "Some key points are missing."
            if value >= 0.4
            else "Most key points are missing."
        )
        self.coverage_detail.setText(
            f"<b>Coverage</b> — {hits} of {len(entries)} checklist points covered"
            + (f", {missed} missed" if missed else "")
            + f". {verdict}"
        )
        self.coverage_label.setAccessibleDescription(f"Coverage {value:.0%}")
