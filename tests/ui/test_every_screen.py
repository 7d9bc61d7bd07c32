"""Every screen of the real main window, at a 1280x800 and a 1920x1080 screen, in the light and the dark
palette, over a realistic history (several days, several takes of a question, a cancelled and an unscored
take, a month of practice for the plan): the window fits the screen, lists and tables need no sideways
scrolling, no label, button or column title is cut, and in both palettes text stands out from its
background (tests/support/layout_checks.py).

The app runs offscreen with a fake microphone, voice and transcriber; each step waits on the state it needs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QTableWidget, QWidget

from opsprep_voice.core.bank import load_bank
from opsprep_voice.core.paths import AppPaths
from opsprep_voice.core.scoring import score_answer
from opsprep_voice.core.session import Phase
from opsprep_voice.core.transcript import Transcript
from opsprep_voice.storage.repository import HistoryRepository
from opsprep_voice.ui.application import AppContext, build_app
from opsprep_voice.ui.settings_dialog import SettingsDialog
from tests.support import history_ui_data, layout_checks
from tests.support.app_fakes import FakeSynthesizer, FakeTranscriber, factory_for
from tests.support.fake_sounddevice import FakeSoundDevice
from tests.support.page_objects import HistoryPage
from tests.support.palettes import dark_palette
from tests.support.waits import BACKGROUND_MS

#: A bound against hangs, not a speed target: each step takes well under a second on an idle machine.
WAIT_MS = BACKGROUND_MS  # the app's background work may be waited on: see tests.support.waits
SIZES = {"1280x800": QSize(1280, 800), "1920x1080": QSize(1920, 1080)}
QUESTION = "slis-slos-observability"
# An answer that leaves out alerting: interview mode asks the follow-up about it.
THIN_ANSWER = (
    "So I start with the critical user journeys, like checkout and search, and define SLIs for them: "
    "availability, latency at p95 and the error rate. Um, the metrics go into Prometheus and we look at "
    "them on Grafana dashboards."
)
FOLLOW_UP_ANSWER = (
    "We alert on the burn rate of the error budget. If the budget burns fast we page the on-call "
    "engineer; a slow burn opens a ticket instead."
)


class SpokenTranscriber(FakeTranscriber):
    """The script with the timings of a person speaking it, whatever audio the short fake recording gave:
    the screens show a realistic length and pace ("0:18 · 143 wpm"), not 40 words in half a second."""

    def transcribe(self, audio: Any, options: Any = None, **_: Any) -> Transcript:
        self.calls.append(len(audio))
        return history_ui_data.spoken(self.script)


@pytest.fixture
def styled() -> Iterator[QApplication]:
    """Fusion, as on most Linux desktops and in the screenshots; the app's style and palette put back."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    style, palette = app.style().name(), app.palette()
    app.setStyle("Fusion")
    yield app
    app.setStyle(style)
    app.setPalette(palette)


def build(tmp_path: Path, transcriber: SpokenTranscriber) -> AppContext:
    paths = AppPaths(data=tmp_path / "data", cache=tmp_path / "cache", config=tmp_path / "config")
    settings = {"speak_questions": False, "live_transcription": False, "think_time_s": 0}
    (paths.config_dir() / "settings.json").write_text(json.dumps(settings))
    bank = load_bank()
    with HistoryRepository(paths.data_dir() / "history.sqlite3") as repo:
        built = history_ui_data.build_history(repo, bank)  # with an interrupted answer, never transcribed
        when = history_ui_data.START + timedelta(days=7, hours=1)
        history_ui_data.add_cancelled(built, built.sessions[-1], bank.find(5), when)
        history_ui_data.add_practice_months(repo, bank, days=30)
    mic = FakeSoundDevice(np.zeros(16000 * 600, np.int16), 16000, blocksize=1600, pace=0.1)
    return build_app(
        paths=paths,
        sd=mic,
        synthesizer=FakeSynthesizer(tmp_path),
        transcriber_factory=factory_for(transcriber),
    )


class Walk:
    """Checks each screen it is shown and keeps the problems, named by screen."""

    def __init__(self, qtbot: Any, ctx: AppContext, screen: QSize) -> None:
        self.qtbot, self.ctx, self.screen = qtbot, ctx, screen
        self.problems: list[str] = []
        self.seen: list[str] = []

    def check(self, label: str, root: QWidget | None = None) -> None:
        for _ in range(10):  # posted layout requests, each nested layout posting its parent's
            QApplication.processEvents()
        found = layout_checks.layout_problems(root or self.ctx.window, self.screen)
        self.problems += [f"{label}: {p}" for p in found]
        self.seen.append(label)

    def until(self, condition: Any) -> None:
        self.qtbot.waitUntil(condition, timeout=WAIT_MS)

    def phase(self) -> Phase | None:
        session = self.ctx.controller.session
        return session.phase if session is not None else None

    def recording(self) -> bool:
        session = self.ctx.recorder.session
        return session is not None and session.seconds_recorded > 0.5


