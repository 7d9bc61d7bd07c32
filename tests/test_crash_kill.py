"""SIGKILL a process while it records the virtual microphone: repair_wav recovers the speech so far."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from opsprep_voice.audio.wavfile import repair_wav
from tests.support import RECORD_CHILD as CHILD
from tests.support import speech
from tests.support.audio_check import align, read_wav

pytestmark = pytest.mark.audio

TEXT = (
    "During a major incident I first stabilise the service, then communicate status every fifteen "
    "minutes, and afterwards run a blameless postmortem with clear action items and owners."
)
RATE = 16_000


def _first_line(proc: subprocess.Popen[str], timeout: float) -> str:
    """The child's first stdout line, read on a helper thread so the wait has a deadline."""
    assert proc.stdout is not None
    stdout = proc.stdout
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError(f"child printed nothing in {timeout} s (rc={proc.poll()})") from None


def test_sigkill_mid_recording_then_repair(
    pulse_audio: dict[str, str], speech_dir: Path, tmp_path: Path
) -> None:
    source_path = speech.synthesize(TEXT, speech_dir / "crash-incident-16k.wav")
    source, _ = read_wav(source_path)
    wav = tmp_path / "killed.wav"
    env = {**os.environ, **pulse_audio, "PULSE_SOURCE": "vmic", "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(wav), str(RATE)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    player: subprocess.Popen[bytes] | None = None
    try:
        assert _first_line(child, 20).startswith("ready"), "child did not start recording"
        bytes_before_play = wav.stat().st_size - 44
        player = subprocess.Popen(["paplay", "--device=micfeed", str(source_path)], env=env)
        # Wait (with a deadline, polling the file) until >1 s of the speech has reached the disk.
        wanted = bytes_before_play + int(2.0 * RATE) * 2
        deadline = time.monotonic() + 30
        while wav.stat().st_size - 44 < wanted:
            assert time.monotonic() < deadline, f"WAV stuck at {wav.stat().st_size} bytes"
            assert child.poll() is None, "recorder died by itself"
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=0.02)  # poll interval; also notices the child dying
        on_disk = (wav.stat().st_size - 44) / 2 / RATE
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if player is not None:
            player.kill()
            player.wait()

    assert on_disk > 1.0
    duration = repair_wav(wav)
    assert duration >= on_disk
    recording, rate = read_wav(wav)
    assert rate == RATE and len(recording) == round(duration * RATE)
    # The recovered audio is the speech that was playing: its first second correlates with the source.
    correlation, lag = align(recording, source[:RATE])
    print(
        f"kill at {on_disk:.2f} s on disk, repaired {duration:.2f} s, "
        f"r={correlation:.4f}, lag {lag / RATE:.2f} s"
    )
    assert correlation > 0.9
    assert lag / RATE <= on_disk - 1.0
