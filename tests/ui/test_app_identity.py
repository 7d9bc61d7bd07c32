"""The running app's identity: window and taskbar icon, application name, desktop file name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtGui import QIcon, QImage
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
    # The 16 px rendering is used as drawn, not a scaled-down 512: the committed file's pixels. QIcon hands
    # them back premultiplied, and undoing that rounds a channel of a translucent pixel by one on some CPUs
    # (Qt's SIMD paths differ), so one step is allowed; a scaled-down 512 differs by over a hundred.
    drawn = small.convertToFormat(small.Format.Format_ARGB32)
    committed = type(small)(str(icon_png(16))).convertToFormat(small.Format.Format_ARGB32)
    assert _largest_channel_step(drawn, committed) <= 1


def _largest_channel_step(a: QImage, b: QImage) -> int:
    assert a.size() == b.size()
    return max(
        abs(((a.pixel(x, y) >> shift) & 0xFF) - ((b.pixel(x, y) >> shift) & 0xFF))
        for x in range(a.width())
        for y in range(a.height())
        for shift in (0, 8, 16, 24)
    )


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
