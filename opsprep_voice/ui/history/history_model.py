"""Item model of the history: sessions with their attempts (a two-level tree), or a flat list of attempts.

Built for large histories (10,000 attempts): one light ``AttemptRecord`` per row (no JSON), no widget per row,
and sorting done here on the Python lists (:meth:`HistoryModel.sort`, called by the view's header) instead of
a ``QSortFilterProxyModel`` asking :meth:`HistoryModel.data` for every row. A row's cell texts are formatted
once, when the view first asks for that row, and kept until the next :meth:`HistoryModel.set_data`.

The module reads better whole: the columns, their sort keys, the cached cell texts and the Qt model
methods all follow one column layout (``COL_*``) and change together.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeAlias, TypeVar

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from opsprep_voice.storage.records import AttemptRecord, SessionRecord
from opsprep_voice.ui.review.style import fmt_clock

log = logging.getLogger(__name__)

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
KIND_ROLE = Qt.ItemDataRole.UserRole + 3  # "session" | "attempt"

COLUMNS = ("When", "Question", "Coverage", "Length", "Pace", "Fillers", "Status", "Category")
COL_WHEN, COL_QUESTION, COL_COVERAGE, COL_LENGTH, COL_PACE, COL_FILLERS, COL_STATUS, COL_CATEGORY = range(8)
NUMERIC_COLUMNS = (COL_COVERAGE, COL_LENGTH, COL_PACE, COL_FILLERS)

STATUS_TEXT = {
    "recording": "recording…",
    "recorded": "not scored yet",
    "scored": "",
    "failed": "failed",
    "interrupted": "interrupted",
    "cancelled": "cancelled",
}

Index: TypeAlias = QModelIndex | QPersistentModelIndex

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_SORT = int(SORT_ROLE)
_ID = int(ID_ROLE)
_KIND = int(KIND_ROLE)
_ROLES = frozenset((_DISPLAY, _ACCESSIBLE, _TOOLTIP, _FONT, _ALIGN, _SORT, _ID, _KIND))
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable  # built once: flags() runs per row
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_COLUMN_COUNT = len(COLUMNS)


def local_time(value: datetime) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


@dataclass(slots=True, eq=False)
class _SessionNode:
    session: SessionRecord | None
    session_id: int
    started_at: datetime
    attempts: list[AttemptRecord] = field(default_factory=list)  # shown order
    answered: list[AttemptRecord] = field(default_factory=list)  # answered order (before sorting)
    row: int = 0
    texts: tuple[str, ...] | None = None  # display texts per column, made on first use

    def average(self) -> float | None:
        scored = [a.coverage for a in self.attempts if a.coverage is not None]
        return sum(scored) / len(scored) if scored else None


_ROOT = object()  # internal pointer of top-level indexes
_T = TypeVar("_T")


def _attempt_sort_key(column: int) -> Callable[[AttemptRecord], Any]:
    missing = -1.0
    if column == COL_WHEN:
        return lambda a: a.started_at
    if column == COL_QUESTION:
        return lambda a: a.question_number
    if column == COL_CATEGORY:
        return lambda a: a.category
    if column == COL_COVERAGE:
        return lambda a: missing if a.coverage is None else a.coverage
    if column == COL_LENGTH:
        return lambda a: missing if a.duration_s is None else a.duration_s
    if column == COL_PACE:
        return lambda a: missing if a.wpm is None else a.wpm
    if column == COL_FILLERS:
        return lambda a: missing if a.fillers_per_min is None else a.fillers_per_min
    if column == COL_STATUS:
        return lambda a: a.status
    return lambda a: 0


def _sorted(items: list[_T], key: Callable[[_T], Any], descending: bool) -> list[_T]:
    """Top-level rows: stable ascending sort, reversed if descending (ties reversed too, as
    QSortFilterProxyModel orders top-level rows), so descending is the ascending list read backwards."""
    out = sorted(items, key=key)
    if descending:
        out.reverse()
    return out


def _session_sort_key(column: int) -> Callable[[_SessionNode], Any]:
    if column == COL_WHEN:
        return lambda n: n.started_at
    if column == COL_COVERAGE:
        return lambda n: -1.0 if (avg := n.average()) is None else avg
    if column == COL_QUESTION:
        return lambda n: len(n.attempts)
    return lambda n: 0  # no order: stays newest first


class HistoryModel(QAbstractItemModel):
    """``set_data(attempts, sessions, best_ids, question_titles, grouped)``; ``sort(column, order)``."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._grouped = True
        self._nodes: list[_SessionNode] = []  # shown order
        self._base_nodes: list[_SessionNode] = []  # newest first (before sorting)
        self._flat: list[AttemptRecord] = []  # shown order
        self._base_flat: list[AttemptRecord] = []  # newest first, as given
        self._where: dict[int, tuple[_SessionNode | None, int]] = {}  # attempt id -> (node, row)
        self._texts: dict[int, tuple[str, ...]] = {}  # attempt id -> display texts per column
        self._best: set[int] = set()
        self._titles: dict[str, str] = {}
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
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
        self._texts = {}
        self._base_flat = list(attempts)
        nodes: dict[int, _SessionNode] = {}
        for attempt in self._base_flat:
            node = nodes.get(attempt.session_id)
            if node is None:
                session = sessions.get(attempt.session_id)
                started = session.started_at if session else attempt.started_at
                node = _SessionNode(session, attempt.session_id, started)
                nodes[attempt.session_id] = node
            node.answered.append(attempt)
        for node in nodes.values():
            node.answered.reverse()  # answered order inside a session
            node.attempts = node.answered
        self._base_nodes = sorted(nodes.values(), key=lambda n: (n.started_at, n.session_id), reverse=True)
        self._apply_sort()
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort both levels by ``column`` (same order, ties included, as the proxy model this replaces)."""
        self._sort_column, self._sort_order = column, order
        if not self._base_flat:
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        items = [(self._item_at(i), i.column()) for i in old]
        self._apply_sort()
        self.changePersistentIndexList(old, [self._index_of_item(item, column) for item, column in items])
        self.layoutChanged.emit()

    @property
    def grouped(self) -> bool:
        return self._grouped

    def attempt_count(self) -> int:
        return len(self._flat)

    def session_count(self) -> int:
        return len(self._nodes)

    def attempts_in_order(self) -> list[AttemptRecord]:
        """All attempts as listed (sessions in their order, each with its attempts)."""
        if not self._grouped:
            return list(self._flat)
        return [a for node in self._nodes for a in node.attempts]

    # ------------------------------------------------------------------------------------------ lookups
    def attempt_at(self, index: Index) -> AttemptRecord | None:
        if not index.isValid():
            return None
        row = index.row()
        if not self._grouped:
            return self._flat[row] if 0 <= row < len(self._flat) else None
        pointer = index.internalPointer()
        if isinstance(pointer, _SessionNode):
            return pointer.attempts[row] if 0 <= row < len(pointer.attempts) else None
        return None

    def session_at(self, index: Index) -> int | None:
        """Session id of a session row (None for attempt rows)."""
        if not index.isValid() or not self._grouped or index.internalPointer() is not _ROOT:
            return None
        return self._nodes[index.row()].session_id

    def session_attempt_count(self, session_id: int) -> int:
        return next((len(n.attempts) for n in self._nodes if n.session_id == session_id), 0)

    def index_of_attempt(self, attempt_id: int) -> QModelIndex:
        where = self._where.get(attempt_id)
        if where is None:
            return QModelIndex()
        node, row = where
        return self.createIndex(row, 0, _ROOT if node is None else node)

    def index_of_session(self, session_id: int) -> QModelIndex:
        if self._grouped:
            for row, node in enumerate(self._nodes):
                if node.session_id == session_id:
                    return self.createIndex(row, 0, _ROOT)
        return QModelIndex()

    # ------------------------------------------------------------------------------------------ Qt model API
    # These run once per row whenever the view lays out (expandAll over 12,000 rows): kept minimal.
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if row < 0 or not 0 <= column < _COLUMN_COUNT:
            return QModelIndex()
        if not parent.isValid():
            count = len(self._nodes) if self._grouped else len(self._flat)
            return self.createIndex(row, column, _ROOT) if row < count else QModelIndex()
        if self._grouped and parent.internalPointer() is _ROOT and parent.column() == 0:
            node = self._nodes[parent.row()]
            return self.createIndex(row, column, node) if row < len(node.attempts) else QModelIndex()
        return QModelIndex()

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override,unused-ignore]  # noqa: B008
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

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        if not parent.isValid():
            return bool(self._nodes if self._grouped else self._flat)
        return self._grouped and parent.column() == 0 and parent.internalPointer() is _ROOT

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return _COLUMN_COUNT

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _ROW_FLAGS if index.isValid() else _NO_FLAGS

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        role = int(role)
        if role not in _ROLES or not index.isValid():
            return None
        attempt = self.attempt_at(index)
        if attempt is not None:
            return self._attempt_data(attempt, index.column(), role)
        if self._grouped and index.internalPointer() is _ROOT:
            return self._session_data(self._nodes[index.row()], index.column(), role)
        return None

    # ------------------------------------------------------------------------------------------ cells
    def _session_data(self, node: _SessionNode, column: int, role: int) -> Any:
        if role in (_DISPLAY, _ACCESSIBLE):
            if node.texts is None:
                node.texts = self._session_texts(node)
            return node.texts[column]
        if role == _FONT:
            return self._bold
        if role == _ID:
            return node.session_id
        if role == _KIND:
            return "session"
        if role == _SORT:
            if column not in (COL_WHEN, COL_COVERAGE, COL_QUESTION):
                return ""
            value = _session_sort_key(column)(node)
            return value.timestamp() if isinstance(value, datetime) else value
        if role == _TOOLTIP:
            return f"Session {node.session_id}, started {local_time(node.started_at)}"
        return None

    def _attempt_data(self, a: AttemptRecord, column: int, role: int) -> Any:
        if role in (_DISPLAY, _ACCESSIBLE):
            texts = self._texts.get(a.id)
            if texts is None:
                texts = self._texts[a.id] = self._attempt_texts(a)
            if role == _ACCESSIBLE and column == COL_QUESTION and a.id in self._best:
                return texts[column].replace("★", "Best attempt:")
            return texts[column]
        if role == _ALIGN:
            return _RIGHT if column in NUMERIC_COLUMNS else None
        if role == _FONT:
            return self._bold if column == COL_QUESTION and a.id in self._best else None
        if role == _ID:
            return a.id
        if role == _KIND:
            return "attempt"
        if role == _SORT:
            value = _attempt_sort_key(column)(a)
            return value.timestamp() if isinstance(value, datetime) else value
        if role == _TOOLTIP:
            if column == COL_QUESTION:
                title = self._titles.get(a.question_id) or a.question_text
                return (f"★ Best attempt at this question\n{title}" if a.id in self._best else title) or None
            if column == COL_STATUS and a.error:
                return a.error
            if column == COL_STATUS and a.status == "interrupted":
                return "The app closed while recording; the audio was kept. Select it to transcribe it now."
        return None

    @staticmethod
    def _session_texts(node: _SessionNode) -> tuple[str, ...]:
        session = node.session
        title = session.title if session and session.title else "Session"
        mode = f" · {session.mode}" if session and session.mode else ""
        count = len(node.attempts)
        average = node.average()
        texts = [""] * len(COLUMNS)
        texts[COL_WHEN] = local_time(node.started_at)
        texts[COL_QUESTION] = f"{title}{mode} · {count} answer{'s' if count != 1 else ''}"
        texts[COL_COVERAGE] = f"avg {average:.0%}" if average is not None else ""
        return tuple(texts)

    def _attempt_texts(self, a: AttemptRecord) -> tuple[str, ...]:
        best = a.id in self._best
        title = self._titles.get(a.question_id) or a.question_text or a.question_id
        texts = [""] * len(COLUMNS)
        texts[COL_WHEN] = local_time(a.started_at)
        texts[COL_QUESTION] = f"{'★ ' if best else ''}Q{a.question_number} · {title}"
        texts[COL_CATEGORY] = a.category.replace("-", " ")
        texts[COL_COVERAGE] = f"{a.coverage:.0%}" if a.coverage is not None else "–"
        texts[COL_LENGTH] = fmt_clock(a.duration_s) if a.duration_s is not None else "–"
        texts[COL_PACE] = f"{a.wpm:.0f} wpm" if a.wpm is not None else "–"
        texts[COL_FILLERS] = f"{a.fillers_per_min:.1f}/min" if a.fillers_per_min is not None else "–"
        texts[COL_STATUS] = STATUS_TEXT.get(a.status, a.status)
        return tuple(texts)

    # ------------------------------------------------------------------------------------------ sorting
    def _apply_sort(self) -> None:
        column = self._sort_column
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        if 0 <= column < len(COLUMNS):
            attempt_key = _attempt_sort_key(column)
            self._flat = _sorted(self._base_flat, attempt_key, descending)
            self._nodes = _sorted(self._base_nodes, _session_sort_key(column), descending)
            for node in self._nodes:
                node.attempts = sorted(
                    node.answered, key=attempt_key, reverse=descending
                )  # ties: as answered
        else:
            self._flat = list(self._base_flat)
            self._nodes = list(self._base_nodes)
            for node in self._nodes:
                node.attempts = node.answered
        where: dict[int, tuple[_SessionNode | None, int]] = {}
        if self._grouped:
            for row, node in enumerate(self._nodes):
                node.row = row
                for child, attempt in enumerate(node.attempts):
                    where[attempt.id] = (node, child)
        else:
            for row, attempt in enumerate(self._flat):
                where[attempt.id] = (None, row)
        self._where = where

    def _item_at(self, index: Index) -> AttemptRecord | _SessionNode | None:
        attempt = self.attempt_at(index)
        if attempt is not None:
            return attempt
        if self._grouped and index.isValid() and index.internalPointer() is _ROOT:
            return self._nodes[index.row()]
        return None

    def _index_of_item(self, item: AttemptRecord | _SessionNode | None, column: int) -> QModelIndex:
        if isinstance(item, _SessionNode):
            return self.createIndex(item.row, column, _ROOT)
        if item is None or item.id not in self._where:
            return QModelIndex()
        node, row = self._where[item.id]
        return self.createIndex(row, column, _ROOT if node is None else node)
