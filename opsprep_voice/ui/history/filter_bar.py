"""The History screen's filter bar: question, category, from/to day, transcript text, grouping, "Clear".

:class:`FilterBar` emits :attr:`FilterBar.changed` with one :class:`HistoryFilter` whenever a control
changes (the free text after :data:`TEXT_DEBOUNCE_MS` of no typing). :meth:`FilterBar.set_filter` sets
every control at once and emits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QDate, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QWidget,
)

from opsprep_voice.core.bank import QuestionBank

#: The date edits' "any day" value (their minimum).
NO_DATE = QDate(2000, 1, 1)
TEXT_DEBOUNCE_MS = 300


@dataclass(frozen=True, slots=True)
class HistoryFilter:
    """Which answers to list (``None``/``""``: any) and whether to group them by session.

    ``since`` and ``until`` are local days, both included; ``text`` is searched in the transcripts.
    """

    question_id: str | None = None
    category: str | None = None
    since: date | None = None
    until: date | None = None
    text: str = ""
    grouped: bool = True

    @property
    def narrows(self) -> bool:
        """True if it leaves some answers out (grouping does not)."""
        return (
            self.question_id is not None
            or self.category is not None
            or self.since is not None
            or self.until is not None
            or bool(self.text.strip())
        )


class FilterBar(QWidget):
    """One row of filter controls for ``bank``'s questions and categories."""

    changed = Signal(object)  # HistoryFilter

    def __init__(self, bank: QuestionBank, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.question_filter = self._question_combo(bank)
        self.category_filter = self._category_combo(bank)
        self.since_edit = self._date_edit("From", "Show answers from this day on")
        self.until_edit = self._date_edit("To", "Show answers up to and including this day")
        self.text_filter = QLineEdit(self)
        self.text_filter.setPlaceholderText("Search transcripts…")
        self.text_filter.setClearButtonEnabled(True)
        self.text_filter.setAccessibleName("Search the transcripts")
        self.group_check = QCheckBox("Group by session", self)
        self.group_check.setChecked(True)
        self.group_check.setAccessibleName("Group answers by session")
        self.reset_button = QToolButton(self)
        self.reset_button.setText("Clear filters")
        self.reset_button.setAccessibleName("Clear all filters")

        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(TEXT_DEBOUNCE_MS)
        self._connect()
        self._lay_out()

    # ----------------------------------------------------------------------------------------- public API
    def value(self) -> HistoryFilter:
        """The filter the controls show now."""
        return HistoryFilter(
            question_id=self.question_filter.currentData(),
            category=self.category_filter.currentData(),
            since=_day(self.since_edit.date()),
            until=_day(self.until_edit.date()),
            text=self.text_filter.text().strip(),
            grouped=self.group_check.isChecked(),
        )

    def set_filter(self, value: HistoryFilter) -> None:
        """Show ``value`` in the controls and emit :attr:`changed` once."""
        controls = self._controls()
        for control in controls:
            control.blockSignals(True)
        self.question_filter.setCurrentIndex(max(0, self.question_filter.findData(value.question_id)))
        self.category_filter.setCurrentIndex(max(0, self.category_filter.findData(value.category)))
        self.since_edit.setDate(_qdate(value.since))
        self.until_edit.setDate(_qdate(value.until))
        self.text_filter.setText(value.text)
        self.group_check.setChecked(value.grouped)
        for control in controls:
            control.blockSignals(False)
        self._text_timer.stop()
        self._emit()

    def clear(self) -> None:
        """Every filter back to "any" (grouping is kept)."""
        self.set_filter(HistoryFilter(grouped=self.group_check.isChecked()))

    # ------------------------------------------------------------------------------------------- internals
    def _emit(self) -> None:
        self.changed.emit(self.value())

    def _connect(self) -> None:
        self._text_timer.timeout.connect(self._emit)
        self.text_filter.textChanged.connect(lambda _t: self._text_timer.start())
        for combo in (self.question_filter, self.category_filter):
            combo.currentIndexChanged.connect(lambda _i: self._emit())
        for edit in (self.since_edit, self.until_edit):
            edit.dateChanged.connect(lambda _d: self._emit())
        self.group_check.toggled.connect(lambda _on: self._emit())
        self.reset_button.clicked.connect(self.clear)

    def _lay_out(self) -> None:
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.question_filter, 2)
        row.addWidget(self.category_filter, 1)
        row.addWidget(QLabel("From", self))
        row.addWidget(self.since_edit)
        row.addWidget(QLabel("to", self))
        row.addWidget(self.until_edit)
        row.addWidget(self.text_filter, 2)
        row.addWidget(self.group_check)
        row.addWidget(self.reset_button)

    def _controls(self) -> tuple[QWidget, ...]:
        return (
            self.question_filter,
            self.category_filter,
            self.since_edit,
            self.until_edit,
            self.text_filter,
            self.group_check,
        )

    def _question_combo(self, bank: QuestionBank) -> QComboBox:
        combo = QComboBox(self)
        combo.setAccessibleName("Filter by question")
        combo.setToolTip("Show answers to one question")
        combo.addItem("All questions", None)
        for q in bank:
            short = q.text if len(q.text) <= 60 else q.text[:57] + "…"
            combo.addItem(f"Q{q.number} · {short}", q.id)
        combo.setMinimumContentsLength(24)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        return combo

    def _category_combo(self, bank: QuestionBank) -> QComboBox:
        combo = QComboBox(self)
        combo.setAccessibleName("Filter by category")
        combo.setToolTip("Show answers in one category")
        combo.addItem("All categories", None)
        for category in bank.categories:
            combo.addItem(category.replace("-", " "), category)
        return combo

    def _date_edit(self, name: str, tip: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setCalendarPopup(True)
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText("any day")
        edit.setDate(NO_DATE)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setAccessibleName(f"{name} date")
        edit.setToolTip(tip + " (clear by choosing the earliest date)")
        return edit


def _day(value: QDate) -> date | None:
    return None if value == NO_DATE else date(value.year(), value.month(), value.day())


def _qdate(value: date | None) -> QDate:
    return QDate(value.year, value.month, value.day) if value else NO_DATE
