"""The rehearsal history: sessions, their attempts (one spoken answer each), scores and audio files.

An attempt's life: :meth:`HistoryRepository.start_attempt` commits a ``recording`` row with its audio file
name reserved *before* recording starts, so a crash mid-answer leaves a trace that
:mod:`opsprep_voice.storage.recovery` finds at the next start. Then :meth:`~HistoryRepository.mark_recorded`,
then :meth:`~HistoryRepository.save_score` (or :meth:`~HistoryRepository.mark_failed`, or
:meth:`~HistoryRepository.mark_cancelled` for a take the candidate dropped: scoring it later keeps it
``cancelled``, with its coverage, pace and fillers in the report only, so it never counts).

Score reports and transcripts are stored as the JSON dicts their ``to_dict()`` gives (this module does not
import the scoring code); coverage, duration, words per minute, fillers per minute, engine and model are
copied into columns for filtering and charts. Times are stored as UTC ISO-8601 text with microseconds
(sortable as text) and returned as aware :class:`datetime` values. Audio paths are stored relative to the
database's folder, so a moved data folder keeps working. The records handed out live in
:mod:`.records`; turning them into rows and back is :mod:`.rows`' job, so this module holds the SQL of
each call and its transaction.

One repository object may be shared between threads: every call holds a lock for its whole transaction.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from opsprep_voice.core.plan import PlanAttempt
from opsprep_voice.storage import db, places
from opsprep_voice.storage.records import (
    AttemptRecord,
    NotFoundError,
    ProgressPoint,
    QuestionLike,
    SessionRecord,
    Status,
    audio_file_name,
    recorder_token,
    to_db_time,
    utc_now,
)
from opsprep_voice.storage.rows import (
    ATTEMPT_COLUMNS,
    attempt_filter,
    attempt_from_row,
    columns,
    finite,
    plan_attempt_from_row,
    progress_from_row,
    score_values,
    session_from_row,
    uncounted,
)

log = logging.getLogger(__name__)


class HistoryRepository:
    """The history database at ``path`` (audio files in ``path.parent / "audio"``)."""

    def __init__(self, path: Path | str, *, read_only: bool = False) -> None:
        """``read_only``: the caller never writes, so a history in a place that takes no writes (read-only
        or full) is still opened for reading (see :func:`db.connect`)."""
        self.path = Path(path)
        self.root = self.path.parent
        self._conn = db.connect(self.path, read_only=read_only)
        self.audio_dir = self.root / db.AUDIO_DIR
        # Reading the history needs no audio folder; recording into it does (checked in start_attempt).
        #: Why new answers cannot be recorded into the history (None when they can), for the app to say.
        self.audio_problem = places.audio_folder_problem(self.audio_dir, db.ensure_private_dir)
        if self.audio_problem:
            log.warning("%s", self.audio_problem)
        self._lock = threading.RLock()

    @classmethod
    def open_default(cls, *, read_only: bool = False) -> HistoryRepository:
        """The user's history (``AppPaths.default().data_dir() / "history.sqlite3"``)."""
        return cls(db.default_db_path(), read_only=read_only)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> HistoryRepository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several calls into one transaction: all of them are saved, or (on an exception) none."""
        with self._lock, db.transaction(self._conn):
            yield

    # ----------------------------------------------------------------- sessions

    def create_session(
        self, mode: str, title: str = "", bank: str = "", *, started_at: datetime | None = None
    ) -> SessionRecord:
        started = started_at or utc_now()
        with self.transaction():
            cur = self._conn.execute(
                "INSERT INTO sessions (started_at, mode, title, bank) VALUES (?, ?, ?, ?)",
                (to_db_time(started), mode, title, str(bank)),
            )
            session_id = int(cur.lastrowid or 0)
        return self.get_session(session_id)

    def end_session(self, session_id: int, *, ended_at: datetime | None = None) -> None:
        with self.transaction():
            cur = self._conn.execute(
                "UPDATE sessions SET ended_at = ? WHERE id = ?",
                (to_db_time(ended_at or utc_now()), session_id),
            )
            if cur.rowcount == 0:
                raise NotFoundError(f"no session {session_id}")

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
        where: list[str] = []
        params: list[Any] = []
        if question_id is not None:
            where.append("question_id = ?")
            params.append(question_id)
        if question_number is not None:
            where.append("question_number = ?")
            params.append(question_number)
        attempt_filter = " AND ".join(where)
        session_sql = "SELECT * FROM sessions"
        session_params: list[Any] = []
        if attempt_filter:
            session_sql += f" WHERE id IN (SELECT session_id FROM attempts WHERE {attempt_filter})"
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
            if attempt_filter:
                sql += f" AND {attempt_filter}"
            sql += " ORDER BY started_at, id"
            for attempt in self._attempts(sql, [*session_params, *params]):
                by_id[attempt.session_id].attempts.append(attempt)
        return sessions

    def delete_session(self, session_id: int) -> bool:
        """Delete a session, its attempts and their audio files. False if there was no such session."""
        with self.transaction():
            rows = self._conn.execute(
                "SELECT audio_path FROM attempts WHERE session_id = ?", (session_id,)
            ).fetchall()
            self._conn.execute("DELETE FROM attempts WHERE session_id = ?", (session_id,))
            deleted = self._conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount > 0
        self._remove_files(r["audio_path"] for r in rows)
        return deleted

    # ----------------------------------------------------------------- attempts

    def start_attempt(
        self,
        session_id: int,
        question: QuestionLike,
        *,
        suffix: str | None = ".wav",
        started_at: datetime | None = None,
        follow_up_of: int | None = None,
        probe_item_id: str | None = None,
        probe_prompt: str | None = None,
    ) -> AttemptRecord:
        """Record (and commit) that an answer is about to be recorded; its ``audio_path`` is reserved.

        The file itself is written by the recorder; the folder exists (0o700). ``suffix=None`` reserves no
        file (an answer scored from text). A follow-up answer names the main attempt it follows
        (``follow_up_of``: an attempt at the same question that is not a follow-up itself, else
        :class:`~opsprep_voice.storage.db.StorageError`) and the probe that was asked.
        """
        started = started_at or utc_now()
        if suffix is not None and (
            problem := places.audio_folder_problem(self.audio_dir, db.ensure_private_dir)
        ):
            raise db.UnwritableError(problem)
        with self.transaction():
            if follow_up_of is not None:
                self._check_main(follow_up_of, question.id)
            cur = self._conn.execute(
                "INSERT INTO attempts (session_id, question_id, question_number, category, question_text, "
                "started_at, status, recorder, follow_up_of, probe_item_id, probe_prompt) "
                "VALUES (?, ?, ?, ?, ?, ?, 'recording', ?, ?, ?, ?)",
                (
                    session_id,
                    question.id,
                    int(question.number),
                    str(question.category),
                    question.text,
                    to_db_time(started),
                    recorder_token(),
                    follow_up_of,
                    probe_item_id,
                    probe_prompt,
                ),
            )
            attempt_id = int(cur.lastrowid or 0)
            if suffix is not None:
                relative = f"{db.AUDIO_DIR}/{audio_file_name(attempt_id, suffix)}"
                self._conn.execute("UPDATE attempts SET audio_path = ? WHERE id = ?", (relative, attempt_id))
            return self.get_attempt(attempt_id)

    def _check_main(self, attempt_id: int, question_id: str) -> None:
        row = self._conn.execute(
            "SELECT question_id, follow_up_of FROM attempts WHERE id = ?", (attempt_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no attempt {attempt_id} to follow up")
        if row["follow_up_of"] is not None:
            raise db.StorageError(f"attempt {attempt_id} is a follow-up itself; follow up its main attempt")
        if row["question_id"] != question_id:
            raise db.StorageError(
                f"attempt {attempt_id} answers {row['question_id']!r}, not {question_id!r}; "
                "a follow-up belongs to the same question"
            )

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

    def set_coverage_with_follow_ups(self, attempt_id: int, coverage: float | None) -> None:
        """Store a main attempt's coverage merged with its scored follow-ups (None clears it)."""
        with self.transaction():
            self._status(attempt_id)
            self._conn.execute(
                "UPDATE attempts SET coverage_with_follow_ups = ? WHERE id = ?",
                (finite(coverage), attempt_id),
            )

    def mark_recorded(self, attempt_id: int, duration_s: float, *, ended_at: datetime | None = None) -> None:
        """The answer's audio is complete on disk. Its writer created it user-only (the recorder's
        ``StreamingWavWriter``, ``db.private_copy``); its mode is not changed here."""
        self._set_recorded(attempt_id, duration_s, "recorded", ended_at)

    def mark_interrupted(self, attempt_id: int, duration_s: float) -> None:
        """Recovered after a crash: audio repaired and kept, not transcribed yet."""
        self._set_recorded(attempt_id, duration_s, "interrupted", None)

    def mark_cancelled(self, attempt_id: int, duration_s: float | None, reason: str) -> None:
        """The candidate dropped this take (``reason`` says how); its audio is kept. ``duration_s`` None
        keeps the stored length."""
        self._set_recorded(attempt_id, duration_s, "cancelled", None, reason)

    def _set_recorded(
        self,
        attempt_id: int,
        duration_s: float | None,
        status: Status,
        ended_at: datetime | None,
        note: str | None = None,
    ) -> None:
        with self.transaction():
            current = self._status(attempt_id)
            if current == "scored":
                raise db.StorageError(f"attempt {attempt_id} is already scored; not marking it {status}")
            self._conn.execute(
                "UPDATE attempts SET status = ?, duration_s = COALESCE(?, duration_s), "
                "ended_at = COALESCE(?, ended_at, ?), error = ? WHERE id = ?",
                (
                    status,
                    finite(duration_s),
                    to_db_time(ended_at) if ended_at else None,
                    to_db_time(utc_now()),
                    note,
                    attempt_id,
                ),
            )

    def save_score(
        self, attempt_id: int, report: Mapping[str, Any], transcript: Mapping[str, Any] | None = None
    ) -> AttemptRecord:
        """Store the score report and transcript dicts (re-scoring replaces them); status becomes "scored",
        except that a cancelled take stays cancelled, its coverage, pace and fillers kept out of the columns
        that averages, progress and the best take read."""
        values = score_values(report, transcript)
        with self.transaction():
            if self._status(attempt_id) == "cancelled":
                values = uncounted(values)
            self._conn.execute(
                "UPDATE attempts SET status = CASE status WHEN 'cancelled' THEN status ELSE 'scored' END, "
                "error = CASE status WHEN 'cancelled' THEN error END, report_json = ?, "
                "transcript_json = COALESCE(?, transcript_json), transcript_text = ?, coverage = ?, "
                "duration_s = COALESCE(?, duration_s), wpm = ?, fillers_per_min = ?, word_count = ?, "
                "engine = ?, model = ?, missed_items = ?, ended_at = COALESCE(ended_at, ?) WHERE id = ?",
                (*values, to_db_time(utc_now()), attempt_id),
            )
            return self.get_attempt(attempt_id)

    def mark_failed(self, attempt_id: int, error: str) -> None:
        with self.transaction():
            self._status(attempt_id)
            self._conn.execute(
                "UPDATE attempts SET status = 'failed', error = ?, ended_at = COALESCE(ended_at, ?) "
                "WHERE id = ?",
                (error, to_db_time(utc_now()), attempt_id),
            )

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
                   missed_items AS missed
              FROM attempts
             WHERE status = 'scored' AND follow_up_of IS NULL AND coverage IS NOT NULL
             ORDER BY started_at, id
        """
        with self._lock:
            rows = self._conn.execute(sql).fetchall()
        return [plan_attempt_from_row(row) for row in rows]

    def delete_attempt(self, attempt_id: int) -> bool:
        """Delete an attempt, its follow-ups and their audio files. False if there was no such attempt."""
        with self.transaction():
            rows = self._conn.execute(
                "SELECT audio_path FROM attempts WHERE id = ? OR follow_up_of = ?", (attempt_id, attempt_id)
            ).fetchall()
            if not rows:
                return False
            self._conn.execute("DELETE FROM attempts WHERE id = ?", (attempt_id,))
        self._remove_files([row["audio_path"] for row in rows])
        return True

    def resolve_audio(self, stored: str | Path | None) -> Path | None:
        """The absolute audio path for a stored (relative) one; an absolute path is returned as is."""
        return self.root / stored if stored else None

    # ----------------------------------------------------------------- internals

    def _status(self, attempt_id: int) -> Status:
        row = self._conn.execute("SELECT status FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no attempt {attempt_id}")
        status: Status = row["status"]
        return status

    def _remove_files(self, stored: Iterator[str | None] | Sequence[str | None]) -> None:
        for name in stored:
            path = self.resolve_audio(name)
            if path is None:
                continue
            try:
                path.unlink()
            except FileNotFoundError:
                log.debug("audio file already gone: %s", path)
            except OSError as exc:
                log.warning("could not delete audio file %s: %s", path, exc)

    def _attempts(self, sql: str, params: Sequence[Any]) -> list[AttemptRecord]:
        return [attempt_from_row(row, self.resolve_audio) for row in self._conn.execute(sql, params)]
