"""End of a rehearsal: per question coverage (and the coverage with its follow-ups, when the interviewer
asked any), length against target and pace.

A question answered more than once shows its best take, labelled "best of N takes"; the averages are of
what the table shows. Lengths are rounded as the review rounds them (``fmt_clock``), so a take reads the
same length in both."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from opsprep_voice.core.session import RehearsalSession
from opsprep_voice.core.wording import plural
from opsprep_voice.ui.rehearsal.widgets import OK_COLOR, OVER_COLOR, WARN_COLOR
from opsprep_voice.ui.review.style import fmt_clock

COLUMNS = ("#", "Question", "Coverage", "With follow-ups", "Length / target", "Pace", "Fillers/min", "Takes")
_WITH_FOLLOW_UPS = COLUMNS.index("With follow-ups")


class SummaryScreen(QWidget):
    newRehearsalRequested = Signal()
    historyRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Session summary")
        self.heading = QLabel("")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.heading.setFont(font)
        self.overview = QLabel("")
        self.overview.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Per-question results")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (0, 2, 3, 4, 5, 6, 7):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.history_button = QPushButton("Open History")
        self.history_button.setAccessibleName("Open history")
        self.again_button = QPushButton("New rehearsal")
        self.again_button.setAccessibleName("New rehearsal")
        self.again_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.history_button)
        buttons.addWidget(self.again_button)
        root = QVBoxLayout(self)
        root.setContentsMargins(24, 20, 24, 20)
        root.addWidget(self.heading)
        root.addWidget(self.overview)
        root.addWidget(self.table, 1)
        root.addLayout(buttons)
        self.again_button.clicked.connect(self.newRehearsalRequested)
        self.history_button.clicked.connect(self.historyRequested)

    def show_session(self, session: RehearsalSession) -> None:
        rows = session.summary()
        answered = [r for r in rows if r["coverage"] is not None]
        self.heading.setText("Rehearsal summary")
        avg = session.average_coverage()
        with_follow_ups = session.average_coverage_with_follow_ups()
        if answered and avg is not None:
            total = sum(r["spoken_s"] for r in answered)  # every take, not only the best shown below
            after = f" ({with_follow_ups * 100:.0f}% with follow-ups)" if with_follow_ups is not None else ""
            best = any(r["scored_takes"] > 1 for r in answered)
            of_what = ", best take of each question" if best else ""
            self.overview.setText(
                f"You answered {len(answered)} of {plural(len(rows), 'question')} in {fmt_clock(total)} "
                "of speaking; "
                f"average coverage {avg * 100:.0f}%{after}{of_what}. Every take is kept in History."
            )
        else:
            self.overview.setText("No question was answered in this rehearsal.")
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            self._row(i, r)
        # Study mode and answers that needed none leave it empty: shown only when it says something.
        self.table.setColumnHidden(_WITH_FOLLOW_UPS, all(r["coverage_with_follow_ups"] is None for r in rows))

    def _row(self, i: int, r: dict[str, Any]) -> None:
        def put(col: int, text: str, color: Any = None, align_right: bool = False) -> None:
            item = QTableWidgetItem(text)
            if color is not None:
                item.setForeground(color)
            if align_right:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(i, col, item)

        put(0, str(r["number"]), align_right=True)
        put(1, r["text"])

        def colour(cov: float) -> Any:
            return OK_COLOR if cov >= 0.7 else WARN_COLOR if cov >= 0.4 else OVER_COLOR

        if r["coverage"] is None:
            put(2, "skipped")
            for col in (4, 5, 6):
                put(col, "–")
        else:
            cov = r["coverage"]
            takes = r["scored_takes"]
            label = f"  (best of {takes} takes)" if takes > 1 else ""
            put(2, f"{cov * 100:.0f}%{label}", colour(cov), True)
            dur, target = r["duration_s"] or 0.0, r["target_seconds"]
            put(
                4,
                f"{fmt_clock(dur)} / {fmt_clock(target)}",
                OVER_COLOR if dur > target * 1.25 else None,
                True,
            )
            wpm = r["wpm"]
            put(5, f"{wpm:.0f} wpm" if wpm else "–", None if wpm and 130 <= wpm <= 160 else WARN_COLOR, True)
            fpm = r["fillers_per_min"]
            put(6, f"{fpm:.1f}" if fpm is not None else "–", align_right=True)
        merged = r["coverage_with_follow_ups"]
        # Empty without a follow-up: the coverage beside it says it all.
        put(
            3,
            "" if merged is None else f"{merged * 100:.0f}%",
            None if merged is None else colour(merged),
            True,
        )
        put(7, str(r["attempts"]), align_right=True)
