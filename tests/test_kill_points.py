"""kill -9 at each point of the flow (speaking, recording, transcribing, saving, exporting, migrating),
then a restart as the app does it: the database passes ``PRAGMA integrity_check``, the answer saved before
is whole, and the answer under way when the kill landed is recovered with its audio (none is lost).

The child (:mod:`tests.support.kill_child`) runs the real app offscreen with a fake microphone and
transcriber, or the storage code alone, and says when it holds at its point; the parent kills it then."""

from __future__ import annotations

import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path

import pytest

from opsprep_voice.core.paths import AppPaths
from opsprep_voice.storage import migrations
from opsprep_voice.storage.repository import HistoryRepository
from tests.support.history_data import QUESTIONS, add_scored, at
from tests.support.kill_child import ANSWER_S, POINTS
from tests.support.mount_ns import child_env

#: A bound against a hang, not a speed target: the child starts the app on a shared, loaded machine.
POINT_TIMEOUT_S = 240


def _earlier_answer(home: Path) -> tuple[int, bytes]:
    """A scored answer from an earlier rehearsal, with its audio: it must come through every kill whole."""
    with HistoryRepository(home / "data" / "history.sqlite3") as repo:
        session = repo.create_session("practice", "last week", started_at=at(1))
        attempt = add_scored(repo, session.id, QUESTIONS[0], "tagging and budgets", coverage=0.5,
                             started_at=at(1), audio_seconds=2.0)  # fmt: skip
        repo.end_session(session.id, ended_at=at(1, 13))
        assert attempt.audio_path is not None
        return attempt.id, attempt.audio_path.read_bytes()


def _old_database(home: Path) -> int:
    """A schema-v1 history with 300 sessions (the v1 release had no audio column to fill)."""
    path = home / "data" / "history.sqlite3"
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as conn:
        conn.executescript(migrations.SCHEMA_V1)
        conn.execute("PRAGMA user_version = 1")
        conn.executemany(
            "INSERT INTO sessions (started_at, mode, title, bank) VALUES (?, 'practice', ?, '')",
            [(f"2024-11-{1 + i % 28:02d}T09:00:00.000000Z", f"session {i}") for i in range(300)],
        )
    return 300


def _wait_for_point(child: subprocess.Popen[str], point: str) -> list[str]:
    assert child.stdout is not None
    stdout = child.stdout
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=read, daemon=True).start()
    while True:
        try:
            line = lines.get(timeout=POINT_TIMEOUT_S)
        except queue.Empty:
            raise AssertionError(f"the child never reached {point!r} in {POINT_TIMEOUT_S} s") from None
        if not line:
            raise AssertionError(f"the child ended (rc={child.wait()}) before {point!r}")
        words = line.split()
        if words[:2] == ["point", point]:
            return words[2:]


def _integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


@pytest.mark.parametrize("point", POINTS)
def test_kill_9_then_restart_keeps_every_answer_and_a_sound_database(tmp_path: Path, point: str) -> None:
    home = tmp_path / "home"
    db_path = home / "data" / "history.sqlite3"
    if point == "migrating":
        sessions = _old_database(home)
    else:
        earlier_id, earlier_audio = _earlier_answer(home)
    (home / "exports").mkdir(parents=True)
    errors = (tmp_path / "child.err").open("w")
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.support.kill_child", str(home), point],
        stdout=subprocess.PIPE, stderr=errors, text=True,
        env=child_env({"QT_QPA_PLATFORM": "offscreen"}),
    )  # fmt: skip
    try:
        try:
            held = _wait_for_point(child, point)
        except AssertionError as exc:
            if child.poll() is None:  # where is it stuck? It says, then its faulthandler writes its stacks
                if point not in ("exporting", "migrating"):
                    child.send_signal(signal.SIGUSR1)  # its report comes from its GUI thread, when that runs
                    deadline = time.monotonic() + 10
                    while "step " not in (tmp_path / "child.err").read_text() and time.monotonic() < deadline:
                        time.sleep(0.05)
                child.send_signal(signal.SIGABRT)
                child.wait(60)
            errors.flush()
            tail = (tmp_path / "child.err").read_text(errors="replace")[-3000:]
            raise AssertionError(f"{exc}\nchild stderr:\n{tail}") from None
        child.send_signal(signal.SIGKILL)
        assert child.wait(60) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        errors.close()

    assert _integrity(db_path) == "ok"  # as the kill left it, before anything repairs it
    if point == "migrating":
        with HistoryRepository(db_path) as repo:  # the restart finishes the migration
            assert len(repo.list_sessions()) == sessions
        assert _integrity(db_path) == "ok"
        assert (db_path.parent / "history.sqlite3.pre-v2.bak").is_file()  # taken before the first step
        return

    # The restart as the app does it: open the history and recover what the killed run left.
    from opsprep_voice.ui.history_store import open_history

    problems: list[str] = []
    paths = AppPaths(data=home / "data", cache=home / "cache", config=home / "config")
    restarted = open_history(paths, problems)
    assert restarted is not None, problems
    try:
        earlier = restarted.get_attempt(earlier_id)
        assert earlier.status == "scored" and earlier.audio_path is not None
        assert earlier.audio_path.read_bytes() == earlier_audio
        attempts = restarted.list_attempts()
        if point in ("speaking", "exporting"):
            assert [a.id for a in attempts] == [earlier_id]  # nothing was recorded yet
        else:
            (killed,) = [a for a in attempts if a.id != earlier_id]
            assert killed.id == int(held[0])
            assert killed.status == "interrupted", (killed.status, killed.error)
            assert killed.audio_path is not None
            with wave.open(str(killed.audio_path)) as w:
                seconds = w.getnframes() / w.getframerate()
            # Recording: what was on disk at the kill (>= 1.5 s); later points: the whole answer.
            assert seconds >= (1.4 if point == "recording" else ANSWER_S - 0.01)
            assert killed.duration_s == pytest.approx(seconds, abs=0.05)
            assert any("recovered" in p for p in problems), problems
    finally:
        restarted.close()
    assert _integrity(db_path) == "ok"
    if point == "exporting":
        exports = home / "exports"
        assert sorted(p.name for p in exports.iterdir() if not p.name.startswith(".")) == []
        for staging in exports.iterdir():  # the staging folder a kill -9 leaves: hidden and private
            assert staging.name.startswith(".week-audio.") and (staging.stat().st_mode & 0o077) == 0
