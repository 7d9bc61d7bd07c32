"""The History screen in the real main window at a 1280x800 screen: nothing forces the window wider, the
list gets half the room, its columns fit, the numbers are painted whole and the question takes the rest."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
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
    COL_WHEN,
)
from tests.support import history_ui_data, layout_checks
from tests.support.app_fakes import FakeSynthesizer, FakeTranscriber, factory_for
from tests.support.fake_sounddevice import FakeSoundDevice
from tests.support.page_objects import HistoryPage

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


def test_an_unscored_answer_offers_transcribe_now_once_beside_what_happened(
    qtbot: Any, app: tuple[AppContext, history_ui_data.History]
) -> None:
    """One "Transcribe now" for an interrupted answer and for a cancelled take: the status panel's, which
    says what happened; none once it is transcribed, nor for a scored answer."""
    ctx, history = app
    screen = ctx.window.history_screen
    assert screen is not None and ctx.history is not None and history.interrupted is not None
    dropped = ctx.history.start_attempt(
        history.sessions[-1],
        history.bank.find(5),
        started_at=history_ui_data.START + timedelta(days=7, hours=1),
    )
    assert dropped.audio_path is not None
    history_ui_data.write_wav(dropped.audio_path, 1.0)
    ctx.history.mark_cancelled(dropped.id, 1.0, "re-recorded")
    screen.refresh()
    page = HistoryPage(screen)
    for attempt_id in (history.interrupted.id, dropped.id):
        assert screen.select_attempt(attempt_id)
        qtbot.waitUntil(lambda: screen.detail.currentWidget() is screen.status_panel)
        actions = page.transcribe_actions()
        assert actions == [screen.status_panel.transcribe_button], [b.text() for b in actions]
        assert actions[0].text() == "Transcribe now" and actions[0].isEnabled()
        with qtbot.waitSignal(screen.transcribeRequested, timeout=5000) as asked:
            actions[0].click()
        assert asked.args == [attempt_id]
        # The app transcribes it and shows its review in place: no transcribe action is left.
        qtbot.waitUntil(lambda: screen.detail.currentWidget() is screen.attempt_view, timeout=60_000)
        assert page.transcribe_actions() == []
    assert screen.select_attempt(history.attempts[0].id)
    qtbot.waitUntil(lambda: screen.detail.currentWidget() is screen.attempt_view)
    assert page.transcribe_actions() == []


def test_transcribe_now_twice_transcribes_once(
    app: tuple[AppContext, history_ui_data.History], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second "Transcribe now" while the first transcription runs starts no second one (two would race to
    save the same answer); once it has ended, the answer can be transcribed again."""
    from opsprep_voice.core.transcript import Transcript
    from opsprep_voice.ui.history_store import transcribe_attempt

    ctx, history = app
    assert history.interrupted is not None
    running: list[tuple[Any, Any]] = []

    class Pending:  # a transcription that ends when the test says so
        def then(self, done: Any, failed: Any) -> None:
            running.append((done, failed))

    monkeypatch.setattr(ctx.transcription, "transcribe_file", lambda _path, _question: Pending())
    transcribe_attempt(ctx, history.interrupted.id)
    transcribe_attempt(ctx, history.interrupted.id)
    assert len(running) == 1
    running[0][1]("the engine stopped")  # it fails: the answer may be tried again
    transcribe_attempt(ctx, history.interrupted.id)
    assert len(running) == 2
    running[1][0](Transcript.from_text("we define SLOs from user journeys"))
    assert not ctx.transcribing


def test_the_list_gets_half_the_room_and_its_columns_fit_without_a_scrollbar(
    qtbot: Any, app: tuple[AppContext, history_ui_data.History]
) -> None:
    ctx, _history = app
    screen = ctx.window.history_screen
    assert screen is not None
    qtbot.waitUntil(lambda: screen.tree.model().rowCount() > 0)
    min_width(ctx)
    list_width, detail_width = screen.splitter.sizes()
    assert list_width >= 0.48 * (list_width + detail_width)
    tree = screen.tree
    page = HistoryPage(screen)
    assert not tree.horizontalScrollBar().isVisible()
    assert sum(page.column_width(c) for c in page.shown_columns()) <= tree.viewport().width()


