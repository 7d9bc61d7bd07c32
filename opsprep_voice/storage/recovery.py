"""Crash recovery: answers the app was recording (or about to transcribe) when it died.

Call :func:`find_interrupted` once at startup, before recording anything. An attempt still ``recording``
from a process that is gone has its WAV header repaired (the recorder writes audio as it arrives, so
everything up to the last flush is there), its duration recorded and its status set to ``interrupted``:
recorded, not transcribed, for the UI to list and offer to transcribe. An attempt left ``recorded`` (the app
died while transcribing) becomes ``interrupted`` too. An attempt whose file is missing, empty or cannot be
repaired becomes ``failed`` with an error saying so; a file that exists is never deleted here.

Attempts belonging to another running instance of the app are left alone. Running it again changes nothing.

The WAV repair function is passed in (``opsprep_voice.audio.wavfile.repair_wav``): the import-linter layers
contract keeps ``storage`` and ``audio`` independent of each other, so the caller (UI or CLI) joins them.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from opsprep_voice.storage.records import RUN_ID, AttemptRecord, process_start
from opsprep_voice.storage.repository import HistoryRepository

log = logging.getLogger(__name__)

RepairWav = Callable[[Path], float]


def find_interrupted(repo: HistoryRepository, repair_wav: RepairWav) -> list[AttemptRecord]:
    """Recover dead recordings; return every attempt now ``interrupted`` and those this call made ``failed``.

    Newest first. ``repair_wav(path) -> duration_s`` fixes a WAV header in place and raises on a file it
    cannot repair.
    """
    newly_failed: list[int] = []
    for attempt in repo.list_attempts(status=("recording", "recorded")):
        if _owned_by_live_process(attempt.recorder):
            log.info("attempt %d is being recorded by a running instance; left alone", attempt.id)
            continue
        problem = _recover(repo, attempt, repair_wav)
        if problem is not None:
            repo.mark_failed(attempt.id, problem)
            newly_failed.append(attempt.id)
            log.warning("attempt %d could not be recovered: %s", attempt.id, problem)
    result = repo.list_attempts(status="interrupted")
    result += [repo.get_attempt(i) for i in newly_failed]
    result.sort(key=lambda a: (a.started_at, a.id), reverse=True)
    return result


def _recover(repo: HistoryRepository, attempt: AttemptRecord, repair_wav: RepairWav) -> str | None:
    """Mark ``attempt`` interrupted, or return why it cannot be (it is then marked failed)."""
    path = attempt.audio_path
    if path is None:
        return "the app stopped before the recording started (no audio file was reserved)"
    if not path.exists():
        return f"the app stopped during the recording and no audio reached {path.name}"
    if path.stat().st_size == 0:
        return f"the app stopped during the recording and {path.name} is empty"
    if attempt.status == "recorded":
        duration = attempt.duration_s or 0.0
    else:
        try:
            duration = float(repair_wav(path))
        except Exception as exc:
            return f"the app stopped during the recording and {path.name} could not be repaired ({exc})"
    if duration <= 0:
        return f"the app stopped during the recording before any audio reached {path.name}"
    repo.mark_interrupted(attempt.id, duration)
    log.info("recovered interrupted attempt %d: %.1f s in %s", attempt.id, duration, path)
    return None


def _owned_by_live_process(recorder: str | None) -> bool:
    """True if the ``pid:run-id[:start]`` token (:func:`~opsprep_voice.storage.records.recorder_token`)
    names another process that is still running."""
    if not recorder:
        return False
    pid_text, _, rest = recorder.partition(":")
    run_id, _, start = rest.partition(":")
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        # This process: either this very run (never call recovery while recording) or an earlier process
        # that had the same pid (containers reuse them) - dead either way unless the run matches.
        return run_id == RUN_ID
    if not _pid_alive(pid):
        return False
    # Alive, but maybe another program that got the pid after the recorder died: its start time differs.
    # Tokens written before start times were stored, or where they are unknown, trust the pid.
    now = process_start(pid) if start else None
    return now is None or now == start


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return True


def _pid_alive_windows(pid: int) -> bool:  # pragma: no cover - exercised on Windows only
    # os.kill(pid, 0) would *terminate* the process on Windows; ask the kernel instead.
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return False
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)
