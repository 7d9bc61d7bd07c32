"""Who the app is to the desktop: its id, name and the files under ``assets/`` (icon, desktop entry,
AppStream metainfo), found the same way from a source checkout, an installed wheel and the bundle.

The id is used for every desktop-facing name: the desktop entry file (``<id>.desktop``), the icon name,
the metainfo file and Qt's desktop file name, so a desktop groups the running window under its entry.

Where ``assets/`` is: in a wheel and in the PyInstaller bundle it is package data at
``opsprep_voice/assets`` (pyproject maps the top-level folder there); in a source checkout or an editable
install it is the repository's top-level ``assets/`` (:func:`opsprep_voice.core.resources.shipped`). The
folder is found from the ``opsprep_voice`` package, not imported as ``opsprep_voice.assets``: it holds no
Python, and an editable install does not make a data-only subpackage importable.
"""

from __future__ import annotations

from pathlib import Path

from opsprep_voice.core.resources import shipped

APP_ID = "io.github.opsprep.OpsPrepVoice"
APP_NAME = "OpsPrep Voice"
#: Also the organisation Qt files settings under (kept from the first release).
ORGANIZATION = "OpsPrep"
#: PNG sizes rendered from the SVG (scripts/render_icons.py) and installed into hicolor.
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


class AssetsMissingError(FileNotFoundError):
    """The app's assets folder is not where an install or a checkout puts it."""


def assets_dir() -> Path:
    """The folder holding the icon, the desktop entry and the metainfo."""
    folder = shipped("assets", "assets")
    if (folder / f"{APP_ID}.svg").is_file():
        return folder
    raise AssetsMissingError(f"The app's assets are missing (looked in {folder}); reinstall OpsPrep Voice.")


def icon_svg() -> Path:
    return assets_dir() / f"{APP_ID}.svg"


def icon_png(size: int) -> Path:
    """The committed PNG rendering of the icon at ``size`` x ``size`` (one of :data:`ICON_SIZES`)."""
    if size not in ICON_SIZES:
        raise ValueError(f"no {size} px icon; sizes: {', '.join(map(str, ICON_SIZES))}")
    return assets_dir() / "icons" / f"{size}x{size}" / f"{APP_ID}.png"


def desktop_entry() -> Path:
    """The desktop entry as shipped (``Exec=opsprep-voice``; desktop-install writes an absolute one)."""
    return assets_dir() / f"{APP_ID}.desktop"


def metainfo() -> Path:
    return assets_dir() / f"{APP_ID}.metainfo.xml"
