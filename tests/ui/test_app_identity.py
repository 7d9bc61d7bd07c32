"""The running app's identity: window and taskbar icon, application name, desktop file name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from opsprep_voice.core.appinfo import APP_ID, APP_NAME, ICON_SIZES, icon_png
from opsprep_voice.core.paths import AppPaths
from opsprep_voice.ui.app_identity import app_icon, apply_identity
from opsprep_voice.ui.application import build_app
from tests.support.app_fakes import FakeTranscriber, factory_for


@pytest.fixture()
def app(qapp: QApplication) -> Iterator[QApplication]:
    """Restore the process-wide names and icon afterwards: other tests run in this process."""
    saved = (qapp.applicationName(), qapp.organizationName(), qapp.desktopFileName(), qapp.windowIcon())
    yield qapp
    qapp.setApplicationName(saved[0])
    qapp.setOrganizationName(saved[1])
    qapp.setDesktopFileName(saved[2])
    qapp.setWindowIcon(saved[3])


def _sizes(icon: QIcon) -> list[int]:
    return sorted(s.width() for s in icon.availableSizes())


def test_icon_has_every_committed_size(qapp: QApplication) -> None:
    icon = app_icon()
    assert _sizes(icon) == list(ICON_SIZES)
    small = icon.pixmap(16, 16).toImage()
    assert small.width() == 16
    # The 16 px rendering is used as drawn, not a scaled-down 512: same pixels as the committed file.
    assert small.convertToFormat(small.Format.Format_ARGB32) == type(small)(
        str(icon_png(16))
    ).convertToFormat(small.Format.Format_ARGB32)


def test_apply_identity_names_the_app_and_its_desktop_entry(app: QApplication) -> None:
    icon = apply_identity(app)
    assert app.applicationName() == APP_NAME
    assert app.organizationName() == "OpsPrep"
    assert app.desktopFileName() == APP_ID
    assert _sizes(app.windowIcon()) == list(ICON_SIZES)
    assert icon.cacheKey() == app.windowIcon().cacheKey()


def test_main_window_has_the_app_icon(qtbot: Any) -> None:
    ctx = build_app(
        paths=AppPaths.default(), synthesizer=None, transcriber_factory=factory_for(FakeTranscriber("hi"))
    )
    try:
        qtbot.addWidget(ctx.window)
        assert _sizes(ctx.window.windowIcon()) == list(ICON_SIZES)
    finally:
        ctx.shutdown()
