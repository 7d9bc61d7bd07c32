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
    FOLLOW_UP_MARK,
    STATUS_TEXT,
    WIDEST_COVERAGE,
)

#: Pixels left beside a column's widest text, beyond the delegate's own margins.
TEXT_AIR = 6
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
        self._coverage_arrows: bool | None = None
        self._fit_columns(categories)
        model.modelReset.connect(self._fit_coverage)
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
        """Column widths from font metrics of the longest texts a column can hold (no pass over the rows),
        each measured in the font and at the depth it is shown with: session rows are bold and at the top,
        answers under them, follow-ups under those. The margin is the one the item delegate leaves, plus a
        few pixels, so that the numbers stay whole and every spare pixel goes to the question."""
        normal = QFontMetrics(self.font())
        bold_font = self.font()
        bold_font.setBold(True)
        bold = QFontMetrics(bold_font)
        indent = self.indentation()  # the root is decorated: a top-level row is indented once too
        widths = {
            COL_WHEN: max(
                indent + bold.horizontalAdvance("8888-88-88 88:88"),  # a session
                indent + normal.horizontalAdvance("8888-88-88 88:88"),  # an answer in the flat list
                2 * indent + normal.horizontalAdvance("88-88 88:88"),  # an answer in a session
                3 * indent + normal.horizontalAdvance(f"{FOLLOW_UP_MARK} follow-up"),  # its follow-up
            ),
            COL_LENGTH: max(normal.horizontalAdvance(t) for t in ("88:88", "–")),
            COL_PACE: normal.horizontalAdvance("888 wpm"),
            COL_FILLERS: normal.horizontalAdvance("88.8/min"),
            COL_STATUS: max(normal.horizontalAdvance(t) for t in (*STATUS_TEXT.values(), "interrupted")),
            COL_CATEGORY: max(
                (normal.horizontalAdvance(c.replace("-", " ")) for c in categories),
                default=normal.horizontalAdvance("category"),
            ),
        }
        for column, width in widths.items():
            self._set_width(column, width)
        self._fit_coverage()

    def _fit_coverage(self) -> None:
        """The coverage column holds "100% → 100%" only while some listed answer had follow-ups; without,
        the narrower session average and status texts leave that room to the question."""
        model = self.model()
        arrows = isinstance(model, HistoryModel) and model.follow_up_count() > 0
        if arrows == self._coverage_arrows:
            return
        self._coverage_arrows = arrows
        normal = QFontMetrics(self.font())
        bold_font = self.font()
        bold_font.setBold(True)
        texts = ["100%", *(t for t in STATUS_TEXT.values() if t)] + ([WIDEST_COVERAGE] if arrows else [])
        width = max(
            QFontMetrics(bold_font).horizontalAdvance("avg 100%"),
            max(normal.horizontalAdvance(t) for t in texts),
        )
        self._set_width(COL_COVERAGE, width)

    def _set_width(self, column: int, text_width: int) -> None:
        """``text_width`` plus the delegate's margins (the style's focus frame margin + 1 on each side, as
        QStyledItemDelegate lays out text) and a little air, at least what the header's title needs."""
        margin = self.style().pixelMetric(self.style().PixelMetric.PM_FocusFrameHMargin) + 1
        header = self.header()
        header.resizeSection(column, max(text_width + 2 * margin + TEXT_AIR, header.sectionSizeHint(column)))
