"""Shared test fixtures. Keep this small and generic; append new shared fixtures below."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from opsprep_voice.storage.repository import HistoryRepository

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # Qt tests run headless unless told otherwise

# Property-based tests (tests/test_properties_*.py). "ci", the default, tries few examples and has no
# deadline: on a busy shared machine a slow example is not a failure. HYPOTHESIS_PROFILE=deep searches hard.
settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile(
    "deep", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


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


# --- Real audio: a PulseAudio server with a virtual speaker and microphone (scripts/virtual_audio.sh) ---

# This run's own server: {"env": {...}, "dir": Path} once started, {"error": str} if it could not start.
_private_audio: dict[str, Any] = {}


def _start_private_audio() -> None:
    """Start a PulseAudio server private to this pytest process and point os.environ at it.

    Machines here are shared: a server at a fixed place (e.g. the one ``eval "$(scripts/virtual_audio.sh)"``
    starts in /tmp/opsprep-pulse) is also used by other test runs, benchmarks and manual sessions, and
    whatever they play into ``micfeed`` or ``speaker`` mixes into this run's recordings (measured: a
    recording correlated 0.7 with its source while another session's paplay ran). So every run gets its
    own, and it is set up before any test can connect: Qt Multimedia binds to the server it finds first
    and keeps it for the whole process, so a late switch left the e2e test speaking into nowhere when a
    Qt test ran before it.
    """
    from tests.support import private_audio

    try:
        runtime_dir, env = private_audio.start()
    except private_audio.PrivateAudioError as exc:
        _private_audio["error"] = str(exc)
        return
    _private_audio.update(env=env, dir=runtime_dir)


def pytest_configure(config: pytest.Config) -> None:
    _start_private_audio()


def pytest_unconfigure(config: pytest.Config) -> None:
    runtime_dir = _private_audio.pop("dir", None)
    if runtime_dir is not None:
        from tests.support import private_audio

        private_audio.stop(runtime_dir)


@pytest.fixture(scope="session")
def pulse_audio() -> Iterator[dict[str, str]]:
    """This run's PulseAudio server with sinks ``speaker``/``micfeed`` and source ``vmic`` (see above).

    Yields its env (XDG_RUNTIME_DIR, PULSE_SERVER; already in os.environ). If sounddevice was imported
    before the server existed, PortAudio is re-scanned.
    """
    if "error" in _private_audio:
        raise RuntimeError(_private_audio["error"])
    env: dict[str, str] = _private_audio["env"]
    if "sounddevice" in sys.modules:
        from opsprep_voice.audio.devices import list_input_devices, rescan_devices

        if not list_input_devices():
            rescan_devices()
    yield env


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[HistoryRepository]:
    """A fresh history store in the test's own data folder (``tmp_path / "data"``), closed after the test."""
    with HistoryRepository(tmp_path / "data" / "history.sqlite3") as store:
        yield store
