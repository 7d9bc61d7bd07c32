"""The app's identity to Qt and the desktop: name, icon and desktop file name, set once at start-up.

``setDesktopFileName`` is what lets a desktop group the window under the installed entry
(``opsprep-voice desktop-install``): on Wayland it becomes the window's app id, and desktops match the
running window to ``<APP_ID>.desktop`` through it; on X11 they match the entry's ``StartupWMClass``
against the window class, which Qt takes from the application name. The icon is every committed PNG size
(no SVG plugin needed at run time, and the 16 px one is the hand-checked rendering, not a scaled 512).
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QGuiApplication, QIcon

from opsprep_voice.core.appinfo import (
    APP_ID,
    APP_NAME,
    ICON_SIZES,
    ORGANIZATION,
    AssetsMissingError,
    icon_png,
)

log = logging.getLogger(__name__)


def app_icon() -> QIcon:
    """The app icon with all its sizes; an empty icon (and a warning) if the assets are missing."""
    icon = QIcon()
    try:
        for size in ICON_SIZES:
            icon.addFile(str(icon_png(size)))
    except AssetsMissingError as exc:
        log.warning("%s", exc)  # the app still runs, with the platform's default icon
    return icon


def apply_identity(app: QGuiApplication) -> QIcon:
    """Name the application, point it at its desktop entry and set the icon every window inherits."""
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setDesktopFileName(APP_ID)
    icon = app_icon()
    app.setWindowIcon(icon)
    return icon
