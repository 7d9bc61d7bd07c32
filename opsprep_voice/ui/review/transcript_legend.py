"""The one-line legend under the transcript: each mark :class:`~.transcript_view.TranscriptView` uses,
drawn in the current palette's colours (redrawn when the palette or style changes).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from opsprep_voice.ui.review.style import ReviewColours, pause_glyph


class TranscriptLegend(QWidget):
    """One line explaining the marks used by :class:`TranscriptView`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Transcript legend")
        self._label = QLabel(self)
        self._label.setTextFormat(Qt.TextFormat.RichText)
        self._label.setWordWrap(True)
        self._label.setAccessibleName("Legend: marks used in the transcript")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._label)
        self._refresh()

    def _refresh(self) -> None:
        c = ReviewColours.from_palette(self.palette())
        chip = "padding: 1px 4px;"  # a chip's words are joined by &nbsp;: a wrap never splits a chip
        parts = [
            f'<span style="background:{c.hit_bg.name()}; color:{c.text.name()}; {chip}">'
            "checklist&nbsp;hit</span>",
            f'<span style="background:{c.hit_fuzzy_bg.name()}; color:{c.text.name()}; {chip}">'
            "approximate&nbsp;match</span>",
            f'<span style="color:{c.muted.name()}; text-decoration: line-through;">filler</span>',
            f'<span style="color:{c.figure.name()}; font-weight:bold;">figure</span>',
            f'<span style="background:{c.pause_bg.name()}; color:{c.muted.name()}; {chip}">'
            f"{pause_glyph(self.font())}&nbsp;long&nbsp;pause</span>",
            f'<span style="background:{c.current_bg.name()}; color:{c.current_fg.name()}; {chip}">'
            "playing&nbsp;now</span>",
        ]
        self._label.setText("&nbsp;&nbsp; ".join(parts) + "&nbsp;&nbsp; <i>Click a word to play from it.</i>")

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._refresh()
