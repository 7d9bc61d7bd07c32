"""Item model of the history: sessions with their answers (a tree), or a flat list of answers; a main answer
that had interviewer follow-ups has them as child rows, in the order they were asked.

The module reads better whole: it is one ``QAbstractItemModel`` whose indexes, lookups, cell data and
sorting all follow the same internal-pointer scheme (below) and the row map that sorting rebuilds; what a
cell says is in :mod:`.history_rows`.

Built for large histories (10,000 attempts): one light ``AttemptRecord`` per row (no JSON), no widget per row,
and sorting done here on the Python lists (:meth:`HistoryModel.sort`, called by the view's header) instead of
a ``QSortFilterProxyModel`` asking :meth:`HistoryModel.data` for every row. A row's cell texts (see
:mod:`.history_rows`) are formatted once, when the view first asks for that row, and kept until the next
:meth:`HistoryModel.set_data`. Sorting orders sessions and main answers; follow-ups stay in asked order.

An index's internal pointer says which level it is on: ``_ROOT`` for a top-level row (a session, or a main
answer in the flat list), the :class:`SessionNode` for a main answer in a session, the
:class:`FollowUpGroup` for a follow-up answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypeAlias

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from opsprep_voice.storage.records import AttemptRecord, SessionRecord
from opsprep_voice.ui.history.history_rows import (
    COL_COVERAGE,
    COL_QUESTION,
    COL_STATUS,
    COL_WHEN,
    COLUMNS,
    NUMERIC_COLUMNS,
    STATUS_TEXT,
    FollowUpGroup,
    SessionNode,
    accessible_coverage,
    attempt_sort_key,
    attempt_texts,
    coverage_tooltip,
    follow_up_texts,
    local_time,
    session_sort_key,
    session_texts,
    sorted_rows,
)

__all__ = ["COLUMNS", "COL_COVERAGE", "COL_QUESTION", "COL_WHEN", "STATUS_TEXT", "HistoryModel", "local_time"]

log = logging.getLogger(__name__)

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
KIND_ROLE = Qt.ItemDataRole.UserRole + 3  # "session" | "attempt" | "follow-up"

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

_ROOT = object()  # internal pointer of top-level indexes
_Parent: TypeAlias = "SessionNode | FollowUpGroup | None"  # where a row lives (None: top level)


class HistoryModel(QAbstractItemModel):
    """``set_data(attempts, sessions, best_ids, titles, grouped=, follow_ups=)``; ``sort(column, order)``."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._grouped = True
        self._nodes: list[SessionNode] = []  # shown order
        self._base_nodes: list[SessionNode] = []  # newest first (before sorting)
        self._flat: list[AttemptRecord] = []  # shown order
        self._base_flat: list[AttemptRecord] = []  # newest first, as given
        self._groups: dict[int, FollowUpGroup] = {}  # main attempt id -> its follow-up rows
        self._where: dict[int, tuple[_Parent, int]] = {}  # attempt id -> (parent, row)
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
        follow_ups: Mapping[int, Sequence[AttemptRecord]] | None = None,
    ) -> None:
        """Main answers newest first (as the repository lists them), grouped under their sessions if asked,
        each with its ``follow_ups`` (main id -> follow-ups in asked order). Follow-ups found in
        ``attempts`` are moved under their main answer too; one whose main answer is not listed is left out.
        """
        self.beginResetModel()
        self._grouped = grouped
        self._best = set(best_ids)
        self._titles = dict(question_titles)
        self._texts = {}
        self._base_flat = [a for a in attempts if a.follow_up_of is None]
        listed = {a.id for a in self._base_flat}
        children: dict[int, list[AttemptRecord]] = {k: list(v) for k, v in (follow_ups or {}).items()}
        known = {f.id for given in children.values() for f in given}
        for a in attempts:
            if a.follow_up_of is not None and a.id not in known:
                children.setdefault(a.follow_up_of, []).append(a)
        for given in children.values():
            given.sort(key=lambda f: (f.started_at, f.id))  # the order they were asked
        mains = {a.id: a for a in self._base_flat}
        self._groups = {i: FollowUpGroup(mains[i], f) for i, f in children.items() if i in listed and f}
        nodes: dict[int, SessionNode] = {}
        for attempt in self._base_flat:
            node = nodes.get(attempt.session_id)
            if node is None:
                session = sessions.get(attempt.session_id)
                started = session.started_at if session else attempt.started_at
                node = SessionNode(session, attempt.session_id, started)
                nodes[attempt.session_id] = node
            node.answered.append(attempt)
        for node in nodes.values():
            node.answered.reverse()  # answered order inside a session
            node.attempts = node.answered
        self._base_nodes = sorted(nodes.values(), key=lambda n: (n.started_at, n.session_id), reverse=True)
        self._apply_sort()
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort both levels by ``column``; a stable sort, so a re-sort never shuffles equal rows."""
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
        """Main answers listed (their follow-ups: :meth:`follow_up_count`)."""
        return len(self._flat)

    def follow_up_count(self) -> int:
        return sum(len(g.follow_ups) for g in self._groups.values())

    def session_count(self) -> int:
        return len(self._nodes)

    def attempts_in_order(self) -> list[AttemptRecord]:
        """All main answers as listed (sessions in their order, each with its answers)."""
        if not self._grouped:
            return list(self._flat)
        return [a for node in self._nodes for a in node.attempts]

    def follow_ups_of(self, attempt_id: int) -> list[AttemptRecord]:
        """The follow-up rows under a main answer (none for other ids)."""
        group = self._groups.get(attempt_id)
        return list(group.follow_ups) if group is not None else []

    # ------------------------------------------------------------------------------------------ lookups
    def attempt_at(self, index: Index) -> AttemptRecord | None:
        """The main answer or follow-up answer at ``index`` (None for a session row)."""
        if not index.isValid():
            return None
        row = index.row()
        pointer = index.internalPointer()
        if isinstance(pointer, SessionNode):
            return pointer.attempts[row] if 0 <= row < len(pointer.attempts) else None
        if isinstance(pointer, FollowUpGroup):
            return pointer.follow_ups[row] if 0 <= row < len(pointer.follow_ups) else None
        if not self._grouped:
            return self._flat[row] if 0 <= row < len(self._flat) else None
        return None

    def session_at(self, index: Index) -> int | None:
        """Session id of a session row (None for attempt rows)."""
        if not index.isValid() or not self._grouped or index.internalPointer() is not _ROOT:
            return None
        return self._nodes[index.row()].session_id

    def session_attempt_count(self, session_id: int) -> int:
        return next((len(n.attempts) for n in self._nodes if n.session_id == session_id), 0)

    def session_follow_up_count(self, session_id: int) -> int:
        node = next((n for n in self._nodes if n.session_id == session_id), None)
        return 0 if node is None else sum(len(self.follow_ups_of(a.id)) for a in node.attempts)

    def index_of_attempt(self, attempt_id: int) -> QModelIndex:
        where = self._where.get(attempt_id)
        if where is None:
            return QModelIndex()
        parent, row = where
        return self.createIndex(row, 0, _ROOT if parent is None else parent)

    def index_of_session(self, session_id: int) -> QModelIndex:
        if self._grouped:
            for row, node in enumerate(self._nodes):
                if node.session_id == session_id:
                    return self.createIndex(row, 0, _ROOT)
        return QModelIndex()

    # ------------------------------------------------------------------------------------------ Qt model API
    # These run once per row whenever the view lays out (expandAll over 12,000 rows): kept minimal.
    def _group_under(self, parent: Index) -> FollowUpGroup | None:
        """The follow-ups under ``parent`` if it is a main answer's first cell."""
        if parent.column() != 0:
            return None
        pointer = parent.internalPointer()
        if isinstance(pointer, SessionNode):
            attempts = pointer.attempts
        elif pointer is _ROOT and not self._grouped:
            attempts = self._flat
        else:
            return None
        row = parent.row()
        return self._groups.get(attempts[row].id) if 0 <= row < len(attempts) else None

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if row < 0 or not 0 <= column < _COLUMN_COUNT:
            return QModelIndex()
        if not parent.isValid():
            count = len(self._nodes) if self._grouped else len(self._flat)
            return self.createIndex(row, column, _ROOT) if row < count else QModelIndex()
        if self._grouped and parent.internalPointer() is _ROOT:
            if parent.column() != 0:
                return QModelIndex()
            node = self._nodes[parent.row()]
            return self.createIndex(row, column, node) if row < len(node.attempts) else QModelIndex()
        group = self._group_under(parent)
        if group is not None and row < len(group.follow_ups):
            return self.createIndex(row, column, group)
        return QModelIndex()

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override,unused-ignore]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        pointer = index.internalPointer()
        if isinstance(pointer, SessionNode):
            return self.createIndex(pointer.row, 0, _ROOT)
        if isinstance(pointer, FollowUpGroup):
            return self.createIndex(pointer.row, 0, _ROOT if pointer.node is None else pointer.node)
        return QModelIndex()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._nodes) if self._grouped else len(self._flat)
        if self._grouped and parent.internalPointer() is _ROOT:
            return len(self._nodes[parent.row()].attempts) if parent.column() == 0 else 0
        group = self._group_under(parent)
        return len(group.follow_ups) if group is not None else 0

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        if not parent.isValid():
            return bool(self._nodes if self._grouped else self._flat)
        if self._grouped and parent.internalPointer() is _ROOT:
            return parent.column() == 0
        return self._group_under(parent) is not None

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
    def _session_data(self, node: SessionNode, column: int, role: int) -> Any:
        if role in (_DISPLAY, _ACCESSIBLE):
            if node.texts is None:
                node.texts = session_texts(node)
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
            value = session_sort_key(column)(node)
            return value.timestamp() if isinstance(value, datetime) else value
        if role == _TOOLTIP and column == COL_QUESTION:  # the whole title, which the cell may elide
            return self._session_data(node, column, _DISPLAY)
        if role == _TOOLTIP and column == COL_COVERAGE and node.retaken():
            return "The average of each question's best take, as the rehearsal's summary showed it"
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
            if role == _ACCESSIBLE and column == COL_COVERAGE:
                return accessible_coverage(a)
            return texts[column]
        if role == _ALIGN:
            return _RIGHT if column in NUMERIC_COLUMNS else None
        if role == _FONT:
            return self._bold if column == COL_QUESTION and a.id in self._best else None
        if role == _ID:
            return a.id
        if role == _KIND:
            return "follow-up" if a.follow_up_of is not None else "attempt"
        if role == _SORT:
            value = attempt_sort_key(column)(a)
            return value.timestamp() if isinstance(value, datetime) else value
        if role == _TOOLTIP:
            return self._tooltip(a, column)
        return None

    def _tooltip(self, a: AttemptRecord, column: int) -> str | None:
        if column == COL_QUESTION:
            if a.follow_up_of is not None:
                return f"Follow-up the interviewer asked: {a.probe_prompt or 'no question stored'}"
            title = self._titles.get(a.question_id) or a.question_text
            return (f"★ Best attempt at this question\n{title}" if a.id in self._best else title) or None
        if column == COL_COVERAGE:
            return coverage_tooltip(a)
        if column == COL_STATUS and a.error:
            return a.error
        if column == COL_STATUS and a.status == "interrupted":
            return "The app closed while recording; the audio was kept. Select it to transcribe it now."
        return None

    def _attempt_texts(self, a: AttemptRecord) -> tuple[str, ...]:
        if a.follow_up_of is not None:
            return follow_up_texts(a)
        title = self._titles.get(a.question_id) or a.question_text or a.question_id
        parent = self._where.get(a.id, (None, 0))[0]
        session_start = parent.started_at if isinstance(parent, SessionNode) else None
        return attempt_texts(a, title, a.id in self._best, session_start)

    # ------------------------------------------------------------------------------------------ sorting
    def _apply_sort(self) -> None:
        column = self._sort_column
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        if 0 <= column < len(COLUMNS):
            attempt_key = attempt_sort_key(column)
            self._flat = sorted_rows(self._base_flat, attempt_key, descending)
            self._nodes = sorted_rows(self._base_nodes, session_sort_key(column), descending)
            for node in self._nodes:
                node.attempts = sorted(
                    node.answered, key=attempt_key, reverse=descending
                )  # ties: as answered
        else:
            self._flat = list(self._base_flat)
            self._nodes = list(self._base_nodes)
            for node in self._nodes:
                node.attempts = node.answered
        where: dict[int, tuple[_Parent, int]] = {}
        placed: list[tuple[SessionNode | None, list[AttemptRecord]]]
        if self._grouped:
            for row, node in enumerate(self._nodes):
                node.row = row
            placed = [(n, n.attempts) for n in self._nodes]
        else:
            placed = [(None, self._flat)]
        for parent, attempts in placed:
            for row, attempt in enumerate(attempts):
                where[attempt.id] = (parent, row)
                group = self._groups.get(attempt.id)
                if group is not None:
                    group.node, group.row = parent, row
                    for child, follow_up in enumerate(group.follow_ups):
                        where[follow_up.id] = (group, child)
        self._where = where

    def _item_at(self, index: Index) -> AttemptRecord | SessionNode | None:
        attempt = self.attempt_at(index)
        if attempt is not None:
            return attempt
        if self._grouped and index.isValid() and index.internalPointer() is _ROOT:
            return self._nodes[index.row()]
        return None

    def _index_of_item(self, item: AttemptRecord | SessionNode | None, column: int) -> QModelIndex:
        if isinstance(item, SessionNode):
            return self.createIndex(item.row, column, _ROOT)
        if item is None or item.id not in self._where:
            return QModelIndex()
        parent, row = self._where[item.id]
        return self.createIndex(row, column, _ROOT if parent is None else parent)
