"""Put the app in the user's application menu: the desktop entry and icons go into the XDG data folders
(``$XDG_DATA_HOME``, default ``~/.local/share``; no root), and ``uninstall`` removes exactly that.

What was installed is kept in a small manifest (``<data home>/opsprep-voice/desktop-install.json``): each
file with the SHA-256 it was written with, the folders the install created and the caches its tools
created. Uninstall removes only files still as written (a file the user edited since is left and
reported), then the caches and folders the install created, when empty. A file already at a target that
the manifest does not know is someone else's: install refuses to overwrite it unless forced.

The entry's ``Exec`` is absolute (menus do not search a venv's ``bin``): the bundle's executable when
frozen, else the ``opsprep-voice`` script beside the running interpreter, else ``python -m opsprep_voice``.
``update-desktop-database`` and ``gtk-update-icon-cache`` are run when installed, so menus and GTK's icon
cache see the change at once; without them the desktop finds the files on its next scan.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from opsprep_voice.core.appinfo import APP_ID, ICON_SIZES, desktop_entry, icon_png, icon_svg

log = logging.getLogger(__name__)

MANIFEST = Path("opsprep-voice") / "desktop-install.json"
_APPLICATIONS = Path("applications")
_HICOLOR = Path("icons") / "hicolor"
#: (tool, cache file it writes, folder it is run on), all relative to the data home.
_CACHE_TOOLS = (
    ("update-desktop-database", _APPLICATIONS / "mimeinfo.cache", _APPLICATIONS),
    ("gtk-update-icon-cache", _HICOLOR / "icon-theme.cache", _HICOLOR),
)
_TOOL_ARGS = {"update-desktop-database": ["-q"], "gtk-update-icon-cache": ["-q", "-t", "-f"]}
# Characters that make an Exec argument need double quotes (Desktop Entry Specification, "Exec key").
_RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")


class DesktopInstallError(Exception):
    """Install or uninstall cannot proceed; the message says why and what to do."""


@dataclass
class DesktopReport:
    """What one install or uninstall did, for the command to print."""

    data_home: Path
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    exec_line: str = ""


def data_home(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_DATA_HOME`` if set to an absolute path (the spec says to ignore a relative one), else
    ``~/.local/share``."""
    value = (os.environ if env is None else env).get("XDG_DATA_HOME", "")
    return Path(value) if value and Path(value).is_absolute() else Path.home() / ".local" / "share"


def launch_command() -> list[str]:
    """The absolute command that starts this installation of the app."""
    if getattr(sys, "frozen", False):  # PyInstaller bundle: the executable is the app
        return [str(Path(sys.executable).absolute())]
    script = Path(sys.executable).absolute().with_name("opsprep-voice")  # a venv's or a prefix's bin/
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [str(Path(sys.executable).absolute()), "-m", "opsprep_voice"]


def exec_value(command: Sequence[str]) -> str:
    """``command`` as a desktop entry ``Exec`` value: quoted per argument, then escaped as a string."""
    parts = []
    for arg in command:
        if not arg or any(c in _RESERVED for c in arg):
            arg = '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
        parts.append(arg.replace("%", "%%"))
    return " ".join(parts).replace("\\", "\\\\")


def render_entry(command: Sequence[str]) -> str:
    """The shipped entry with ``Exec``/``TryExec`` pointing at ``command``."""
    lines = []
    for line in desktop_entry().read_text(encoding="utf-8").splitlines():
        if line.startswith("Exec="):
            line = "Exec=" + exec_value(command)
        elif line.startswith("TryExec="):
            line = "TryExec=" + command[0].replace("\\", "\\\\")
        lines.append(line)
    return "\n".join(lines) + "\n"


