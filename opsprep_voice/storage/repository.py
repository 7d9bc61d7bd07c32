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
:mod:`.records`; turning them into rows and back is :mod:`.rows`' job. This module owns the connection
and holds the SQL of every write and its transaction; the queries that only read (lists, filters,
follow-ups, progress, the plan's input) are :class:`~.history_queries.HistoryQueries`, which the
repository extends.

One repository object may be shared between threads: every call holds a lock for its whole transaction.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from opsprep_voice.storage import db, places
from opsprep_voice.storage.history_queries import HistoryQueries
from opsprep_voice.storage.records import (
    AttemptRecord,
    NotFoundError,
    QuestionLike,
    SessionRecord,
    Status,
    audio_file_name,
    recorder_token,
    to_db_time,
    utc_now,
)
from opsprep_voice.storage.rows import (
    finite,
    score_values,
    uncounted,
)

log = logging.getLogger(__name__)


class HistoryRepository(HistoryQueries):
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

    def set_coverage_with_follow_ups(self, attempt_id: int, coverage: float | None) -> None:
        """Store a main attempt's coverage merged with its scored follow-ups (None clears it)."""
        with self.transaction():
            self._status(attempt_id)
            self._conn.execute(
                "UPDATE attempts SET coverage_with_follow_ups = ? WHERE id = ?",
                (finite(coverage), attempt_id),
            )

    def set_item_mark(self, attempt_id: int, item_id: str, covered: bool) -> tuple[str, ...]:
        """The candidate marks a checklist item of the attempt as covered ("I made this point"), or takes
        the mark back (``covered`` False); returns the attempt's marks now. The scorer's report is not
        touched: the marks are read back beside it (see :mod:`.rows`)."""
        with self.transaction():
            self._status(attempt_id)
            if covered:
                self._conn.execute(
                    "INSERT OR IGNORE INTO item_marks (attempt_id, item_id, marked_at) VALUES (?, ?, ?)",
                    (attempt_id, item_id, to_db_time(utc_now())),
                )
            else:
                self._conn.execute(
                    "DELETE FROM item_marks WHERE attempt_id = ? AND item_id = ?", (attempt_id, item_id)
                )
            rows = self._conn.execute(
                "SELECT item_id FROM item_marks WHERE attempt_id = ? ORDER BY item_id",
                (attempt_id,),
            ).fetchall()
        return tuple(row["item_id"] for row in rows)

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
