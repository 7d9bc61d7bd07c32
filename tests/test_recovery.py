"""Crash recovery: recordings left behind by a dead app, and a database write killed by SIGKILL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsprep_voice.audio.wavfile import repair_wav
from opsprep_voice.storage.records import RUN_ID, AttemptRecord, process_start, recorder_token
from opsprep_voice.storage.recovery import find_interrupted
from opsprep_voice.storage.repository import HistoryRepository
from tests.support.history_data import QUESTIONS, add_scored, wav_bytes

Q1, Q2, Q3 = QUESTIONS
REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[HistoryRepository]:
    r = HistoryRepository(tmp_path / "history.sqlite3")
    yield r
    r.close()


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _orphan(repo: HistoryRepository, attempt: AttemptRecord, recorder: str) -> None:
    """Pretend ``attempt`` was started by another process (``pid:run-id``)."""
    with sqlite3.connect(repo.path) as conn:
        conn.execute("UPDATE attempts SET recorder = ? WHERE id = ?", (recorder, attempt.id))


def _recording(
    repo: HistoryRepository, question: object, content: bytes | None, recorder: str
) -> AttemptRecord:
    s = repo.create_session("practice")
    attempt = repo.start_attempt(s.id, question)  # type: ignore[arg-type]
    assert attempt.audio_path is not None
    if content is not None:
        attempt.audio_path.write_bytes(content)
    _orphan(repo, attempt, recorder)
    return attempt


def test_killed_recording_is_repaired_and_listed_as_interrupted(
    repo: HistoryRepository, dead_pid: int
) -> None:
    attempt = _recording(repo, Q1, wav_bytes(2.5, sizes_zero=True), f"{dead_pid}:0123456789ab")
    assert attempt.audio_path is not None
    # RIFF size 0: not even recognised as a WAV before the repair.
    with pytest.raises(wave.Error), wave.open(str(attempt.audio_path)):
        pass

    found = find_interrupted(repo, repair_wav)
    assert [a.id for a in found] == [attempt.id]
    recovered = found[0]
    assert recovered.status == "interrupted"
    assert recovered.duration_s == pytest.approx(2.5)
    assert recovered.error is None
    with wave.open(str(attempt.audio_path)) as fixed:
        assert fixed.getnframes() == 40_000
    assert repo.list_attempts(status="interrupted")[0].id == attempt.id


def test_same_pid_from_an_earlier_run_is_recovered(repo: HistoryRepository) -> None:
    # Containers often give the app the same pid every launch: the run id tells the runs apart.
    attempt = _recording(repo, Q1, wav_bytes(1.0, sizes_zero=True), f"{os.getpid()}:earlier-run0")
    assert [a.id for a in find_interrupted(repo, repair_wav)] == [attempt.id]


def test_recording_of_a_running_instance_is_left_alone(repo: HistoryRepository) -> None:
    other_app = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        content = wav_bytes(1.0, sizes_zero=True)
        live = _recording(repo, Q1, content, f"{other_app.pid}:0123456789ab")
        mine = repo.start_attempt(repo.create_session("practice").id, Q2)  # this run is recording too
        assert find_interrupted(repo, repair_wav) == []
        assert repo.get_attempt(live.id).status == "recording"
        assert repo.get_attempt(mine.id).status == "recording"
        assert live.audio_path is not None and live.audio_path.read_bytes() == content  # not touched
    finally:
        assert other_app.stdin is not None
        other_app.stdin.close()
        other_app.wait()
    assert [a.id for a in find_interrupted(repo, repair_wav)] == [live.id]  # once it has exited


@pytest.mark.skipif(process_start(os.getpid()) is None, reason="no /proc: start times unknown")
def test_a_reused_pid_does_not_keep_a_dead_recording_recording(repo: HistoryRepository) -> None:
    """The recorder died and another program now has its pid: its start time gives it away. The token of a
    recorder that is really running (same pid and start) is still left alone."""
    other = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        start = process_start(other.pid)
        assert start is not None
        dead = _recording(
            repo, Q1, wav_bytes(1.0, sizes_zero=True), f"{other.pid}:0123456789ab:{int(start) - 1}"
        )
        live = _recording(repo, Q2, wav_bytes(1.0, sizes_zero=True), f"{other.pid}:0123456789ab:{start}")
        assert [a.id for a in find_interrupted(repo, repair_wav)] == [dead.id]
        assert repo.get_attempt(dead.id).status == "interrupted"
        assert repo.get_attempt(live.id).status == "recording"
    finally:
        assert other.stdin is not None
        other.stdin.close()
        other.wait()


def test_the_recorder_token_carries_the_process_start() -> None:
    token = recorder_token()
    pid, run_id, *start = token.split(":")
    assert int(pid) == os.getpid() and run_id == RUN_ID
    assert start == ([] if process_start(os.getpid()) is None else [process_start(os.getpid())])


def test_missing_empty_and_unrepairable_files_become_failed(repo: HistoryRepository, dead_pid: int) -> None:
    token = f"{dead_pid}:0123456789ab"
    missing = _recording(repo, Q1, None, token)
    empty = _recording(repo, Q2, b"", token)
    header_only = _recording(repo, Q3, wav_bytes(0.0, sizes_zero=True), token)
    garbage = _recording(repo, Q1, b"this is not audio at all" * 10, token)

    found = {a.id: a for a in find_interrupted(repo, repair_wav)}
    assert set(found) == {missing.id, empty.id, header_only.id, garbage.id}
    assert all(a.status == "failed" for a in found.values())
    assert "no audio reached attempt-" in (found[missing.id].error or "")
    assert "is empty" in (found[empty.id].error or "")
    assert "before any audio" in (found[header_only.id].error or "")
    assert "could not be repaired" in (found[garbage.id].error or "")
    assert garbage.audio_path is not None and garbage.audio_path.exists()  # nothing is deleted


def test_recorded_but_not_transcribed_becomes_interrupted(repo: HistoryRepository, dead_pid: int) -> None:
    attempt = _recording(repo, Q1, wav_bytes(1.0), f"{dead_pid}:0123456789ab")
    repo.mark_recorded(attempt.id, 1.0)  # then the app died while transcribing
    found = find_interrupted(repo, repair_wav)
    assert [(a.id, a.status, a.duration_s) for a in found] == [(attempt.id, "interrupted", 1.0)]


def test_recovery_is_idempotent(repo: HistoryRepository, dead_pid: int) -> None:
    token = f"{dead_pid}:0123456789ab"
    ok = _recording(repo, Q1, wav_bytes(1.5, sizes_zero=True), token)
    lost = _recording(repo, Q2, None, token)
    scored = add_scored(repo, repo.create_session("practice").id, Q3, "done", coverage=0.5)

    first = find_interrupted(repo, repair_wav)
    assert {a.id: a.status for a in first} == {ok.id: "interrupted", lost.id: "failed"}
    assert ok.audio_path is not None
    audio_after_first = ok.audio_path.read_bytes()
    records_after_first = [repo.get_attempt(i) for i in (ok.id, lost.id, scored.id)]

    second = find_interrupted(repo, repair_wav)
    assert [a.id for a in second] == [ok.id]  # still waiting for transcription; the failure was reported once
    assert [repo.get_attempt(i) for i in (ok.id, lost.id, scored.id)] == records_after_first
    assert ok.audio_path.read_bytes() == audio_after_first


_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from tests.support.history_data import QUESTIONS, make_report, make_transcript
    from opsprep_voice.storage.repository import HistoryRepository

    repo = HistoryRepository(Path(sys.argv[1]))
    q = QUESTIONS[0]
    text = "we moved batch jobs to spot instances and tagged every resource " * 40
    report = make_report(q, text, coverage=0.5)
    session = repo.create_session("practice", "committed before the crash")
    for _ in range(5):
        a = repo.start_attempt(session.id, q)
        repo.save_score(a.id, report, make_transcript(text, 90.0))
    print("committed", flush=True)
    with repo.transaction():  # one big transaction, killed half-way
        big = repo.create_session("mock", "never committed")
        for i in range(1_000_000):
            a = repo.start_attempt(big.id, q)
            repo.save_score(a.id, report, make_transcript(text, 90.0))
            if i == 800:
                print("inside", flush=True)
    print("finished", flush=True)
    """
)


def test_sigkill_during_a_big_write_transaction_leaves_a_consistent_database(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == "committed"
        assert proc.stdout.readline().strip() == "inside"
        wal = path.with_name(path.name + "-wal")
        # The uncommitted transaction has spilled pages into the WAL: the kill really lands mid-write.
        assert wal.stat().st_size > 1_000_000
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL

    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT count(*) FROM attempts").fetchone()[0] == 5
        assert conn.execute("SELECT title FROM sessions").fetchall() == [("committed before the crash",)]
    with HistoryRepository(path) as repo:
        assert [a.status for a in repo.list_attempts()] == ["scored"] * 5
        s = repo.create_session("practice")  # and it takes new writes
        assert repo.start_attempt(s.id, Q1).id > 0
