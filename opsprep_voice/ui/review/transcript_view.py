"""Read-only transcript of an answer with its feedback marked inline.

* checklist hits: tinted background (green for exact/stem matches, amber for approximate ones); the tooltip
  names the checklist item and how the words matched;
* filler words: struck through in a muted colour;
* figures (numbers, percentages, durations): bold, in an accent colour;
* long pauses: inline ``⏸ 2.4 s`` markers;
* during playback the current word uses the palette's Highlight colours (an extra selection, so updating it at
  30 Hz never touches the document).

Clicking a word (or pressing Enter with the text cursor in it) emits :attr:`TranscriptView.wordClicked` with
the word's start time, for the player to seek to.

The widget reads better whole: rendering the marks and mapping clicks, keys and tooltips back to words
share one record of where everything ended up in the document (``_Layout``). Its legend is
:class:`~opsprep_voice.ui.review.transcript_legend.TranscriptLegend`.
"""

from __future__ import annotations

import bisect
import itertools
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QFocusEvent,
    QFont,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QApplication,
    QSizePolicy,
    QTextEdit,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from opsprep_voice.ui.review import report_data as rd
from opsprep_voice.ui.review.style import ReviewColours, fmt_clock, pause_glyph
from opsprep_voice.ui.review.transcript_legend import TranscriptLegend

if TYPE_CHECKING:
    from opsprep_voice.core.scoring import ScoreReport

log = logging.getLogger(__name__)

APPROXIMATE_MATCHES = frozenset({"fuzzy", "phonetic"})
MATCH_WORDING = {
    "exact": "exact wording",
    "stem": "same word stem",
    "concept": "said in other words",
    "fuzzy": "close spelling (likely misheard)",
    "phonetic": "sounds alike (likely misheard)",
}


@dataclass(slots=True)
class _Segment:
    """Attributes of a run of transcript characters."""

    hit_label: str | None = None
    hit_match: str | None = None
    also_hit: list[tuple[str, str]] = field(default_factory=list)
    filler: bool = False
    figure: bool = False


@dataclass(slots=True)
class _Layout:
    """Where everything ended up in the document (filled by :meth:`TranscriptView._render`)."""

    text: str = ""
    words: list[rd.TimedWord] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)
    doc_spans: list[tuple[int, int]] = field(default_factory=list)
    inserts: list[tuple[int, int]] = field(default_factory=list)  # (text offset, inserted length)
    tooltips: list[tuple[int, int, str]] = field(default_factory=list)  # (doc start, doc end, tip)
    pause_doc_spans: list[tuple[int, int]] = field(default_factory=list)


class _TranscriptEdit(QTextEdit):
    """The text area: forwards clicks, keys and tooltips to its owner."""

    def __init__(self, owner: TranscriptView) -> None:
        super().__init__(owner)
        self._owner = owner
        self._press: QPoint | None = None
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.viewport().setMouseTracking(True)
        self.setCursorWidth(0)  # read-only: no blinking caret (see focusInEvent for keyboard users)

    def focusInEvent(self, event: QFocusEvent) -> None:
        # Keyboard users move through the words with the caret (Space plays from it), so it shows when the
        # text was reached with Tab; for a reader clicking words it would only suggest the text is editable.
        keyboard = event.reason() in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason)
        self.setCursorWidth(1 if keyboard else 0)
        super().focusInEvent(event)

    def doc_pos_at(self, point: QPoint) -> int:
        """Document position of the character under ``point`` (viewport coordinates), or -1 off the text."""
        offset = QPointF(self.horizontalScrollBar().value(), self.verticalScrollBar().value())
        layout = self.document().documentLayout()
        return layout.hitTest(QPointF(point) + offset, Qt.HitTestAccuracy.ExactHit)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press = event.position().toPoint() if event.button() == Qt.MouseButton.LeftButton else None
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() != Qt.MouseButton.LeftButton or self._press is None:
            return
        pos = event.position().toPoint()
        moved = (pos - self._press).manhattanLength()
        self._press = None
        if moved <= QApplication.startDragDistance():
            self._owner._activate_doc_pos(self.doc_pos_at(pos))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        super().mouseMoveEvent(event)
        over_word = self._owner._word_at_doc_pos(self.doc_pos_at(event.position().toPoint())) is not None
        shape = Qt.CursorShape.PointingHandCursor if over_word else Qt.CursorShape.IBeamCursor
        if self.viewport().cursor().shape() != shape:
            self.viewport().setCursor(shape)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self._owner._activate_doc_pos(self.textCursor().position())
            event.accept()
            return
        super().keyPressEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            tip = self._owner._tooltip_at_doc_pos(self.doc_pos_at(event.pos()))
            if tip:
                QToolTip.showText(event.globalPos(), tip, self.viewport())
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)


