"""The start screen's "Today's plan" choice: what is due and why, the plan's settings, and starting it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from pytestqt.qtbot import QtBot

from opsprep_voice.core.bank import BUNDLED_BANK
from opsprep_voice.core.session import Selection, plan_questions
from opsprep_voice.core.settings import SettingsStore
from opsprep_voice.ui.rehearsal.start_screen import StartScreen
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
    sample_attempts,
)
from tests.ui.test_rehearsal_flow import WAIT_MS, make_app


def start_screen(
    qtbot: QtBot, tmp_path: Path, history: StubHistory | None
) -> tuple[StartScreen, SettingsStore]:
    service, store = make_service(history, tmp_path / "settings.json")
    screen = StartScreen(BANK, plans=service)
    qtbot.addWidget(screen)
    screen.resize(1100, 700)
    screen.show()
    qtbot.waitUntil(
        lambda: screen.plan_choice.plan is not None and not screen.plan_choice.loading, timeout=WAIT_MS
    )
    return screen, store


def test_shows_how_many_questions_are_due_and_why(qtbot: QtBot, tmp_path: Path) -> None:
    screen, _ = start_screen(qtbot, tmp_path, StubHistory(sample_attempts()))
    choice = screen.plan_choice
    assert choice.summary.text() == "5 questions due today (2 overdue, 3 new)"
    reasons = choice.reasons.text()
    assert "<b>Q2</b> incident you led: last answer covered 30% (overdue)" in reasons
    q9 = "<b>Q9</b> backups and disaster recovery: missed “Regular restore tests” twice (overdue)"
    assert q9 in reasons
    assert "… and 2 more" in reasons  # three reasons shown; the tooltip lists all five
    tooltip = choice.reasons.toolTip()  # every due question, with its full reason
    assert tooltip.count("\n") == 4 and "Q9 backups and disaster recovery: missed" in tooltip
    assert "overdue since" in tooltip
    # With History, the plan is what the screen offers first.
    assert screen.rb_plan.isChecked()
    assert screen.summary.text().startswith("5 questions,")
    assert screen.start_button.isEnabled()


def test_starting_the_plan_rehearses_the_due_questions_in_plan_order(qtbot: QtBot, tmp_path: Path) -> None:
    screen, _ = start_screen(qtbot, tmp_path, StubHistory(sample_attempts()))
    with qtbot.waitSignal(screen.startRequested, timeout=WAIT_MS) as blocker:
        screen.start_button.click()
    selection, mode, bank = blocker.args
    assert selection == Selection("plan", question_ids=tuple(SAMPLE_DUE))
    assert [q.id for q in plan_questions(bank, selection)] == SAMPLE_DUE
    assert mode == "interview"


def test_the_interview_date_and_new_questions_a_day_are_saved_and_replan(
    qtbot: QtBot, tmp_path: Path
) -> None:
    screen, store = start_screen(qtbot, tmp_path, StubHistory(sample_attempts()))
    options = screen.plan_choice.options
    assert not options.interview.isChecked() and not options.date.isEnabled()
    interview = TODAY + timedelta(days=3)
    options.set_interview_date(interview)
    assert store.settings.interview_date == interview
    assert SettingsStore(tmp_path / "settings.json").settings.interview_date == interview  # on disk
    assert options.countdown.text() == "(in 3 days)"
    qtbot.waitUntil(lambda: "Interview in 3 days" in screen.plan_choice.summary.text(), timeout=WAIT_MS)
    # Three days to go: the 21 new questions come 11 a day (the day before the interview is for second
    # rehearsals), so 13 are due today.
    assert screen.plan_choice.summary.text() == (
        "13 questions due today (2 overdue, 11 new) · Interview in 3 days (Fri 13 Mar)"
    )

    options.new_per_day.setValue(5)
    assert SettingsStore(tmp_path / "settings.json").settings.plan_new_per_day == 5
    options.set_interview_date(None)
    assert store.settings.interview_date is None
    qtbot.waitUntil(
        lambda: screen.plan_choice.summary.text() == "7 questions due today (2 overdue, 5 new)",
        timeout=WAIT_MS,
    )


def test_saved_settings_are_shown_and_the_plan_is_rebuilt_when_shown_again(
    qtbot: QtBot, tmp_path: Path
) -> None:
    history = StubHistory(sample_attempts())
    SettingsStore(tmp_path / "settings.json").update(
        interview_date=TODAY + timedelta(days=10), plan_new_per_day=4
    )
    screen, _ = start_screen(qtbot, tmp_path, history)
    options = screen.plan_choice.options
    assert options.interview_date() == TODAY + timedelta(days=10) and options.new_per_day.value() == 4
    assert history.calls == 1
    # A session answers Q2 and Q9 well; back on the start screen, the plan no longer asks for them.
    history.attempts += [answer(2, 0.01, 0.95), answer(9, 0.01, 0.95)]
    screen.hide()
    screen.show()
    qtbot.waitUntil(lambda: history.calls == 2 and not screen.plan_choice.loading, timeout=WAIT_MS)
    due = screen.plan_choice.due_ids()
    assert QUESTIONS[1].id not in due and QUESTIONS[8].id not in due


def test_with_no_history_the_plan_offers_the_first_new_questions(qtbot: QtBot, tmp_path: Path) -> None:
    screen, _ = start_screen(qtbot, tmp_path, StubHistory([]))
    choice = screen.plan_choice
    assert choice.summary.text() == "3 questions due today (3 new)"
    assert "Nothing in History yet" in choice.reasons.text()
    assert screen.rb_all.isChecked()  # nothing to plan from yet: all questions stays the default
    screen.rb_plan.click()
    assert screen.selection() == Selection("plan", question_ids=tuple(q.id for q in QUESTIONS[:3]))


def test_without_a_history_store_the_plan_still_works(qtbot: QtBot, tmp_path: Path) -> None:
    screen, _ = start_screen(qtbot, tmp_path, None)
    assert screen.plan_choice.due_ids() == tuple(q.id for q in QUESTIONS[:3])


def test_a_choice_made_before_the_plan_arrives_is_kept(qtbot: QtBot, tmp_path: Path) -> None:
    service, _ = make_service(StubHistory(sample_attempts()), tmp_path / "settings.json")
    screen = StartScreen(BANK, plans=service)
    qtbot.addWidget(screen)
    screen.show()
    screen.single.setCurrentIndex(4)  # the candidate picks a question while the plan is being worked out
    qtbot.waitUntil(lambda: screen.plan_choice.plan is not None, timeout=WAIT_MS)
    assert screen.rb_single.isChecked()
    assert screen.selection() == Selection("single", question_id=QUESTIONS[4].id)


def test_a_plan_that_cannot_be_built_says_why_and_cannot_be_started(qtbot: QtBot, tmp_path: Path) -> None:
    service, _ = make_service(StubHistory(error="disk I/O error"), tmp_path / "settings.json")
    screen = StartScreen(BANK, plans=service)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(lambda: bool(screen.plan_choice.problem), timeout=WAIT_MS)
    assert "disk I/O error" in screen.plan_choice.reasons.text()
    assert screen.rb_all.isChecked() and screen.start_button.isEnabled()  # the other kinds still work
    screen.rb_plan.click()
    assert not screen.start_button.isEnabled()
    assert "disk I/O error" in screen.summary.text()


def test_the_app_starts_the_plan_from_history(qtbot: QtBot, tmp_path: Path) -> None:
    """The real app: answers in History make the plan the default, and starting it rehearses its due
    questions in its order."""
    ctx = make_app(qtbot, tmp_path, FakeSoundDevice(np.zeros(1600, np.int16), 16000), FakeTranscriber("x"))
    assert ctx.history is not None
    history = History(ctx.history, BANK)
    session = ctx.history.create_session("practice")
    for number, keep, days in ((3, 0.3, 6), (7, 0.9, 5), (11, 0.5, 4)):
        add_answer(history, session.id, QUESTIONS[number - 1], keep, datetime.now(UTC) - timedelta(days=days))
    start = ctx.window.start_screen
    start.hide()
    start.show()  # back on the start screen: the plan is rebuilt from History
    qtbot.waitUntil(lambda: start.rb_plan.isChecked() and start.start_button.isEnabled(), timeout=WAIT_MS)
    due = start.plan_choice.due_ids()
    assert QUESTIONS[2].id in due  # a third of the example answer: rehearse it again
    start.start_button.click()
    assert MainWindowPage(ctx.window).current == "rehearsal"
    assert ctx.controller.session is not None
    assert tuple(q.id for q in ctx.controller.session.questions) == due
    ctx.shutdown()


def test_a_bank_of_one_question_is_named_as_one(qtbot: QtBot, tmp_path: Path) -> None:
    screen, _ = start_screen(qtbot, tmp_path, None)
    assert screen.rb_all.text() == f"All {len(BANK)} questions in order"
    data = json.loads(BUNDLED_BANK.read_text(encoding="utf-8"))
    data["questions"] = [dict(data["questions"][4], number=1)]
    one = tmp_path / "one.json"
    one.write_text(json.dumps(data), encoding="utf-8")
    assert screen.load_custom(one)
    assert screen.rb_all.text() == "The one question"
    assert screen.custom_status.text() == "✔ 1 question loaded from one.json"
