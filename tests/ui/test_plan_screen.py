"""The Plan screen: due list, rehearsal calendar and strength table with no answers, one answer and
10,000 answers; tooltips; rehearsing the due questions; and the toolbar's Plan in the real app."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip
from pytestqt.qtbot import QtBot

from opsprep_voice.core.plan import PlanAttempt
from opsprep_voice.core.settings import SettingsStore
from opsprep_voice.ui.plan.calendar_heatmap import (
    WEEKS,
    CalendarHeatmap,
    describe_day,
    level,
    month_labels,
)
from opsprep_voice.ui.plan.plan_screen import PlanScreen, current_streak
from opsprep_voice.ui.plan.strength_table import (
    COL_BEST,
    COL_DAYS,
    COL_DUE,
    COL_LAST,
    COL_NUMBER,
    COL_QUESTION,
    COL_RECALL,
    COL_REPS,
    COL_STABILITY,
    COL_WEAK,
)
from tests.support.app_fakes import FakeTranscriber
from tests.support.fake_sounddevice import FakeSoundDevice
from tests.support.history_ui_data import History, add_answer
from tests.support.page_objects import MainWindowPage
from tests.support.plan_data import (
    BANK,
    QUESTIONS,
    SAMPLE_DUE,
    TODAY,
    StubHistory,
    answer,
    make_service,
    many_attempts,
    sample_attempts,
)
from tests.ui.test_rehearsal_flow import WAIT_MS, make_app

SCREEN_W, SCREEN_H = 1280, 800


def plan_screen(qtbot: QtBot, tmp_path: Path, attempts: list[PlanAttempt]) -> tuple[PlanScreen, StubHistory]:
    history = StubHistory(attempts)
    service, _ = make_service(history, tmp_path / "settings.json")
    screen = PlanScreen(service, BANK)
    qtbot.addWidget(screen)
    screen.resize(SCREEN_W, SCREEN_H - 60)  # the toolbar and status bar take the rest
    screen.show()
    qtbot.waitUntil(lambda: screen.plan is not None and not screen.feed.loading, timeout=WAIT_MS)
    return screen, history


def assert_fits(screen: PlanScreen) -> None:
    """No layout explosion: the screen fits the window, and the calendar keeps its full size."""
    hint = screen.minimumSizeHint()
    assert hint.width() <= SCREEN_W and hint.height() <= SCREEN_H - 60, hint
    assert screen.heatmap.width() == screen.heatmap.sizeHint().width()
    assert screen.heatmap.height() == screen.heatmap.sizeHint().height()
    assert not screen.grab().isNull()  # paints without error


def cell(screen: PlanScreen, row: int, column: int) -> str:
    return screen.strength.shown_text(row, column)


def row_of(screen: PlanScreen, number: int) -> int:
    return next(
        r for r in range(screen.strength.proxy.rowCount()) if cell(screen, r, COL_NUMBER) == str(number)
    )


def test_with_no_answers_the_plan_starts_with_new_questions(qtbot: QtBot, tmp_path: Path) -> None:
    screen, _ = plan_screen(qtbot, tmp_path, [])
    assert screen.summary.text() == "3 questions due today (3 new)"
    groups = screen.due_list.groups()
    assert groups[0] == ("Today: 3 questions", [q.id for q in QUESTIONS[:3]])
    assert groups[1] == ("Tomorrow: 3 questions", [q.id for q in QUESTIONS[3:6]])
    assert sum(len(ids) for _, ids in groups) == len(QUESTIONS)
    assert screen.activity.text() == "No answers in History yet: the days you rehearse fill in here."
    assert all(screen.heatmap.level_of(TODAY - timedelta(days=d)) == 0 for d in range(7 * WEEKS))
    assert screen.strength.proxy.rowCount() == len(QUESTIONS)
    first = row_of(screen, 1)
    assert [cell(screen, first, c) for c in (COL_REPS, COL_LAST, COL_RECALL, COL_DUE, COL_WEAK)] == [
        "0",
        "–",
        "–",
        "today (new)",
        "–",
    ]
    assert screen.rehearse_button.isEnabled()
    assert_fits(screen)


def test_one_answer_shows_in_the_table_calendar_and_list(qtbot: QtBot, tmp_path: Path) -> None:
    missed = ("point-in-time-recovery", "restore-tests")
    screen, _ = plan_screen(qtbot, tmp_path, [answer(9, 2, 0.6, missed)])
    row = row_of(screen, 9)
    assert cell(screen, row, COL_QUESTION) == "backups and disaster recovery"
    assert [cell(screen, row, c) for c in (COL_REPS, COL_DAYS, COL_LAST, COL_BEST)] == [
        "1",
        "1",
        "60%",
        "60%",
    ]
    assert cell(screen, row, COL_STABILITY).endswith(" d")
    assert cell(screen, row, COL_RECALL).endswith("%")
    assert (
        cell(screen, row, COL_WEAK)
        == "Point-in-time recovery (WAL or binlog) (1/1); Regular restore tests (1/1)"
    )
    index = screen.strength.proxy.index(row, COL_QUESTION)
    assert index.data(Qt.ItemDataRole.ToolTipRole) == QUESTIONS[8].text
    day = TODAY - timedelta(days=2)
    assert screen.heatmap.count(day) == 1 and screen.heatmap.level_of(day) == 4
    assert screen.activity.text() == "1 answer on 1 day in the last 26 weeks"
    listed = {qid for _, ids in screen.due_list.groups() for qid in ids}
    assert listed == {q.id for q in QUESTIONS}
    assert_fits(screen)


@pytest.fixture(scope="module")
def ten_thousand() -> list[PlanAttempt]:
    return many_attempts(10_000)


def test_ten_thousand_answers_stay_readable(
    qtbot: QtBot, tmp_path: Path, ten_thousand: list[PlanAttempt]
) -> None:
    screen, _ = plan_screen(qtbot, tmp_path, ten_thousand)
    plan = screen.plan
    assert plan is not None
    # Still one row per question, whatever the number of answers.
    assert screen.strength.proxy.rowCount() == len(QUESTIONS)
    reps = [int(cell(screen, r, COL_REPS)) for r in range(len(QUESTIONS))]
    assert sum(reps) == len(ten_thousand)
    # The calendar shows the last 26 weeks only, shaded relative to the busiest of them.
    shown = {d: n for d, n in plan.activity.items() if d >= screen.heatmap.first_day}
    busiest = max(shown, key=lambda d: shown[d])
    assert screen.heatmap.level_of(busiest) == 4
    assert screen.activity.text().startswith(f"{sum(shown.values()):,}".replace(",", "") + " answers on ")
    # Sorting by recall puts the weakest first; numbers sort as numbers.
    screen.strength.sortByColumn(COL_RECALL, Qt.SortOrder.AscendingOrder)
    recalls = [int(cell(screen, r, COL_RECALL).rstrip("%")) for r in range(len(QUESTIONS))]
    assert recalls == sorted(recalls)
    assert_fits(screen)


def test_heatmap_tooltips_name_the_day_and_its_answers(qtbot: QtBot) -> None:
    heatmap = CalendarHeatmap()
    qtbot.addWidget(heatmap)
    busy, quiet = TODAY - timedelta(days=3), TODAY - timedelta(days=4)
    heatmap.set_activity({busy: 7, TODAY - timedelta(days=400): 9}, TODAY)  # a year ago is off the calendar
    heatmap.show()
    rect = heatmap.cell_rect(busy)
    assert rect is not None
    assert heatmap.tooltip_at(rect.center()) == "7 answers on Sat 7 Mar 2026"
    quiet_rect = heatmap.cell_rect(quiet)
    assert quiet_rect is not None
    assert heatmap.tooltip_at(quiet_rect.center()) == "No answers on Fri 6 Mar 2026"
    assert heatmap.cell_rect(TODAY + timedelta(days=1)) is None  # the rest of this week is not drawn
    assert heatmap.tooltip_at(QPoint(1, 1)) == ""  # the labels have none
    assert heatmap.count(TODAY - timedelta(days=400)) == 0
    # Through Qt's tooltip event, as a hovering mouse would.
    pos = rect.center()
    QApplication.sendEvent(heatmap, QHelpEvent(QEvent.Type.ToolTip, pos, heatmap.mapToGlobal(pos)))
    assert QToolTip.text() == "7 answers on Sat 7 Mar 2026"
    QToolTip.hideText()


def test_heatmap_levels_and_streaks() -> None:
    assert [level(n, 8) for n in (0, 1, 2, 3, 4, 6, 8)] == [0, 1, 1, 2, 2, 3, 4]
    assert level(1, 1) == 4 and level(5, 0) == 0
    assert describe_day(TODAY, 1) == "1 answer on Tue 10 Mar 2026"
    days = {TODAY - timedelta(days=d): 1 for d in (1, 2, 3, 5)}
    assert current_streak(days, TODAY) == 3  # nothing yet today: the streak up to yesterday still counts
    assert current_streak({**days, TODAY: 2}, TODAY) == 4
    assert current_streak({TODAY - timedelta(days=2): 1}, TODAY) == 0


def test_months_are_named_above_the_week_of_their_first_day() -> None:
    labels = month_labels(date(2025, 9, 15))  # a Monday; 26 weeks end on Sun 15 Mar 2026
    assert labels[0] == (2, date(2025, 10, 1))  # September's column 0 is too close to October's to name
    assert [f"{m:%b}" for _, m in labels] == ["Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]
    assert month_labels(date(2025, 9, 1))[0] == (0, date(2025, 9, 1))
    assert month_labels(date(2025, 9, 8))[:2] == [(0, date(2025, 9, 1)), (3, date(2025, 10, 1))]


def test_due_list_and_rehearse_button_follow_the_plan_order(qtbot: QtBot, tmp_path: Path) -> None:
    screen, _ = plan_screen(qtbot, tmp_path, sample_attempts())
    heading, today = screen.due_list.groups()[0]
    assert heading == "Today: 5 questions" and today == SAMPLE_DUE
    assert screen.summary.text() == "5 questions due today (2 overdue, 3 new)"
    with qtbot.waitSignal(screen.rehearseRequested, timeout=WAIT_MS) as blocker:
        screen.rehearse_button.click()
    assert blocker.args == [tuple(SAMPLE_DUE)]


def test_the_plan_settings_are_saved_from_the_plan_screen(qtbot: QtBot, tmp_path: Path) -> None:
    screen, history = plan_screen(qtbot, tmp_path, sample_attempts())
    screen.options.set_interview_date(TODAY + timedelta(days=3))
    assert SettingsStore(tmp_path / "settings.json").settings.interview_date == TODAY + timedelta(days=3)
    qtbot.waitUntil(lambda: "Interview in 3 days" in screen.summary.text(), timeout=WAIT_MS)
    assert history.calls == 2
    # Everything comes before the interview: nothing is listed after Thursday, the day before it.
    headings = [heading for heading, _ in screen.due_list.groups()]
    assert headings[-1].startswith(("Tomorrow", "Thu 12 Mar"))


def test_a_plan_that_cannot_be_built_says_why(qtbot: QtBot, tmp_path: Path) -> None:
    service, _ = make_service(StubHistory(error="database is locked"), tmp_path / "settings.json")
    screen = PlanScreen(service, BANK)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(lambda: "database is locked" in screen.summary.text(), timeout=WAIT_MS)
    assert not screen.rehearse_button.isEnabled()


def test_the_toolbar_opens_the_plan_which_follows_history_and_starts_a_rehearsal(
    qtbot: QtBot, tmp_path: Path
) -> None:
    ctx = make_app(qtbot, tmp_path, FakeSoundDevice(np.zeros(1600, np.int16), 16000), FakeTranscriber("x"))
    assert ctx.history is not None
    history = History(ctx.history, BANK)
    session = ctx.history.create_session("practice")
    weak = add_answer(history, session.id, QUESTIONS[5], 0.3, datetime.now(UTC) - timedelta(days=3))
    window = ctx.window
    window.plan_action.trigger()
    page = MainWindowPage(window)
    assert page.current == "plan"
    screen = window.plan_screen
    assert screen is not None
    qtbot.waitUntil(lambda: screen.plan is not None and screen.rehearse_button.isEnabled(), timeout=WAIT_MS)
    assert screen.due_list.groups()[0][1][0] == QUESTIONS[5].id  # the weak answer comes first
    # Deleting it in History: shown again, the plan no longer has an answer to Q6.
    ctx.history.delete_attempt(weak.id)
    window.show_start()
    window.plan_action.trigger()
    qtbot.waitUntil(lambda: screen.plan is not None and not screen.plan.activity, timeout=WAIT_MS)
    qtbot.waitUntil(screen.rehearse_button.isEnabled, timeout=WAIT_MS)
    screen.rehearse_button.click()
    assert page.current == "rehearsal"
    assert ctx.controller.session is not None
    assert [q.id for q in ctx.controller.session.questions] == [q.id for q in QUESTIONS[:3]]
    # During a rehearsal the plan cannot start another one: it goes back to the one under way.
    window.plan_action.trigger()
    qtbot.waitUntil(screen.rehearse_button.isEnabled, timeout=WAIT_MS)
    running = ctx.controller.session
    screen.rehearse_button.click()
    assert page.current == "rehearsal" and ctx.controller.session is running
    assert "Finish or end the current rehearsal" in window.notice.text()
    ctx.shutdown()
