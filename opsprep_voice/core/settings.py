"""User settings: a Qt-free, validated store persisted as JSON in the user config folder.

The app builds one :class:`SettingsStore` in its wiring module and passes it where needed; nothing
constructs settings deep inside a widget. A broken settings file never stops the app: it is moved
aside (``settings.json.broken``) and defaults are used, with a message the UI can show.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
)

log = logging.getLogger(__name__)

Mode = Literal["study", "interview"]

FollowUpSetting = Literal["off", "one", "two"]
"""How many follow-ups an interview asks per question at most (``core.followup`` applies it)."""


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    input_device: str | None = Field(default=None, description="Input device name; None = system default")
    tts_voice: str | None = Field(default=None, description="pyttsx3 voice id; None = engine default")
    tts_rate: int = Field(default=165, ge=80, le=300, description="Speaking rate, words per minute")
    engine: str = "faster-whisper"
    model: str | None = Field(default=None, description="Model name or folder; None = embedded default")
    think_time_s: int = Field(default=0, ge=0, le=120)
    time_limit_s: int = Field(default=300, ge=15, le=900)
    silence_stop: bool = False
    silence_stop_s: int = Field(default=6, ge=2, le=60)
    live_transcription: bool = True
    mode: Mode = "interview"
    # A settings file written before follow-ups existed has no such key and gets the default.
    follow_ups: FollowUpSetting = "one"
    speak_questions: bool = True
    questions_file: str | None = None
    # The practice plan (core.plan): new questions introduced per day, and the interview it works towards.
    plan_new_per_day: int = Field(default=3, ge=1, le=24)
    interview_date: date | None = Field(default=None, description="YYYY-MM-DD; None = no date set")
    # What the start screen had chosen at the last rehearsal, to offer it again after a restart.
    last_selection: str | None = Field(default=None, description="all, random, category, single or plan")
    last_question_id: str | None = None
    last_category: str | None = None
    # Started from the standalone bundle, the app offers once to add itself to the application menu
    # (ui.desktop_offer); True once asked, whatever the answer.
    desktop_entry_offered: bool = False

    @field_validator("last_selection", "last_question_id", "last_category", mode="wrap")
    @classmethod
    def _forget_what_is_unreadable(cls, value: object, handler: ValidatorFunctionWrapHandler) -> object:
        """A remembered choice is a convenience: an unreadable one is forgotten, the file stays in use."""
        try:
            return handler(value)
        except ValidationError:
            return None


class SettingsStore:
    """Loads and saves :class:`Settings` at ``path`` (atomic writes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problem: str | None = None
        self.settings = self._load()

    def _load(self) -> Settings:
        try:
            raw = self.path.read_bytes()  # decoded by json.loads: text that is not UTF-8 is "invalid" below
        except FileNotFoundError:
            return Settings()
        except OSError as exc:
            self.problem = f"Could not read settings {self.path} ({exc}); using defaults."
            log.warning(self.problem)
            return Settings()
        try:
            return Settings.model_validate(json.loads(raw))
        except (ValueError, ValidationError, RecursionError) as exc:  # JSON or UTF-8 errors are ValueErrors
            broken = self.path.with_name(self.path.name + ".broken")
            try:
                os.replace(self.path, broken)
            except OSError:
                broken = self.path
            first = str(exc).splitlines()[0]
            self.problem = (
                f"Settings file {self.path} was invalid ({first}); "
                f"kept it as {broken.name} and used defaults."
            )
            log.warning(self.problem)
            return Settings()

    def update(self, **changes: object) -> Settings:
        data = self.settings.model_dump()
        data.update(changes)
        self.settings = Settings.model_validate(data)
        self.save()
        return self.settings

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        payload = json.dumps(self.settings.model_dump(mode="json"), indent=2)
        fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(payload + "\n")
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
