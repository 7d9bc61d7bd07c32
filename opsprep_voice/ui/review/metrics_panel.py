"""Delivery metrics of one answer: length against the target, pace, fillers, pauses, first word, figures and
(for behavioural questions) STAR.
"""

from __future__ import annotations

import html
import logging
from collections import Counter
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from opsprep_voice.ui.review import report_data as rd
from opsprep_voice.ui.review.style import ReviewColours, fmt_clock

if TYPE_CHECKING:
    from opsprep_voice.core.scoring import ScoreReport

log = logging.getLogger(__name__)

COMFORTABLE_WPM = "130–160"
ROWS: tuple[tuple[str, str, str], ...] = (
    ("length", "Length", "How long you spoke, against the comfortable length for this question"),
    ("pace", "Pace", "Words per minute while speaking; 130–160 is comfortable for an interview"),
    ("fillers", "Fillers", "um, uh, you know, basically... fewer than 3 per minute sounds confident"),
    ("pauses", "Long pauses", "Silences of 2 seconds or more in the middle of the answer"),
    ("first_word", "First word after", "Time from the start of recording to your first word"),
    ("figures", "Figures", "Numbers, percentages and durations: concrete results are convincing"),
    ("star", "STAR", "Situation, Task/Action, Result — and a number in the result"),
    ("engine", "Transcribed by", "The speech recogniser that produced the transcript"),
)


class MetricsPanel(QWidget):
    """``set_report(report)``; :meth:`value_text` gives a row's text (for tests and screen readers)."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        columns: int = 1,
        keys: tuple[str, ...] | None = None,
        heading: str = "Delivery",
    ) -> None:
        """``keys``: the rows to show (default all of :data:`ROWS`), e.g. length, pace and fillers only."""
        super().__init__(parent)
        self.setAccessibleName("Delivery metrics")
        self._report: rd.Report | None = None
        self._rows = tuple(row for row in ROWS if keys is None or row[0] in keys)
        self.heading = QLabel(heading, self)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.heading.setFont(font)
        self._forms: list[QFormLayout] = []
        forms_row = QHBoxLayout()
        forms_row.setContentsMargins(0, 0, 0, 0)
        forms_row.setSpacing(18)
        for _ in range(max(1, columns)):
            form = QFormLayout()
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            form.setVerticalSpacing(4)
            forms_row.addLayout(form, 1)
            self._forms.append(form)
        per_column = -(-len(self._rows) // len(self._forms))
        self._labels: dict[str, QLabel] = {}
        self._values: dict[str, QLabel] = {}
        self._form_of: dict[str, QFormLayout] = {}
        for index, (key, title, tip) in enumerate(self._rows):
            label = QLabel(title + ":", self)
            label.setToolTip(tip)
            value = QLabel(self)
            value.setWordWrap(True)
            value.setTextFormat(Qt.TextFormat.RichText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setToolTip(tip)
            value.setAccessibleName(title)
            label.setBuddy(value)
            form = self._forms[index // per_column]
            form.addRow(label, value)
            self._labels[key] = label
            self._values[key] = value
            self._form_of[key] = form
        self._box = layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addLayout(forms_row)
        self.set_report(None)

    def value_text(self, key: str) -> str:
        return QTextDocumentFragment.fromHtml(self._values[key].text()).toPlainText()

    def is_row_visible(self, key: str) -> bool:
        return key in self._values and not self._values[key].isHidden()

    def clear(self) -> None:
        self.set_report(None)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._report is not None:
            self.set_report(self._report)

    def set_report(self, report: rd.Report | None) -> None:
        self._report = report
        values = self._compute(rd.as_report(report)) if report is not None else {}
        for key, _title, _tip in self._rows:
            text = values.get(key)
            self._values[key].setText(text or "")
            self._values[key].setAccessibleDescription(
                QTextDocumentFragment.fromHtml(text).toPlainText() if text else ""
            )
            self._form_of[key].setRowVisible(self._labels[key], text is not None)
        # QFormLayout sizes its rows after a change from what it measured in its previous pass: the first
        # layout with new texts gave a wrapped figure (STAR, pace) one line less than it needs, its last line
        # hidden under the next row. One more pass, from the fresh measurements, puts every line on screen.
        QTimer.singleShot(0, self, self._box.invalidate)

    def _compute(self, report: ScoreReport) -> dict[str, str]:
        c = ReviewColours.from_palette(self.palette())

        def good(text: str) -> str:
            return f'<span style="color:{c.good.name()};">{text}</span>'

        def warn(text: str) -> str:
            return f'<span style="color:{c.bad.name()};">{text}</span>'

        def muted(text: str) -> str:
            return f'<span style="color:{c.muted.name()};">{text}</span>'

        out: dict[str, str] = {}
        duration, target = report.duration_s, report.target_seconds
        text = fmt_clock(duration)
        if target:
            ratio = duration / target
            verdict = warn("short") if ratio < 0.5 else warn("long") if ratio > 1.3 else good("about right")
            text += f" of {fmt_clock(target)} target · {verdict}"
        out["length"] = text + muted(f" · {report.word_count} words")

        wpm = report.wpm
        band = report.wpm_band or ""
        if wpm is not None:
            shown = good(band) if band == "comfortable" else warn(band) if band else ""
            out["pace"] = (
                f"{wpm:.0f} words/min"
                + (f" · {shown}" if shown else "")
                + muted(f" (comfortable is {COMFORTABLE_WPM})")
            )
        elif report.word_count == 0:
            out["pace"] = warn("no speech heard")

        items = report.fillers
        text = f"{report.filler_count or len(items)}"
        per_min = report.fillers_per_min
        if per_min is not None:
            rate = f"{per_min:.1f} per minute"
            text += " · " + (good(rate) if per_min < 3 else warn(rate))
        kinds = Counter(i.text.casefold() for i in items)
        if kinds:
            listed = ", ".join(
                f"{html.escape(k)} ×{n}" if n > 1 else html.escape(k) for k, n in kinds.items()
            )
            text += muted(f" ({listed})")
        out["fillers"] = text

        pauses = report.long_pauses
        if pauses:
            longest = max(p.duration for p in pauses)
            at = ", ".join(f"{p.duration:.1f} s at {fmt_clock(p.start)}" for p in pauses[:6])
            out["pauses"] = f"{len(pauses)} · longest {longest:.1f} s" + muted(f" ({at})")
        else:
            out["pauses"] = good("none")

        first = report.time_to_first_word_s
        if first is not None:
            out["first_word"] = (
                f"{first:.1f} s"
                if first <= 5
                else warn(f"{first:.1f} s") + muted(" — a short 'Let me think' buys time without silence")
            )

        figures = report.figures_mentioned
        if figures:
            out["figures"] = ", ".join(html.escape(f.text) for f in figures[:10])
        else:
            out["figures"] = warn("none") + muted(" — numbers make an answer concrete")

        star = report.star
        if star is not None:
            parts = [
                ("Situation", star.situation),
                ("Task/Action", star.task_action),
                ("Result", star.result),
                ("Measurable", star.measurable_result),
            ]
            marks = " ".join(good(f"✓ {n}") if ok else warn(f"✗ {n}") for n, ok in parts)
            out["star"] = marks + (f"<br>{muted(html.escape(star.hint))}" if star.hint else "")

        engine, model = report.engine, report.model
        if engine or model:
            out["engine"] = muted(html.escape(f"{engine} {model}".strip()))
        return out
