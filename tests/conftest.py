"""Shared test fixtures. Keep this small and generic; append new shared fixtures below."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/speech.py importable as `speech`


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
