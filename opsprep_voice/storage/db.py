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
from collections.abc import Iterator
from pathlib import Path

from opsprep_voice.core.paths import AppPaths
from opsprep_voice.storage import migrations, places

log = logging.getLogger(__name__)

DB_NAME = "history.sqlite3"
AUDIO_DIR = "audio"
BUSY_TIMEOUT_MS = 10_000
FILE_MODE = 0o600
DIR_MODE = 0o700


class StorageError(Exception):
    """The history store cannot be used; the message names the file, the problem and what to do."""


class UnwritableError(StorageError):
    """The place cannot take writes (read-only file system, folder or file, full disk, a file where a folder
    should be); the database itself is sound, so its fix is never to move the database aside."""


class DamagedError(StorageError):
    """The database file is damaged (not a database, or its integrity check fails)."""


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
        raise UnwritableError(
            f"{db_path}: is a folder, where the history database should be; move or rename that folder "
            "(OpsPrep Voice then starts a new history there). It was not changed."
        )
    if places.on_read_only_file_system(db_path.parent):
        raise UnwritableError(
            places.unwritable_message(
                db_path, places.read_only_file_system(places.existing_ancestor(db_path.parent))
            )
        )
    for target in (db_path, db_path.parent):
        if target.exists() and not os.access(target, os.W_OK):
            raise UnwritableError(
                f"{target}: answers cannot be saved: {places.read_only_place(target)} to keep them. "
                "OpsPrep Voice leaves its permissions as they are."
            )


def connect(path: Path | str, *, migrate: bool = True, read_only: bool = False) -> sqlite3.Connection:
    """Open (creating if needed) the history database at ``path`` and bring its schema up to date.

    Before migrating an existing database its current file is copied to ``<name>.pre-v<N>.bak``.
    A database made by a newer version of the app is refused (:class:`StorageError`), never altered.
    ``read_only``: the caller only reads, so a sound database in a place that takes no writes (read-only
    file system or folder, full disk) is opened read-only instead of refused.
    """
    db_path = Path(path)
    if read_only and db_path.is_file():
        reason = places.unwritable_reason(db_path.parent)
        if reason is not None:
            return _connect_read_only(db_path, reason)
    try:
        ensure_private_dir(db_path.parent)
        _check_usable_path(db_path)
        # Created 0o600 before SQLite opens it (SQLite would use the umask); SQLite gives its ``-wal`` and
        # ``-shm`` files the database file's mode, so they are private too.
        create_private_file(db_path)
    except OSError as exc:
        raise UnwritableError(f"{db_path}: {places.describe_os_error(exc, db_path)}") from exc
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
        migrations.marks_readable(conn)
    except sqlite3.OperationalError as exc:  # locked by another program, disk I/O, out of space
        conn.close()
        raise operational_error(db_path, exc) from exc
    except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
        conn.close()
        raise DamagedError(_damaged(db_path, str(exc))) from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _connect_read_only(db_path: Path, reason: str) -> sqlite3.Connection:
    """The database opened for reading only. SQLite needs its ``-shm`` file for that; where it cannot make
    one (a read-only file system after a clean close) the file is opened as immutable, which is safe there
    because nothing can change it, and complete only when no answers wait in the WAL (else refused)."""
    log.info("%s: opening the history read-only: %s", db_path, reason)
    uri = db_path.resolve().as_uri() + "?mode=ro"
    conn: sqlite3.Connection | None = None
    try:
        wal = db_path.with_name(db_path.name + "-wal")
        for query in (uri, uri + "&immutable=1"):
            if query != uri and wal.exists() and wal.stat().st_size > 0:
                # Immutable reads the main file only: the answers still in the WAL would be missing.
                raise UnwritableError(
                    f"{places.unwritable_message(db_path, reason)} Its latest answers are still in "
                    f"{wal.name}, which can only be read where the history can be written; make the place "
                    "writable to read them"
                )
            try:
                conn = sqlite3.connect(query, uri=True, isolation_level=None, check_same_thread=False)
                conn.row_factory = sqlite3.Row
                _check_integrity(conn, db_path)
                break
            except sqlite3.OperationalError:
                if conn is not None:
                    conn.close()
                    conn = None
                if query != uri:
                    raise
        assert conn is not None
        version = migrations.schema_version(conn)
    except sqlite3.OperationalError as exc:
        raise UnwritableError(
            f"{places.unwritable_message(db_path, reason)} It cannot even be read there (SQLite: {exc})"
        ) from exc
    except sqlite3.DatabaseError as exc:
        raise DamagedError(_damaged(db_path, str(exc))) from exc
    if version != migrations.CURRENT_VERSION:
        conn.close()
        raise UnwritableError(
            f"{places.unwritable_message(db_path, reason)} This version of OpsPrep Voice reads schema "
            f"v{migrations.CURRENT_VERSION} and this history is v{version}, which would need writing to read"
        )
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
        raise DamagedError(_damaged(db_path, " ".join(problems[0].split())[:200]))


