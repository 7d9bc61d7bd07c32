"""Started from the bundle with no menu entry, the app offers once to add itself to the application menu
(no terminal needed); Yes installs the entry, and neither answer is asked again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from opsprep_voice.core.appinfo import APP_ID
from opsprep_voice.core.settings import Settings, SettingsStore
from opsprep_voice.ui.desktop_offer import offer, should_offer
from opsprep_voice.ui.main_window import MainWindow
from opsprep_voice.ui.rehearsal.rehearsal_screen import RehearsalScreen
from opsprep_voice.ui.rehearsal.start_screen import StartScreen
from opsprep_voice.ui.rehearsal.summary_screen import SummaryScreen
from opsprep_voice.ui.workers import TaskRunner
from tests.support.waits import BACKGROUND_MS

WAIT_MS = BACKGROUND_MS  # the app's background work may be waited on: see tests.support.waits


@pytest.fixture
def share(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    share = tmp_path / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(share))
    return share


def test_asked_only_from_the_bundle_on_linux_once_and_without_an_entry(share: Path) -> None:
    fresh = Settings()
    assert should_offer(fresh, frozen=True, platform="linux")
    assert not should_offer(fresh, frozen=False, platform="linux")  # a Python install has the command
    assert not should_offer(fresh, frozen=True, platform="win32")
    assert not should_offer(Settings(desktop_entry_offered=True), frozen=True, platform="linux")
    entry = share / "applications" / f"{APP_ID}.desktop"
    entry.parent.mkdir(parents=True)
    entry.write_text("[Desktop Entry]\n")
    assert not should_offer(fresh, frozen=True, platform="linux")


def _window(qtbot: Any) -> MainWindow:
    from opsprep_voice.core.bank import load_bank

    window = MainWindow(StartScreen(load_bank(), "interview"), RehearsalScreen(), SummaryScreen(), None)
    qtbot.addWidget(window)
    return window


@pytest.mark.parametrize("answer", ["yes", "no"])
def test_the_answer_is_kept_and_yes_installs(qtbot: Any, tmp_path: Path, share: Path, answer: str) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    runner = TaskRunner()
    window = _window(qtbot)
    box = offer(window, store, runner)
    assert box.isVisible()
    button = QMessageBox.StandardButton.Yes if answer == "yes" else QMessageBox.StandardButton.No
    box.button(button).click()
    assert SettingsStore(tmp_path / "settings.json").settings.desktop_entry_offered
    entry = share / "applications" / f"{APP_ID}.desktop"
    if answer == "yes":
        qtbot.waitUntil(lambda: "application menu" in window.notice.text(), timeout=WAIT_MS)
        assert entry.is_file() and "Exec=" in entry.read_text()
    else:
        assert "desktop-install" in window.notice.text()
        runner.wait(WAIT_MS)
        assert not entry.exists()
    assert not should_offer(store.settings, frozen=True, platform="linux")
