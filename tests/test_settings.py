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


def test_follow_ups_default_to_one_and_an_old_file_without_them_loads(tmp_path: Path) -> None:
    from opsprep_voice.core.followup import DEFAULT_FOLLOW_UPS, FOLLOW_UP_SETTINGS

    assert Settings().follow_ups == DEFAULT_FOLLOW_UPS == "one"
    path = tmp_path / "settings.json"
    old = Settings().model_dump(mode="json")
    del old["follow_ups"]  # written by a release before follow-ups
    old["think_time_s"] = 7
    path.write_text(json.dumps(old))
    store = SettingsStore(path)
    assert store.problem is None
    assert store.settings.follow_ups == "one" and store.settings.think_time_s == 7
    for value in FOLLOW_UP_SETTINGS:
        store.update(follow_ups=value)
        assert SettingsStore(path).settings.follow_ups == value


def test_an_unknown_follow_up_setting_is_rejected(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    store.update(follow_ups="two")
    with pytest.raises(ValidationError):
        store.update(follow_ups="three")
    assert SettingsStore(tmp_path / "settings.json").settings.follow_ups == "two"


def test_the_last_selection_is_remembered_and_an_unreadable_one_forgotten(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    store = SettingsStore(path)
    store.update(last_selection="single", last_question_id="slis-slos-observability")
    again = SettingsStore(path).settings
    assert (again.last_selection, again.last_question_id) == ("single", "slis-slos-observability")
    # Written by hand or by another version: the remembered choice goes, the rest of the file stays.
    path.write_text(json.dumps({"tts_rate": 200, "last_selection": 7, "last_question_id": ["x"]}))
    tolerant = SettingsStore(path)
    assert tolerant.problem is None and tolerant.settings.tts_rate == 200
    assert tolerant.settings.last_selection is None and tolerant.settings.last_question_id is None
