"""What one answer creates is freed after it: a finished task (with its function, what that captured and
its result) and an answer's live transcription. Both used to live as long as the app, which the soak
benchmark (scripts/bench_soak.py) showed as memory growing with every answer."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import numpy as np
import shiboken6
from PySide6.QtCore import QThreadPool

from opsprep_voice.asr.base import TranscribeOptions
from opsprep_voice.ui.services.transcription import LiveTranscription
from opsprep_voice.ui.workers import TaskRunner
from tests.support.app_fakes import FakeTranscriber
from tests.support.waits import BACKGROUND_MS

WAIT_MS = BACKGROUND_MS  # the app's background work may be waited on: see tests.support.waits


def private_runner() -> TaskRunner:
    """A runner on a pool of its own: the global pool is shared with every earlier test, and one that left
    a worker blocked (a fake engine waiting on its gate) would starve this test's tasks."""
    return TaskRunner(QThreadPool())


class Payload:
    """Stands for what a task's function captures (an answer's audio, a transcriber's state)."""


def test_a_finished_task_is_freed_with_what_it_held(qtbot: Any) -> None:
    runner = private_runner()
    payload = Payload()
    held = weakref.ref(payload)
    results: list[object] = []
    task = runner.start(lambda _p, _c, kept=payload: kept, "holds a payload")
    task.then(results.append)
    tracked = weakref.ref(task)
    del task, payload
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)
    results.clear()  # the caller is done with the result too

    def freed() -> bool:
        gc.collect()
        return tracked() is None and held() is None

    qtbot.waitUntil(freed, timeout=WAIT_MS)


def test_an_answers_live_transcription_is_deleted_once_finished_or_abandoned(qtbot: Any) -> None:
    runner = private_runner()
    block = np.zeros(4800, dtype=np.int16)
    finished = LiveTranscription(FakeTranscriber("point in time"), TranscribeOptions(), runner)
    finished.sink(block, 48_000)
    results: list[object] = []
    finished.finish().then(results.append)
    abandoned = LiveTranscription(FakeTranscriber("point in time"), TranscribeOptions(), runner)
    abandoned.sink(block, 48_000)
    abandoned.abandon()
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: not shiboken6.isValid(finished) and not shiboken6.isValid(abandoned), timeout=WAIT_MS
    )