def rehearse(walk: Walk, transcriber: SpokenTranscriber) -> None:
    """Start, reading, recording with a live checklist, the follow-up, the review, the summary."""
    ctx, w = walk.ctx, walk.ctx.window
    walk.until(lambda: ctx.transcription.ready and w.start_screen.plan_choice.plan is not None)
    walk.check("start")
    start, screen = w.start_screen, w.rehearsal_screen
    start.single.setCurrentIndex(start.single.findData(QUESTION))
    start.rb_interview.setChecked(True)
    start.start_button.click()
    session = ctx.controller.session
    assert session is not None
    session.begin_speaking()  # the voice reading the question, as the speaker enters it
    screen.set_speaking(True)
    walk.check("reading")
    screen.set_speaking(False)
    session.speech_failed()  # back to waiting for Space
    transcriber.script = THIN_ANSWER
    screen.shortcuts["Space"].activated.emit()
    walk.until(walk.recording)
    question = ctx.bank.find(QUESTION)
    partial = history_ui_data.spoken(THIN_ANSWER)
    live = score_answer(question, partial)
    screen.set_live(partial.text, {i.id for i in live.checklist if i.hit}, live.wpm, partial.duration_s)
    walk.check("recording")
    screen.shortcuts["Space"].activated.emit()
    walk.until(lambda: walk.phase() is Phase.FOLLOW_UP_READY)
    walk.check("follow-up")
    transcriber.script = FOLLOW_UP_ANSWER
    screen.shortcuts["Space"].activated.emit()
    walk.until(walk.recording)
    partial = history_ui_data.spoken(FOLLOW_UP_ANSWER)
    live = score_answer(question, partial)  # the follow-up's hits are marked in the follow-up's colour
    screen.set_live(partial.text, {i.id for i in live.checklist if i.hit}, live.wpm, partial.duration_s)
    walk.check("follow-up recording")
    screen.shortcuts["Space"].activated.emit()
    walk.until(lambda: walk.phase() is Phase.REVIEW)
    walk.until(screen.review.is_filled)
    walk.check("review")
    screen.review.set_example_visible(True)
    walk.check("review with the example answer")
    screen.shortcuts["N"].activated.emit()
    walk.until(lambda: w.stack.currentWidget() is w.summary_screen)
    walk.check("summary")


def browse_history(walk: Walk, interrupted: int, cancelled: int) -> None:
    """History with a scored, the unscored and the cancelled take selected; compare; progress; export."""
    ctx, w = walk.ctx, walk.ctx.window
    w.show_history()
    history = w.history_screen
    assert history is not None and ctx.history is not None
    q2 = ctx.bank.find(2).id  # answered on three days
    scored = [a for a in ctx.history.list_attempts(question_id=q2) if a.status == "scored"]
    older, newer = sorted(scored, key=lambda a: a.started_at)[:2]
    assert history.select_attempt(newer.id)
    walk.until(history.attempt_view.is_filled)
    walk.check("history")
    for label, attempt_id in (("an unscored take", interrupted), ("a cancelled take", cancelled)):
        assert history.select_attempt(attempt_id)
        walk.until(lambda: history.detail.currentWidget() is history.status_panel)
        walk.check(f"history, {label}")
    history.compare_attempts(older.id, newer.id)
    walk.check("compare")
    history.tabs.setCurrentWidget(history.progress_charts)
    walk.check("progress")
    HistoryPage(history).show_answers_tab()
    assert history.select_attempt(newer.id)
    dialog = history.export_selected()
    assert dialog is not None
    walk.until(dialog.isVisible)
    walk.check("export dialog", dialog)
    dialog.close()


