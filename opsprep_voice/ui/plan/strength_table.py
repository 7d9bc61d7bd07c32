"""Every question's strength in the plan: how often and how well it was answered, how well FSRS expects it
to be recalled today, when it is due next and which points keep slipping. Sortable by any column (numbers
sort as numbers; never-answered questions sort below answered ones)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from opsprep_voice.core.plan import Plan, QuestionPlan
from opsprep_voice.ui.plan.plan_text import (
    NONE,
    day_label,
    percent,
    short_title,
    stability_text,
    weak_points_text,
)

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole

COLUMNS: tuple[tuple[str, str], ...] = (
    ("#", "The question's number in the bank"),
    ("Question", "The question (hover for its full text)"),
    ("Reps", "Scored answers, retakes included"),
    ("Days", "Days on which you answered it"),
    ("Last", "Coverage of the last answer"),
    ("Best", "Best coverage so far"),
    ("Stability", "FSRS stability: days until your recall is expected to drop to 90%"),
    ("Recall today", "FSRS's estimate of the chance you would recall the question's points today"),
    ("Next due", "When the plan asks for it next"),
    ("Weak points", "Points missed in at least two of the last three days' answers (missed/answers)"),
)
(
    COL_NUMBER,
    COL_QUESTION,
    COL_REPS,
    COL_DAYS,
    COL_LAST,
    COL_BEST,
    COL_STABILITY,
    COL_RECALL,
    COL_DUE,
    COL_WEAK,
) = range(len(COLUMNS))
NUMERIC = {COL_NUMBER, COL_REPS, COL_DAYS, COL_LAST, COL_BEST, COL_STABILITY, COL_RECALL}


def _sort_number(value: float | None) -> float:
    # NaN and "never answered" sort below every real value.
    return -1.0 if value is None or value != value else value


class StrengthModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[QuestionPlan] = []
        self._plan: Plan | None = None

    def set_plan(self, plan: Plan) -> None:
        self.beginResetModel()
        self._plan = plan
        self._rows = sorted(plan.questions, key=lambda q: q.number)
        self.endResetModel()

    def entry(self, row: int) -> QuestionPlan:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section][1]
        return None

    def data(self, index: Index, role: int = 0) -> Any:
        if not index.isValid() or self._plan is None:
            return None
        entry, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(entry, column)
        if role == SORT_ROLE:
            return self._sort_key(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == COL_QUESTION:
                return entry.text
            if column == COL_WEAK:
                return "\n".join(f"{p.label}: missed {p.missed} of {p.of}" for p in entry.weak_points) or None
            if column == COL_DUE:
                return entry.reason
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def text(self, entry: QuestionPlan, column: int) -> str:
        assert self._plan is not None
        today = self._plan.today
        match column:
            case 0:
                return str(entry.number)
            case 1:
                return short_title(entry)
            case 2:
                return str(entry.reps)
            case 3:
                return str(entry.days_rehearsed)
            case 4:
                return percent(entry.last_coverage)
            case 5:
                return percent(entry.best_coverage)
            case 6:
                return stability_text(entry.stability_days)
            case 7:
                return percent(entry.retrievability)
            case 8:
                return day_label(entry.due, today) + (" (new)" if entry.status == "new" else "")
            case 9:
                return weak_points_text(entry) or NONE
        return ""

    def _sort_key(self, entry: QuestionPlan, column: int) -> Any:
        values: dict[int, Any] = {
            COL_NUMBER: entry.number,
            COL_QUESTION: short_title(entry).lower(),
            COL_REPS: entry.reps,
            COL_DAYS: entry.days_rehearsed,
            COL_LAST: _sort_number(entry.last_coverage),
            COL_BEST: _sort_number(entry.best_coverage),
            COL_STABILITY: _sort_number(entry.stability_days),
            COL_RECALL: _sort_number(entry.retrievability),
            COL_DUE: entry.due.toordinal(),
            COL_WEAK: len(entry.weak_points),
        }
        return values[column]


class StrengthTable(QTableView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Question strength")
        self.strength_model = StrengthModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.strength_model)
        self.proxy.setSortRole(SORT_ROLE)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(COL_NUMBER, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.verticalHeader().setVisible(False)
        # Compact rows: the whole bank should fit in view on a laptop screen, or nearly.
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_QUESTION, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_WEAK, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(COL_QUESTION, 280)

    def set_plan(self, plan: Plan) -> None:
        self.strength_model.set_plan(plan)

    def shown_text(self, row: int, column: int) -> str:
        """The text in a cell as displayed (after sorting)."""
        return str(self.proxy.index(row, column).data() or "")
