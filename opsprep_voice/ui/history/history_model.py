"""Item model of the history: sessions with their attempts (a two-level tree), or a flat list of attempts.

Built for large histories: one ``AttemptRecord`` per row (light records without the JSON), values formatted
on demand in :meth:`HistoryModel.data`, no widget per row. 10,000 attempts load in well under a second.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from opsprep_voice.storage.repository import AttemptRecord, SessionRecord
from opsprep_voice.ui.review.style import fmt_clock

log = logging.getLogger(__name__)

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
KIND_ROLE = Qt.ItemDataRole.UserRole + 3  # "session" | "attempt"

COLUMNS = ("When", "Question", "Coverage", "Length", "Pace", "Fillers", "Status", "Category")
COL_WHEN, COL_QUESTION, COL_COVERAGE, COL_LENGTH, COL_PACE, COL_FILLERS, COL_STATUS, COL_CATEGORY = range(8)

STATUS_TEXT = {
    "recording": "recording…",
    "recorded": "not scored yet",
    "scored": "",
    "failed": "failed",
    "interrupted": "interrupted",
}

Index = QModelIndex | QPersistentModelIndex


def local_time(value: datetime) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


@dataclass(slots=True, eq=False)
class _SessionNode:
    session: SessionRecord | None
    session_id: int
    started_at: datetime
    attempts: list[AttemptRecord] = field(default_factory=list)
    row: int = 0


_ROOT = object()  # internal pointer of top-level indexes


class HistoryModel(QAbstractItemModel):
    """``set_data(attempts, sessions, best_ids, question_titles, grouped)``."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._grouped = True
        self._nodes: list[_SessionNode] = []
        self._flat: list[AttemptRecord] = []
        self._best: set[int] = set()
        self._titles: dict[str, str] = {}
        self._bold = QFont()
        self._bold.setBold(True)

    # ---------------------------------------------------------------------------------------------- loading
    def set_data(
        self,
        attempts: Sequence[AttemptRecord],
        sessions: Mapping[int, SessionRecord],
        best_ids: set[int] | Sequence[int],
        question_titles: Mapping[str, str],
        *,
        grouped: bool = True,
    ) -> None:
        """Attempts newest first (as the repository lists them), grouped under their sessions if asked."""
        self.beginResetModel()
        self._grouped = grouped
        self._best = set(best_ids)
        self._titles = dict(question_titles)
        self._flat = list(attempts)
        nodes: dict[int, _SessionNode] = {}
        for attempt in self._flat:
            node = nodes.get(attempt.session_id)
            if node is None:
                session = sessions.get(attempt.session_id)
                started = session.started_at if session else attempt.started_at
                node = _SessionNode(session, attempt.session_id, started)
                nodes[attempt.session_id] = node
            node.attempts.append(attempt)
        for node in nodes.values():
            node.attempts.reverse()  # answered order inside a session
        self._nodes = sorted(nodes.values(), key=lambda n: (n.started_at, n.session_id), reverse=True)
        for row, node in enumerate(self._nodes):
            node.row = row
        self.endResetModel()

    @property
    def grouped(self) -> bool:
        return self._grouped

    def attempt_count(self) -> int:
        return len(self._flat)

    def session_count(self) -> int:
        return len(self._nodes)

    # ------------------------------------------------------------------------------------------ lookups
    def attempt_at(self, index: Index) -> AttemptRecord | None:
        if not index.isValid():
            return None
        pointer = index.internalPointer()
        if not self._grouped:
            return self._flat[index.row()] if 0 <= index.row() < len(self._flat) else None
        if isinstance(pointer, _SessionNode):
            return pointer.attempts[index.row()] if 0 <= index.row() < len(pointer.attempts) else None
        return None

    def session_at(self, index: Index) -> int | None:
        """Session id of a session row (None for attempt rows)."""
        if not index.isValid() or not self._grouped or index.internalPointer() is not _ROOT:
            return None
        return self._nodes[index.row()].session_id

    def session_attempt_count(self, session_id: int) -> int:
        return next((len(n.attempts) for n in self._nodes if n.session_id == session_id), 0)

    def index_of_attempt(self, attempt_id: int) -> QModelIndex:
        if not self._grouped:
            for row, attempt in enumerate(self._flat):
                if attempt.id == attempt_id:
                    return self.createIndex(row, 0, _ROOT)
            return QModelIndex()
        for node in self._nodes:
            for row, attempt in enumerate(node.attempts):
                if attempt.id == attempt_id:
                    return self.createIndex(row, 0, node)
        return QModelIndex()

    def index_of_session(self, session_id: int) -> QModelIndex:
        if self._grouped:
            for row, node in enumerate(self._nodes):
                if node.session_id == session_id:
                    return self.createIndex(row, 0, _ROOT)
        return QModelIndex()

    # ------------------------------------------------------------------------------------------ Qt model API
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column < 0 or column >= len(COLUMNS) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            count = len(self._nodes) if self._grouped else len(self._flat)
            return self.createIndex(row, column, _ROOT) if row < count else QModelIndex()
        if self._grouped and parent.internalPointer() is _ROOT and parent.column() == 0:
            node = self._nodes[parent.row()]
            return self.createIndex(row, column, node) if row < len(node.attempts) else QModelIndex()
        return QModelIndex()

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        pointer = index.internalPointer()
        if isinstance(pointer, _SessionNode):
            return self.createIndex(pointer.row, 0, _ROOT)
        return QModelIndex()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._nodes) if self._grouped else len(self._flat)
        if self._grouped and parent.internalPointer() is _ROOT and parent.column() == 0:
            return len(self._nodes[parent.row()].attempts)
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        attempt = self.attempt_at(index)
        if attempt is not None:
            return self._attempt_data(attempt, index.column(), role)
        session_id = self.session_at(index)
        if session_id is not None:
            return self._session_data(self._nodes[index.row()], index.column(), role)
        return None

    # ------------------------------------------------------------------------------------------ cells
    def _session_data(self, node: _SessionNode, column: int, role: int) -> Any:
        if role == ID_ROLE:
            return node.session_id
        if role == KIND_ROLE:
            return "session"
        scored = [a.coverage for a in node.attempts if a.coverage is not None]
        if role == Qt.ItemDataRole.FontRole:
            return self._bold
        if role == SORT_ROLE:
            if column == COL_WHEN:
                return node.started_at.timestamp()
            if column == COL_COVERAGE:
                return sum(scored) / len(scored) if scored else -1.0
            if column == COL_QUESTION:
                return len(node.attempts)
            return ""
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if column == COL_WHEN:
                return local_time(node.started_at)
            if column == COL_QUESTION:
                session = node.session
                title = session.title if session and session.title else "Session"
                mode = f" · {session.mode}" if session and session.mode else ""
                count = len(node.attempts)
                return f"{title}{mode} · {count} answer{'s' if count != 1 else ''}"
            if column == COL_COVERAGE and scored:
                return f"avg {sum(scored) / len(scored):.0%}"
            return ""
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Session {node.session_id}, started {local_time(node.started_at)}"
        return None

    def _attempt_data(self, a: AttemptRecord, column: int, role: int) -> Any:
        if role == ID_ROLE:
            return a.id
        if role == KIND_ROLE:
            return "attempt"
        best = a.id in self._best
        if role == SORT_ROLE:
            return self._sort_value(a, column)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            text = self._display(a, column, best)
            if role == Qt.ItemDataRole.AccessibleTextRole and column == COL_QUESTION and best:
                return text.replace("★", "Best attempt:")
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == COL_QUESTION:
                title = self._titles.get(a.question_id) or a.question_text
                return (f"★ Best attempt at this question\n{title}" if best else title) or None
            if column == COL_STATUS and a.error:
                return a.error
            if column == COL_STATUS and a.status == "interrupted":
                return "The app closed while recording; the audio was kept. Select it to transcribe it now."
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            COL_COVERAGE,
            COL_LENGTH,
            COL_PACE,
            COL_FILLERS,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and best and column == COL_QUESTION:
            return self._bold
        return None

    def _display(self, a: AttemptRecord, column: int, best: bool) -> str:
        if column == COL_WHEN:
            return local_time(a.started_at)
        if column == COL_QUESTION:
            title = self._titles.get(a.question_id) or a.question_text or a.question_id
            return f"{'★ ' if best else ''}Q{a.question_number} · {title}"
        if column == COL_CATEGORY:
            return a.category.replace("-", " ")
        if column == COL_COVERAGE:
            return f"{a.coverage:.0%}" if a.coverage is not None else "–"
        if column == COL_LENGTH:
            return fmt_clock(a.duration_s) if a.duration_s is not None else "–"
        if column == COL_PACE:
            return f"{a.wpm:.0f} wpm" if a.wpm is not None else "–"
        if column == COL_FILLERS:
            return f"{a.fillers_per_min:.1f}/min" if a.fillers_per_min is not None else "–"
        if column == COL_STATUS:
            return STATUS_TEXT.get(a.status, a.status)
        return ""

    @staticmethod
    def _sort_value(a: AttemptRecord, column: int) -> Any:
        missing = -1.0
        if column == COL_WHEN:
            return a.started_at.timestamp()
        if column == COL_QUESTION:
            return a.question_number
        if column == COL_CATEGORY:
            return a.category
        if column == COL_COVERAGE:
            return a.coverage if a.coverage is not None else missing
        if column == COL_LENGTH:
            return a.duration_s if a.duration_s is not None else missing
        if column == COL_PACE:
            return a.wpm if a.wpm is not None else missing
        if column == COL_FILLERS:
            return a.fillers_per_min if a.fillers_per_min is not None else missing
        if column == COL_STATUS:
            return a.status
        return ""
