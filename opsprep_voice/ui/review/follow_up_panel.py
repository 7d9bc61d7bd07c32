"""The follow-ups of one answer in its review: per follow-up, what the interviewer asked, what the candidate
answered and how it was delivered (length against the follow-up's own target, pace, fillers).

Fed with :class:`~opsprep_voice.practice.follow_ups.FollowUpTurn` objects: the rehearsal builds them from the
session, History reads them with :func:`~opsprep_voice.practice.follow_ups.load_follow_ups`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from opsprep_voice.practice.follow_ups import FollowUpTurn
from opsprep_voice.ui.review.metrics_panel import MetricsPanel
from opsprep_voice.ui.review.style import ReviewColours, bold_font

#: The delivery rows a follow-up answer shows: it is short, so pauses, figures and STAR say little.
FOLLOW_UP_METRICS = ("length", "pace", "fillers")

#: Why a stored follow-up has no score, by attempt status (see storage.records).
_UNSCORED = {
    "failed": "Its transcription failed; the recording is kept.",
    "interrupted": "The app stopped while it was recorded; the recording is kept.",
    "recording": "It was still being recorded.",
    "recorded": "It was recorded but not transcribed.",
}


class FollowUpBlock(QFrame):
    """One follow-up: the question, the answer and its delivery."""

    def __init__(self, turn: FollowUpTurn, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.turn = turn
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(f"Follow-up {number}")
        colours = ReviewColours.from_palette(self.palette())
        self.title = QLabel(f"↪ Follow-up {number}", self)
        bold_font(self.title, 1.05)
        self.title.setStyleSheet(f"color: {colours.figure.name()};")
        self.prompt = QLabel(f"<i>“{html.escape(turn.prompt)}”</i>", self)
        self.prompt.setAccessibleName("Follow-up question")
        self.answer = QLabel(self)
        self.answer.setAccessibleName("Follow-up answer")
        report = turn.report
        if report is not None:
            said = report.transcript.strip() or "(nothing was recognised)"
            self.answer.setText(f"<b>You:</b> {html.escape(said)}")
        else:
            reason = _UNSCORED.get(turn.status, f"It has no score ({turn.status}).")
            self.answer.setText(f'<span style="color:{colours.muted.name()};">Not scored. {reason}</span>')
        for label in (self.prompt, self.answer):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.metrics = MetricsPanel(self, keys=FOLLOW_UP_METRICS, heading="Follow-up delivery")
        self.metrics.setAccessibleName(f"Delivery of follow-up {number}")
        self.metrics.set_report(report)
        self.metrics.setVisible(report is not None)
        texts = QVBoxLayout()
        texts.setSpacing(4)
        texts.addWidget(self.title)
        texts.addWidget(self.prompt)
        texts.addWidget(self.answer)
        texts.addStretch(1)
        # Side by side: the block sits under the main answer's transcript, which keeps the height.
        box = QHBoxLayout(self)
        box.setContentsMargins(8, 6, 8, 8)
        box.setSpacing(16)
        box.addLayout(texts, 3)
        box.addWidget(self.metrics, 2, Qt.AlignmentFlag.AlignTop)


class FollowUpPanel(QWidget):
    """``set_turns(turns)``: one :class:`FollowUpBlock` per follow-up; hidden without any."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Follow-up questions")
        self._blocks: list[FollowUpBlock] = []
        self._box = QVBoxLayout(self)
        self._box.setContentsMargins(0, 4, 0, 0)
        self._box.setSpacing(8)
        self.setVisible(False)

    def set_turns(self, turns: Sequence[FollowUpTurn]) -> None:
        for block in self._blocks:
            self._box.removeWidget(block)
            block.hide()  # at once: deleteLater waits for the event loop
            block.deleteLater()
        self._blocks = [FollowUpBlock(turn, number, self) for number, turn in enumerate(turns, 1)]
        for block in self._blocks:
            self._box.addWidget(block)
        self.setVisible(bool(self._blocks))

    def blocks(self) -> list[FollowUpBlock]:
        return list(self._blocks)

    def clear(self) -> None:
        self.set_turns(())
