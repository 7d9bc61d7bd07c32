"""Reading the rehearsal history: sessions with their attempts, filtered lists, follow-ups, the best and
previous scored attempt, progress points and the practice plan's input.

:class:`HistoryQueries` is the read side of :class:`~opsprep_voice.storage.repository.HistoryRepository`,
which owns the connection, its lock and every write; a query holds the same lock while it reads, so a
repository shared between threads never reads half a transaction. The SQL of each query lives here; rows
become records in :mod:`.rows`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from opsprep_voice.core.plan import PlanAttempt
from opsprep_voice.storage.records import (
    AttemptRecord,
    NotFoundError,
    ProgressPoint,
    SessionRecord,
    Status,
)
from opsprep_voice.storage.rows import (
    ATTEMPT_COLUMNS,
    attempt_filter,
    attempt_from_row,
    columns,
    plan_attempt_from_row,
    progress_from_row,
    session_from_row,
)


class HistoryQueries:
    """The history's read-only queries; the repository sets ``root``, ``_conn`` and ``_lock``."""

    root: Path
    _conn: sqlite3.Connection
    _lock: threading.RLock

    def get_session(self, session_id: int) -> SessionRecord:
        with self._lock:
            row = self._conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no session {session_id}")
            session = session_from_row(row)
            session.attempts = self._attempts(
                f"SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE session_id = ? ORDER BY started_at, id",
                (session_id,),
            )
        return session

    def list_sessions(
        self,
        *,
        limit: int | None = None,
        question_id: str | None = None,
        question_number: int | None = None,
        with_json: bool = True,
    ) -> list[SessionRecord]:
        """Sessions newest first, each with its attempts in the order they were answered.

        With ``question_id``/``question_number`` only sessions with such attempts, and only those attempts.
        ``with_json=False`` leaves each attempt's ``transcript`` and ``report`` dicts out (``None``; the
        columns, ``transcript_text`` included, are all there): much faster for long lists.
        """
        where, params = attempt_filter(question_id=question_id, question_number=question_number)
        wanted = " AND ".join(where)
        session_sql = "SELECT * FROM sessions"
        session_params: list[Any] = []
        if wanted:
            session_sql += f" WHERE id IN (SELECT session_id FROM attempts WHERE {wanted})"
            session_params += params
        session_sql += " ORDER BY started_at DESC, id DESC"
        if limit is not None:
            session_sql += " LIMIT ?"
            session_params.append(max(0, int(limit)))
        with self._lock:
            sessions = [session_from_row(r) for r in self._conn.execute(session_sql, session_params)]
            if not sessions:
                return []
            by_id = {s.id: s for s in sessions}
            ids_sql = session_sql.replace("SELECT *", "SELECT id", 1)
            sql = f"SELECT {columns(with_json)} FROM attempts WHERE session_id IN ({ids_sql})"
            if wanted:
                sql += f" AND {wanted}"
            sql += " ORDER BY started_at, id"
            for attempt in self._attempts(sql, [*session_params, *params]):
                by_id[attempt.session_id].attempts.append(attempt)
        return sessions

    def follow_ups(self, attempt_id: int, *, with_json: bool = True) -> list[AttemptRecord]:
        """The follow-up answers of a main attempt, in the order they were asked."""
        with self._lock:
            return self._attempts(
                f"SELECT {columns(with_json)} FROM attempts WHERE follow_up_of = ? ORDER BY started_at, id",
                (attempt_id,),
            )

    def follow_ups_of(
        self, attempt_ids: Sequence[int], *, with_json: bool = False
    ) -> dict[int, list[AttemptRecord]]:
        """The follow-ups of many main attempts in one query: main id -> its follow-ups in the order they
        were asked (mains without any are left out). Light by default (``with_json``: see
        :meth:`list_sessions`), as History lists them."""
        wanted = sorted({int(i) for i in attempt_ids})
        found: dict[int, list[AttemptRecord]] = {}
        if not wanted:
            return found
        # The ids go in as one JSON array: a list of 10,000 mains would pass SQLite's parameter limit.
        sql = (
            f"SELECT {columns(with_json)} FROM attempts WHERE follow_up_of IN "
            "(SELECT value FROM json_each(?)) ORDER BY started_at, id"
        )
        with self._lock:
            for record in self._attempts(sql, (json.dumps(wanted),)):
                found.setdefault(int(record.follow_up_of or 0), []).append(record)
        return found

    def get_attempt(self, attempt_id: int) -> AttemptRecord:
        with self._lock:
            found = self._attempts(f"SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE id = ?", (attempt_id,))
        if not found:
            raise NotFoundError(f"no attempt {attempt_id}")
        return found[0]

    def list_attempts(
        self,
        question_id: str | None = None,
        category: str | None = None,
        since: datetime | date | None = None,
        until: datetime | date | None = None,
        text: str | None = None,
        limit: int | None = None,
        *,
        status: Status | Sequence[Status] | None = None,
        session_id: int | None = None,
        with_json: bool = True,
        follow_ups: bool = True,
    ) -> list[AttemptRecord]:
        """Attempts newest first, filtered (``follow_ups=False``: main answers only; ``text`` then also finds
        a main answer by its follow-up answers' words).

        ``since`` is inclusive, ``until`` exclusive for a datetime; a date means that whole local day.
        ``text`` finds the words in the transcript, ignoring case (ASCII letters).
        ``with_json=False``: see :meth:`list_sessions`.
        """
        where, params = attempt_filter(
            question_id=question_id,
            category=category,
            since=since,
            until=until,
            text=text,
            status=status,
            session_id=session_id,
            follow_ups=follow_ups,
        )
        sql = f"SELECT {columns(with_json)} FROM attempts"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started_at DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(max(0, int(limit)))
        with self._lock:
            return self._attempts(sql, params)

    def previous_scored_attempt(self, attempt_id: int) -> AttemptRecord | None:
        """The last scored attempt at the same question started before this one (light: no JSON), if any."""
        with self._lock:
            row = self._conn.execute(
                "SELECT question_id, started_at FROM attempts WHERE id = ?", (attempt_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no attempt {attempt_id}")
            found = self._attempts(
                f"SELECT {columns(False)} FROM attempts WHERE question_id = ? AND status = 'scored' "
                "AND follow_up_of IS NULL "
                "AND (started_at < ? OR (started_at = ? AND id < ?)) "
                "ORDER BY started_at DESC, id DESC LIMIT 1",
                (row["question_id"], row["started_at"], row["started_at"], attempt_id),
            )
        return found[0] if found else None

    def best_attempt_ids(self) -> dict[str, int]:
        """Per question id, the scored attempt with the highest coverage (a tie goes to the newer one)."""
        sql = """
            SELECT question_id, id FROM (
                SELECT question_id, id, ROW_NUMBER() OVER (
                    PARTITION BY question_id ORDER BY coverage DESC, started_at DESC, id DESC
                ) AS rank
                FROM attempts WHERE status = 'scored' AND coverage IS NOT NULL AND follow_up_of IS NULL
            ) WHERE rank = 1
        """
        with self._lock:
            return {row["question_id"]: int(row["id"]) for row in self._conn.execute(sql)}

    def progress(self, question_id: str | None = None) -> list[ProgressPoint]:
        """Scored main attempts oldest first (one question, or all), for the progress charts."""
        sql = (
            "SELECT id, question_id, started_at, coverage, wpm, fillers_per_min, duration_s, "
            "coverage_with_follow_ups FROM attempts WHERE status = 'scored' AND follow_up_of IS NULL"
        )
        params: list[Any] = []
        if question_id is not None:
            sql += " AND question_id = ?"
            params.append(question_id)
        sql += " ORDER BY started_at, id"
        with self._lock:
            rows = self._conn.execute(sql, params).fetchall()
        return [progress_from_row(r) for r in rows]

    def plan_attempts(self) -> list[PlanAttempt]:
        """Scored main answers oldest first, as the practice plan reads them (missed items included).

        The missed items are kept in their own small column when a score is saved, so the reports (tens
        of kB each) are not read at all.
        """
        sql = """
            SELECT question_id, started_at, coverage, coverage_with_follow_ups, duration_s, fillers_per_min,
                   missed_items AS missed,
                   (SELECT group_concat(item_id, ' ') FROM item_marks
                     WHERE item_marks.attempt_id = attempts.id) AS marked
              FROM attempts
             WHERE status = 'scored' AND follow_up_of IS NULL AND coverage IS NOT NULL
             ORDER BY started_at, id
        """
        with self._lock:
            rows = self._conn.execute(sql).fetchall()
        return [plan_attempt_from_row(row) for row in rows]

    def resolve_audio(self, stored: str | Path | None) -> Path | None:
        """The absolute audio path for a stored (relative) one; an absolute path is returned as is."""
        return self.root / stored if stored else None

    def _attempts(self, sql: str, params: Sequence[Any]) -> list[AttemptRecord]:
        return [attempt_from_row(row, self.resolve_audio) for row in self._conn.execute(sql, params)]
