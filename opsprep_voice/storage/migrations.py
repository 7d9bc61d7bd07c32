"""The history database schema, as an ordered list of migrations keyed by ``PRAGMA user_version``.

Version 1 was the first schema: sessions and attempts with the transcript and score report stored as JSON.
Version 2 adds what the history views and charts filter on (denormalised metric columns back-filled from the
stored report JSON, the plain transcript text), the ``interrupted`` status for answers recovered after a
crash, which process was recording (so a second app instance leaves a live recording alone), and the
indexes. SQLite cannot alter a CHECK constraint, so version 2 rebuilds the attempts table (the documented
create-copy-drop-rename procedure). Version 3 rebuilds it again: follow-up answers linked to their main
answer, the checklist items an answer missed (for the practice plan), and the ``cancelled`` status (a take the
candidate dropped: Esc, re-record, or the rehearsal or app closed before it was scored; kept, never counted).
Version 4 changes no schema: transcripts stored before Whisper's word pieces were joined as written
("99 .9 %", "point -in -time") are rewritten once as the app writes them now
(:mod:`opsprep_voice.core.legacy_joins`).
Version 5 adds ``item_marks``: the checklist items the candidate marked as covered in a review ("I made this
point"), one row per attempt and item, kept in a table of their own, apart from the scorer's report.

Rules: a migration is never edited once released; a new change is a new entry at the end of
:data:`MIGRATIONS`. Each migration runs inside one transaction together with its ``user_version`` bump, so a
crash leaves the database at the old version or the new one, never between.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from opsprep_voice.core.legacy_joins import repair_report, repair_transcript

log = logging.getLogger(__name__)

#: The first schema, kept verbatim: migration 1 runs it, and tests build "old" databases with it.
SCHEMA_V1 = """
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    mode        TEXT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    bank        TEXT NOT NULL DEFAULT ''
);
CREATE TABLE attempts (
    id               INTEGER PRIMARY KEY,
    session_id       INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    question_id      TEXT NOT NULL,
    question_number  INTEGER NOT NULL,
    category         TEXT NOT NULL,
    question_text    TEXT NOT NULL DEFAULT '',
    started_at       TEXT NOT NULL,
    ended_at         TEXT,
    status           TEXT NOT NULL CHECK (status IN ('recording', 'recorded', 'scored', 'failed')),
    audio_path       TEXT,
    transcript_json  TEXT,
    report_json      TEXT,
    error            TEXT
);
CREATE INDEX attempts_session ON attempts(session_id);
"""

_V2_ATTEMPTS = """
CREATE TABLE attempts_v2 (
    id               INTEGER PRIMARY KEY,
    session_id       INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    question_id      TEXT NOT NULL,
    question_number  INTEGER NOT NULL,
    category         TEXT NOT NULL,
    question_text    TEXT NOT NULL DEFAULT '',
    started_at       TEXT NOT NULL,
    ended_at         TEXT,
    status           TEXT NOT NULL
                     CHECK (status IN ('recording', 'recorded', 'scored', 'failed', 'interrupted')),
    audio_path       TEXT,
    error            TEXT,
    coverage         REAL,
    duration_s       REAL,
    wpm              REAL,
    fillers_per_min  REAL,
    word_count       INTEGER,
    engine           TEXT,
    model            TEXT,
    recorder         TEXT,
    transcript_text  TEXT NOT NULL DEFAULT '',
    -- The big JSON last: filters and lists read the columns above without walking overflow pages.
    transcript_json  TEXT,
    report_json      TEXT
);
INSERT INTO attempts_v2 (
    id, session_id, question_id, question_number, category, question_text, started_at, ended_at, status,
    audio_path, transcript_json, report_json, error,
    transcript_text, coverage, duration_s, wpm, fillers_per_min, word_count, engine, model
)
SELECT
    id, session_id, question_id, question_number, category, question_text, started_at, ended_at, status,
    audio_path, transcript_json, report_json, error,
    COALESCE(json_extract(tj, '$.text'), json_extract(rj, '$.transcript'), ''),
    json_extract(rj, '$.coverage'),
    COALESCE(json_extract(rj, '$.duration_s'), json_extract(tj, '$.duration_s')),
    json_extract(rj, '$.wpm'),
    json_extract(rj, '$.fillers.per_min'),
    json_extract(rj, '$.word_count'),
    json_extract(rj, '$.engine'),
    json_extract(rj, '$.model')
