"""Recorder and RecordingSession against a fake sounddevice that replays audio on its own thread."""

from __future__ import annotations

import builtins
import logging
import os
import threading
import wave
from pathlib import Path

import numpy as np
import pytest

from opsprep_voice.audio.capture import Recorder
from opsprep_voice.audio.devices import (
    NO_MICROPHONE,
    AudioDeviceError,
    default_input_device,
    list_input_devices,
    load_sounddevice,
)
from opsprep_voice.audio.levels import SilenceDetector
from opsprep_voice.audio.recorder import RecordingResult, RecordingSession
from tests.support.fake_sounddevice import FakeSoundDevice

RATE = 16_000
WAIT = 10.0


def _tone(seconds: float, amplitude: float = 0.5, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return np.round(amplitude * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def _speechlike(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(-12000, 12000, size=int(seconds * RATE), dtype=np.int16)


def _read(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        assert w.getframerate() == RATE
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").copy()


def _record_all(
    tmp_path: Path, fake: FakeSoundDevice, **kwargs: object
) -> tuple[RecordingResult, RecordingSession]:
    session = RecordingSession(tmp_path / "answer.wav", sd=fake, **kwargs)  # type: ignore[arg-type]
    session.start()
    assert fake.replayed.wait(WAIT)
    return session.stop(), session


def test_all_blocks_written_and_wav_equals_source(tmp_path: Path) -> None:
    source = _speechlike(3.0)
    fake = FakeSoundDevice(source, RATE, blocksize=333)  # a partial last block too
    seen: list[np.ndarray] = []
    rates: set[int] = set()

    def sink(block: np.ndarray, rate: int) -> None:
        seen.append(block)
        rates.add(rate)

    result, session = _record_all(tmp_path, fake, on_block=sink)
    expected_blocks = -(-len(source) // 333)
    assert result.stop_reason == "user" and result.error is None
    assert result.blocks_in == result.blocks_written == expected_blocks == session.blocks_in
    assert result.frames == len(source)
    assert result.duration == pytest.approx(3.0)
    np.testing.assert_array_equal(_read(result.path), source)
    np.testing.assert_array_equal(np.concatenate(seen)[:, 0], source)
    assert rates == {RATE}
    assert fake.streams[0].closed


def test_level_meter_reports_latest_block(tmp_path: Path) -> None:
    fake = FakeSoundDevice(_tone(1.0, amplitude=0.5), RATE, blocksize=1600)
    result, session = _record_all(tmp_path, fake)
    level = session.level
    assert level.blocks == result.blocks_written == 10
    assert level.rms_dbfs == pytest.approx(20 * np.log10(0.5 / np.sqrt(2)), abs=0.1)  # -9.03
    assert level.peak_dbfs == pytest.approx(20 * np.log10(0.5), abs=0.1)  # -6.02

    quiet_dir = tmp_path / "quiet"
    quiet_dir.mkdir()
    _, silent_session = _record_all(quiet_dir, FakeSoundDevice(np.zeros(RATE, dtype=np.int16), RATE))
    assert silent_session.level.rms_dbfs == silent_session.level.peak_dbfs == -120.0


def test_silence_auto_stop_after_speech(tmp_path: Path) -> None:
    source = np.concatenate([_tone(1.0), np.zeros(4 * RATE, dtype=np.int16)])
    # 10x faster than real time, so the stop lands while the fake is still delivering.
    fake = FakeSoundDevice(source, RATE, blocksize=320, pace=0.002)
    finished = threading.Event()
    session = RecordingSession(
        tmp_path / "a.wav", sd=fake, auto_stop_silence=1.0, on_finished=lambda r: finished.set()
    )
    session.start()
    result = session.wait(WAIT)
    assert result is not None and finished.is_set()
    assert result.stop_reason == "silence" and result.error is None
    assert 2.0 <= result.duration < 3.0  # 1 s speech + 1 s silence (+ blocks already in flight)
    assert result.blocks_in == result.blocks_written
    np.testing.assert_array_equal(_read(result.path), source[: result.frames])


def test_silence_before_speech_never_stops() -> None:
    detector = SilenceDetector(1.0, threshold_dbfs=-40, min_speech_seconds=0.3)
    assert not any(detector.update(-90.0, 0.1) for _ in range(100))  # 10 s of leading silence
    assert not detector.update(-20.0, 0.1)  # a click is not speech
    assert not any(detector.update(-90.0, 0.1) for _ in range(20))
    assert not any(detector.update(-20.0, 0.1) for _ in range(3))  # now 0.4 s of speech
    assert [detector.update(-90.0, 0.25) for _ in range(4)] == [False, False, False, True]


def test_device_dies_mid_recording_keeps_audio_and_reports(tmp_path: Path) -> None:
    source = _speechlike(2.0, seed=3)
    fake = FakeSoundDevice(source, RATE, blocksize=400, die_after=30)
    errors: list[BaseException] = []
    reported = threading.Event()

    def on_error(exc: BaseException) -> None:
        errors.append(exc)
        reported.set()

    session = RecordingSession(tmp_path / "a.wav", sd=fake, on_error=on_error)
    session.start()
    result = session.wait(WAIT)
    assert result is not None and reported.wait(WAIT)
    assert result.stop_reason == "error"
    assert isinstance(errors[0], AudioDeviceError) and "is kept" in str(errors[0])
    assert result.error is errors[0]
    assert result.blocks_in == result.blocks_written == 30
    np.testing.assert_array_equal(_read(result.path), source[: 30 * 400])
    assert session.stop() is result  # stopping afterwards is harmless


def test_stalled_device_is_detected(tmp_path: Path) -> None:
    source = _speechlike(2.0, seed=4)
    fake = FakeSoundDevice(source, RATE, blocksize=400, stall_after=12)
    reported = threading.Event()
    session = RecordingSession(
        tmp_path / "a.wav", sd=fake, stall_timeout=0.3, on_error=lambda e: reported.set()
    )
    session.start()
    result = session.wait(WAIT)
    assert result is not None and reported.is_set()
    assert isinstance(result.error, AudioDeviceError) and "stopped delivering audio" in str(result.error)
    np.testing.assert_array_equal(_read(result.path), source[: 12 * 400])


def test_open_failure_raises_plain_error_and_leaves_no_file(tmp_path: Path) -> None:
    fake = FakeSoundDevice(_tone(0.1), RATE, fail_open=True)
    session = RecordingSession(tmp_path / "a.wav", sd=fake)
    with pytest.raises(AudioDeviceError, match="Cannot open the microphone 'fake mic'"):
        session.start()
    assert not (tmp_path / "a.wav").exists()


def test_no_microphone(tmp_path: Path) -> None:
    fake = FakeSoundDevice(_tone(0.1), RATE, devices=[])
    with pytest.raises(AudioDeviceError) as info:
        RecordingSession(tmp_path / "a.wav", sd=fake).start()
    assert str(info.value) == NO_MICROPHONE
    assert list_input_devices(fake) == []
    with pytest.raises(AudioDeviceError, match="No microphone found"):
        default_input_device(fake)


def test_list_input_devices_skips_outputs_and_marks_default() -> None:
    devices = [
        {
            "index": 0,
            "name": "HDMI out",
            "hostapi": 0,
            "max_input_channels": 0,
            "default_samplerate": 48000.0,
        },
        {"index": 1, "name": "USB mic", "hostapi": 0, "max_input_channels": 1, "default_samplerate": 44100.0},
        {"index": 2, "name": "pulse", "hostapi": 0, "max_input_channels": 32, "default_samplerate": 44100.0},
    ]
    fake = FakeSoundDevice(_tone(0.1), RATE, devices=devices)
    fake.default.device = [2, 0]
    listed = list_input_devices(fake)
    assert [(d.index, d.name, d.channels, d.is_default) for d in listed] == [
        (1, "USB mic", 1, False),
        (2, "pulse", 32, True),
    ]
    assert listed[0].hostapi == "FakeAPI" and listed[0].default_samplerate == 44100.0
    assert default_input_device(fake).name == "pulse"


def test_missing_portaudio_is_an_explanation_not_an_import_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: object, **kwargs: object) -> object:
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.delitem(__import__("sys").modules, "sounddevice", raising=False)
    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(AudioDeviceError, match="libportaudio2"):
        load_sounddevice()
    with pytest.raises(AudioDeviceError, match="libportaudio2"):
        list_input_devices()


def test_callback_only_enqueues(monkeypatch: pytest.MonkeyPatch) -> None:
    """The PortAudio callback copies and counts: no files, no logging, and safe from buffer reuse."""
    recorder = Recorder(sd=FakeSoundDevice(_tone(0.1), RATE), sample_rate=RATE)
    block = np.zeros((960, 1), dtype=np.int16)

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the audio callback must not do I/O or log")

    monkeypatch.setattr(builtins, "open", forbidden)
    monkeypatch.setattr(os, "open", forbidden)
    monkeypatch.setattr(os, "write", forbidden)
    monkeypatch.setattr(logging.Logger, "handle", forbidden)
    n = 2000
    for i in range(n):
        block[:, 0] = i  # PortAudio reuses its buffer: the queued copy must not change
        recorder._callback(block, 960, None, None)
    monkeypatch.undo()
    assert recorder.blocks_in == n
    for i in range(n):
        item = recorder.get(timeout=0)
        assert item is not None
        queued, status = item
        assert queued[0, 0] == i and status is None
    assert recorder.get(timeout=0) is None
