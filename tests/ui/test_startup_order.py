"""The entry point's start-up order (ui.startup_order): the window is built and painted before the model
load and the microphone check start; both then finish and show their state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtWidgets import QLabel

from opsprep_voice.core.paths import AppPaths
from opsprep_voice.ui.application import build_app
from opsprep_voice.ui.startup_order import after_first_paint
from tests.support.app_fakes import FakeTranscriber, factory_for
from tests.support.fake_sounddevice import FakeSoundDevice
from tests.support.waits import BACKGROUND_MS

WAIT_MS = BACKGROUND_MS  # the app's background work may be waited on: see tests.support.waits


def test_model_load_and_microphone_check_wait_for_the_first_paint(qtbot: Any, tmp_path: Path) -> None:
    paths = AppPaths(data=tmp_path / "data", cache=tmp_path / "cache", config=tmp_path / "config")
    paths.config_dir()
    (paths.config / "settings.json").write_text(json.dumps({"speak_questions": False}))
    loads: list[tuple[str | None, str | None]] = []
    ctx = build_app(
        paths=paths,
        sd=FakeSoundDevice(np.zeros(1600, np.int16), 16000),
        synthesizer=None,
        transcriber_factory=factory_for(FakeTranscriber("x"), loads),
        entry_order=True,
    )
    qtbot.addWidget(ctx.window)
    mic = ctx.window.start_screen.mic_status
    assert ctx.transcription.state == "idle" and not loads
    assert mic.mark.text() == "…" and "Checking" in mic.detail.text()
    ctx.window.show()
    qtbot.waitUntil(lambda: ctx.transcription.ready, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: mic.mark.text() == "✔", timeout=WAIT_MS)
    assert loads == [("faster-whisper", None)]  # once, the settings' engine and model
    assert "Microphone" in ctx.window.mic_label.text()
    qtbot.waitUntil(lambda: ctx.warmed_up, timeout=WAIT_MS)
    ctx.shutdown()


def test_after_first_paint_runs_once_after_the_paint(qtbot: Any) -> None:
    label = QLabel("painted?")
    qtbot.addWidget(label)
    seen: list[bool] = []
    painted: list[bool] = []
    real_paint = label.paintEvent

    def paint(event: Any) -> None:
        painted.append(True)
        real_paint(event)

    label.paintEvent = paint  # type: ignore[method-assign]
    after_first_paint(label, lambda: seen.append(bool(painted)))
    qtbot.wait(50)
    assert seen == []  # not shown: nothing yet (the fallback is seconds away)
    label.show()
    qtbot.waitUntil(lambda: bool(seen), timeout=WAIT_MS)
    label.update()
    qtbot.wait(100)
    assert seen == [True]


def test_after_first_paint_falls_back_when_never_painted(qtbot: Any) -> None:
    label = QLabel("never shown")
    qtbot.addWidget(label)
    seen: list[int] = []
    after_first_paint(label, lambda: seen.append(1))
    qtbot.waitUntil(lambda: bool(seen), timeout=WAIT_MS)
    qtbot.wait(50)
    assert seen == [1]
