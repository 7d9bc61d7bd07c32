"""The History screen in the real main window at a 1280x800 screen: nothing forces the window wider, the
list gets a fair share and its columns fit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication

from opsprep_voice.core.bank import load_bank
from opsprep_voice.core.paths import AppPaths
from opsprep_voice.storage.repository import HistoryRepository
from opsprep_voice.ui.application import AppContext, build_app
from opsprep_voice.ui.history.history_rows import (
    COL_COVERAGE,
    COL_LENGTH,
    COL_PACE,
    COL_QUESTION,
    WIDEST_COVERAGE,
)
from tests.support import history_ui_data
from tests.support.app_fakes import FakeSynthesizer, FakeTranscriber, factory_for
from tests.support.fake_sounddevice import FakeSoundDevice

SCREEN_WIDTH = 1280


def min_width(ctx: AppContext) -> int:
    """The window's minimum width once its layouts have taken the last changes in (posted events, each
    nested layout posting its parent's: a few turns of the event loop, no waiting)."""
    for _ in range(10):
        QApplication.processEvents()
    return ctx.window.minimumSizeHint().width()


@pytest.fixture
def app(qtbot: Any, tmp_path: Path) -> Iterator[tuple[AppContext, history_ui_data.History]]:
    # Fusion, as on most Linux desktops and in the screenshots (the offscreen default style is narrower).
    qt_app = QApplication.instance()
    assert isinstance(qt_app, QApplication)
    style = qt_app.style().name()
    qt_app.setStyle("Fusion")
    paths = AppPaths(data=tmp_path / "data", cache=tmp_path / "cache", config=tmp_path / "config")
    (paths.config_dir() / "settings.json").write_text(json.dumps({"speak_questions": False}))
    with HistoryRepository(paths.data_dir() / "history.sqlite3") as repo:
        history = history_ui_data.build_history(repo, load_bank())
    ctx = build_app(
        paths=paths,
        sd=FakeSoundDevice(np.zeros(1600, np.int16), 16000),
        synthesizer=FakeSynthesizer(tmp_path),
        transcriber_factory=factory_for(FakeTranscriber("unused"), None),
    )
    qtbot.addWidget(ctx.window)
    ctx.window.resize(SCREEN_WIDTH, 800)
    ctx.window.show()
    ctx.window.show_history()
    yield ctx, history
    ctx.shutdown()
    qt_app.setStyle(style)


def test_selecting_an_unscored_answer_keeps_the_window_within_a_1280_screen(
    qtbot: Any, app: tuple[AppContext, history_ui_data.History]
) -> None:
    ctx, history = app
    screen = ctx.window.history_screen
    assert screen is not None
    before = min_width(ctx)
    assert screen.select_attempt(history.interrupted.id)
    qtbot.waitUntil(lambda: screen.detail.currentWidget() is screen.status_panel)
    after = min_width(ctx)
    assert after <= SCREEN_WIDTH and ctx.window.width() <= SCREEN_WIDTH
    assert after == before  # the selection never moves the window's minimum


def test_the_list_gets_nearly_half_the_room_and_its_columns_fit_without_a_scrollbar(
    qtbot: Any, app: tuple[AppContext, history_ui_data.History]
) -> None:
    ctx, _history = app
    screen = ctx.window.history_screen
    assert screen is not None
    qtbot.waitUntil(lambda: screen.tree.model().rowCount() > 0)
    min_width(ctx)
    list_width, detail_width = screen.splitter.sizes()
    assert list_width >= 0.45 * (list_width + detail_width)  # was 0.4, with columns cut
    tree = screen.tree
    header = tree.header()
    shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
    assert not tree.horizontalScrollBar().isVisible()
    assert sum(header.sectionSize(c) for c in shown) <= tree.viewport().width()
    # The numbers are whole; the question text is what gets elided.
    metrics = QFontMetrics(tree.font())
    for column, widest in ((COL_COVERAGE, WIDEST_COVERAGE), (COL_LENGTH, "88:88"), (COL_PACE, "888 wpm")):
        assert header.sectionSize(column) > metrics.horizontalAdvance(widest)
    assert header.sectionSize(COL_QUESTION) >= 120


def test_sessions_are_titled_by_question_not_by_internal_id(
    qtbot: Any, app: tuple[AppContext, history_ui_data.History]
) -> None:
    ctx, history = app
    screen = ctx.window.history_screen
    assert screen is not None and ctx.history is not None
    q3 = history.bank.find(3)
    old = ctx.history.create_session("interview", title=f"Question {q3.id}")  # as stored before
    live = history_ui_data.History(ctx.history, history.bank)
    history_ui_data.add_answer(live, old.id, q3, 0.5, history_ui_data.START + timedelta(days=9))
    screen.refresh()
    assert screen.select_session(old.id)
    row = screen.tree.selected_rows()[0]
    text = row.siblingAtColumn(COL_QUESTION).data()
    assert text.startswith("Q3 · What is your process for defining SLIs") and q3.id not in text
    assert text.endswith("· interview · 1 answer")


def test_the_status_bar_notice_is_not_flush_with_the_window_edge(
    app: tuple[AppContext, history_ui_data.History],
) -> None:
    ctx, _history = app
    ctx.window.notify("Saved.")
    assert ctx.window.notice.contentsMargins().left() >= 6
