"""Quitting after a transcription prints nothing at exit: no "nanobind: leaked … soxr" report.

The app freezes its start-up heap (``gc.freeze``), so whatever the services still hold at exit is never
freed; a live transcription used to keep its soxr resampling stream after the answer was done, and
nanobind (python-soxr's binding) reports every such stream alive at interpreter exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from opsprep_voice.asr.base import TranscribeOptions
from opsprep_voice.core.transcript import Transcript
from opsprep_voice.ui.services.transcription import LiveTranscription
from opsprep_voice.ui.workers import TaskRunner
from tests.support import EXIT_CHILD
from tests.support.app_fakes import FakeTranscriber

BLOCK_48K = np.zeros(4800, dtype=np.int16)


def test_a_finished_or_abandoned_live_transcription_releases_its_resampler(qtbot: Any) -> None:
    runner = TaskRunner()
    finished = LiveTranscription(FakeTranscriber("point in time"), TranscribeOptions(), runner)
    finished.sink(BLOCK_48K, 48_000)
    assert finished._resampler is not None
    results: list[Transcript] = []
    finished.finish().then(results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=60_000)
    assert finished._resampler is None

    abandoned = LiveTranscription(FakeTranscriber("point in time"), TranscribeOptions(), runner)
    abandoned.sink(BLOCK_48K, 48_000)
    abandoned.abandon()
    assert abandoned._resampler is None
    runner.wait(60_000)


@pytest.mark.parametrize(
    ("args", "printed"),
    [((), ["review", "exited"]), (("recording",), ["recording", "exited"])],
    ids=["after the review", "in the middle of an answer"],
)
def test_quitting_reports_no_leaked_objects(
    tmp_path: Path, args: tuple[str, ...], printed: list[str]
) -> None:
    """After a live transcription, or in the middle of one (its answer cut short by quitting), the app
    drops its soxr stream."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.run(
        [sys.executable, str(EXIT_CHILD), str(tmp_path / "home"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert child.stdout.split() == printed, child.stderr[-2000:]
    assert child.returncode == 0, child.stderr[-2000:]
    assert "leaked" not in child.stderr, child.stderr[-2000:]
