"""The screenshot run has a speaker: its reviews show what a user with working audio sees, while the app
itself still says "No audio output device found" when there really is none.

Each case runs in a child process with no audio server it could reach (Qt keeps the first server it finds
for the whole process, and this test run has one of its own)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import importlib.util, os, sys
from pathlib import Path

root, mode, folder = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
spec = importlib.util.spec_from_file_location("screenshots", root / "scripts" / "screenshots.py")
shots = importlib.util.module_from_spec(spec)
spec.loader.exec_module(shots)
from PySide6.QtMultimedia import QMediaDevices
from PySide6.QtWidgets import QApplication
from opsprep_voice.ui.review.audio_player import AudioPlayer
from tests.support.history_ui_data import write_wav

app = QApplication([])
if mode == "screenshots":
    shots.audio_output()
player = AudioPlayer()
player.load(write_wav(folder / "answer.wav", 1.0))
print("OUTPUTS", len(QMediaDevices.audioOutputs()))
print("NOTICE", player.status_label.text())
print("SERVER_DIR", os.environ["XDG_RUNTIME_DIR"])
"""


def run_child(tmp_path: Path, mode: str) -> dict[str, str]:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    nowhere = tmp_path / f"no-audio-{mode}"
    nowhere.mkdir()
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(ROOT),
        # A machine without sound: no server where the client looks for one (none is spawned for a
        # server named explicitly).
        "XDG_RUNTIME_DIR": str(nowhere),
        "PULSE_SERVER": f"unix:{nowhere}/pulse/native",
    }
    proc = subprocess.run(
        [sys.executable, str(script), str(ROOT), mode, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    said = (line.partition(" ") for line in proc.stdout.splitlines())
    return {key: value for key, _sep, value in said if key in ("OUTPUTS", "NOTICE", "SERVER_DIR")}


def test_without_an_output_device_the_review_says_playback_is_silent(tmp_path: Path) -> None:
    seen = run_child(tmp_path, "app")
    assert seen["OUTPUTS"] == "0"
    assert seen["NOTICE"].startswith("No audio output device found")


def test_the_screenshot_run_has_a_speaker_so_the_review_has_no_device_note(tmp_path: Path) -> None:
    seen = run_child(tmp_path, "screenshots")
    assert int(seen["OUTPUTS"]) >= 1
    assert seen["NOTICE"] == ""
    server_dir = Path(seen["SERVER_DIR"])
    assert server_dir.name.startswith("opsprep-pa-")  # its own server, not one another run shares
    assert not server_dir.exists()  # stopped and removed when the run ends
