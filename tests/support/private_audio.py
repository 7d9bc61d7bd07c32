"""A PulseAudio server of one's own, with the virtual speaker and microphone of scripts/virtual_audio.sh.

Used by the test run (tests/conftest.py) and by scripts/screenshots.py, each in a fresh runtime folder:
machines here are shared, and a server at a fixed place is also used by other runs, whose sound would mix
into this one's. Start it before anything uses Qt Multimedia or PortAudio: Qt binds to the server it
finds first and keeps it for the whole process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

VIRTUAL_AUDIO_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "virtual_audio.sh"


class PrivateAudioError(RuntimeError):
    """The server could not be started (the message says why: usually PulseAudio is not installed)."""


def start() -> tuple[Path, dict[str, str]]:
    """Start a server in a new runtime folder; returns the folder (for :func:`stop`) and its environment
    (``XDG_RUNTIME_DIR``, ``PULSE_SERVER``), already set in ``os.environ``."""
    runtime_dir = Path(tempfile.mkdtemp(prefix="opsprep-pa-", dir="/tmp" if Path("/tmp").is_dir() else None))
    try:
        proc = subprocess.run(
            ["bash", str(VIRTUAL_AUDIO_SCRIPT)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "XDG_RUNTIME_DIR": str(runtime_dir)},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        error: str | None = f"virtual_audio.sh failed: {exc}"
    else:
        error = (
            None
            if proc.returncode == 0
            else f"virtual_audio.sh failed ({proc.returncode}): {proc.stderr.strip()}"
        )
    if error is not None:
        stop(runtime_dir)
        raise PrivateAudioError(error)
    env: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        if line.startswith("export ") and "=" in line:
            key, value = line[len("export ") :].split("=", 1)
            env[key] = value
    os.environ.update(env)
    return runtime_dir, env


def stop(runtime_dir: Path) -> None:
    """Stop the server started in ``runtime_dir`` and remove the folder."""
    subprocess.run(
        ["bash", str(VIRTUAL_AUDIO_SCRIPT), "--stop"],
        capture_output=True,
        timeout=60,
        check=False,
        env={
            **os.environ,
            "XDG_RUNTIME_DIR": str(runtime_dir),
            "PULSE_SERVER": f"unix:{runtime_dir}/pulse/native",
        },
    )
    shutil.rmtree(runtime_dir, ignore_errors=True)
