"""Two attempts at one question side by side: checklist items gained and lost (and those recovered after an
interviewer follow-up, marked apart from those covered in the main answer), metric changes, and a word-level
diff of the transcripts (words only in the earlier answer struck through, words only in the later one
underlined). The comparison itself is :mod:`.comparison` (no Qt).
"""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from opsprep_voice.core.bank import Question
from opsprep_voice.core.wording import plural
from opsprep_voice.ui.history.comparison import Comparison, MetricDelta, compare_reports, word_diff
from opsprep_voice.ui.review import report_data as rd
from opsprep_voice.ui.review.style import ReviewColours

if TYPE_CHECKING:
    from opsprep_voice.core.bank import ChecklistItem
    from opsprep_voice.core.followup import FollowUpResult
    from opsprep_voice.core.scoring import ChecklistResult

__all__ = ["CompareView", "Comparison", "MetricDelta", "compare_reports", "word_diff"]

log = logging.getLogger(__name__)

#: Marks an item covered only after a follow-up (the review's checklist uses the same arrow).
RECOVERED_MARK = "↳"


class CompareView(QWidget):
    """``compare(question, before_report, after_report, before_label, after_label)``; ``clear()``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Compare two attempts")
        self.comparison: Comparison | None = None
        self._args: tuple[Any, ...] | None = None

        self.title = QLabel("Select two attempts at the same question and choose Compare.", self)
        self.title.setWordWrap(True)
        self.title.setAccessibleName("Comparison heading")
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.title.setFont(font)
        self.subtitle = QLabel(self)
        self.subtitle.setWordWrap(True)
        self.subtitle.setAccessibleName("Attempts compared")

        self.changes = QLabel(self)
        self.changes.setWordWrap(True)
        self.changes.setTextFormat(Qt.TextFormat.RichText)
        self.changes.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.changes.setAccessibleName("Checklist items gained and lost")
        self.changes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.metrics_table = QTableWidget(0, 4, self)
        self.metrics_table.setHorizontalHeaderLabels(["Metric", "Before", "After", "Change"])
        self.metrics_table.verticalHeader().hide()
        self.metrics_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.metrics_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.metrics_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.metrics_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.metrics_table.setAccessibleName("Metric changes")

        self.diff_view = QTextBrowser(self)
        self.diff_view.setAccessibleName("Transcript differences")
        self.diff_view.setAccessibleDescription(
            "Words only in the earlier answer are struck through; words only in the later one are underlined."
        )
        diff_title = QLabel("Transcript changes (struck: only before · underlined: only after)", self)

        top = QWidget(self)
        top_box = QHBoxLayout(top)
        top_box.setContentsMargins(0, 0, 0, 0)
        top_box.addWidget(self.changes, 1)
        top_box.addWidget(self.metrics_table, 1)
        bottom = QWidget(self)
        bottom_box = QVBoxLayout(bottom)
        bottom_box.setContentsMargins(0, 0, 0, 0)
        bottom_box.addWidget(diff_title)
        bottom_box.addWidget(self.diff_view, 1)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(splitter, 1)
        self._set_content_visible(False)

    def _set_content_visible(self, visible: bool) -> None:
        for widget in (self.changes, self.metrics_table, self.diff_view):
            widget.setEnabled(visible)

    def clear(self) -> None:
        self.comparison = None
        self._args = None
        self.title.setText("Select two attempts at the same question and choose Compare.")
        self.subtitle.clear()
        self.changes.clear()
        self.metrics_table.setRowCount(0)
        self.diff_view.clear()
        self._set_content_visible(False)

    def compare(
        self,
        question: Question | None,
        before: rd.Report,
        after: rd.Report,
        before_label: str = "Before",
        after_label: str = "After",
        *,
        before_follow_ups: FollowUpResult | None = None,
        after_follow_ups: FollowUpResult | None = None,
    ) -> Comparison:
        """Compare two main answers; ``*_follow_ups``: an answer merged with its follow-ups, if any."""
        self._args = (question, before, after, before_label, after_label, before_follow_ups, after_follow_ups)
        comparison = compare_reports(
            before, after, before_follow_ups=before_follow_ups, after_follow_ups=after_follow_ups
        )
        self.comparison = comparison
        colours = ReviewColours.from_palette(self.palette())
        read = rd.as_report(after)
        number = read.question_number or (question.number if question else "?")
        self.title.setText(f"Q{number} · {question.text if question else read.question_id}")
        self.subtitle.setText(f"Before: {before_label}   →   After: {after_label}")

        self.changes.setText(_changes_html(comparison, colours))

        self.metrics_table.setRowCount(len(comparison.metrics))
        for row, m in enumerate(comparison.metrics):
            change_text, change_spoken = m.change_text()
            cells = [
                m.label,
                m.fmt(m.before) if m.before is not None else "–",
                m.fmt(m.after) if m.after is not None else "–",
                change_text,
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 3:
                    item.setData(Qt.ItemDataRole.AccessibleTextRole, change_spoken)
                if col == 3 and m.better is not None:
                    item.setForeground(QBrush(colours.good if m.better else colours.bad))
                self.metrics_table.setItem(row, col, item)
        self.metrics_table.resizeColumnsToContents()
        self.metrics_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

        parts: list[str] = []
        for op, text in comparison.diff:
            escaped = html.escape(text)
            if op == "equal":
                parts.append(escaped)
            elif op == "delete":
                style = f"color:{colours.bad.name()}; text-decoration: line-through;"
                parts.append(f'<span style="{style}">{escaped}</span>')
            else:
                style = f"background:{colours.hit_bg.name()}; text-decoration: underline;"
                parts.append(f'<span style="{style}">{escaped}</span>')
        self.diff_view.setHtml(f'<p style="line-height:140%;">{" ".join(parts)}</p>')
        self._set_content_visible(True)
        return comparison

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._args is not None:
            *args, before_follow_ups, after_follow_ups = self._args
            self.compare(*args, before_follow_ups=before_follow_ups, after_follow_ups=after_follow_ups)


def _changes_html(comparison: Comparison, colours: ReviewColours) -> str:
    """The checklist changes between the main answers; an item an answer recovered after a follow-up is
    marked "↳ after a follow-up (earlier/later answer)", and each answer's recovered items are listed."""
    muted = colours.muted.name()

    def which(earlier: bool, later: bool) -> str:
        return "both answers" if earlier and later else "earlier answer" if earlier else "later answer"

    def note(item_id: str) -> str:
        out = ""
        earlier, later = comparison.recovered(item_id)
        if earlier or later:
            style = f"color:{colours.figure.name()};"
            out += (
                f' <span style="{style}">{RECOVERED_MARK} after a follow-up ({which(earlier, later)})</span>'
            )
        earlier, later = comparison.marked(item_id)
        if earlier or later:
            out += f' <span style="color:{muted};">✓ marked covered by you ({which(earlier, later)})</span>'
        return out

    def items(entries: list[ChecklistResult], mark: str, colour: str) -> str:
        if not entries:
            return f'<span style="color:{muted};">none</span>'
        return "<br>".join(
            f'<span style="color:{colour};"><b>{mark}</b></span> {html.escape(e.label)}{note(e.id)}'
            for e in entries
        )

    def recovered(entries: list[ChecklistItem]) -> str:
        if not entries:
            return f'<span style="color:{muted};">none</span>'
        mark = f'<span style="color:{colours.figure.name()};"><b>{RECOVERED_MARK}</b></span>'
        return "<br>".join(f"{mark} {html.escape(e.label)}" for e in entries)

    text = (
        f"<b>Gained ({len(comparison.gained)})</b><br>"
        f"{items(comparison.gained, '+', colours.good.name())}"
        f"<br><br><b>Lost ({len(comparison.lost)})</b><br>"
        f"{items(comparison.lost, '−', colours.bad.name())}"
        f"<br><br><b>Still missing ({len(comparison.still_missing)})</b><br>"
        f"{items(comparison.still_missing, '·', muted)}"
    )
    if comparison.recovered_before or comparison.recovered_after:
        text += (
            f"<br><br><b>Recovered after a follow-up: earlier answer ({len(comparison.recovered_before)})"
            f"</b><br>{recovered(comparison.recovered_before)}"
            f"<br><br><b>Recovered after a follow-up: later answer ({len(comparison.recovered_after)})"
            f"</b><br>{recovered(comparison.recovered_after)}"
        )
    return text + f'<br><br><span style="color:{muted};">Kept: {plural(len(comparison.kept), "item")}</span>'
