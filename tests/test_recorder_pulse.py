"""The real Recorder + real sounddevice recording the virtual microphone while speech plays into it."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

from opsprep_voice.audio.devices import default_input_device, list_input_devices
from opsprep_voice.audio.recorder import RecordingSession
from tests.support import speech
from tests.support.audio_check import align, read_wav, speech_span

pytestmark = pytest.mark.audio

TEXT = "Describe how you would roll back a failed Kubernetes deployment during peak traffic."


def test_devices_visible_through_pulse(pulse_audio: dict[str, str]) -> None:
    names = [d.name for d in list_input_devices()]
    assert "pulse" in names or "default" in names
    assert default_input_device().channels >= 1


def test_record_virtual_mic_matches_played_speech(
    pulse_audio: dict[str, str], speech_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULSE_SOURCE", "vmic")
    source_path = speech.synthesize(TEXT, speech_dir / "pulse-rollback-16k.wav")
    source, rate = read_wav(source_path)
    assert rate == 16_000

    target = threading.Event()
    needed = [0]
    recorded = [0]

    def sink(block: np.ndarray, sample_rate: int) -> None:
        recorded[0] += len(block)
        if needed[0] and recorded[0] >= needed[0]:
            target.set()

    session = RecordingSession(tmp_path / "answer.wav", sample_rate=16_000, on_block=sink)
    session.start()
    try:
        assert session.first_block.wait(10), "no audio from the virtual microphone"
        started_at = recorded[0]
        subprocess.run(["paplay", "--device=micfeed", str(source_path)], check=True, timeout=60)
        # paplay returns when the sink has played it; record a little longer to catch the tail.
        needed[0] = started_at + len(source) + 8000
        assert target.wait(30), "recording did not reach the expected length"
    finally:
        result = session.stop()
    assert result.error is None and result.overflows == 0
    assert result.blocks_in == result.blocks_written
    recording, rec_rate = read_wav(result.path)
    assert rec_rate == 16_000
    correlation, lag = align(recording, source)
    assert correlation > 0.9, f"recording does not match the source (r={correlation:.3f})"
    assert lag >= 0 and lag + len(source) <= len(recording)
    assert speech_span(recording, rec_rate) == pytest.approx(speech_span(source, rate), abs=0.05)
