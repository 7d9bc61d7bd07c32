"""Qt Multimedia's harmless chatter (FFmpeg's "Input #0 … Duration" dump on every recording the review
loads, the PipeWire probe at start) stays out of the console; real problems still get through.

Each case runs in a child process: the lines come from C code straight to stderr, and Qt reads its
logging rules and probes the audio backends once per process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import wave
from pathlib import Path

import numpy as np
import pytest

CHILD = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QEventLoop, QTimer, QUrl
    from PySide6.QtWidgets import QApplication

    if sys.argv[2] == "quiet":
        from opsprep_voice.ui.qt_logging import quiet_multimedia_logs

        quiet_multimedia_logs()
    from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

    app = QApplication([])
    player = QMediaPlayer()
    player.setAudioOutput(QAudioOutput())
    loop = QEventLoop()
    player.mediaStatusChanged.connect(
        lambda status: loop.quit() if status == QMediaPlayer.MediaStatus.LoadedMedia else None
    )
    QTimer.singleShot(60_000, loop.quit)  # a bound against a hang, not a wait
    player.setSource(QUrl.fromLocalFile(sys.argv[1]))
    loop.exec()
    print(player.mediaStatus().name)
    """
)


def _load_in_child(wav: Path, mode: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("QT_LOGGING_RULES", None)
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(wav), mode],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        check=True,
    )


def test_loading_a_recording_prints_no_ffmpeg_banner_or_backend_probe(tmp_path: Path) -> None:
    wav = tmp_path / "attempt-000001.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.zeros(16000, np.int16).tobytes())

    loud = _load_in_child(wav, "default")
    assert loud.stdout.strip() == "LoadedMedia", loud.stderr
    if "Input #0" not in loud.stderr:
        pytest.skip("this Qt build does not dump the media format; nothing to keep quiet")

    quiet = _load_in_child(wav, "quiet")
    assert quiet.stdout.strip() == "LoadedMedia", quiet.stderr
    assert "Input #0" not in quiet.stderr and "Duration:" not in quiet.stderr
    assert "pipewire" not in quiet.stderr.lower()
    assert "Using Qt multimedia with FFmpeg" not in quiet.stderr


def test_starting_the_app_prints_no_pipewire_probe() -> None:
    """The probe runs when the app's modules import Qt Multimedia, before ``run`` is called: the entry point
    sets the rules first (it printed "Couldn't load pipewire-0.3 library" on every start)."""
    child = "from opsprep_voice.cli.app_cmd import load_app; load_app(); print('loaded')"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("QT_LOGGING_RULES", None)
    root = Path(__file__).resolve().parents[2]
    probe = "from PySide6 import QtMultimedia"

    def python(code: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True, text=True, timeout=120, env=env, cwd=root, check=True,
        )  # fmt: skip

    loud = python(probe)
    if "pipewire" not in loud.stderr.lower():
        pytest.skip("Qt finds PipeWire here (or does not probe for it): nothing to keep quiet")
    started = python(child)
    assert started.stdout.strip() == "loaded", started.stderr
    assert "pipewire" not in started.stderr.lower(), started.stderr