def operational_error(db_path: Path, exc: sqlite3.OperationalError) -> StorageError:
    """A failed open or write, explained by the place when the place is the cause (read-only, full): SQLite
    words those as "disk I/O error" or "unable to open database file", as it would a damaged disk."""
    reason = places.unwritable_reason(db_path)
    if reason is not None:
        return UnwritableError(f"{places.unwritable_message(db_path, reason)} (SQLite: {exc})")
    return StorageError(
        f"{db_path}: the history database cannot be used right now ({exc}); close other programs "
        "using it, check the disk, and try again"
    )


def _db_file(conn: sqlite3.Connection) -> Path:
    row = conn.execute("PRAGMA database_list").fetchone()
    return Path(row[2]) if row is not None and row[2] else Path("history database")


def _damaged(db_path: Path, detail: str) -> str:
    """What is wrong with a database SQLite cannot read, where, and how to get a usable history back."""
    return (
        f"{db_path}: the history database is damaged ({detail}). It was not changed, and History stays off "
        "until it is fixed. To fix it, quit OpsPrep Voice and either recover what is readable with the "
        f"sqlite3 tool (sqlite3 '{db_path}' .recover | sqlite3 recovered.sqlite3, then put recovered.sqlite3 "
        "in its place) or move the file aside to start a new history"
    )


BACKUP_HEADROOM = 1.2
"""Free space a backup before migrating needs, as a multiple of the database's size (with its WAL): the
copy, and room left for the migration that follows. Less is refused before a byte is written, so a backup
never fills the disk and leaves the history unreadable until space is freed."""


def _backup(conn: sqlite3.Connection, db_path: Path, version: int) -> Path:
    """A copy of the database before it is migrated (``history.sqlite3.pre-vN.bak``), written under a
    temporary name and renamed, so a failed copy leaves nothing behind and an old backup of that name
    (complete or not) never stands for this one. Its failure is told as the backup's, not the history's."""
    target = db_path.with_name(f"{db_path.name}.pre-v{version + 1}.bak")
    partial = target.with_name(target.name + ".partial")
    size = sum(p.stat().st_size for p in (db_path, db_path.with_name(db_path.name + "-wal")) if p.exists())
    free = shutil.disk_usage(db_path.parent).free
    if free < size * BACKUP_HEADROOM:
        raise UnwritableError(
            f"{db_path}: the history needs updating to this version of OpsPrep Voice, and a backup is made "
            f"first, but the disk has {free // 1024 // 1024} MiB free and the backup needs about "
            f"{int(size * BACKUP_HEADROOM) // 1024 // 1024 + 1} MiB; free some space on it and start again. "
            f"{places.HISTORY_FINE}"
        )
    try:
        partial.unlink(missing_ok=True)
        create_private_file(partial)
        dest = sqlite3.connect(partial)
        try:
            conn.backup(dest)
        finally:
            dest.close()
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        for leftover in (partial, partial.with_name(partial.name + "-journal")):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
        reason = places.unwritable_reason(target)
        raise UnwritableError(
            f"{db_path}: the history needs updating to this version of OpsPrep Voice, and its backup "
            f"({target.name}) could not be written: {reason or exc}. {places.HISTORY_FINE}"
        ) from exc
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
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            _rollback(conn)
            raise
        conn.execute("COMMIT")
    except sqlite3.OperationalError as exc:  # a full disk or read-only place, found mid-write
        _rollback(conn)
        raise operational_error(_db_file(conn), exc) from exc


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back if a transaction is open; SQLite ends one itself after some errors (a full disk), and a
    failing ROLLBACK must not hide the error that caused it."""
    if not conn.in_transaction:
        return
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        log.warning("rollback failed: %s", exc)
