"""The plan's two settings as controls: the interview date (or none) and new questions a day.

Shown on the start screen's plan choice and on the Plan screen; :attr:`PlanOptions.changed` fires when
the candidate changes either, and the owner saves them (``PlanService.save_options``) and rebuilds.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QCheckBox, QDateEdit, QHBoxLayout, QLabel, QSpinBox, QWidget

#: An interview date the candidate sets for the first time starts this far ahead.
DEFAULT_LEAD_DAYS = 14


class PlanOptions(QWidget):
    changed = Signal(object, int)  # interview date or None, new questions a day

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._today = date.today()
        self._values: tuple[date | None, int] = (None, 3)
        self.interview = QCheckBox("Interview on")
        self.interview.setAccessibleName("Plan for an interview date")
        self.interview.setToolTip("With a date, every question is rehearsed at least twice before it")
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("ddd d MMM yyyy")
        self.date.setAccessibleName("Interview date")
        self.date.setEnabled(False)
        self.countdown = QLabel("")
        self.countdown.setAccessibleName("Days to the interview")
        self.new_per_day = QSpinBox()
        self.new_per_day.setRange(1, 24)
        self.new_per_day.setAccessibleName("New questions a day")
        self.new_per_day.setToolTip("How many questions you have not answered yet the plan adds each day")
        new_label = QLabel("New questions a day:")
        new_label.setBuddy(self.new_per_day)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.interview)
        lay.addWidget(self.date)
        lay.addWidget(self.countdown)
        lay.addSpacing(16)
        lay.addWidget(new_label)
        lay.addWidget(self.new_per_day)
        lay.addStretch(1)
        self.set_values(None, 3, self._today)
        self.interview.toggled.connect(self._interview_toggled)
        self.date.dateChanged.connect(lambda _d: self._changed())
        self.new_per_day.valueChanged.connect(lambda _v: self._changed())

    def set_values(self, interview_date: date | None, new_per_day: int, today: date) -> None:
        """Show saved settings (no :attr:`changed`)."""
        self._today = today
        for widget in (self.interview, self.date, self.new_per_day):
            widget.blockSignals(True)
        # A past date is allowed on screen (the plan ignores it) so a saved one is not silently moved.
        earliest = min(today, interview_date) if interview_date else today
        self.date.setMinimumDate(QDate(earliest.year, earliest.month, earliest.day))
        shown = interview_date or today + timedelta(days=DEFAULT_LEAD_DAYS)
        self.date.setDate(QDate(shown.year, shown.month, shown.day))
        self.interview.setChecked(interview_date is not None)
        self.date.setEnabled(interview_date is not None)
        self.new_per_day.setValue(new_per_day)
        for widget in (self.interview, self.date, self.new_per_day):
            widget.blockSignals(False)
        self._values = (interview_date, new_per_day)
        self._show_countdown()

    def interview_date(self) -> date | None:
        if not self.interview.isChecked():
            return None
        d = self.date.date()
        return date(d.year(), d.month(), d.day())

    def set_interview_date(self, day: date | None) -> None:
        """Set or clear the date as the candidate would (emits :attr:`changed`)."""
        if day is not None:
            self.date.setDate(QDate(day.year, day.month, day.day))
        self.interview.setChecked(day is not None)

    def _interview_toggled(self, on: bool) -> None:
        self.date.setEnabled(on)
        self._changed()

    def _changed(self) -> None:
        self._show_countdown()
        values = (self.interview_date(), self.new_per_day.value())
        if values != self._values:  # e.g. a date picked while "Interview on" is off changes nothing
            self._values = values
            self.changed.emit(*values)

    def _show_countdown(self) -> None:
        day = self.interview_date()
        if day is None:
            self.countdown.setText("")
            return
        days = (day - self._today).days
        self.countdown.setText(
            "(passed)"
            if days < 0
            else "(today)"
            if days == 0
            else f"(in {days} day{'s' if days != 1 else ''})"
        )
