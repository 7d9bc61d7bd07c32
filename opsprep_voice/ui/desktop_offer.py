"""From the standalone bundle, with no terminal: the app offers to add itself to the application menu.

A person who unpacked the bundle's archive and double-clicked ``opsprep-voice`` in the file manager has no
menu entry yet, and ``opsprep-voice desktop-install`` needs a terminal. So, started from the bundle on
Linux with no entry installed, the app asks once, after its window is painted: "Add OpsPrep Voice to your
application menu?". Yes runs the same install as the command (``core.desktop_install.install``, in a
task: it runs the desktop's cache tools); the answer is remembered (``Settings.desktop_entry_offered``),
so it is not asked again. A Python install is not asked: its command line is at hand.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from PySide6.QtWidgets import QMessageBox

from opsprep_voice.core.appinfo import APP_ID, APP_NAME
from opsprep_voice.core.desktop_install import data_home, install
from opsprep_voice.core.settings import Settings, SettingsStore
from opsprep_voice.ui.main_window import MainWindow
from opsprep_voice.ui.workers import TaskRunner

log = logging.getLogger(__name__)


def should_offer(settings: Settings, *, frozen: bool | None = None, platform: str | None = None) -> bool:
    """Only from the bundle (``frozen``), on Linux, not asked before, and no entry installed already."""
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    platform = sys.platform if platform is None else platform
    if not frozen or not platform.startswith("linux") or settings.desktop_entry_offered:
        return False
    return not (data_home() / "applications" / f"{APP_ID}.desktop").exists()


def offer(window: MainWindow, store: SettingsStore, runner: TaskRunner) -> QMessageBox:
    """Ask (window-modal, not blocking the event loop); returns the box, for tests to answer."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Add to the application menu?",
        f"Add {APP_NAME} to your application menu, so you can start it from there next time?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        window,
    )
    box.button(QMessageBox.StandardButton.Yes).setText("Add to menu")
    box.button(QMessageBox.StandardButton.No).setText("Not now")

    def answered(button: int) -> None:
        try:
            store.update(desktop_entry_offered=True)
        except OSError as exc:
            log.warning("Could not remember the menu question in the settings: %s", exc)
        if button != QMessageBox.StandardButton.Yes:
            window.notify("Not added. From a terminal: opsprep-voice desktop-install.", 10_000)
            return
        task = runner.start(lambda _progress, _cancel: install(), "add the menu entry")
        task.then(
            lambda report: window.notify(
                f"{APP_NAME} is in your application menu ({report.data_home}).", 10_000
            ),
            lambda message: window.notify(f"Could not add the menu entry: {message}", 15_000),
        )

    box.finished.connect(answered)
    box.open()
    return box


def offer_if_wanted(window: MainWindow, store: SettingsStore, runner: TaskRunner, **kw: Any) -> None:
    """:func:`offer` when :func:`should_offer` says so (``kw`` goes to it)."""
    if should_offer(store.settings, **kw):
        offer(window, store, runner)