def plan_and_settings(walk: Walk) -> None:
    ctx, w = walk.ctx, walk.ctx.window
    w.show_plan()
    plan = w.plan_screen
    assert plan is not None
    walk.until(lambda: plan.plan is not None and not plan.feed.loading)
    walk.check("plan")
    w.show_start()
    w.start_screen.rb_plan.setChecked(True)
    walk.check("start with today's plan")
    dialog = SettingsDialog(
        ctx.settings_store.settings,
        input_devices=lambda: [],
        voices=lambda: [],
        engines=["faster-whisper", "openai-whisper"],
        models=["tiny.en", "base"],
        parent=w,
    )
    dialog.show()
    walk.until(dialog.isVisible)
    walk.check("settings dialog", dialog)
    dialog.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_every_screen_fits_and_reads_at_both_sizes_in_both_palettes(
    qtbot: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    styled: QApplication,
    size: str,
    theme: str,
) -> None:
    styled.setPalette(dark_palette() if theme == "dark" else styled.style().standardPalette())
    # The sample history spans the two weeks before today, as the plan and charts expect of real practice.
    monkeypatch.setattr(history_ui_data, "START", datetime.now(UTC).replace(hour=9) - timedelta(days=14))
    transcriber = SpokenTranscriber(THIN_ANSWER)
    ctx = build(tmp_path, transcriber)
    qtbot.addWidget(ctx.window)
    ctx.window.resize(SIZES[size])
    ctx.window.show()
    walk = Walk(qtbot, ctx, SIZES[size])
    try:
        rehearse(walk, transcriber)
        assert ctx.history is not None
        odd = {
            a.status: a.id for a in ctx.history.list_attempts() if a.status in ("interrupted", "cancelled")
        }
        browse_history(walk, odd["interrupted"], odd["cancelled"])
        plan_and_settings(walk)
    finally:
        ctx.shutdown()
    assert len(walk.seen) == 17, walk.seen  # every screen was reached and checked
    assert not walk.problems, "\n".join(walk.problems)


# ------------------------------------------------------------------------ the checks catch what they should


def test_the_checks_report_a_cut_label_an_elided_title_a_sideways_list_and_low_contrast(
    qtbot: Any, styled: QApplication
) -> None:
    """Each check, on widgets broken the way a person would notice: a label narrower than its text, a
    column narrower than its title, a table wider than its view, grey text on a dark background, and a
    window whose minimum is wider than the screen."""
    styled.setPalette(dark_palette())
    window = QWidget()
    qtbot.addWidget(window)
    row = QHBoxLayout(window)
    label = QLabel("Coverage — 9 of 10 checklist points covered")
    label.setFixedWidth(60)
    dim = QLabel("Kept: 6 items")
    dim.setStyleSheet("color: #444444;")
    table = QTableWidget(3, 3)
    table.setHorizontalHeaderLabels(["Question", "Coverage", "Length"])
    table.horizontalHeader().resizeSection(1, 20)
    for column in (0, 2):
        table.horizontalHeader().resizeSection(column, 400)
    for widget in (label, dim, table):
        row.addWidget(widget)
    window.setMinimumWidth(700)
    window.resize(700, 300)
    window.show()
    qtbot.waitExposed(window)
    small = QSize(640, 480)
    assert layout_checks.fits_screen(window, small)
    assert layout_checks.fits_screen(window, QSize(1280, 800)) == []
    assert any("Coverage — 9" in p and "cut" in p for p in layout_checks.labels_whole(window))
    assert any("'Coverage'" in p and "elided" in p for p in layout_checks.headers_whole(window))
    assert any("scrolls sideways" in p for p in layout_checks.no_sideways_scrolling(window))
    assert any("#444444" in p for p in layout_checks.text_contrast(window))
    # The same widgets given room and a readable colour pass.
    label.setMinimumWidth(0)
    label.setMaximumWidth(16_777_215)
    label.setMinimumWidth(label.sizeHint().width())
    dim.setStyleSheet("")
    table.horizontalHeader().resizeSection(1, 120)
    for column in (0, 2):
        table.horizontalHeader().resizeSection(column, 90)
    window.resize(1200, 300)
    for _ in range(10):
        QApplication.processEvents()
    assert layout_checks.labels_whole(window) == []
    assert layout_checks.headers_whole(window) == []
    assert layout_checks.no_sideways_scrolling(window) == []
    assert layout_checks.text_contrast(window) == []


def test_a_wrapped_label_too_short_for_its_lines_is_reported(qtbot: Any, styled: QApplication) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    label = QLabel(
        "No audio output device found: playback is silent, but the transcript still follows.", window
    )
    label.setWordWrap(True)
    label.setFont(QFont(label.font().family(), 12))
    label.setGeometry(0, 0, 120, 20)
    window.resize(200, 100)
    window.show()
    qtbot.waitExposed(window)
    assert any("height" in p for p in layout_checks.labels_whole(window))
    label.setGeometry(0, 0, 120, label.heightForWidth(120))
    assert layout_checks.labels_whole(window) == []
