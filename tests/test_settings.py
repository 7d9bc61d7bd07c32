"""Settings persist, validate, and a broken file never stops the app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from opsprep_voice.core.settings import Settings, SettingsStore


def test_round_trip(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "cfg" / "settings.json")
    assert store.settings == Settings() and store.problem is None
    store.update(think_time_s=10, engine="openai-whisper", input_device="USB mic", mode="study")
    again = SettingsStore(tmp_path / "cfg" / "settings.json")
    assert again.settings.think_time_s == 10
    assert again.settings.engine == "openai-whisper"
    assert again.settings.input_device == "USB mic"
    assert again.settings.mode == "study"


def test_invalid_values_are_rejected_and_not_saved(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    store.update(time_limit_s=120)
    with pytest.raises(ValidationError):
        store.update(time_limit_s=5)
    assert SettingsStore(tmp_path / "settings.json").settings.time_limit_s == 120


@pytest.mark.parametrize("content", ["{not json", json.dumps({"tts_rate": "fast"})])
def test_broken_file_is_kept_aside_and_defaults_used(tmp_path: Path, content: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(content)
    store = SettingsStore(path)
    assert store.settings == Settings()
    assert store.problem is not None and "settings.json.broken" in store.problem
    assert (tmp_path / "settings.json.broken").read_text() == content
    store.save()
    assert json.loads(path.read_text())["tts_rate"] == Settings().tts_rate
