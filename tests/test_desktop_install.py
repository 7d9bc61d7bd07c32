"""``opsprep-voice desktop-install``: entry and icons in the user's XDG folders, a valid entry whose Exec
starts this installation, and an uninstall that leaves the folders exactly as they were."""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from opsprep_voice.cli import main
from opsprep_voice.core import desktop_install
from opsprep_voice.core.appinfo import APP_ID, ICON_SIZES
from opsprep_voice.core.desktop_install import (
    DesktopInstallError,
    exec_value,
    install,
    launch_command,
    uninstall,
)

ENTRY = Path("applications") / f"{APP_ID}.desktop"


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    share = tmp_path / "share"
    share.mkdir()
    monkeypatch.setenv("XDG_DATA_HOME", str(share))
    return share


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under ``root`` with its content hash ('' for folders)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""
        for p in sorted(root.rglob("*"))
    }


def _seed_foreign_files(home: Path) -> None:
    """Another app's entry and icon in the same folders: must survive install and uninstall."""
    (home / "applications").mkdir()
    (home / "applications" / "other.desktop").write_text("[Desktop Entry]\nType=Application\nName=Other\n")
    (home / "icons" / "hicolor" / "48x48" / "apps").mkdir(parents=True)
    (home / "icons" / "hicolor" / "48x48" / "apps" / "other.png").write_bytes(b"png")


def test_install_then_uninstall_leaves_the_folders_as_they_were(home: Path) -> None:
    assert shutil.which("update-desktop-database") and shutil.which("gtk-update-icon-cache"), (
        "install desktop-file-utils and gtk-update-icon-cache (bash scripts/bootstrap.sh test does)"
    )
    _seed_foreign_files(home)
    before = snapshot(home)

    report = install()
    assert (home / ENTRY).is_file()
    for size in ICON_SIZES:
        assert (home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    assert (home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    assert report.tools == ["update-desktop-database", "gtk-update-icon-cache"]
    assert (home / "applications" / "mimeinfo.cache").is_file()  # written by the real tools
    assert (home / "icons" / "hicolor" / "icon-theme.cache").is_file()

    report = uninstall()
    assert report.kept == []
    assert snapshot(home) == before


def test_installed_entry_is_valid_and_its_exec_starts_this_installation(home: Path) -> None:
    install()
    entry = home / ENTRY
    validate = shutil.which("desktop-file-validate")
    assert validate, "install desktop-file-utils (bash scripts/bootstrap.sh test does)"
    proc = subprocess.run([validate, str(entry)], capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout
    keys = dict(line.split("=", 1) for line in entry.read_text().splitlines() if "=" in line)
    command = shlex.split(keys["Exec"])  # no reserved characters in these paths: shell-like splitting holds
    assert command == launch_command()
    assert Path(command[0]).is_absolute() and Path(keys["TryExec"]).is_absolute()
    version = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=120)
    assert version.returncode == 0 and version.stdout.startswith("opsprep-voice ")


def test_launch_command_prefers_the_entry_point_beside_the_interpreter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bindir = tmp_path / "venv" / "bin"
    bindir.mkdir(parents=True)
    python = bindir / "python"
    python.touch()
    monkeypatch.setattr(sys, "executable", str(python))
    assert launch_command() == [str(python), "-m", "opsprep_voice"]
    script = bindir / "opsprep-voice"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert launch_command() == [str(script)]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert launch_command() == [str(python)]  # a bundle's executable is the app


def test_exec_value_quotes_and_escapes_per_the_specification(home: Path) -> None:
    assert exec_value(["/opt/app/bin/opsprep-voice"]) == "/opt/app/bin/opsprep-voice"
    assert exec_value(["/home/me/My Apps/python", "-m", "opsprep_voice"]) == (
        '"/home/me/My Apps/python" -m opsprep_voice'
    )
    # Inside quotes " ` $ \ take a backslash; the value's backslashes are then doubled; % is doubled.
    assert exec_value(['/a b/$x"y\\z', "100%"]) == '"/a b/\\\\$x\\\\"y\\\\\\\\z" 100%%'
    install(command=["/opt/Ops Prep/100% voice", "-m", "opsprep_voice"])
    proc = subprocess.run(["desktop-file-validate", str(home / ENTRY)], capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout


def test_refuses_to_overwrite_a_file_it_did_not_install_unless_forced(home: Path) -> None:
    (home / "applications").mkdir()
    theirs = home / ENTRY
    theirs.write_text("[Desktop Entry]\nType=Application\nName=Someone else's\n")
    with pytest.raises(DesktopInstallError, match="--force"):
        install()
    assert theirs.read_text().endswith("Someone else's\n")
    assert not (home / "icons").exists()  # nothing written before refusing

    install(force=True)
    assert "OpsPrep Voice" in theirs.read_text()
    uninstall()
    assert not theirs.exists()  # replaced with --force, so it was ours to remove


def test_uninstall_keeps_a_file_edited_since_and_is_a_no_op_without_an_install(home: Path) -> None:
    assert uninstall().removed == []
    install()
    entry = home / ENTRY
    entry.write_text(entry.read_text() + "NoDisplay=true\n")
    report = uninstall()
    assert report.kept == [entry] and entry.is_file()
    assert not (home / "icons").exists()
    assert not (home / desktop_install.MANIFEST).exists()


def test_works_without_the_cache_tools_and_reinstalls_in_place(
    home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert install().tools == []
    first = snapshot(home)
    install()
    assert snapshot(home) == first
    assert not (home / "applications" / "mimeinfo.cache").exists()
    uninstall()
    assert snapshot(home) == {}


def test_cli_installs_and_uninstalls(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["desktop-install"]) == 0
    out = capsys.readouterr().out
    assert f"Installed the OpsPrep Voice menu entry and {len(ICON_SIZES) + 1} icons in {home}" in out
    assert "Exec=/" in out
    assert (home / ENTRY).is_file()
    assert main(["desktop-install", "--uninstall"]) == 0
    assert f"removed {home / ENTRY}" in capsys.readouterr().out
    assert main(["desktop-install", "--uninstall"]) == 0
    assert "Nothing to remove" in capsys.readouterr().out


def test_a_missing_data_home_is_created_and_removed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    share = tmp_path / "fresh" / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(share))
    install()
    assert (share / ENTRY).is_file()
    uninstall()
    assert not share.exists() and (tmp_path / "fresh").is_dir()  # only the folder it created


def test_relative_xdg_data_home_is_ignored() -> None:
    assert desktop_install.data_home({"XDG_DATA_HOME": "rel/share"}) == Path.home() / ".local" / "share"
    assert desktop_install.data_home({"XDG_DATA_HOME": "/x/share"}) == Path("/x/share")
    assert os.path.isabs(desktop_install.data_home({}))
