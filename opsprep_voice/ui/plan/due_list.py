"""The plan's questions by due date: today's first (in the order they will be rehearsed), then the upcoming
ones under their day, each with the plan's reason."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from opsprep_voice.core.plan import Plan, QuestionPlan
from opsprep_voice.core.wording import plural
from opsprep_voice.ui.plan.plan_text import day_label, short_title


class DueList(QTreeWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Questions by due date")
        self.setColumnCount(2)
        self.setHeaderLabels(["Question", "Why"])
        self._groups: list[tuple[QTreeWidgetItem, list[QuestionPlan]]] = []
        self.setRootIsDecorated(True)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setWordWrap(False)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(0, 300)

    def set_plan(self, plan: Plan) -> None:
        self.clear()
        self._groups = []
        due = plan.due_today
        self._add_group(f"Today: {plural(len(due), 'question')}" if due else "Today: nothing due", due, True)
        upcoming = [q for q in plan.questions if q.due > plan.today]
        for day, group in groupby(upcoming, key=lambda q: q.due):
            entries = list(group)
            self._add_group(
                f"{_initial_capital(day_label(day, plan.today))}: {plural(len(entries), 'question')}", entries
            )
        self.expandAll()

    def _add_group(self, heading: str, entries: Sequence[QuestionPlan], numbered: bool = False) -> None:
        head = QTreeWidgetItem(self, [heading])
        head.setFirstColumnSpanned(True)
        font = head.font(0)
        font.setBold(True)
        head.setFont(0, font)
        for position, entry in enumerate(entries, 1):
            # Today's are numbered: that is the order the rehearsal asks them in.
            prefix = f"{position}. " if numbered else ""
            item = QTreeWidgetItem(head, [f"{prefix}Q{entry.number} {short_title(entry)}", entry.reason])
            item.setToolTip(0, entry.text)
            item.setToolTip(1, entry.reason)
        self._groups.append((head, list(entries)))

    def groups(self) -> list[tuple[str, list[str]]]:
        """Each heading with the question ids under it, in display order."""
        return [(head.text(0), [q.question_id for q in entries]) for head, entries in self._groups]


def _initial_capital(text: str) -> str:
    return text[:1].upper() + text[1:]  # str.capitalize() would also lower "Mar"
