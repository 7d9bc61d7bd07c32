"""What the GUI benchmark's parts share: targets, result lines, bench homes, child processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

SCRIPTS = Path(__file__).resolve().parents[1]
REPO_ROOT = SCRIPTS.parent
BENCH_GUI = SCRIPTS / "bench_gui.py"

TARGET_LAUNCH_S = 1.5
TARGET_STALL_MS = 50.0
TARGET_HISTORY_S = 1.0
HEARTBEAT_MS = 10
#: A child prints its results as one line: this prefix, then JSON.
RESULT_PREFIX = "BENCH_RESULT "
QUESTION_ID = "3"
#: Spare references to None a child holds (see ``bench_gui.run_child_mode``).
NONE_GUARD = 5_000_000


def real_model_cache() -> Path:
    """The user's model cache (``<cache>/models``) so bench homes reuse the joined base model."""
    from opsprep_voice.core.paths import AppPaths

    saved = os.environ.pop("OPSPREP_VOICE_HOME", None)
    try:
        return AppPaths.default().cache_dir("models")
    finally:
        if saved is not None:
            os.environ["OPSPREP_VOICE_HOME"] = saved


def make_home(root: Path, models: Path, settings: dict[str, Any] | None = None) -> Path:
    """An OPSPREP_VOICE_HOME with its model cache linked to the real one (no re-joining of base)."""
    for sub in ("data", "cache", "config"):
        (root / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
    link = root / "cache" / "models"
    if not link.exists():
        link.symlink_to(models, target_is_directory=True)
    if settings is not None:
        (root / "config" / "settings.json").write_text(json.dumps(settings))
    return root


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def run_child(args: list[str], env: dict[str, str], timeout: float) -> dict[str, Any]:
    """Run ``bench_gui.py --child ...`` and return the JSON of its ``BENCH_RESULT`` line."""
    proc = subprocess.run(
        [sys.executable, str(BENCH_GUI), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            result: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
            return result
    raise RuntimeError(f"child {args} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")


def child_env(home: Path) -> dict[str, str]:
    """This environment for a child: ``home`` as OPSPREP_VOICE_HOME, offscreen, importing this checkout."""
    env = dict(os.environ)
    env["OPSPREP_VOICE_HOME"] = str(home)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env