def test_at_1280_the_question_gets_the_spare_width_and_only_its_text_is_elided(
    qtbot: Any, app: tuple[AppContext, history_ui_data.History]
) -> None:
    """Every kind of row at once: sessions, scored answers (one with a follow-up, so "46% → 80%"), the
    follow-up, an interrupted and a cancelled take. Numbers and times are painted whole; the question is
    the widest column and a long one is elided, with the whole question in its tooltip."""
    ctx, history = app
    screen = ctx.window.history_screen
    assert screen is not None and ctx.history is not None
    q1 = history.bank.find(1)
    first_q1 = min(history.by_question(q1.id), key=lambda a: a.started_at)
    live = history_ui_data.History(ctx.history, history.bank)  # the fixture's store is closed
    history_ui_data.add_follow_up(live, ctx.history.get_attempt(first_q1.id), q1)
    dropped = ctx.history.start_attempt(
        history.sessions[-1],
        history.bank.find(5),
        started_at=history_ui_data.START + timedelta(days=7, hours=1),
    )
    ctx.history.mark_cancelled(dropped.id, 12.0, "re-recorded")
    screen.refresh()
    min_width(ctx)
    page = HistoryPage(screen)
    assert page.cell(first_q1.id, COL_COVERAGE).count("%") == 2  # the arrow text is listed
    assert page.cell(dropped.id, COL_COVERAGE) == "cancelled"
    assert (
        history.interrupted is not None and page.cell(history.interrupted.id, COL_COVERAGE) == "interrupted"
    )

    shown = page.shown_columns()
    assert set(shown) == {COL_WHEN, COL_QUESTION, COL_COVERAGE, COL_LENGTH, COL_PACE}
    question_width = page.column_width(COL_QUESTION)
    assert question_width == max(page.column_width(c) for c in shown)
    assert question_width >= 0.35 * screen.tree.viewport().width()
    rows = page.rows()
    assert len(rows) == 4 + 9  # sessions, then 7 answers, the cancelled take and the follow-up
    for row in rows:
        for column in (COL_WHEN, COL_COVERAGE, COL_LENGTH, COL_PACE):
            cell = row.siblingAtColumn(column)
            assert page.shown_text(cell) == str(cell.data() or ""), (column, cell.data())

    q2 = history.bank.find(2)
    q2_answer = history.by_question(q2.id)[0]
    cell = screen.model.index_of_attempt(q2_answer.id).siblingAtColumn(COL_QUESTION)
    shown_text = page.shown_text(cell)
    assert shown_text.endswith("…") and len(shown_text) >= 30  # about 35 characters of the question
    assert q2.text in cell.data(Qt.ItemDataRole.ToolTipRole)
    session = page.session_rows()[0].siblingAtColumn(COL_QUESTION)
    assert session.data(Qt.ItemDataRole.ToolTipRole) == session.data()


def test_answers_under_a_session_show_their_time_and_the_flat_list_their_date(
    app: tuple[AppContext, history_ui_data.History],
) -> None:
    ctx, history = app
    screen = ctx.window.history_screen
    assert screen is not None
    page = HistoryPage(screen)
    answer = history.attempts[0]
    day = answer.started_at.astimezone()
    assert page.cell(answer.id, COL_WHEN) == day.strftime("%H:%M")  # the session row says the day
    screen.filter_bar.group_check.setChecked(False)
    assert page.cell(answer.id, COL_WHEN) == day.strftime("%Y-%m-%d %H:%M")


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


def test_a_session_with_a_retake_averages_each_questions_best_take_as_its_summary_did(
    app: tuple[AppContext, history_ui_data.History],
) -> None:
    ctx, history = app
    screen = ctx.window.history_screen
    assert screen is not None and ctx.history is not None
    live = history_ui_data.History(ctx.history, history.bank)
    q1, q2 = history.bank.find(1), history.bank.find(2)
    when = history_ui_data.START + timedelta(days=20)  # the newest session: listed first
    session = ctx.history.create_session("interview", title="Retakes", started_at=when)
    strong = history_ui_data.add_answer(live, session.id, q1, 1.0, when)
    weak = history_ui_data.add_answer(live, session.id, q1, 0.2, when + timedelta(minutes=3))  # R, weaker
    other = history_ui_data.add_answer(live, session.id, q2, 0.5, when + timedelta(minutes=6))
    assert strong.coverage is not None and weak.coverage is not None and other.coverage is not None
    assert weak.coverage < strong.coverage
    screen.refresh()
    row = HistoryPage(screen).session_rows()[0].siblingAtColumn(COL_COVERAGE)
    assert (
        row.data() == f"avg {(strong.coverage + other.coverage) / 2:.0%}"
    )  # not the mean of all three takes
    assert "best take" in row.data(Qt.ItemDataRole.ToolTipRole)


def test_opening_history_puts_the_keys_in_the_list(
    qtbot: Any, app: tuple[AppContext, history_ui_data.History]
) -> None:
    """Ctrl+2 then Down: the next row of the list, not the next question in the filter (focus was there)."""
    ctx, _history = app
    screen = ctx.window.history_screen
    assert screen is not None
    ctx.window.show_start()
    ctx.window.show_history()
    qtbot.waitUntil(lambda: screen.tree.hasFocus())
    qtbot.keyClick(screen.tree, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: screen.attempt_view.is_filled())
    attempts, _sessions = screen.selected()
    assert [a.id for a in attempts] == [screen.visible_attempt_ids()[0]]  # the newest answer
    assert screen.filter_bar.value().question_id is None


def test_each_answer_in_turn_shows_its_delivery_figures_whole(
    qtbot: Any, app: tuple[AppContext, history_ui_data.History]
) -> None:
    """Answers one after another in the one-column review: a wrapped figure (pace, STAR) gets every line it
    needs, not the height the previous answer's figures had."""
    ctx, history = app
    screen = ctx.window.history_screen
    assert screen is not None
    metrics = screen.attempt_view.metrics
    for attempt in history.attempts:
        assert screen.select_attempt(attempt.id)
        qtbot.waitUntil(screen.attempt_view.is_filled)
        with contextlib.suppress(qtbot.TimeoutError):  # the layout settles over a few event-loop turns
            qtbot.waitUntil(lambda: not layout_checks.labels_whole(metrics), timeout=5_000)
        assert layout_checks.labels_whole(metrics) == [], attempt.question_id
