"""Opening the history database: file permissions, pragmas, migrations, and explicit transactions.

The database is ``AppPaths.default().data_dir() / "history.sqlite3"`` with the answers' audio in ``audio/``
beside it. What the app creates is user-only (0o600 files, 0o700 folders): recordings of someone's voice are
personal. What already exists keeps its mode: the app never chmods a file or folder (a read-only database
or folder is refused with a message instead).
Connections are in autocommit mode and every write goes through :func:`transaction` (``BEGIN IMMEDIATE`` so
a writer takes the lock up front and waits up to the busy timeout instead of failing mid-way). WAL journal
mode keeps readers (the CLI, a chart) from blocking the app while it saves, and makes a crash at any point
leave the last committed state.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

from opsprep_voice.core.paths import AppPaths
from opsprep_voice.storage import migrations

log = logging.getLogger(__name__)

DB_NAME = "history.sqlite3"
AUDIO_DIR = "audio"
BUSY_TIMEOUT_MS = 10_000
FILE_MODE = 0o600
DIR_MODE = 0o700


class StorageError(Exception):
    """The history store cannot be used; the message names the file, the problem and what to do."""


def default_db_path() -> Path:
    return AppPaths.default().data_dir() / DB_NAME


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` and its missing parents user-only (0o700, less if the umask says so; ``mkdir(parents=
    True)`` would give the parents the umask's mode). A folder that exists keeps its mode: whoever made it
    chose it (a 0o500 folder is the user's wish, not a mistake to repair)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
    return path


def create_private_file(path: Path) -> bool:
    """Create an empty file user-only (0o600, less if the umask says so) if nothing is at ``path``.

    True when this call created it. An existing file keeps its mode, for the same reason as a folder.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def private_copy(source: Path, target: Path) -> None:
    """Copy ``source`` to a new user-only file ``target`` (replaced if it exists).

    ``shutil.copyfile`` would create it with the umask's mode (often 0o644) and leave a window in which a
    recording of someone's voice is readable by others.
    """
    target.unlink(missing_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "wb") as out, source.open("rb") as src:
        shutil.copyfileobj(src, out)


def _check_usable_path(db_path: Path) -> None:
    """Refuse, with what to do, a path SQLite cannot keep a history at; nothing there is changed."""
    if db_path.is_dir():
        raise StorageError(
            f"{db_path}: is a folder, where the history database should be; move or rename that folder "
            "(OpsPrep Voice then starts a new history there). It was not changed."
        )
    for target, what in ((db_path, "database file"), (db_path.parent, "folder")):
        if target.exists() and not os.access(target, os.W_OK):
            raise StorageError(
                f"{target}: the history {what} is read-only (mode {stat.S_IMODE(target.stat().st_mode):o}), "
                f"so answers cannot be saved; make it writable (chmod u+w '{target}') to keep them. "
                "OpsPrep Voice leaves its permissions as they are."
            )


def connect(path: Path | str, *, migrate: bool = True) -> sqlite3.Connection:
    """Open (creating if needed) the history database at ``path`` and bring its schema up to date.

    Before migrating an existing database its current file is copied to ``<name>.pre-v<N>.bak``.
    A database made by a newer version of the app is refused (:class:`StorageError`), never altered.
    """
    db_path = Path(path)
    ensure_private_dir(db_path.parent)
    _check_usable_path(db_path)
    # Created 0o600 before SQLite opens it (SQLite would use the umask); SQLite gives its ``-wal`` and
    # ``-shm`` files the database file's mode, so they are private too.
    create_private_file(db_path)
    try:
        conn = sqlite3.connect(
            db_path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise StorageError(f"{db_path}: cannot open the history database ({exc})") from exc
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _check_integrity(conn, db_path)  # before anything writes: WAL switch, migrations, the app's saves
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.warning("%s: journal mode is %s, not WAL (file system without shared memory?)", db_path, mode)
        conn.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: a crash loses no committed transaction
        conn.execute("PRAGMA foreign_keys = ON")
        version = migrations.schema_version(conn)
        if version > migrations.CURRENT_VERSION:
            raise StorageError(
                f"{db_path}: the history was saved by a newer OpsPrep Voice (schema v{version}, this version "
                f"reads up to v{migrations.CURRENT_VERSION}); update the app. The file was not changed."
            )
        if migrate and version < migrations.CURRENT_VERSION:
            if version > 0:
                _backup(conn, db_path, version)
            migrations.migrate(conn)
    except sqlite3.OperationalError as exc:  # locked by another program, disk I/O, out of space
        conn.close()
        raise StorageError(
            f"{db_path}: the history database cannot be used right now ({exc}); close other programs "
            "using it, check the disk, and start OpsPrep Voice again"
        ) from exc
    except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
        conn.close()
        raise StorageError(_damaged(db_path, str(exc))) from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _check_integrity(conn: sqlite3.Connection, db_path: Path) -> None:
    """``PRAGMA quick_check``: every page of every table and index is read and its structure checked (not
    that indexes match their tables, which ``integrity_check`` adds at several times the cost). About 50 ms
    for 2,000 stored answers (44 MB, warm cache). It finds a page of garbage that SQLite itself would only
    trip over when it read there, after the app had gone on writing into the damaged file."""
    rows = conn.execute("PRAGMA quick_check").fetchall()
    problems = [str(row[0]) for row in rows if str(row[0]) != "ok"]
    if problems:
        log.error("%s failed its integrity check: %s", db_path, "; ".join(problems[:5]))
        raise StorageError(_damaged(db_path, " ".join(problems[0].split())[:200]))


def _damaged(db_path: Path, detail: str) -> str:
    """What is wrong with a database SQLite cannot read, where, and how to get a usable history back."""
    return (
        f"{db_path}: the history database is damaged ({detail}). It was not changed, and History stays off "
        "until it is fixed. To fix it, quit OpsPrep Voice and either recover what is readable with the "
        f"sqlite3 tool (sqlite3 '{db_path}' .recover | sqlite3 recovered.sqlite3, then put recovered.sqlite3 "
        "in its place) or move the file aside to start a new history"
    )


def _backup(conn: sqlite3.Connection, db_path: Path, version: int) -> Path:
    target = db_path.with_name(f"{db_path.name}.pre-v{version + 1}.bak")
    create_private_file(target)
    dest = sqlite3.connect(target)
    try:
        conn.backup(dest)
    finally:
        dest.close()
    log.info("backed up the v%d history database to %s before migrating", version, target)
    return target


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``; any exception rolls everything back and propagates.

    Nested use joins the outer transaction (only the outermost commits or rolls back).
    """
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
