"""Two attempts at one question side by side: checklist items gained and lost, metric deltas, and a word-level
diff of the transcripts (words only in the earlier answer struck through, words only in the later one
underlined).
"""

from __future__ import annotations

import difflib
import html
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
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
from opsprep_voice.ui.review import report_data as rd
from opsprep_voice.ui.review.style import ReviewColours, fmt_clock

if TYPE_CHECKING:
    from opsprep_voice.core.scoring import ChecklistResult

log = logging.getLogger(__name__)

_PUNCT = re.compile(r"^\W+|\W+$")
COMFORTABLE_WPM = (130.0, 160.0)


def _distance_to_band(value: float, low: float, high: float) -> float:
    return low - value if value < low else value - high if value > high else 0.0


@dataclass(frozen=True, slots=True)
class MetricDelta:
    key: str
    label: str
    before: float | None
    after: float | None
    better: bool | None  # None: no change, or not comparable
    fmt: Callable[[float], str]

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(slots=True)
class Comparison:
    gained: list[ChecklistResult] = field(default_factory=list)
    lost: list[ChecklistResult] = field(default_factory=list)
    kept: list[ChecklistResult] = field(default_factory=list)
    still_missing: list[ChecklistResult] = field(default_factory=list)
    metrics: list[MetricDelta] = field(default_factory=list)
    diff: list[tuple[str, str]] = field(default_factory=list)  # ("equal"|"delete"|"insert", text)

    def metric(self, key: str) -> MetricDelta:
        return next(m for m in self.metrics if m.key == key)


def _words(text: str) -> list[str]:
    return text.split()


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """Word-level diff, comparing words without case and surrounding punctuation."""
    a, b = _words(before), _words(after)
    key_a = [_PUNCT.sub("", w).casefold() for w in a]
    key_b = [_PUNCT.sub("", w).casefold() for w in b]
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=key_a, b=key_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("equal", " ".join(b[j1:j2])))
            continue
        if op in ("delete", "replace"):
            out.append(("delete", " ".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(("insert", " ".join(b[j1:j2])))
    return out


def compare_reports(before_report: rd.Report, after_report: rd.Report) -> Comparison:
    before, after = rd.as_report(before_report), rd.as_report(after_report)
    result = Comparison()
    old = {e.id: e for e in before.checklist}
    for entry in after.checklist:
        was = old.get(entry.id)
        was_hit = bool(was and was.hit)
        if entry.hit and not was_hit:
            result.gained.append(entry)
        elif was_hit and not entry.hit:
            result.lost.append(entry)
        elif entry.hit:
            result.kept.append(entry)
        else:
            result.still_missing.append(entry)

    target = after.target_seconds or before.target_seconds

    def lower_is_better(a: float, b: float) -> bool:
        return b < a

    def higher_is_better(a: float, b: float) -> bool:
        return b > a

    def pace_better(a: float, b: float) -> bool:
        return _distance_to_band(b, *COMFORTABLE_WPM) < _distance_to_band(a, *COMFORTABLE_WPM)

    def length_better(a: float, b: float) -> bool:
        if not target:
            return False
        return _distance_to_band(b, 0.7 * target, 1.2 * target) < _distance_to_band(
            a, 0.7 * target, 1.2 * target
        )

    specs: list[
        tuple[str, str, float | None, float | None, Callable[[float, float], bool], Callable[[float], str]]
    ]
    specs = [
        (
            "coverage",
            "Coverage",
            before.coverage,
            after.coverage,
            higher_is_better,
            lambda v: f"{v:.0%}",
        ),
        (
            "duration_s",
            "Length",
            before.duration_s,
            after.duration_s,
            length_better,
            fmt_clock,
        ),
        ("wpm", "Pace (wpm)", before.wpm, after.wpm, pace_better, lambda v: f"{v:.0f}"),
        (
            "fillers_per_min",
            "Fillers / min",
            before.fillers_per_min,
            after.fillers_per_min,
            lower_is_better,
            lambda v: f"{v:.1f}",
        ),
        (
            "long_pauses",
            "Long pauses",
            len(before.long_pauses),
            len(after.long_pauses),
            lower_is_better,
            lambda v: f"{v:.0f}",
        ),
        (
            "time_to_first_word_s",
            "First word after",
            before.time_to_first_word_s,
            after.time_to_first_word_s,
            lower_is_better,
            lambda v: f"{v:.1f} s",
        ),
        (
            "figures",
            "Figures mentioned",
            len(before.figures_mentioned),
            len(after.figures_mentioned),
            higher_is_better,
            lambda v: f"{v:.0f}",
        ),
    ]
    for key, label, a, b, better, fmt in specs:
        verdict: bool | None = None
        if a is not None and b is not None and abs(b - a) > 1e-9:
            verdict = better(a, b)
            if not verdict and not better(b, a):
                verdict = None  # different but neither better (e.g. both inside the comfortable band)
        result.metrics.append(MetricDelta(key, label, a, b, verdict, fmt))
    result.diff = word_diff(before.transcript, after.transcript)
    return result


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
    ) -> Comparison:
        self._args = (question, before, after, before_label, after_label)
        comparison = compare_reports(before, after)
        self.comparison = comparison
        colours = ReviewColours.from_palette(self.palette())
        read = rd.as_report(after)
        number = read.question_number or (question.number if question else "?")
        self.title.setText(f"Q{number} · {question.text if question else read.question_id}")
        self.subtitle.setText(f"Before: {before_label}   →   After: {after_label}")

        def items(entries: list[ChecklistResult], mark: str, colour: str) -> str:
            if not entries:
                return f'<span style="color:{colours.muted.name()};">none</span>'
            return "<br>".join(
                f'<span style="color:{colour};"><b>{mark}</b></span> {html.escape(e.label)}' for e in entries
            )

        self.changes.setText(
            f"<b>Gained ({len(comparison.gained)})</b><br>"
            f"{items(comparison.gained, '+', colours.good.name())}"
            f"<br><br><b>Lost ({len(comparison.lost)})</b><br>"
            f"{items(comparison.lost, '−', colours.bad.name())}"
            f"<br><br><b>Still missing ({len(comparison.still_missing)})</b><br>"
            f"{items(comparison.still_missing, '·', colours.muted.name())}"
            f'<br><br><span style="color:{colours.muted.name()};">Kept: {len(comparison.kept)} item(s)</span>'
        )

        self.metrics_table.setRowCount(len(comparison.metrics))
        for row, m in enumerate(comparison.metrics):
            change = m.change
            if change is None:
                change_text = "–"
            elif abs(change) < 1e-9:
                change_text = "same"
            else:
                sign = "+" if change > 0 else "−"
                change_text = f"{sign}{m.fmt(abs(change))}"
                if m.better is not None:
                    change_text += "  better" if m.better else "  worse"
            cells = [
                m.label,
                m.fmt(m.before) if m.before is not None else "–",
                m.fmt(m.after) if m.after is not None else "–",
                change_text,
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
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
            self.compare(*self._args)
