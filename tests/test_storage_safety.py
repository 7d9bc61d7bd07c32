"""The history store and what is already on disk: modes the user set are kept, a folder or a read-only file
where the database should be is refused with what to do, and copies of recordings are private from birth."""

from __future__ import annotations

import os
import random
import sqlite3
import stat
from pathlib import Path

import pytest

from opsprep_voice.storage import db
from opsprep_voice.storage.repository import HistoryRepository

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_a_folder_where_the_database_should_be_is_refused_and_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "history.sqlite3"
    folder.mkdir(parents=True, mode=0o755)
    folder.chmod(0o755)
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(db.StorageError) as caught:
        HistoryRepository(folder)
    message = str(caught.value)
    assert str(folder) in message and "is a folder" in message and "move or rename" in message
    assert _mode(folder) == 0o755  # was set to 0o600 (and so unusable) before
    assert (folder / "notes.txt").read_text() == "mine"


@posix_only
@pytest.mark.parametrize("read_only", ["file", "folder"])
def test_a_read_only_database_or_folder_is_refused_not_chmodded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_only: str
) -> None:
    path = tmp_path / "data" / "history.sqlite3"
    HistoryRepository(path).close()
    target = path if read_only == "file" else path.parent
    target.chmod(0o400 if read_only == "file" else 0o500)
    real_access = os.access

    def access(p: object, mode: int, **kw: object) -> bool:
        # Tests may run as root, for whom every file is writable: answer as the owner's mode says.
        if Path(str(p)) == target and mode == os.W_OK:
            return bool(os.stat(target).st_mode & stat.S_IWUSR)
        return real_access(p, mode, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", access)
    try:
        with pytest.raises(db.StorageError) as caught:
            db.connect(path)
        message = str(caught.value)
        assert "read-only" in message and "chmod u+w" in message and str(target) in message
        assert _mode(target) == (0o400 if read_only == "file" else 0o500)
    finally:
        target.chmod(0o700)


@posix_only
def test_a_folder_of_another_user_is_named_with_its_owner_not_called_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A data folder left by an earlier ``sudo`` run: chmod would fail for its non-owner; chown is the fix."""
    path = tmp_path / "data" / "history.sqlite3"
    path.parent.mkdir()
    path.parent.chmod(0o700)
    someone_else = os.stat(path.parent).st_uid + 1  # the folder's owner is not "us"
    monkeypatch.setattr(os, "geteuid", lambda: someone_else)
    real_access = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda p, mode, **kw: False if Path(str(p)) == path.parent else real_access(p, mode, **kw),
    )
    with pytest.raises(db.StorageError) as caught:
        db.connect(path)
    message = str(caught.value)
    assert "belongs to" in message and "not to you" in message and "chown" in message
    assert "chmod" not in message and "is read-only" not in message
    assert _mode(path.parent) == 0o700 and not path.exists()


@posix_only
def test_new_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        source = tmp_path / "answer.wav"
        source.write_bytes(b"RIFF....WAVE")
        assert _mode(source) == 0o644
        copy = tmp_path / "store" / "copy.wav"
        copy.parent.mkdir()
        copy.write_bytes(b"stale part file from a crash")
        copy.chmod(0o644)
        db.private_copy(source, copy)
        assert _mode(copy) == 0o600 and copy.read_bytes() == b"RIFF....WAVE"
        assert db.create_private_file(tmp_path / "new.sqlite3")
        assert _mode(tmp_path / "new.sqlite3") == 0o600
        assert not db.create_private_file(source)  # exists: left as it is
        assert _mode(source) == 0o644
    finally:
        os.umask(old)


@posix_only
def test_a_saved_cli_answer_copy_is_private(tmp_path: Path) -> None:
    from opsprep_voice.core.bank import load_bank
    from opsprep_voice.core.scoring import score_answer
    from opsprep_voice.core.transcript import Transcript
    from opsprep_voice.practice.answer_files import save_new_attempt

    question = load_bank().find(3)
    transcript = Transcript.from_text("we define SLOs and alert on the error budget burn rate")
    report = score_answer(question, transcript)
    source = tmp_path / "answer.wav"
    source.write_bytes(b"RIFF....WAVE")
    old = os.umask(0o022)
    try:
        with HistoryRepository(tmp_path / "data" / "history.sqlite3") as repo:
            record = save_new_attempt(repo, question, report.to_dict(), transcript.to_dict(), source)
    finally:
        os.umask(old)
    assert record.audio_path is not None and record.audio_path.read_bytes() == b"RIFF....WAVE"
    assert _mode(record.audio_path) == 0o600
    assert _mode(source) == 0o644  # the original is the user's: untouched


# --- a damaged database -------------------------------------------------------------------------------


def _fill(path: Path, sessions: int = 40) -> None:
    from tests.support.history_data import QUESTIONS, add_scored, at

    with HistoryRepository(path) as repo:
        for i in range(sessions):
            s = repo.create_session("practice", f"week {i}")
            add_scored(
                repo, s.id, QUESTIONS[0], "spot instances and tagging " * 40, coverage=0.5, started_at=at(1)
            )
    with sqlite3.connect(path) as conn:  # everything into the main file, so damaging it damages the data
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _garbage_page(path: Path, table: str = "attempts") -> int:
    """Overwrite one page in the middle of ``table``'s pages with random bytes; its number is returned."""
    with sqlite3.connect(path) as conn:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = (
            [
                row[0]
                for row in conn.execute("SELECT pageno FROM dbstat WHERE name = ? ORDER BY pageno", (table,))
            ]
            if _has_dbstat(conn)
            else list(range(2, conn.execute("PRAGMA page_count").fetchone()[0] + 1))
        )
    page = pages[len(pages) // 2]
    data = bytearray(path.read_bytes())
    data[(page - 1) * size : page * size] = random.Random(15).randbytes(size)
    path.write_bytes(bytes(data))
    return page


def _has_dbstat(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("SELECT 1 FROM dbstat LIMIT 1")
    except sqlite3.OperationalError:
        return False
    return True


def _assert_damaged_message(message: str, path: Path) -> None:
    assert str(path) in message and "damaged" in message  # what and where
    assert ".recover" in message and "move the file aside" in message  # how to fix


def test_a_garbage_page_in_the_middle_is_found_at_open_and_nothing_is_written(tmp_path: Path) -> None:
    path = tmp_path / "data" / "history.sqlite3"
    _fill(path)
    _garbage_page(path)
    before = path.read_bytes()
    with pytest.raises(db.StorageError) as caught:
        HistoryRepository(path)
    _assert_damaged_message(str(caught.value), path)
    assert path.read_bytes() == before
    assert (
        not path.with_name(path.name + "-wal").exists()
        or not path.with_name(path.name + "-wal").stat().st_size
    )


def test_a_file_that_is_not_a_database_gets_the_same_advice(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not SQLite" * 300)
    with pytest.raises(db.StorageError) as caught:
        db.connect(path)
    _assert_damaged_message(str(caught.value), path)


def test_a_damaged_old_database_is_neither_backed_up_nor_migrated(tmp_path: Path) -> None:
    from opsprep_voice.storage import migrations

    path = tmp_path / "history.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(migrations.SCHEMA_V1)
        conn.execute("PRAGMA user_version = 1")
        conn.executemany(
            "INSERT INTO sessions (started_at, mode, title, bank) VALUES (?, 'practice', ?, '')",
            [(f"2024-11-{1 + i % 28:02d}T09:00:00.000000Z", "x" * 300) for i in range(400)],
        )
    _garbage_page(path, "sessions")
    before = path.read_bytes()
    with pytest.raises(db.StorageError):
        db.connect(path)
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.bak"))


def test_a_sound_old_database_is_backed_up_before_it_is_migrated(tmp_path: Path) -> None:
    from opsprep_voice.storage import migrations

    path = tmp_path / "history.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(migrations.SCHEMA_V1)
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO sessions (started_at, mode, title, bank) VALUES ('2024-11-01', 'mock', 't', '')"
        )
    db.connect(path).close()
    backups = sorted(p.name for p in tmp_path.glob("*.bak"))
    assert backups == ["history.sqlite3.pre-v2.bak"]  # the v1 file, taken before the first migration
    with sqlite3.connect(tmp_path / backups[0]) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT title FROM sessions").fetchall() == [("t",)]
    if os.name == "posix":
        assert _mode(tmp_path / backups[0]) & 0o077 == 0


def test_the_app_starts_without_history_and_says_why(tmp_path: Path) -> None:
    from opsprep_voice.core.paths import AppPaths
    from opsprep_voice.ui.history_store import open_history

    paths = AppPaths(data=tmp_path / "data", cache=tmp_path / "cache", config=tmp_path / "config")
    path = paths.data / "history.sqlite3"
    _fill(path, sessions=20)
    _garbage_page(path)
    before = path.read_bytes()
    problems: list[str] = []
    assert open_history(paths, problems) is None
    assert len(problems) == 1 and "History is unavailable" in problems[0]
    _assert_damaged_message(problems[0], path)
    assert path.read_bytes() == before
