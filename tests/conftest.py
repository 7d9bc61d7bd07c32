"""Shared test fixtures. Keep this small and generic; append new shared fixtures below."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # Qt tests run headless unless told otherwise


@pytest.fixture(scope="session")
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One OPSPREP_VOICE_HOME per test run, so the model cache (base joined once) is shared by all tests."""
    return tmp_path_factory.mktemp("opsprep-home")


@pytest.fixture(autouse=True)
def _opsprep_home(session_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Never touch the user's real folders. A test wanting a fresh home can monkeypatch OPSPREP_VOICE_HOME."""
    monkeypatch.setenv("OPSPREP_VOICE_HOME", str(session_home))
    yield session_home


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Session cache for generated speech WAVs (see tests/speech.py); reuse files by name."""
    override = os.environ.get("OPSPREP_TEST_SPEECH_DIR")
    if override:
        path = Path(override)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("speech")


# --- Real audio: a PulseAudio daemon with a virtual speaker and microphone (scripts/virtual_audio.sh) ---

VIRTUAL_AUDIO_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "virtual_audio.sh"


@pytest.fixture(scope="session")
def pulse_audio() -> Iterator[dict[str, str]]:
    """Make sure a PulseAudio server with sinks ``speaker``/``micfeed`` and source ``vmic`` answers.

    Runs scripts/virtual_audio.sh (idempotent: reuses a running server such as the one .ci/run starts,
    else starts one) and applies its XDG_RUNTIME_DIR/PULSE_SERVER to os.environ for this session.
    Yields that env. If sounddevice was imported before the server existed, PortAudio is re-scanned.
    """
    import subprocess

    proc = subprocess.run(
        ["bash", str(VIRTUAL_AUDIO_SCRIPT)], capture_output=True, text=True, timeout=60, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"virtual_audio.sh failed ({proc.returncode}): {proc.stderr.strip()}")
    env: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        if line.startswith("export ") and "=" in line:
            key, value = line[len("export ") :].split("=", 1)
            env[key] = value
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    if "sounddevice" in sys.modules:
        from opsprep_voice.audio.devices import list_input_devices, rescan_devices

        if not list_input_devices():
            rescan_devices()
    try:
        yield env
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
