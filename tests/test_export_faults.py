"""Exports that fail or aim at the wrong thing: a failed export (a full disk) leaves no partial copy of a
recording and no half file; --force never replaces a device, pipe or socket; the CSV says ``missing`` for
an answer whose recording is gone instead of naming a file that is not there."""

from __future__ import annotations

import csv
import errno
import os
import shlex
import stat
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from opsprep_voice.storage import export_files
from opsprep_voice.storage.export import export_csv, write_markdown
from opsprep_voice.storage.export_files import ExportError
from opsprep_voice.storage.records import SessionRecord
from opsprep_voice.storage.repository import HistoryRepository
from tests.support.history_data import QUESTIONS, add_scored, at
from tests.support.mount_ns import child_env, cli, mount_ns_problem, run_in_mount_ns, small_tmpfs


@pytest.fixture
def session(repo: HistoryRepository) -> SessionRecord:
    s = repo.create_session("mock", "week 1", "bundled", started_at=at(3, 9))
    for i, question in enumerate(QUESTIONS):
        add_scored(
            repo, s.id, question, f"answer {i} with tagging and alerts", coverage=0.5, started_at=at(3, 9 + i)
        )
    return repo.get_session(s.id)


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("earlier_export", [False, True])
def test_a_failed_export_leaves_no_partial_copy(
    session: SessionRecord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, earlier_export: bool
) -> None:
    """The second recording's copy fails half-way (a full disk): nothing new is left, and an earlier export
    being replaced (--force) is left as it was."""
    out = tmp_path / "out"
    out.mkdir()
    target = out / "week.md"
    if earlier_export:
        write_markdown(session, target, with_audio=True)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    real_copy = export_files.private_copy
    copies: list[Path] = []

    def fill_up(source: Path, copy: Path) -> None:
        copies.append(copy)
        if len(copies) == 2:
            copy.write_bytes(source.read_bytes()[:100])
            raise OSError(errno.ENOSPC, "No space left on device")
        real_copy(source, copy)

    monkeypatch.setattr(export_files, "private_copy", fill_up)
    with pytest.raises(ExportError) as caught:
        write_markdown(session, target, with_audio=True, overwrite=earlier_export)
    assert "is full" in str(caught.value) and "free some space on" in str(caught.value)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")], _listing(out)


@pytest.mark.skipif(mount_ns_problem() is not None, reason=str(mount_ns_problem()))
def test_a_full_disk_during_a_cli_export_leaves_nothing_behind(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "out"
    answer = tmp_path / "answer.wav"
    with wave.open(str(answer), "wb") as w:  # 90 s: 2.8 MiB, more than the 1 MiB disk below
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.random.default_rng(8).normal(0, 3000, 16000 * 90).astype(np.int16).tobytes())
    env = {"OPSPREP_VOICE_HOME": str(home)}
    saved = subprocess.run(cli("score", str(answer), "--question", "3", "--save"), env=child_env(env),
                           capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert saved.returncode == 0, saved.stderr
    export = " ".join(shlex.quote(a) for a in cli("export", "1", "-o", f"{out}/week.md", "--with-audio"))
    script = f"{export}; echo rc=$?; ls -A {out}"
    proc = run_in_mount_ns(small_tmpfs(out, 1024), ["sh", "-c", script], env=env)
    lines = proc.stdout.split()
    assert lines == ["rc=2"], proc.stdout + proc.stderr  # an error, and the disk is as empty as before
    assert "Traceback" not in proc.stderr and f"free some space on {out}" in proc.stderr, proc.stderr


@pytest.mark.skipif(os.name != "posix", reason="device files and pipes")
def test_force_never_replaces_a_device_a_pipe_or_a_link_to_one(
    session: SessionRecord, tmp_path: Path
) -> None:
    pipe = tmp_path / "pipe.md"
    os.mkfifo(pipe)
    link = tmp_path / "null.csv"
    link.symlink_to("/dev/null")
    targets = [pipe, link]
    # A device of its own, never the machine's /dev/null: a regression run as root would replace that.
    device = tmp_path / "null.md"
    try:
        os.mknod(device, stat.S_IFCHR | 0o600, os.makedev(1, 3))
        targets.append(device)
    except PermissionError:  # not root: the link to a device stands for it
        pass
    for target in targets:
        with pytest.raises(ExportError, match="not a regular file") as caught:
            write_markdown(session, target, overwrite=True)
        assert "even with --force" in str(caught.value)
        with pytest.raises(ExportError, match="not a regular file"):
            export_csv(session.attempts, target, overwrite=True)
    assert stat.S_ISFIFO(pipe.lstat().st_mode) and link.is_symlink()
    assert not device.exists() or stat.S_ISCHR(device.lstat().st_mode)


def test_copies_left_by_a_killed_export_are_cleared_by_the_next_one(
    session: SessionRecord, tmp_path: Path
) -> None:
    """kill -9 mid-export leaves the hidden staging copies of the recordings (and the old folder being
    replaced) beside the target; the next export there removes them, and nothing else."""
    target = tmp_path / "week.md"
    left = [tmp_path / ".week-audio.k1ll3d.tmp", tmp_path / ".week-audio.0ld123.old"]
    for folder in left:
        folder.mkdir()
        (folder / "attempt-000001.wav").write_bytes(b"RIFF a voice")
    mine = tmp_path / ".week-audio.notes"  # not a name an export makes
    mine.mkdir()
    write_markdown(session, target, with_audio=True)
    assert not any(folder.exists() for folder in left)
    assert mine.is_dir() and (tmp_path / "week-audio").is_dir()


def test_force_still_replaces_an_earlier_export(session: SessionRecord, tmp_path: Path) -> None:
    target = tmp_path / "week.md"
    target.write_text("an earlier export")
    write_markdown(session, target, overwrite=True)
    assert target.read_text().startswith("# ")


def test_csv_says_missing_for_a_recording_that_is_gone(session: SessionRecord, tmp_path: Path) -> None:
    gone = session.attempts[1]
    assert gone.audio_path is not None
    gone.audio_path.unlink()
    target = export_csv(session.attempts, tmp_path / "week.csv")
    rows = {int(r["attempt_id"]): r for r in csv.DictReader(target.open(encoding="utf-8", newline=""))}
    assert rows[gone.id]["audio_file"] == "missing"
    assert gone.audio_path.name not in target.read_text(encoding="utf-8")
    kept = session.attempts[0]
    assert rows[kept.id]["audio_file"] == str(kept.audio_path)