FROM (
    -- Malformed JSON (never written by this app, but possible after a disk fault) back-fills as NULL.
    SELECT *,
        CASE WHEN json_valid(report_json) THEN report_json END AS rj,
        CASE WHEN json_valid(transcript_json) THEN transcript_json END AS tj
    FROM attempts
);
DROP TABLE attempts;
ALTER TABLE attempts_v2 RENAME TO attempts;
CREATE INDEX attempts_session ON attempts(session_id);
CREATE INDEX attempts_started ON attempts(started_at);
CREATE INDEX attempts_question_started ON attempts(question_id, started_at);
CREATE INDEX attempts_category_started ON attempts(category, started_at);
CREATE INDEX attempts_status ON attempts(status);
CREATE INDEX sessions_started ON sessions(started_at);
"""

# Follow-up answers are attempts of their own (audio, transcript, report), linked to the main answer they
# follow; deleting the main answer deletes them. The main answer keeps its coverage with the follow-ups
# merged in, so History and the progress charts read it without rescoring. The ids of the checklist items
# an answer missed get their own small column (space-separated slugs) so the practice plan never reads
# the reports; existing scores are back-filled from their report. A take the candidate dropped is
# "cancelled", not "recorded" (which the next start takes for a crash while transcribing). The table is
# rebuilt (the CHECK changes) with the new columns before the big JSON: lists and the plan then never walk
# overflow pages.
_V3_FOLLOW_UPS = """
CREATE TABLE attempts_v3 (
    id               INTEGER PRIMARY KEY,
    session_id       INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    question_id      TEXT NOT NULL,
    question_number  INTEGER NOT NULL,
    category         TEXT NOT NULL,
    question_text    TEXT NOT NULL DEFAULT '',
    started_at       TEXT NOT NULL,
    ended_at         TEXT,
    status           TEXT NOT NULL CHECK (
                         status IN ('recording', 'recorded', 'scored', 'failed', 'interrupted', 'cancelled')
                     ),
    audio_path       TEXT,
    error            TEXT,
    coverage         REAL,
    duration_s       REAL,
    wpm              REAL,
    fillers_per_min  REAL,
    word_count       INTEGER,
    engine           TEXT,
    model            TEXT,
    recorder         TEXT,
    follow_up_of     INTEGER REFERENCES attempts(id) ON DELETE CASCADE,
    probe_item_id    TEXT,
    probe_prompt     TEXT,
    coverage_with_follow_ups REAL,
    missed_items     TEXT,
    transcript_text  TEXT NOT NULL DEFAULT '',
    -- The big JSON last: filters and lists read the columns above without walking overflow pages.
    transcript_json  TEXT,
    report_json      TEXT
);
INSERT INTO attempts_v3 (
    id, session_id, question_id, question_number, category, question_text, started_at, ended_at, status,
    audio_path, error, coverage, duration_s, wpm, fillers_per_min, word_count, engine, model, recorder,
    missed_items, transcript_text, transcript_json, report_json
)
SELECT
    id, session_id, question_id, question_number, category, question_text, started_at, ended_at, status,
    audio_path, error, coverage, duration_s, wpm, fillers_per_min, word_count, engine, model, recorder,
    CASE WHEN status = 'scored' AND json_valid(report_json) THEN (
        SELECT COALESCE(group_concat(json_extract(item.value, '$.id'), ' '), '')
          FROM json_each(report_json, '$.checklist') AS item
         WHERE json_extract(item.value, '$.hit') = 0 AND json_type(item.value, '$.id') = 'text'
    ) END,
    transcript_text, transcript_json, report_json
