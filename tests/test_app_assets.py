"""The app's assets: icon PNGs current with the SVG, a valid desktop entry and metainfo, and all of it
installed as package data by a wheel and found there at run time."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import setuptools

from opsprep_voice.core import appinfo
from tests.support.wheel import build_wheel

REPO = Path(__file__).resolve().parents[1]


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_every_icon_size_is_committed_at_its_size() -> None:
    assert appinfo.assets_dir() == REPO / "assets"  # a checkout uses the top-level folder
    for size in appinfo.ICON_SIZES:
        assert _png_size(appinfo.icon_png(size)) == (size, size)
    with pytest.raises(ValueError, match="no 20 px icon"):
        appinfo.icon_png(20)


def test_pngs_are_rendered_from_the_current_svg() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "render_icons.py"), "--check"],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: install {package} (bash scripts/bootstrap.sh test does)"
    return path


def test_desktop_entry_is_valid_and_names_the_app() -> None:
    entry = appinfo.desktop_entry()
    proc = subprocess.run(
        [_tool("desktop-file-validate", "desktop-file-utils"), str(entry)], capture_output=True, text=True
    )
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr
    keys = dict(line.split("=", 1) for line in entry.read_text().splitlines() if "=" in line)
    assert keys["Name"] == appinfo.APP_NAME
    assert keys["Icon"] == appinfo.APP_ID
    assert keys["StartupWMClass"] == appinfo.APP_NAME  # Qt's X11 window class is the application name


def test_metainfo_is_valid_and_launches_the_entry() -> None:
    proc = subprocess.run(
        [_tool("appstreamcli", "appstream"), "validate", "--no-net", str(appinfo.metainfo())],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = appinfo.metainfo().read_text()
    assert f"<id>{appinfo.APP_ID}</id>" in text
    assert f'<launchable type="desktop-id">{appinfo.desktop_entry().name}</launchable>' in text


def test_pyproject_lists_every_package() -> None:
    """Packages are listed (to map assets/ in), so a new subpackage must be added by hand: this says so."""
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = set(setuptools.find_packages(where=str(REPO), include=["opsprep_voice*"]))
    assert found | {"opsprep_voice.assets"} == listed, "update [tool.setuptools] packages in pyproject.toml"


def test_wheel_installs_the_assets_and_the_app_loads_its_icon_from_them(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for size in appinfo.ICON_SIZES:
        assert f"opsprep_voice/assets/icons/{size}x{size}/{appinfo.APP_ID}.png" in names
    for name in (f"{appinfo.APP_ID}.svg", f"{appinfo.APP_ID}.desktop", f"{appinfo.APP_ID}.metainfo.xml"):
        assert f"opsprep_voice/assets/{name}" in names

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)  # what pip puts in site-packages, without touching the venv
    probe = (
        "import opsprep_voice, sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from opsprep_voice.core.appinfo import assets_dir\n"
        "from opsprep_voice.ui.app_identity import apply_identity\n"
        "app = QApplication([])\n"
        "icon = apply_identity(app)\n"
        "print(opsprep_voice.__file__)\n"
        "print(assets_dir())\n"
        "print(sorted(s.width() for s in icon.availableSizes()))\n"
        "print(not app.windowIcon().pixmap(16, 16).isNull())\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # not the checkout: its assets/ must not be found
        env={**os.environ, "PYTHONPATH": str(site), "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    module, assets, sizes, drawn = proc.stdout.splitlines()[-4:]
    assert Path(module).is_relative_to(site)
    assert Path(assets) == site / "opsprep_voice" / "assets"
    assert sizes == str(list(appinfo.ICON_SIZES))
    assert drawn == "True"