def _targets(command: Sequence[str]) -> dict[Path, bytes]:
    files = {_APPLICATIONS / f"{APP_ID}.desktop": render_entry(command).encode("utf-8")}
    for size in ICON_SIZES:
        files[_HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png"] = icon_png(size).read_bytes()
    files[_HICOLOR / "scalable" / "apps" / f"{APP_ID}.svg"] = icon_svg().read_bytes()
    return files


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class _Manifest:
    files: dict[str, str] = field(default_factory=dict)  # path under the data home -> SHA-256 written
    created_dirs: list[str] = field(default_factory=list)
    created_caches: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, home: Path) -> _Manifest:
        path = home / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(dict(data["files"]), list(data["created_dirs"]), list(data["created_caches"]))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DesktopInstallError(
                f"The install record {path} is unreadable ({exc}); remove it by hand."
            ) from exc

    def save(self, home: Path) -> None:
        _make_parents(home, MANIFEST, self.created_dirs)
        _write_atomic(home / MANIFEST, json.dumps(asdict(self), indent=2, sort_keys=True).encode("utf-8"))


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _make_parents(home: Path, rel: Path, created: list[str]) -> None:
    """Create ``rel``'s parent folders under ``home`` (and ``home``, noted as ``.``; not its parents),
    noting each one this call created."""
    missing = [p for p in reversed(rel.parents) if not (home / p).exists()]
    if missing and str(missing[0]) == ".":
        home.parent.mkdir(parents=True, exist_ok=True)
    for folder in missing:
        (home / folder).mkdir()
        if str(folder) not in created:
            created.append(str(folder))


def _run_tools(home: Path, report: DesktopReport, *, only: Sequence[str] | None = None) -> list[str]:
    """Refresh the menu and icon caches with whichever tools exist (or only those refreshing the caches
    in ``only``); return the caches this created."""
    created = []
    for tool, cache, folder in _CACHE_TOOLS:
        exe = shutil.which(tool)
        if exe is None or not (home / folder).is_dir() or (only is not None and str(cache) not in only):
            continue
        existed = (home / cache).exists()
        try:
            proc = subprocess.run(
                [exe, *_TOOL_ARGS[tool], str(home / folder)], capture_output=True, text=True, timeout=120
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("%s failed: %s", tool, exc)
            continue
        if proc.returncode != 0:  # a stale cache only delays the menu; never fail the install for it
            log.warning("%s exited with %d: %s", tool, proc.returncode, proc.stderr.strip())
        report.tools.append(tool)
        if not existed and (home / cache).exists():
            created.append(str(cache))
    return created


def install(
    *, command: Sequence[str] | None = None, force: bool = False, env: Mapping[str, str] | None = None
) -> DesktopReport:
    """Install the entry and icons for ``command`` (default :func:`launch_command`)."""
    home = data_home(env)
    command = list(command or launch_command())
    report = DesktopReport(home, exec_line=exec_value(command))
    manifest = _Manifest.load(home)
    targets = _targets(command)
    foreign = [home / rel for rel in targets if (home / rel).exists() and str(rel) not in manifest.files]
    if foreign and not force:
        raise DesktopInstallError(
            "not installed by opsprep-voice, refusing to overwrite: "
            + ", ".join(map(str, foreign))
            + " (pass --force to replace them)"
        )
    for rel, data in targets.items():
        _make_parents(home, rel, manifest.created_dirs)
        _write_atomic(home / rel, data)
        manifest.files[str(rel)] = _sha256(data)
        report.written.append(home / rel)
    manifest.created_caches += [c for c in _run_tools(home, report) if c not in manifest.created_caches]
    manifest.save(home)
    return report


def uninstall(*, env: Mapping[str, str] | None = None) -> DesktopReport:
    """Remove what :func:`install` wrote (as recorded), and nothing else."""
    home = data_home(env)
    report = DesktopReport(home)
    if not (home / MANIFEST).exists():
        return report
    manifest = _Manifest.load(home)
    for rel, digest in sorted(manifest.files.items()):
        path = home / rel
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        if _sha256(data) != digest:
            report.kept.append(path)  # changed since install: the user's now
            continue
        path.unlink()
        report.removed.append(path)
    # Refresh the caches that stay (they existed before the install) so they drop the entry and icons;
    # a cache the install created is deleted instead, and no new one is made.
    staying = [
        str(c) for _, c, _ in _CACHE_TOOLS if (home / c).exists() and str(c) not in manifest.created_caches
    ]
    _run_tools(home, report, only=staying)
    for rel in manifest.created_caches:
        if (home / rel).exists():
            (home / rel).unlink()
            report.removed.append(home / rel)
    (home / MANIFEST).unlink()
    for rel in sorted(manifest.created_dirs, key=lambda d: len(Path(d).parts), reverse=True):
        try:
            (home / rel).rmdir()
        except OSError:  # not empty (someone else's files, or a kept one) or already gone
            continue
    return report
