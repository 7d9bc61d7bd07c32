"""Where OpsPrep Voice keeps its files: per-user data, cache and config folders.

Uses platformdirs so each OS gets its usual places. ``OPSPREP_VOICE_HOME`` overrides all three
(tests and portable installs use it): ``$OPSPREP_VOICE_HOME/{data,cache,config}``.
Folders are created user-only (0o700).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "opsprep-voice"
HOME_ENV = "OPSPREP_VOICE_HOME"


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


@dataclass(frozen=True, slots=True)
class AppPaths:
    data: Path
    cache: Path
    config: Path

    @classmethod
    def default(cls) -> AppPaths:
        home = os.environ.get(HOME_ENV)
        if home:
            base = Path(home).expanduser()
            return cls(data=base / "data", cache=base / "cache", config=base / "config")
        return cls(
            data=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            cache=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
            config=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        )

    def data_dir(self) -> Path:
        return _ensure(self.data)

    def cache_dir(self, *parts: str) -> Path:
        return _ensure(self.cache.joinpath(*parts))

    def config_dir(self) -> Path:
        return _ensure(self.config)
