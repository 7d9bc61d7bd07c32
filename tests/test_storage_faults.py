"""A history that cannot be written (read-only file system, full disk, a file where the audio folder should
be) never loses a score and is never called damaged: ``score --save`` prints the score, then one line
saying what, where and how to fix, and exits 2 (no traceback); reading commands still read; the app's
"History is unavailable" says the same fix. Real faults: a read-only bind mount and a small tmpfs in a
private mount namespace (as root, file modes do not stop writes)."""

from __future__ import annotations

import json
import shlex
import sqlite3
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.support.mount_ns import (
    child_env,
    cli,
    mount_ns_problem,
    read_only,
    run_in_mount_ns,
    small_tmpfs,
)

needs_ns = pytest.mark.skipif(mount_ns_problem() is not None, reason=str(mount_ns_problem()))


def _wav(path: Path, seconds: float) -> Path:
    samples = np.random.default_rng(15).normal(0, 3000, int(16000 * seconds)).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(samples.tobytes())
    return path


def _env(home: Path) -> dict[str, str]:
    return {"OPSPREP_VOICE_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}


def _score_then_error(proc: subprocess.CompletedProcess[str]) -> str:
    """The score was printed, then exactly one error line, exit 2, no traceback; the error line returned."""
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Coverage:" in proc.stdout and "Saved as attempt" not in proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("opsprep-voice: error:")]
    assert len(errors) == 1, proc.stderr
    assert errors[0].startswith("opsprep-voice: error: the answer was scored but not saved: ")
    assert "is damaged" not in errors[0] and "move the file aside" not in errors[0]  # the history is sound
    assert "The history itself is not damaged" in errors[0]
    return errors[0]


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI (fake transcriber) on a history at ``home``, outside any namespace."""
    return subprocess.run(
        cli(*args), env=child_env(_env(home)), capture_output=True, text=True, timeout=300, check=False
    )


def _saved(home: Path, answer: Path) -> None:
    proc = _run(home, "score", str(answer), "--question", "3", "--save")
    assert proc.returncode == 0 and "Saved as attempt" in proc.stdout, proc.stderr


def _attempt_count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return int(conn.execute("SELECT count(*) FROM attempts").fetchone()[0])


@needs_ns
def test_read_only_file_system_score_is_printed_the_fix_named_and_history_still_reads(tmp_path: Path) -> None:
    home, answer = tmp_path / "home", _wav(tmp_path / "answer.wav", 3)
    _saved(home, answer)
    data = home / "data"
    before = (data / "history.sqlite3").read_bytes()
    proc = run_in_mount_ns(
        read_only(data), cli("score", str(answer), "--question", "3", "--save"), env=_env(home)
    )
    error = _score_then_error(proc)
    assert str(data) in error and "read-only file system" in error and "remount" in error
    # Reading needs no writes: history and the plan still list the answer saved before.
    listing = run_in_mount_ns(read_only(data), cli("history", "--json"), env=_env(home))
    assert listing.returncode == 0, listing.stderr
    assert [len(s["attempts"]) for s in json.loads(listing.stdout)] == [1]
    plan = run_in_mount_ns(read_only(data), cli("plan"), env=_env(home))
    assert plan.returncode == 0 and "Traceback" not in plan.stderr, plan.stderr
    assert (data / "history.sqlite3").read_bytes() == before


@needs_ns
@pytest.mark.parametrize("where", ["database", "audio"])
def test_full_disk_score_is_printed_nothing_half_saved_and_a_retry_saves(tmp_path: Path, where: str) -> None:
    """``database``: no room even for the database; ``audio``: the database fits, the answer's copy not.
    One namespace runs it all (its tmpfs goes with it): the failed save, a look at what is on the disk, then
    a retry once the disk has room again."""
    home, out = tmp_path / "home", tmp_path / "out"
    out.mkdir()
    answer = _wav(tmp_path / "answer.wav", 3 if where == "database" else 90)  # 90 s: 2.8 MiB
    setup = small_tmpfs(home, 256, 256) if where == "database" else small_tmpfs(home, 1536)
    score = " ".join(shlex.quote(a) for a in cli("score", str(answer), "--question", "3", "--save"))
    look = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
        "t = c.execute(\"SELECT count(*) FROM sqlite_master WHERE name = 'attempts'\").fetchone()[0]; "
        "print(c.execute('PRAGMA integrity_check').fetchone()[0], "
        "c.execute('SELECT count(*) FROM attempts').fetchone()[0] if t else 0)"
    )
    script = (
        f"{score} >{out}/out1 2>{out}/err1; echo $? >{out}/rc1; "
        f"ls -A {home}/data/audio >{out}/audio 2>/dev/null || true; "
        f"{shlex.quote(sys.executable)} -c {shlex.quote(look)} {home}/data/history.sqlite3 "
        f">{out}/state 2>&1; "
        f"rm -f {home}/.filler; mount -o remount,size=8192k {home}; "
        f"{score} >{out}/out2 2>{out}/err2; echo $? >{out}/rc2"
    )
    proc = run_in_mount_ns(setup, ["sh", "-c", script], env=_env(home))
    assert proc.returncode == 0, proc.stderr

    def read(name: str) -> str:
        return (out / name).read_text()

    first = subprocess.CompletedProcess([], int(read("rc1")), read("out1"), read("err1"))
    error = _score_then_error(first)
    assert "is full" in error and f"free some space on {home}" in error
    assert read("audio").split() == [], "a partial copy was left behind"
    assert read("state").split() == ["ok", "0"], read("state")  # nothing half-saved, the file sound
    assert read("rc2").strip() == "0" and "Saved as attempt 1" in read("out2"), read("err2")


def test_a_file_where_the_audio_folder_should_be(tmp_path: Path) -> None:
    home, answer = tmp_path / "home", _wav(tmp_path / "answer.wav", 3)
    _saved(home, answer)
    audio = home / "data" / "audio"
    for stored in audio.iterdir():
        stored.unlink()
    audio.rmdir()
    audio.write_text("not a folder")
    proc = _run(home, "score", str(answer), "--question", "3", "--save")
    error = _score_then_error(proc)
    assert f"{audio} is a file where the answers' audio folder should be; move or rename it" in error
    assert _attempt_count(home / "data" / "history.sqlite3") == 1
    listing = _run(home, "history")
    assert listing.returncode == 0 and "Traceback" not in listing.stderr, listing.stderr
    assert "1 answer" in listing.stdout
    assert audio.read_text() == "not a folder"


@pytest.mark.parametrize(
    "name", ["attempt-000002.wav;rm -rf", "answer." + "x" * 240, "answer.WAV", "answer.flac"]
)
def test_stored_audio_gets_a_plain_suffix(tmp_path: Path, name: str) -> None:
    """A hostile or over-long suffix is not copied into the store (too long a name fails the save)."""
    home = tmp_path / "home"
    answer = _wav(tmp_path / name, 3)
    proc = _run(home, "score", str(answer), "--question", "3", "--save", "--json")
    assert proc.returncode == 0, proc.stderr
    stored = sorted(p.name for p in (home / "data" / "audio").iterdir())
    assert stored == ["attempt-000001.flac" if name.endswith(".flac") else "attempt-000001.wav"]


def test_audio_file_name_keeps_only_plain_suffixes() -> None:
    from opsprep_voice.storage.records import audio_file_name

    assert audio_file_name(2, ".wav;rm -rf") == "attempt-000002.wav"
    assert audio_file_name(2, "." + "x" * 300) == "attempt-000002.wav"
    assert audio_file_name(2, ".FLAC") == "attempt-000002.flac"
    assert audio_file_name(2, "") == "attempt-000002.wav"


@needs_ns
def test_the_app_says_the_place_is_read_only_not_that_the_history_is_damaged(tmp_path: Path) -> None:
    home, answer = tmp_path / "home", _wav(tmp_path / "answer.wav", 3)
    _saved(home, answer)
    data = home / "data"
    code = (
        "import sys; from pathlib import Path; from opsprep_voice.core.paths import AppPaths; "
        "from opsprep_voice.ui.history_store import open_history; p=[]; "
        f"r=open_history(AppPaths(data=Path({str(data)!r}), cache=Path({str(home)!r})/'cache', "
        f"config=Path({str(home)!r})/'config'), p); print(r is None); print(p[0] if p else '')"
    )
    proc = run_in_mount_ns(read_only(data), [sys.executable, "-c", code], env=_env(home))
    assert proc.returncode == 0, proc.stderr
    none, message = proc.stdout.splitlines()[:2]
    assert none == "True" and "History is unavailable" in message
    assert "read-only file system" in message and "remount" in message and str(data) in message
    assert "is damaged" not in message and "move the file aside" not in message


@needs_ns
def test_answers_still_in_the_wal_are_not_hidden_by_a_read_only_place(tmp_path: Path) -> None:
    """After a crash the latest answers may sit in ``-wal``; where the history cannot be written (and its
    ``-shm`` is gone) SQLite could only read the main file, so listing it would silently drop them: the
    reading commands say so instead."""
    home, answer = tmp_path / "home", _wav(tmp_path / "answer.wav", 3)
    _saved(home, answer)
    data = home / "data"
    db_file = data / "history.sqlite3"
    crash = (
        "import os, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1])\n"
        "c.execute('PRAGMA wal_autocheckpoint = 0')\n"
        "c.execute(\"UPDATE attempts SET transcript_text = 'only in the WAL'\")\n"
        "c.commit()\n"
        "os._exit(0)  # no checkpoint at close: the change stays in the WAL\n"
    )
    subprocess.run([sys.executable, "-c", crash, str(db_file)], check=True, timeout=60)
    wal = data / "history.sqlite3-wal"
    assert wal.stat().st_size > 0
    (data / "history.sqlite3-shm").unlink(missing_ok=True)
    listing = run_in_mount_ns(read_only(data), cli("history", "--json"), env=_env(home))
    assert listing.returncode != 0 and "Traceback" not in listing.stderr, listing.stdout + listing.stderr
    assert "history.sqlite3-wal" in listing.stderr and "make the place writable" in listing.stderr
    assert wal.stat().st_size > 0  # nothing was changed
    writable = _run(home, "history", "--json")  # where it can be written, the answer reads back whole
    assert writable.returncode == 0 and "only in the WAL" in writable.stdout
