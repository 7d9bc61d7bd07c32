"""Without a screen the app exits 2 with what to do, instead of Qt's abort (134) and its libxcb-cursor0
hint; with one (a real Xvfb here) or with a display-less Qt platform the check lets the app start."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

from opsprep_voice.cli.display import display_problem

NO_SCREEN = {
    k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
}


@pytest.mark.parametrize("extra", [{}, {"DISPLAY": ":97"}, {"WAYLAND_DISPLAY": "no-such-wayland-0"}])
def test_the_app_without_a_display_exits_2_with_a_clear_message(extra: dict[str, str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "opsprep_voice", "app"],
        env={**NO_SCREEN, **extra, "XDG_RUNTIME_DIR": "/nonexistent"},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("opsprep-voice: error: no display to show the window on (")
    assert "opsprep-voice score, history, plan" in line and "xcb-cursor" not in line


@pytest.fixture
def xvfb() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed")
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", "-nolisten", "tcp", "-screen", "0", "320x240x24"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        number = proc.stdout.readline().strip()  # written once the server accepts connections
        assert number.isdigit(), "Xvfb did not start"
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(30)


def test_a_running_x_server_passes(xvfb: str) -> None:
    assert display_problem({"DISPLAY": xvfb}, "linux") is None
    assert display_problem({"DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb"}, "linux") is None
    assert display_problem({"DISPLAY": xvfb, "QT_QPA_PLATFORM": "wayland"}, "linux") is not None
    # Qt's own fallback list: Wayland is not there, X is, and Qt falls back to it.
    assert display_problem({"DISPLAY": xvfb, "QT_QPA_PLATFORM": "wayland;xcb"}, "linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux") is not None
    assert display_problem({"QT_QPA_PLATFORM": "xcb;offscreen"}, "linux") is None


def test_platforms_without_a_display_server_pass() -> None:
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "vnc:size=800x600"}, "linux") is None
    assert display_problem({}, "win32") is None and display_problem({}, "darwin") is None
    assert display_problem({}, "linux") is not None
