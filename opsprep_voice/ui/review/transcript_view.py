"""Read-only transcript of an answer with its feedback marked inline, played along and clicked to seek.

The marks (checklist hits, fillers, figures, pauses) are written by
:func:`~opsprep_voice.ui.review.transcript_render.render_transcript`, which also records where everything
ended up in the document (:class:`~opsprep_voice.ui.review.transcript_render.TranscriptLayout`); this widget
maps clicks, keys and tooltips back to words through that record. During playback the current word uses the
palette's Highlight colours (an extra selection, so updating it at 30 Hz never touches the document).

Clicking a word (or pressing Enter with the text cursor in it) emits :attr:`TranscriptView.wordClicked` with
the word's start time, for the player to seek to. The legend is
:class:`~opsprep_voice.ui.review.transcript_legend.TranscriptLegend`.
"""

from __future__ import annotations

import bisect
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QFocusEvent,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QTextCharFormat,
    QTextCursor,
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
from opsprep_voice.ui.review.style import ReviewColours, fmt_clock
from opsprep_voice.ui.review.transcript_legend import TranscriptLegend
from opsprep_voice.ui.review.transcript_render import TranscriptLayout, render_transcript

if TYPE_CHECKING:
    from opsprep_voice.core.scoring import ScoreReport

log = logging.getLogger(__name__)


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
        self._layout = TranscriptLayout()
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
        return self._layout.doc_pos(text_offset, end=end)

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
        colours = ReviewColours.from_palette(self.palette())
        self._layout = render_transcript(self.edit, self._report, colours)
