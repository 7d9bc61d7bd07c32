"""The answer being spoken, live: its transcript so far, the checklist items it has covered and a line of
statistics ("4 of 8 items · 140 wpm · 0:32").

Belongs to one take: :meth:`LiveAnswerPanel.clear` empties it when a new take starts, so nothing from an
earlier take (re-recorded, cancelled, or the answer before a follow-up) is shown as if it were this one's.
"""

from __future__ import annotations

from collections.abc import Collection

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from opsprep_voice.core.bank import Question
from opsprep_voice.ui.rehearsal.widgets import format_clock
from opsprep_voice.ui.review.style import ReviewColours

LABEL_ROLE = Qt.ItemDataRole.UserRole + 1  # a checklist row's item label (its text has a mark in front)


class LiveAnswerPanel(QSplitter):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.text = QTextBrowser()
        self.text.setAccessibleName("Live transcript")
        self.text.setPlaceholderText("Your words appear here as you speak.")
        # Read-only and written by the app: no blinking text cursor, but the words can still be selected.
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.checklist = QListWidget()
        self.checklist.setAccessibleName("Live checklist")
        self.stats = QLabel("")
        self.stats.setAccessibleName("Live statistics")
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)  # level with the transcript beside it
        rl.addWidget(QLabel("<b>Checklist</b>"))
        rl.addWidget(self.checklist, 1)
        rl.addWidget(self.stats)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel("<b>Live transcript</b>"))
        ll.addWidget(self.text, 1)
        self.addWidget(left)
        self.addWidget(right)
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 2)
        self._earlier: frozenset[str] = frozenset()  # items covered before this follow-up
        self._follow_up = False

    def show_question(self, question: Question) -> None:
        self.checklist.clear()
        for item in question.checklist:
            li = QListWidgetItem(f"○  {item.label}")
            li.setData(Qt.ItemDataRole.UserRole, item.id)
            li.setData(LABEL_ROLE, item.label)
            self.checklist.addItem(li)
        self.set_turn(follow_up=False, earlier=())

    def set_turn(self, *, follow_up: bool, earlier: Collection[str]) -> None:
        """The main answer, or a follow-up answer after one that covered ``earlier``; clears the take."""
        self._follow_up, self._earlier = follow_up, frozenset(earlier) if follow_up else frozenset()
        self.clear()

    def clear(self) -> None:
        self.text.clear()
        self.stats.setText("")
        self._mark(set())

    def _mark(self, hit_ids: set[str]) -> None:
        """✔ what this answer covered so far; during a follow-up, ✔ (muted) what the answer before it did."""
        plain = self.checklist.palette().text().color()
        earlier = self.checklist.palette().placeholderText().color()
        # The review's colours for a hit and for a point the follow-up recovered, in the palette's shade: the
        # fixed state colours read under 4.5:1 as text (green on white, blue on a dark list).
        colours = ReviewColours.from_palette(self.checklist.palette())
        hit = colours.figure if self._follow_up else colours.good
        for row in range(self.checklist.count()):
            li = self.checklist.item(row)
            item_id, label = li.data(Qt.ItemDataRole.UserRole), li.data(LABEL_ROLE)
            if item_id in hit_ids:
                li.setText(f"✔  {label}")
                li.setForeground(hit)
            elif item_id in self._earlier:
                li.setText(f"✔  {label}  (in your answer)")
                li.setForeground(earlier)
            else:
                li.setText(f"○  {label}")
                li.setForeground(plain)

    def set_live(self, text: str, hit_ids: set[str], wpm: float | None, elapsed_s: float) -> None:
        self.text.setPlainText(text)
        sb = self.text.verticalScrollBar()
        sb.setValue(sb.maximum())
        self._mark(hit_ids)
        done = len(hit_ids | self._earlier)
        rate = f"{wpm:.0f} wpm" if wpm else "– wpm"
        self.stats.setText(f"{done} of {self.checklist.count()} items · {rate} · {format_clock(elapsed_s)}")
