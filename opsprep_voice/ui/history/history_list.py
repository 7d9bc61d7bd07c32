"""The left-hand side of History's Answers tab: the list, how many answers it shows, and the buttons that
act on the selection (Transcribe now, Compare, Export…, Delete…). The screen connects the buttons and
decides when each is enabled; this widget owns their look and places.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from opsprep_voice.core.wording import plural
from opsprep_voice.ui.history.history_model import HistoryModel
from opsprep_voice.ui.history.history_tree import HistoryTree


class HistoryList(QWidget):
    """``HistoryList(model, categories)``: :attr:`tree`, :attr:`count_label` and the action buttons."""

    def __init__(self, model: HistoryModel, categories: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = HistoryTree(model, categories, self)
        self.count_label = QLabel(self)
        self.count_label.setAccessibleName("Number of answers shown")
        self.transcribe_button = QPushButton("Transcribe now", self)
        self.transcribe_button.setAccessibleName("Transcribe the interrupted answer")
        self.transcribe_button.setToolTip("Transcribe and score an answer the app did not finish")
        # Its room is kept while hidden: the buttons beside it don't jump, and the window's minimum width
        # doesn't change with the selection.
        policy = self.transcribe_button.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.transcribe_button.setSizePolicy(policy)
        self.compare_button = QPushButton("Compare", self)
        self.compare_button.setAccessibleName("Compare two attempts")
        self.compare_button.setToolTip(
            "Compare two selected attempts at the same question (one selected: with the previous attempt)"
        )
        self.export_button = QPushButton("Export…", self)
        self.export_button.setAccessibleName("Export the selected session or question")
        self.export_button.setToolTip("Export the selected session, or all attempts of the selected question")
        self.delete_button = QPushButton("Delete…", self)
        self.delete_button.setAccessibleName("Delete the selected answers or sessions")
        self.delete_button.setToolTip("Delete the selection and its recordings (asks first)")

        # The count has a line of its own: beside the buttons, its width plus "Transcribe now" (shown for an
        # unscored answer) made the list's minimum, and so the window's, wider than a 1280 px screen.
        actions = QHBoxLayout()
        actions.addStretch(1)
        for button in (self.transcribe_button, self.compare_button, self.export_button, self.delete_button):
            actions.addWidget(button)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.tree, 1)
        box.addWidget(self.count_label)
        box.addLayout(actions)

    def show_counts(self, answers: int, follow_ups: int, sessions: int | None) -> None:
        """ "12 answers and 3 follow-ups in 4 sessions" (``sessions`` None: the list is not grouped)."""
        self.count_label.setText(
            plural(answers, "answer")
            + (f" and {plural(follow_ups, 'follow-up')}" if follow_ups else "")
            + (f" in {plural(sessions, 'session')}" if sessions is not None else "")
        )