FROM attempts;
DROP TABLE attempts;
ALTER TABLE attempts_v3 RENAME TO attempts;
CREATE INDEX attempts_session ON attempts(session_id);
CREATE INDEX attempts_started ON attempts(started_at);
CREATE INDEX attempts_question_started ON attempts(question_id, started_at);
CREATE INDEX attempts_category_started ON attempts(category, started_at);
CREATE INDEX attempts_status ON attempts(status);
CREATE INDEX attempts_follow_up_of ON attempts(follow_up_of);
"""

# The candidate's own marks on items the scorer missed. A table of their own, not a column: the scorer's
# report and the columns copied from it stay the scorer's (a rescore replaces them, the marks stay), the
# table needs no rebuild of attempts, and deleting an attempt deletes its marks. WITHOUT ROWID: the key is
# the whole row, and every read is by attempt.
_V5_ITEM_MARKS = """
CREATE TABLE item_marks (
    attempt_id  INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    item_id     TEXT NOT NULL,
    marked_at   TEXT NOT NULL,
    PRIMARY KEY (attempt_id, item_id)
) WITHOUT ROWID;
"""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    apply: Callable[[sqlite3.Connection], None]
    #: Table rebuilds need foreign keys off (they cannot be switched inside a transaction).
    rebuilds_tables: bool = False


def _run_script(sql: str) -> Callable[[sqlite3.Connection], None]:
    def apply(conn: sqlite3.Connection) -> None:
        # executescript() would COMMIT first; run statement by statement inside the caller's transaction.
        for statement in _split(sql):
            conn.execute(statement)

    return apply


def _split(sql: str) -> list[str]:
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement in migration: {buffer.strip()[:60]!r}")
    return statements


_REPAIR_BATCH = 200
"""Rows read at a time: a long history is repaired in steady memory (reports of long answers are large)."""


def _join_word_pieces(conn: sqlite3.Connection) -> None:
    """Transcripts stored before Whisper's word pieces were joined as written ("99 .9 %", "point -in -time")
    read as written: their transcript, report and plain text are rewritten by
    :mod:`opsprep_voice.core.legacy_joins` (scores kept; the file was backed up before any migration).
    A row the repair cannot read is left as it is: one odd report must not keep History closed."""
    repaired, last_id = 0, -1
    while True:
        rows = conn.execute(
            "SELECT id, transcript_json, report_json FROM attempts WHERE id > ? "
            "AND (transcript_json IS NOT NULL OR report_json IS NOT NULL) ORDER BY id LIMIT ?",
            (last_id, _REPAIR_BATCH),
        ).fetchall()
        if not rows:
            break
        for attempt_id, transcript_json, report_json in rows:
            last_id = attempt_id
            try:
                transcript = _repaired(transcript_json, repair_transcript)
                report = _repaired(report_json, repair_report)
            except Exception:  # any shape the repair did not foresee: keep the row as stored
                log.warning("attempt %s: stored transcript left as it is", attempt_id, exc_info=True)
                continue
            if transcript is None and report is None:
                continue
            text = transcript["text"] if transcript is not None else report["transcript"] if report else None
            conn.execute(
                "UPDATE attempts SET transcript_json = COALESCE(?, transcript_json), "
                "report_json = COALESCE(?, report_json), transcript_text = COALESCE(?, transcript_text) "
                "WHERE id = ?",
                (
                    None
                    if transcript is None
                    else json.dumps(transcript, ensure_ascii=False, separators=(",", ":")),
                    None if report is None else json.dumps(report, ensure_ascii=False, separators=(",", ":")),
                    text if isinstance(text, str) else None,
                    attempt_id,
                ),
            )
            repaired += 1
    log.info("joined the word pieces of %d stored transcripts", repaired)


def _repaired(stored: str | None, repair: Callable[[object], dict[str, Any] | None]) -> dict[str, Any] | None:
    """The repaired JSON value, or None when it is missing, unreadable or needs nothing (left as it is)."""
    if not stored:
        return None
    try:
        value = json.loads(stored)
    except (ValueError, RecursionError):
        return None
    return repair(value)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "sessions and attempts with transcript and report JSON", _run_script(SCHEMA_V1)),
    Migration(
        2,
        "metric columns back-filled from the report JSON, 'interrupted' status, recording process, indexes",
        _run_script(_V2_ATTEMPTS),
        rebuilds_tables=True,
    ),
    Migration(
        3,
        "follow-up answers linked to their main attempt, the probe asked, coverage with follow-ups, "
        "missed items, 'cancelled' status for a take the candidate dropped",
        _run_script(_V3_FOLLOW_UPS),
        rebuilds_tables=True,
    ),
    Migration(
        4, "stored transcripts' word pieces joined as written ('99.9 %', 'point-in-time')", _join_word_pieces
    ),
    Migration(5, "items the candidate marked as covered ('I made this point')", _run_script(_V5_ITEM_MARKS)),
)

CURRENT_VERSION = MIGRATIONS[-1].version


def marks_readable(conn: sqlite3.Connection) -> None:
    """A history opened at a version before 5 without migrating it (``migrate=False``) has no
    ``item_marks``: the queries, which read the marks beside every answer, then read an empty temporary table
    of that name, so such a history reads as one without marks instead of failing."""
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'item_marks'"
    ).fetchone()
    if found is None:
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS item_marks (attempt_id INTEGER NOT NULL, item_id TEXT NOT NULL, "
            "marked_at TEXT NOT NULL, PRIMARY KEY (attempt_id, item_id))"
        )


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def pending(conn: sqlite3.Connection, target: int = CURRENT_VERSION) -> list[Migration]:
    current = schema_version(conn)
    return [m for m in MIGRATIONS if current < m.version <= target]


def migrate(conn: sqlite3.Connection, target: int = CURRENT_VERSION) -> list[int]:
    """Apply the pending migrations up to ``target``, each in its own transaction; return the versions run.

    ``conn`` must be in autocommit mode (``isolation_level=None``) so transactions are explicit here.
    """
    applied: list[int] = []
    for migration in pending(conn, target):
        if migration.rebuilds_tables:
            conn.execute("PRAGMA foreign_keys = OFF")
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Re-check under the write lock: another process may have migrated meanwhile.
                if schema_version(conn) >= migration.version:
                    conn.execute("ROLLBACK")
                    continue
                migration.apply(conn)
                problems = conn.execute("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise sqlite3.IntegrityError(f"foreign key problems after migration: {problems[:3]}")
                conn.execute(f"PRAGMA user_version = {int(migration.version)}")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # SQLite ends it itself after some errors (a full disk)
                    conn.execute("ROLLBACK")
                raise
        finally:
            if migration.rebuilds_tables:
                conn.execute("PRAGMA foreign_keys = ON")
        log.info("history database migrated to v%d: %s", migration.version, migration.description)
        applied.append(migration.version)
    return applied
