"""The checklist of one answer: each item covered (with what was said and when), covered only after a
follow-up question (with what the follow-up answer said), or missed (with the example answer's wording).

A covered item whose evidence has a time shows a small "▶ 0:42" button; clicking it emits
:attr:`ChecklistView.seekRequested` with that time. An item covered after a follow-up has its own mark (↪),
colour and words ("after follow-up"), so it never depends on colour alone; its evidence is in the follow-up's
recording, so it has no time button on the main answer's player.

The scorer misses points strong answers make (it credits about nine in ten of them on answers in the
candidate's own words), so every missed item has an "I made this point" button: the candidate's own mark,
shown apart from the scorer's credit ("✓ you", in the text colour, not the scorer's green ✓, and the words
"You marked this as covered; the scorer found no words for it."). The same button takes the mark back. An
item the scorer credited, also after a follow-up, has no button: there is nothing to correct. The button
answers Space and Enter itself (the review's Space shortcut, "next question", would take them otherwise),
so a mark is made from the keyboard without leaving the review. :attr:`ChecklistView.markToggled` reports
each change; saving it is the owner's job.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from opsprep_voice.ui.review import report_data as rd
from opsprep_voice.ui.review.style import ReviewColours, fmt_clock

if TYPE_CHECKING:
    from opsprep_voice.core.scoring import ChecklistResult

log = logging.getLogger(__name__)

Status = Literal["covered", "after follow-up", "missed"]
AFTER_FOLLOW_UP: Status = "after follow-up"
_MARKS: dict[Status, str] = {"covered": "✓", AFTER_FOLLOW_UP: "↪", "missed": "✗"}
#: The candidate's own mark: a tick with "you" under it, never the scorer's bare ✓.
YOUR_MARK = "✓ you"
MARKED_TEXT = "You marked this as covered; the scorer found no words for it."
MARK_BUTTON_TEXT = "I made this point"
UNMARK_BUTTON_TEXT = "Take back my mark"
_ACTIVATE_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter)


class MarkButton(QToolButton):
    """A checkable button that keeps Space and Enter for itself while it has the focus."""

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() in _ACTIVATE_KEYS
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            event.accept()  # the key comes to keyPressEvent instead of the window's shortcut
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.isAutoRepeat():
            self.click()  # a tool button answers Space only
            return
        super().keyPressEvent(event)


class ChecklistRow(QFrame):
    """One checklist item. ``recovered_by``: the item's result in the follow-up answer that covered it,
    when the main answer missed it."""

    def __init__(
        self,
        entry: ChecklistResult,
        parent: QWidget | None = None,
        *,
        recovered_by: ChecklistResult | None = None,
        marked: bool = False,
    ) -> None:
        super().__init__(parent)
        self.entry = entry
        self.recovered_by = recovered_by
        self.time_button: QToolButton | None = None
        self.mark_button: MarkButton | None = None
        self.marked = False
        colours = ReviewColours.from_palette(self.palette())
        self._colours = colours
        self.status: Status = "covered" if entry.hit else AFTER_FOLLOW_UP if recovered_by else "missed"
        status = {"covered": "Covered", AFTER_FOLLOW_UP: "Covered after a follow-up", "missed": "Missed"}[
            self.status
        ]
        self._status_text = status
        self.setAccessibleName(f"{status}: {entry.label}")

        self.mark = QLabel(_MARKS[self.status], self)
        self.mark.setAccessibleName(status)
        self.mark.setToolTip(status)
        mark_font = self.mark.font()
        mark_font.setBold(True)
        mark_font.setPointSizeF(mark_font.pointSizeF() * 1.2)
        self.mark.setFont(mark_font)
        colour = {"covered": colours.good, AFTER_FOLLOW_UP: colours.figure, "missed": colours.bad}[
            self.status
        ]
        self.mark.setStyleSheet(f"color: {colour.name()};")
        self.mark.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.mark.setFixedWidth(self.mark.fontMetrics().horizontalAdvance("✓✓"))

        self._detail_html = self.detail_html(entry, colours)
        self._detail_text = self.detail_plain(entry)
        if recovered_by is not None:
            tag = f'<span style="color:{colours.figure.name()}; font-weight:600;">After follow-up: </span>'
            self._detail_html = tag + html.escape(recovered_by.why, quote=False)
            self._detail_text = f"After follow-up: {recovered_by.why}"
        weight = "font-weight:600;" if entry.hit or recovered_by is not None else ""
        self.text = QLabel(self)
        self._show_text(weight)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if entry.weight != 1.0:
            self.text.setToolTip(f"Weight {entry.weight:g} in the coverage score")

        row = QHBoxLayout(self)
        row.setContentsMargins(2, 5, 2, 5)
        row.setSpacing(6)
        row.addWidget(self.mark, 0, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.text)
        row.addLayout(column, 1)

        ev = entry.evidence
        if entry.hit and ev is not None and ev.start is not None:
            button = QToolButton(self)
            button.setText(f"▶ {fmt_clock(ev.start)}")
            button.setAutoRaise(True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setToolTip(f"Play from {fmt_clock(ev.start)}, where you said it")
            button.setAccessibleName(f"Play from {fmt_clock(ev.start)}: {entry.label}")
            button.setProperty("seconds", ev.start)
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            self.time_button = button
        if self.status == "missed":
            self.mark_button = MarkButton(self)
            self.mark_button.setCheckable(True)
            self.mark_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            self.mark_button.setCursor(Qt.CursorShape.PointingHandCursor)
            # Under the item's words, not beside them: the checklist column is narrow in History.
            column.addWidget(self.mark_button, 0, Qt.AlignmentFlag.AlignLeft)
            self.set_marked(marked)

    def set_marked(self, marked: bool) -> None:
        """Show the candidate's own mark on this missed item (or take it off). The button is not toggled
        from here without a change, so no click is reported back."""
        button = self.mark_button
        if button is None:
            return
        self.marked = marked
        if button.isChecked() != marked:
            button.blockSignals(True)
            button.setChecked(marked)
            button.blockSignals(False)
        button.setText(UNMARK_BUTTON_TEXT if marked else MARK_BUTTON_TEXT)
        button.setAccessibleName(
            f"Take back your mark: {self.entry.label}" if marked else f"I made this point: {self.entry.label}"
        )
        button.setToolTip(
            "Take back your mark; the scorer's coverage never changed"
            if marked
            else "Mark this point as covered by you: the scorer's coverage stays as it is"
        )
        colours = self._colours
        if marked:
            status = "Marked covered by you"
            self.mark.setStyleSheet(f"color: {colours.text.name()};")
            self.mark.setText(
                f'<div style="color:{colours.text.name()};">✓</div>'
                f'<div style="color:{colours.text.name()}; font-size:small; font-weight:600;">you</div>'
            )
            self._detail_html = html.escape(MARKED_TEXT, quote=False)
            self._detail_text = MARKED_TEXT
        else:
            status = "Missed"
            self.mark.setText(_MARKS["missed"])
            self.mark.setStyleSheet(f"color: {colours.bad.name()};")
            self._detail_html = self.detail_html(self.entry, colours)
            self._detail_text = self.detail_plain(self.entry)
        self._status_text = status
        self.mark.setAccessibleName(status)
        self.mark.setToolTip(status)
        self.setAccessibleName(f"{status}: {self.entry.label}")
        self._show_text("font-weight:600;" if marked else "")

    def _show_text(self, weight: str) -> None:
        self.text.setText(
            f'<div style="{weight}">{html.escape(self.entry.label)}</div>'
            f'<div style="margin-top:2px;">{self._detail_html}</div>'
        )
        self.text.setAccessibleName(f"{self.entry.label}. {self.detail_text()}")

    @staticmethod
    def detail_html(entry: ChecklistResult, colours: ReviewColours) -> str:
        muted = colours.muted.name()
        if entry.hit:
            # The same sentence as the terminal report and exports (core.matching.explain).
            return html.escape(entry.why, quote=False)
        # A wording the matcher credited and the second opinion overruled: say so, so the candidate can
        # mark the point if they did make it.
        doubt = f"{html.escape(entry.doubt, quote=False)} " if entry.doubt else ""
        if entry.example:
            example = html.escape(entry.example)
            return f'{doubt}<span style="color:{muted};">Example answer: </span><i>“{example}”</i>'
        return doubt.strip() or f'<span style="color:{muted};">Not mentioned.</span>'

    @staticmethod
    def detail_plain(entry: ChecklistResult) -> str:
        """:meth:`detail_html` without the markup, built directly: parsing the HTML again is slow per row."""
        if entry.hit:
            return entry.why
        doubt = f"{entry.doubt} " if entry.doubt else ""
        if entry.example:
            return f"{doubt}Example answer: “{entry.example}”"
        return doubt.strip() or "Not mentioned."

    def detail_text(self) -> str:
        """The detail line as plain text."""
        return self._detail_text


class ChecklistView(QWidget):
    """All checklist items of one report. ``set_report(report)``; ``seekRequested(seconds)``."""

    seekRequested = Signal(float)
    #: The candidate marked a missed item as covered (True) or took the mark back (False): item id, state.
    markToggled = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Checklist")
        self._report: rd.Report | None = None
        self._entries: list[ChecklistResult] = []
        self._marked: set[str] = set()
        self._recovered: Mapping[str, ChecklistResult] = {}
        self._rows: list[ChecklistRow] = []
        self._pending: list[ChecklistResult] = []
        self.heading = QLabel("Checklist", self)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.heading.setFont(font)
        self.heading.setAccessibleName("Checklist heading")
        self.heading.setWordWrap(True)  # "…, 1 marked by you" must not widen a narrow column
        self._rows_box = QVBoxLayout()
        self._rows_box.setContentsMargins(0, 0, 0, 0)
        self._rows_box.setSpacing(0)
        self.empty = QLabel("No checklist for this answer.", self)
        self.empty.setAccessibleName("No checklist")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addLayout(self._rows_box)
        layout.addWidget(self.empty)

    def set_report(
        self, report: rd.Report | None, recovered: Mapping[str, ChecklistResult] | None = None
    ) -> None:
        """Show every item of ``report`` (None clears) at once."""
        self.start_report(report, recovered)
        self.add_rows()

    def start_report(
        self, report: rd.Report | None, recovered: Mapping[str, ChecklistResult] | None = None
    ) -> None:
        """Replace the shown report by ``report``: heading now, rows by :meth:`add_rows` (in pieces, so a long
        checklist never holds the event loop). ``recovered`` maps the items a follow-up answer covered (and
        the main answer missed) to their result in that follow-up."""
        self._report = report
        self._recovered = dict(recovered or {})
        for row in self._rows:
            self._rows_box.removeWidget(row)
            row.hide()  # at once: deleteLater waits for the event loop, and a grab or paint may come first
            row.deleteLater()
        self._rows = []
        read = rd.as_report(report) if report is not None else None
        entries = list(read.checklist) if read is not None else []
        self._entries = entries
        self._marked = set(read.marked_by_you) if read is not None else set()
        self._update_heading()
        self.empty.setVisible(not entries)
        self._pending = entries

    def _update_heading(self) -> None:
        entries = self._entries
        hits = sum(1 for e in entries if e.hit)
        later = sum(1 for e in entries if not e.hit and e.id in self._recovered)
        mine = sum(1 for e in entries if not e.hit and e.id not in self._recovered and e.id in self._marked)
        after = f", {later} after follow-up" if later else ""
        yours = f", {mine} marked by you" if mine else ""
        self.heading.setText(
            f"Checklist — {hits} of {len(entries)} covered{after}{yours}" if entries else "Checklist"
        )

    def set_marked(self, item_id: str, marked: bool) -> None:
        """Show (or take off) the candidate's mark on a missed item; no signal is emitted."""
        if marked:
            self._marked.add(item_id)
        else:
            self._marked.discard(item_id)
        for row in self._rows:
            if row.entry.id == item_id:
                row.set_marked(marked)
        self._update_heading()

    def marked(self) -> tuple[str, ...]:
        """The items shown as marked by the candidate, in checklist order."""
        return tuple(e.id for e in self._entries if e.id in self._marked)

    def add_rows(self, limit: int | None = None) -> bool:
        """Add up to ``limit`` (default: all) of the rows still to show; True while some remain."""
        count = len(self._pending) if limit is None else max(0, limit)
        batch, self._pending = self._pending[:count], self._pending[count:]
        for entry in batch:
            recovered = None if entry.hit else self._recovered.get(entry.id)
            row = ChecklistRow(entry, self, recovered_by=recovered, marked=entry.id in self._marked)
            if row.time_button is not None:
                seconds = float(row.time_button.property("seconds"))
                row.time_button.clicked.connect(lambda _=False, s=seconds: self.seekRequested.emit(s))
            if row.mark_button is not None:
                row.mark_button.toggled.connect(lambda on, item=entry.id: self._on_mark(item, on))
            self._rows_box.addWidget(row)
            self._rows.append(row)
        return bool(self._pending)

    def _on_mark(self, item_id: str, marked: bool) -> None:
        self.set_marked(item_id, marked)
        self.markToggled.emit(item_id, marked)

    @property
    def pending_rows(self) -> int:
        return len(self._pending)

    def clear(self) -> None:
        self.set_report(None)

    def rows(self) -> list[ChecklistRow]:
        return list(self._rows)

    def row(self, item_id: str) -> ChecklistRow:
        for row in self._rows:
            if row.entry.id == item_id:
                return row
        raise KeyError(item_id)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._report is not None:
            marked = set(self._marked)
            self.set_report(self._report, self._recovered)
            for item_id in marked:  # the shown marks, also those not yet in the report given
                self.set_marked(item_id, True)
