"""The rehearsal screen as a view: what it shows in each phase of the session (no app, no audio)."""

from __future__ import annotations

from typing import Any

from opsprep_voice.core.bank import load_bank
from opsprep_voice.core.session import Phase
from opsprep_voice.ui.rehearsal.rehearsal_screen import RehearsalScreen
from tests.support.page_objects import SummaryPage

Q = load_bank().find("3")


def screen(qtbot: Any) -> RehearsalScreen:
    view = RehearsalScreen()
    qtbot.addWidget(view)
    view.show_question(Q, 0, 1, study=False)
    view.set_phase(Phase.READY)
    return view


def ticked(view: RehearsalScreen) -> list[str]:
    rows = (view.live_checklist.item(r).text() for r in range(view.live_checklist.count()))
    return [text for text in rows if text.startswith("✔")]


def spoke_a_take(view: RehearsalScreen) -> None:
    view.set_phase(Phase.RECORDING)
    view.set_elapsed(49.0)
    view.set_live("We define SLIs from user journeys", {Q.checklist[0].id}, 148.0, 49.0)
    assert view.live_text.toPlainText() and ticked(view) and "148 wpm" in view.live_stats.text()


def assert_empty_take(view: RehearsalScreen) -> None:
    assert view.live_text.toPlainText() == ""
    assert ticked(view) == []
    assert view.live_stats.text() == ""
    assert view.clock.text().startswith("0:00")
    assert view.target_bar.value() == 0


def test_a_rerecorded_take_starts_empty_not_with_the_last_takes_words(qtbot: Any) -> None:
    view = screen(qtbot)
    spoke_a_take(view)
    view.set_phase(Phase.READY)  # R: the session goes back to READY, then records again
    view.set_phase(Phase.RECORDING)
    assert_empty_take(view)


def test_answering_again_from_the_review_starts_empty(qtbot: Any) -> None:
    view = screen(qtbot)
    spoke_a_take(view)
    for phase in (Phase.TRANSCRIBING, Phase.REVIEW, Phase.READY, Phase.RECORDING):
        view.set_phase(phase)
    assert_empty_take(view)


def test_a_cancelled_take_leaves_nothing_behind(qtbot: Any) -> None:
    view = screen(qtbot)
    spoke_a_take(view)
    view.set_phase(Phase.READY)  # Esc
    assert_empty_take(view)


def test_stopping_keeps_the_take_on_screen_while_it_is_transcribed(qtbot: Any) -> None:
    view = screen(qtbot)
    spoke_a_take(view)
    view.set_phase(Phase.TRANSCRIBING)
    assert view.live_text.toPlainText() and ticked(view)


def test_the_summary_shows_the_best_take_labelled_and_averages_what_it_shows(qtbot: Any) -> None:
    from opsprep_voice.core.scoring import ScoreReport
    from opsprep_voice.core.session import RehearsalSession
    from opsprep_voice.ui.rehearsal.summary_screen import SummaryScreen
    from opsprep_voice.ui.review.style import fmt_clock

    s = RehearsalSession([Q], "interview", follow_up_setting="off")
    for coverage, length in ((0.74, 22.6), (0.0, 49.0)):
        if s.phase is Phase.REVIEW:
            s.rerecord()
        s.start_recording()
        s.stop_recording()
        s.transcription_done(
            ScoreReport.from_dict({"coverage": coverage, "duration_s": length, "wpm": 140.0})
        )
    summary = SummaryScreen()
    qtbot.addWidget(summary)
    summary.show_session(s)
    assert summary.table.item(0, 2).text() == "74%  (best of 2 takes)"
    # Rounded as the review rounds it (fmt_clock): 22.6 s is 0:23 in both, not 0:22 here.
    assert summary.table.item(0, 4).text().startswith("0:23 /") and fmt_clock(22.6) == "0:23"
    assert "average coverage 74%, best take of each question" in summary.overview.text()
    assert "1 of 1 question in 1:12 of speaking" in summary.overview.text()  # both takes: 22.6 s + 49 s
    # No follow-up was asked: the "With follow-ups" column would be empty, so it is not shown.
    assert "With follow-ups" not in SummaryPage(summary).shown_titles()


def test_stop_voice_and_the_reading_line_follow_the_voice_in_any_phase(qtbot: Any) -> None:
    view = screen(qtbot)
    assert not view.stop_speaking_button.isEnabled() and view.speaking.isHidden()
    view.set_phase(Phase.REVIEW)
    view.set_speaking(True)  # P replays the question from the review
    assert view.stop_speaking_button.isEnabled() and not view.speaking.isHidden()
    assert view.speaking.label.text() == "Reading the question…"
    view.set_speaking(False)
    assert not view.stop_speaking_button.isEnabled() and view.speaking.isHidden()
    view.set_phase(Phase.PROBING)
    assert view.speaking.label.text() == "Reading the follow-up…"


def test_the_speaker_says_when_it_starts_and_stops_reading(
    qtbot: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    import opsprep_voice.ui.services.speaker as speaker_module
    from opsprep_voice.ui.services.speaker import QuestionSpeaker
    from opsprep_voice.ui.workers import TaskRunner
    from tests.support.app_fakes import FakeSynthesizer

    class Devices:
        @staticmethod
        def audioOutputs() -> list[str]:
            return ["speakers"]

    monkeypatch.setattr(speaker_module, "QMediaDevices", Devices)
    runner = TaskRunner()
    speaker = QuestionSpeaker(FakeSynthesizer(tmp_path), runner)
    seen: list[bool] = []
    speaker.speakingChanged.connect(seen.append)
    with qtbot.waitSignal(speaker.speakingChanged, timeout=10_000):
        speaker.speak("What is an SLO?")
    assert seen == [True]
    speaker.stop()
    assert seen == [True, False]


def test_the_review_transcript_shows_no_caret_unless_reached_with_the_keyboard(qtbot: Any) -> None:
    from PySide6.QtCore import Qt

    from opsprep_voice.ui.review.transcript_view import TranscriptView

    view = TranscriptView()
    qtbot.addWidget(view)
    view.show()
    edit = view.edit
    assert edit.isReadOnly() and edit.cursorWidth() == 0
    edit.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(edit.hasFocus)
    assert edit.cursorWidth() == 0
    edit.clearFocus()
    edit.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: edit.cursorWidth() == 1)
