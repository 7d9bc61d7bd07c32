"""Is there a screen for the window? Checked before Qt starts, because Qt without one aborts the process
(exit 134) with a hint about ``libxcb-cursor0`` that sends people reinstalling libraries.

Linux/BSD only (Windows and macOS always have their own platform). ``QT_QPA_PLATFORM`` naming a platform
that needs no display (``offscreen``, ``vnc``, ...) is trusted; otherwise an X display (``DISPLAY``) or a
Wayland compositor (``WAYLAND_DISPLAY``) must answer on its socket. The check opens and closes one
connection: a few milliseconds, no Qt.
"""

from __future__ import annotations

import os
import re
import socket
import sys
from collections.abc import Mapping
from pathlib import Path

#: Qt platform plugins that draw without a display server (tests, remote viewers, framebuffers).
NO_DISPLAY_NEEDED = ("offscreen", "minimal", "minimalegl", "vnc", "linuxfb", "eglfs", "vkkhrdisplay")
_TIMEOUT_S = 3.0


def display_problem(env: Mapping[str, str] | None = None, platform: str | None = None) -> str | None:
    """Why the window cannot be shown (what, and how to go on), or None when a display is there."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if not platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return None
    # Qt tries a ";"-separated list in order ("wayland;xcb"); each entry may carry ":options".
    listed = [p.split(":", 1)[0].strip() for p in env.get("QT_QPA_PLATFORM", "").split(";")]
    chosen = [p for p in listed if p] or [""]
    if any(p in NO_DISPLAY_NEEDED for p in chosen):
        return None
    x_display, wayland = env.get("DISPLAY", ""), env.get("WAYLAND_DISPLAY", "")
    tried: list[str] = []
    if any(p in ("", "xcb") for p in chosen):
        if x_display and _x_reachable(x_display):
            return None
        tried.append(f"no X display answers at DISPLAY={x_display}" if x_display else "DISPLAY is not set")
    if any(p == "" or p.startswith("wayland") for p in chosen):
        if wayland and _wayland_reachable(wayland, env.get("XDG_RUNTIME_DIR", "")):
            return None
        tried.append(
            f"no Wayland compositor answers at WAYLAND_DISPLAY={wayland}"
            if wayland
            else "WAYLAND_DISPLAY is not set"
        )
    if any(p not in ("", "xcb") and not p.startswith("wayland") for p in chosen):
        return None  # a platform this check does not know is listed: let Qt try it
    return (
        f"no display to show the window on ({'; '.join(tried)}). Start the app from a desktop session (or "
        "over ssh -X), or use the command line without a window: opsprep-voice score, history, plan, "
        "questions (see opsprep-voice --help)"
    )


def _x_reachable(display: str) -> bool:
    """An X server accepts a connection for ``display`` ("[host]:N[.S]")."""
    match = re.fullmatch(r"(?P<host>.*):(?P<number>\d+)(?:\.\d+)?", display)
    if match is None:
        return False
    host, number = match["host"], int(match["number"])
    if host in ("", "unix") or host.startswith("/"):
        path = f"{host}:{number}" if host.startswith("/") else f"/tmp/.X11-unix/X{number}"
        # Linux X servers listen in the abstract namespace too; Xlib tries it first.
        return any(_unix_reachable(address) for address in ("\0" + path, path))
    try:
        with socket.create_connection((host, 6000 + number), timeout=_TIMEOUT_S):
            return True
    except OSError:
        return False


def _wayland_reachable(name: str, runtime_dir: str) -> bool:
    path = Path(name) if os.path.isabs(name) else Path(runtime_dir or "/nonexistent") / name
    return _unix_reachable(str(path))


def _unix_reachable(address: str) -> bool:
    if not hasattr(socket, "AF_UNIX"):
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(_TIMEOUT_S)
        try:
            sock.connect(address)
        except OSError:
            return False
    return True
