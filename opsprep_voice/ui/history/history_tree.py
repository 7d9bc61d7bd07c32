"""The History screen's list: a QTreeView over a :class:`HistoryModel`, set up to stay fast with 10,000 rows.

The model sorts itself (no proxy asking ``data()`` per row), and the column widths come from font metrics
of the longest texts a column can hold rather than ``ResizeToContents`` (which reads every row).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QAction, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView, QWidget

from opsprep_voice.ui.history.history_model import HistoryModel
from opsprep_voice.ui.history.history_rows import (
    COL_CATEGORY,
    COL_COVERAGE,
    COL_FILLERS,
    COL_LENGTH,
    COL_PACE,
    COL_QUESTION,
    COL_STATUS,
    COL_WHEN,
    COLUMNS,
    STATUS_TEXT,
    WIDEST_COVERAGE,
)

#: Columns hidden until asked for (the header's context menu).
HIDDEN_COLUMNS = frozenset({COL_FILLERS, COL_STATUS, COL_CATEGORY})


class HistoryTree(QTreeView):
    """Sessions and their answers (follow-up answers under their main answer), newest first, several rows
    selectable."""

    def __init__(self, model: HistoryModel, categories: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setAccessibleName("Sessions and answers")
        self.setUniformRowHeights(True)
        self.setSortingEnabled(True)
        self.sortByColumn(COL_WHEN, Qt.SortOrder.DescendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setExpandsOnDoubleClick(True)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)  # the question text gives way, not the numbers
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._fit_columns(categories)
        # The question takes what the numbers leave, so the columns fit the list without a scrollbar.
        header.setSectionResizeMode(COL_QUESTION, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        self._column_menu(header)

    def _column_menu(self, header: QHeaderView) -> None:
        """Right-click on the header shows or hides the columns. Fillers, status and category start hidden
        (the review shows the fillers, the coverage cell an unscored answer's status, the filter bar the
        category): the list keeps room for the question."""
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for column, name in enumerate(COLUMNS):
            if column in (COL_WHEN, COL_QUESTION):
                continue
            action = QAction(f"Show {name.lower()}", header)
            action.setCheckable(True)
            action.setChecked(column not in HIDDEN_COLUMNS)
            action.toggled.connect(lambda shown, c=column: self.setColumnHidden(c, not shown))
            header.addAction(action)
            self.setColumnHidden(column, column in HIDDEN_COLUMNS)

    def select_row(self, index: QModelIndex, *, scroll: bool = False) -> bool:
        """Make the row at ``index`` the only selected (and current) one. False if ``index`` is invalid."""
        if not index.isValid():
            return False
        self.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        if scroll:
            self.scrollTo(index)
        return True

    def selected_rows(self) -> list[QModelIndex]:
        """The selected rows (column 0), in selection order."""
        return self.selectionModel().selectedRows(0)

    def _fit_columns(self, categories: Sequence[str]) -> None:
        """Column widths from font metrics of the longest texts a column can hold (no pass over the rows)."""
        samples: dict[int, list[str]] = {
            COL_WHEN: ["8888-88-88 88:88"],
            COL_COVERAGE: ["avg 100%", WIDEST_COVERAGE, *STATUS_TEXT.values()],
            COL_LENGTH: ["88:88", "–"],
            COL_PACE: ["888 wpm"],
            COL_FILLERS: ["88.8/min"],
            COL_STATUS: [*STATUS_TEXT.values(), "interrupted"],
            COL_CATEGORY: [c.replace("-", " ") for c in categories] or ["category"],
        }
        bold = self.font()
        bold.setBold(True)  # session rows and best answers are bold
        metrics = QFontMetrics(bold)
        header = self.header()
        padding = 2 * self.style().pixelMetric(self.style().PixelMetric.PM_FocusFrameHMargin) + 16
        for column, texts in samples.items():
            width = max(metrics.horizontalAdvance(t) for t in texts) + padding
            # When: an answer's indentation and the expand arrow (a follow-up's text is short).
            if column == COL_WHEN:
                width += 2 * self.indentation()
            header_width = metrics.horizontalAdvance(COLUMNS[column]) + padding
            header.resizeSection(column, max(width, header_width, header.sectionSizeHint(column)))