class TranscriptView(QWidget):
    """The transcript with checklist hits, fillers, figures and pauses marked, and a legend below.

    Call :meth:`set_report` with a report (or its stored dict), :meth:`set_current_time` during playback.
    """

    wordClicked = Signal(float)

    def __init__(self, parent: QWidget | None = None, *, show_legend: bool = True) -> None:
        super().__init__(parent)
        self._report: ScoreReport | None = None
        self._layout = _Layout()
        self._current: int | None = None
        self.follow_playback = True
        self.edit = _TranscriptEdit(self)
        self.edit.setAccessibleName("Transcript of your answer")
        self.edit.setAccessibleDescription(
            "Checklist hits are highlighted, filler words struck through, figures in bold and long pauses "
            "marked. Press Enter on a word to play the recording from it."
        )
        self.edit.setPlaceholderText("No transcript yet.")
        self.edit.document().setDocumentMargin(10)
        self.edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        font = self.edit.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.edit.setFont(font)
        self.legend = TranscriptLegend(self)
        self.legend.setVisible(show_legend)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.legend)

    # ----------------------------------------------------------------------------------------- public API
    def set_report(self, report: rd.Report | None) -> None:
        """Show ``report``'s transcript (None clears)."""
        self._report = None if report is None else rd.as_report(report)
        self._current = None
        heard_nothing = self._report is not None and not self._report.transcript.strip()
        self.edit.setPlaceholderText(
            "No speech was heard in this recording." if heard_nothing else "No transcript yet."
        )
        self._render()

    def clear(self) -> None:
        self.set_report(None)

    @property
    def has_timings(self) -> bool:
        return bool(self._layout.words)

    @property
    def word_count(self) -> int:
        return len(self._layout.words)

    def set_current_time(self, seconds: float) -> None:
        """Highlight the word being spoken at ``seconds`` (cheap when the word has not changed)."""
        starts = self._layout.starts
        index = bisect.bisect_right(starts, seconds + 1e-6) - 1
        self._set_current_index(index if index >= 0 else None)

    def current_word_index(self) -> int | None:
        return self._current

    def word_doc_span(self, index: int) -> tuple[int, int]:
        """Document positions ``[start, end)`` of word ``index``."""
        return self._layout.doc_spans[index]

    def doc_pos(self, text_offset: int, *, end: bool = False) -> int:
        """Document position of a transcript-text character offset (markers inserted before it counted)."""
        shift = 0
        for pos, length in self._layout.inserts:
            if pos < text_offset or (pos == text_offset and not end):
                shift += length
            else:
                break
        return text_offset + shift

    def char_format_at(self, text_offset: int) -> QTextCharFormat:
        """Format of the transcript character at ``text_offset`` (for tests and accessibility tools)."""
        cursor = QTextCursor(self.edit.document())
        cursor.setPosition(self.doc_pos(text_offset) + 1)  # the format *before* the cursor
        return cursor.charFormat()

    def tooltip_at(self, text_offset: int) -> str:
        return self._tooltip_at_doc_pos(self.doc_pos(text_offset))

    def pause_markers(self) -> list[str]:
        """The text of the inline pause markers, in order."""
        text = self.edit.document().toPlainText()
        return [text[s:e] for s, e in self._layout.pause_doc_spans]

    def plain_text(self) -> str:
        return self.edit.document().toPlainText()

    # ------------------------------------------------------------------------------------------- internals
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange) and self._report is not None:
            current = self._current
            self._render()
            self._set_current_index(current)

    def _word_at_doc_pos(self, pos: int) -> int | None:
        spans = self._layout.doc_spans
        if pos < 0 or not spans:
            return None
        i = bisect.bisect_right(spans, (pos, 1 << 62)) - 1
        if i >= 0 and spans[i][0] <= pos <= spans[i][1]:
            return i
        return None

    def _activate_doc_pos(self, pos: int) -> None:
        index = self._word_at_doc_pos(pos)
        if index is not None:
            start = self._layout.words[index].start
            log.debug("word %d clicked, seeking to %.2f s", index, start)
            self.wordClicked.emit(start)

    def _tooltip_at_doc_pos(self, pos: int) -> str:
        if pos < 0:
            return ""
        tips = [tip for s, e, tip in self._layout.tooltips if s <= pos < e]
        index = self._word_at_doc_pos(pos)
        if index is not None:
            tips.append(f"Said at {fmt_clock(self._layout.words[index].start)} · click to play from here")
        return "\n".join(tips)

    def _set_current_index(self, index: int | None) -> None:
        if index == self._current:
            return
        self._current = index
        if index is None or index >= len(self._layout.doc_spans):
            self.edit.setExtraSelections([])
            return
        colours = ReviewColours.from_palette(self.palette())
        start, end = self._layout.doc_spans[index]
        cursor = QTextCursor(self.edit.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        selection = QTextEdit.ExtraSelection()
        selection.cursor = cursor
        fmt = QTextCharFormat()
        fmt.setBackground(QBrush(colours.current_bg))
        fmt.setForeground(QBrush(colours.current_fg))
        selection.format = fmt
        self.edit.setExtraSelections([selection])
        if self.follow_playback:
            self._ensure_visible(cursor)

    def _ensure_visible(self, cursor: QTextCursor) -> None:
        rect = self.edit.cursorRect(cursor)
        viewport = self.edit.viewport().rect()
        if viewport.top() <= rect.top() and rect.bottom() <= viewport.bottom():
            return
        bar = self.edit.verticalScrollBar()
        bar.setValue(bar.value() + rect.center().y() - viewport.height() // 3)

    def _render(self) -> None:
        report = self._report
        self.edit.setExtraSelections([])
        document = self.edit.document()
        document.clear()
        self._layout = _Layout()
        if report is None:
            return
        text = report.transcript
        words = rd.timed_words(report)
        colours = ReviewColours.from_palette(self.palette())
        n = len(text)

        hits: list[tuple[int, int, str, str]] = []  # start, end, label, match
        for entry in report.checklist:
            ev = entry.evidence
            if entry.hit and ev is not None:
                start, end = max(0, ev.char_start), min(n, ev.char_end)
                if start < end:
                    hits.append((start, end, entry.label, ev.match))
        fillers = [(s.char_start, min(n, s.char_end)) for s in report.fillers if s.char_start < n]
        figures = [(s.char_start, min(n, s.char_end)) for s in report.figures_mentioned if s.char_start < n]

        # Pause markers go before the first word that starts after the pause (or at the end).
        starts = [w.start for w in words]
        glyph = pause_glyph(self.edit.font())
        marker_at: dict[int, list[str]] = {}
        for pause in report.long_pauses:
            j = bisect.bisect_left(starts, pause.end - 0.05)
            if not words:
                offset = n
            elif j < len(words):
                offset = words[j].char_start
            else:
                offset = n
            marker_at.setdefault(offset, []).append(f"{glyph}\u00a0{pause.duration:.1f}\u00a0s")

        inserts: list[tuple[int, int]] = []
        boundaries = {0, n, *marker_at}
        for s, e, *_ in hits:
            boundaries.update((s, e))
        for s, e in (*fillers, *figures):
            boundaries.update((s, e))
        edges = sorted(b for b in boundaries if 0 <= b <= n)

        base_fmt = QTextCharFormat()
        base_fmt.setForeground(QBrush(colours.text))
        pause_fmt = QTextCharFormat()
        pause_fmt.setForeground(QBrush(colours.muted))
        pause_fmt.setBackground(QBrush(colours.pause_bg))
        pause_fmt.setFontPointSize(max(6.0, self.edit.font().pointSizeF() * 0.85))
        pause_fmt.setProperty(QTextFormat.Property.UserProperty, "pause")

        cursor = QTextCursor(document)
        cursor.beginEditBlock()
        block = QTextBlockFormat()
        block.setLineHeight(140, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)
        cursor.setBlockFormat(block)
        tooltips: list[tuple[int, int, str]] = []
        pause_spans: list[tuple[int, int]] = []

        def put_markers(offset: int) -> None:
            for marker in marker_at.get(offset, []):
                leading = " " if offset == n and offset > 0 else ""
                trailing = " " if offset < n else ""
                if leading:
                    cursor.insertText(leading, base_fmt)
                begin = cursor.position()
                cursor.insertText(marker, pause_fmt)
                pause_spans.append((begin, cursor.position()))
                shown = marker.replace("\u00a0", " ")[2:]
                tooltips.append((begin, cursor.position(), f"Long pause: {shown} of silence"))
                if trailing:
                    cursor.insertText(trailing, base_fmt)
                inserts.append((offset, len(leading) + len(marker) + len(trailing)))

        for a, b in itertools.pairwise(edges):
            put_markers(a)
            seg = _Segment()
            # Evidence can overlap (a concept spans several words): every item said here is listed.
            here = [(label, match) for s, e, label, match in hits if s <= a < e]
            if here:
                seg.hit_label, seg.hit_match = here[0]
                seg.also_hit = here[1:]
            seg.filler = any(s <= a < e for s, e in fillers)
            seg.figure = any(s <= a < e for s, e in figures)
            fmt = QTextCharFormat(base_fmt)
            tips: list[str] = []
            if seg.hit_label is not None:
                approximate = seg.hit_match in APPROXIMATE_MATCHES
                fmt.setBackground(QBrush(colours.hit_fuzzy_bg if approximate else colours.hit_bg))
                for label, match in [(seg.hit_label, seg.hit_match), *seg.also_hit]:
                    tips.append(f"✓ Checklist: {label} ({MATCH_WORDING.get(match or '', match or '')})")
            if seg.filler:
                fmt.setForeground(QBrush(colours.muted))
                fmt.setFontStrikeOut(True)
                tips.append("Filler word")
            if seg.figure:
                fmt.setFontWeight(QFont.Weight.Bold)
                fmt.setForeground(QBrush(colours.figure))
                tips.append("Figure: concrete numbers make an answer credible")
            begin = cursor.position()
            cursor.insertText(text[a:b], fmt)
            if tips:
                tooltips.append((begin, cursor.position(), "\n".join(tips)))
        put_markers(n)
        cursor.endEditBlock()

        layout = _Layout(text=text, words=words, starts=starts, inserts=sorted(inserts), tooltips=tooltips)
        layout.pause_doc_spans = pause_spans
        self._layout = layout
        layout.doc_spans = [(self.doc_pos(w.char_start), self.doc_pos(w.char_end, end=True)) for w in words]
        self.edit.moveCursor(QTextCursor.MoveOperation.Start)
