"""The app without History (the database path is taken by a folder): an answer is still recorded and
reviewed from a temporary WAV, and that recording is deleted at quit, as the start-up message says."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support.app_fakes import FakeTranscriber
from tests.support.fake_sounddevice import FakeSoundDevice
from tests.ui.test_rehearsal_flow import WAIT_MS, Q, make_app, phase, press, start_single


@pytest.fixture
def temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder the app's unsaved recordings go to."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _app(qtbot: Any, tmp_path: Path) -> tuple[Any, FakeSoundDevice]:
    pcm = (np.sin(np.arange(16000 * 2) / 8) * 8000).astype(np.int16)
    sd = FakeSoundDevice(pcm, 16000, blocksize=800)
    return make_app(qtbot, tmp_path, sd, FakeTranscriber(Q.example_answer)), sd


def _answer_one(ctx: Any, qtbot: Any, sd: FakeSoundDevice) -> Path:
    """Record and review one answer with the keyboard; the path of its recording."""
    from opsprep_voice.core.session import Phase

    qtbot.waitUntil(lambda: ctx.transcription.ready, timeout=WAIT_MS)
    start_single(ctx, qtbot)
    press(ctx, "Space")
    assert sd.replayed.wait(10)
    press(ctx, "Space")
    qtbot.waitUntil(lambda: phase(ctx) is Phase.REVIEW, timeout=WAIT_MS)
    result = ctx.controller.session.result if ctx.controller.session else None
    assert result is not None and result.report is not None and result.audio_path is not None
    return Path(result.audio_path)


def test_answers_recorded_without_history_are_deleted_at_quit(qtbot: Any, tmp_path: Path, temp: Path) -> None:
    (tmp_path / "data" / "history.sqlite3").mkdir(parents=True)  # History cannot open
    ctx, sd = _app(qtbot, tmp_path)
    assert ctx.history is None
    assert any("answers will not be kept after you quit" in p for p in ctx.problems)
    recording = _answer_one(ctx, qtbot, sd)
    assert recording.parent == temp and recording.exists()
    ctx.shutdown()
    assert list(temp.glob("opsprep-answer-*")) == []


def test_a_file_where_the_audio_folder_should_be_is_told_at_start_and_the_answer_kept(
    qtbot: Any, tmp_path: Path, temp: Path
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "audio").write_text("not a folder")
    ctx, sd = _app(qtbot, tmp_path)
    assert ctx.history is not None  # past answers can still be read
    told = [p for p in ctx.problems if p.startswith("New answers cannot be saved in History")]
    assert len(told) == 1 and "is a file where the answers' audio folder should be" in told[0]
    recording = _answer_one(ctx, qtbot, sd)
    assert recording.parent == temp
    ctx.shutdown()
    assert recording.exists()  # kept: nobody said it would be deleted
