"""The history store and what is already on disk: modes the user set are kept, a folder or a read-only file
where the database should be is refused with what to do, and copies of recordings are private from birth."""

from __future__ import annotations

import os
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
    from opsprep_voice.practice.attempts import save_new_attempt

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
