"""The settings dialog: shows the stored values, lists devices and voices, tests the microphone level
live, and returns what the user chose; the app applies it without a restart."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from opsprep_voice.audio.devices import InputDevice
from opsprep_voice.audio.tts import Voice
from opsprep_voice.core.settings import Settings
from opsprep_voice.ui.services.recording import AnswerRecorder
from opsprep_voice.ui.settings_dialog import SettingsDialog
from tests.support.fake_sounddevice import FakeSoundDevice

DEVICES = [
    InputDevice(0, "USB mic", 1, 48000.0, True, "pulse"),
    InputDevice(1, "Laptop mic", 2, 44100.0, False, "pulse"),
]


def dialog(
    qtbot: Any, settings: Settings, recorder: AnswerRecorder | None = None, devices: Any = lambda: DEVICES
) -> SettingsDialog:
    d = SettingsDialog(
        settings,
        input_devices=devices,
        voices=lambda: [Voice("gmw/en-us", "English (America)", ["en-us"])],
        engines=["faster-whisper", "openai-whisper"],
        models=["tiny.en", "base"],
        level_recorder=recorder,
    )
    qtbot.addWidget(d)
    return d


def test_shows_stored_values_and_returns_changes(qtbot: Any) -> None:
    stored = Settings(
        input_device="Laptop mic",
        engine="openai-whisper",
        model="tiny.en",
        think_time_s=10,
        time_limit_s=240,
        silence_stop=True,
        silence_stop_s=8,
        mode="study",
        tts_rate=150,
        follow_ups="two",
    )
    d = dialog(qtbot, stored)
    assert d.device.currentText() == "Laptop mic"
    assert d.engine.currentData() == "openai-whisper" and d.model.currentData() == "tiny.en"
    assert d.values() == {
        "input_device": "Laptop mic",
        "tts_voice": None,
        "tts_rate": 150,
        "speak_questions": True,
        "engine": "openai-whisper",
        "model": "tiny.en",
        "live_transcription": True,
        "think_time_s": 10,
        "time_limit_s": 240,
        "silence_stop": True,
        "silence_stop_s": 8,
        "mode": "study",
        "follow_ups": "two",
    }
    d.device.setCurrentIndex(d.device.findData("USB mic"))
    d.voice.setCurrentIndex(d.voice.findData("gmw/en-us"))
    d.engine.setCurrentIndex(d.engine.findData("faster-whisper"))
    d.model.setCurrentIndex(d.model.findData(None))
    d.think.setValue(0)
    d.follow_ups.setCurrentIndex(d.follow_ups.findData("off"))
    values = d.values()
    assert values["follow_ups"] == "off"
    assert values["input_device"] == "USB mic" and values["tts_voice"] == "gmw/en-us"
    assert values["engine"] == "faster-whisper" and values["model"] is None and values["think_time_s"] == 0
    Settings.model_validate(values)  # what the dialog returns is always storable


def test_no_microphone_is_explained(qtbot: Any) -> None:
    d = dialog(qtbot, Settings(), devices=lambda: [])
    assert "No microphone found" in d.device_note.text()
    assert d.device.count() == 1  # only "System default"


def test_live_level_test_moves_the_meter_and_cleans_up(qtbot: Any, tmp_path: Path) -> None:
    t = np.arange(16000 * 20) / 16000
    tone = (np.sin(2 * np.pi * 440 * t) * 12000).astype(np.int16)
    recorder = AnswerRecorder(sd=FakeSoundDevice(tone, 16000, blocksize=800, pace=0.05))
    d = dialog(qtbot, Settings(), recorder)
    d.test_button.setChecked(True)
    qtbot.waitUntil(lambda: d.level.level_db > -20, timeout=5_000)
    test_file = d._test_file
    assert recorder.recording and test_file is not None
    d.test_button.setChecked(False)
    qtbot.waitUntil(lambda: not recorder.recording and not test_file.exists(), timeout=5_000)


def test_cancelling_without_a_level_test_disconnects_nothing_and_warns_nothing(qtbot: Any) -> None:
    # PySide6 reports a disconnect of a slot that was never connected as a RuntimeWarning, not an
    # exception: closing the dialog must only undo the connections the level test made.
    recorder = AnswerRecorder(sd=FakeSoundDevice(np.zeros(1600, np.int16), 16000))
    d = dialog(qtbot, Settings(), recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d.reject()
        d.test_button.setChecked(True)
        qtbot.waitUntil(lambda: recorder.recording, timeout=5_000)
        d.reject()  # stops the test and disconnects once ...
        d.reject()  # ... and a second close has nothing left to undo
    qtbot.waitUntil(lambda: not recorder.recording, timeout=5_000)
