"""Page objects for the UI tests: ask "which screen is shown?" or "what does this row say?" by name,
not by stack index or table cell.

Each wraps one real widget and only reads it (tests still click and type on the widgets themselves).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QStyle

from opsprep_voice.ui.history.history_model import COL_COVERAGE, COL_QUESTION
from opsprep_voice.ui.history.history_screen import HistoryScreen
from opsprep_voice.ui.main_window import MainWindow
from opsprep_voice.ui.rehearsal.rehearsal_screen import RehearsalScreen
from opsprep_voice.ui.rehearsal.summary_screen import SummaryScreen
from opsprep_voice.ui.review.attempt_view import AttemptView


class ReviewPage:
    """An :class:`AttemptView`: the placeholder or an attempt."""

    def __init__(self, view: AttemptView) -> None:
        self.view = view

    @property
    def shows_placeholder(self) -> bool:
        return self.view.stack.currentWidget() is self.view.placeholder

    @property
    def shows_attempt(self) -> bool:
        return not self.shows_placeholder


class RehearsalPage:
    """The rehearsal screen: the answer page (question, recording, live text) or the review page."""

    def __init__(self, screen: RehearsalScreen) -> None:
        self.screen = screen
        self.review = ReviewPage(screen.review)

    @property
    def shows_review(self) -> bool:
        # The review page is the AttemptView's container (with the "Answer again" / "Next" buttons).
        return self.screen.pages.currentWidget() is self.screen.review.parentWidget()

    @property
    def shows_answer(self) -> bool:
        return not self.shows_review


class SummaryPage:
    """The summary table, one dict per question keyed by the column titles ("Coverage", "Pace", ...)."""

    def __init__(self, screen: SummaryScreen) -> None:
        self.screen = screen

    def rows(self) -> list[dict[str, str]]:
        table = self.screen.table
        titles = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
        return [
            {title: (item.text() if (item := table.item(r, c)) else "") for c, title in enumerate(titles)}
            for r in range(table.rowCount())
        ]

    def shown_titles(self) -> list[str]:
        """The titles of the columns on screen (an empty "With follow-ups" is hidden)."""
        table = self.screen.table
        return [
            table.horizontalHeaderItem(c).text()
            for c in range(table.columnCount())
            if not table.isColumnHidden(c)
        ]


class HistoryPage:
    """The History screen's list: the cells of an answer's row, the session rows, the tabs."""

    def __init__(self, screen: HistoryScreen) -> None:
        self.screen = screen

    def cell(self, attempt_id: int, column: int) -> str:
        """The text shown in ``column`` (a ``history_model.COL_*``) of an answer's row."""
        found = self.screen.model.index_of_attempt(attempt_id)
        text = self.screen.model.index(found.row(), column, found.parent()).data()
        return str(text or "")

    def question_cell(self, attempt_id: int) -> str:
        return self.cell(attempt_id, COL_QUESTION)

    def session_rows(self) -> list[QModelIndex]:
        """The top-level rows (sessions when grouped), in display order."""
        model = self.screen.model
        return [model.index(row, 0) for row in range(model.rowCount())]

    def session_coverage_cells(self) -> list[str]:
        model = self.screen.model
        return [str(model.index(row, COL_COVERAGE).data() or "") for row in range(model.rowCount())]

    def answer_coverages(self, session: QModelIndex) -> list[float | None]:
        """The coverage of each answer under a session row, in display order."""
        model = self.screen.model
        answers = [
            model.attempt_at(model.index(child, 0, session)) for child in range(model.rowCount(session))
        ]
        return [a.coverage if a is not None else None for a in answers]

    def rows(self) -> list[QModelIndex]:
        """Every row of the list (sessions, answers, follow-ups), column 0, in display order."""
        model = self.screen.model
        found: list[QModelIndex] = []

        def walk(parent: QModelIndex) -> None:
            for row in range(model.rowCount(parent)):
                index = model.index(row, 0, parent)
                found.append(index)
                walk(index)

        walk(QModelIndex())
        return found

    def shown_text(self, index: QModelIndex) -> str:
        """The cell's text as the list paints it: elided ("…") to the cell's width less the item delegate's
        margins (the style's focus frame margin + 1 each side), in the cell's font."""
        tree = self.screen.tree
        text = str(index.data() or "")
        font = index.data(Qt.ItemDataRole.FontRole) or tree.font()
        margin = tree.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1
        width = tree.visualRect(index).width() - 2 * margin
        return QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, width)

    def column_width(self, column: int) -> int:
        return self.screen.tree.header().sectionSize(column)

    def shown_columns(self) -> list[int]:
        header = self.screen.tree.header()
        return [c for c in range(header.count()) if not header.isSectionHidden(c)]

    def show_answers_tab(self) -> None:
        self.screen.tabs.setCurrentWidget(self.screen.splitter.parentWidget())  # the list and the detail


class MainWindowPage:
    """The main window: which screen is shown, and page objects for each."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.rehearsal = RehearsalPage(window.rehearsal_screen)
        self.summary = SummaryPage(window.summary_screen)

    @property
    def current(self) -> str:
        """``"start"``, ``"rehearsal"``, ``"summary"``, ``"history"``, ``"plan"`` or ``"other"``."""
        shown = self.window.stack.currentWidget()
        names = {
            "start": self.window.start_screen,
            "rehearsal": self.window.rehearsal_screen,
            "summary": self.window.summary_screen,
            "history": self.window.history_screen,
            "plan": self.window.plan_screen,
        }
        return next(
            (name for name, screen in names.items() if screen is not None and shown is screen), "other"
        )
