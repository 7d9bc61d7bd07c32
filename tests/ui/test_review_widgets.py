"""Review widgets: transcript marks and seeking, player edge cases, checklist, metrics, AttemptView wiring."""

from __future__ import annotations

import bisect
import copy
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QFont, QPalette, QTextDocument
from pytestqt.qtbot import QtBot

from opsprep_voice.core.bank import Question
from opsprep_voice.ui.review.attempt_view import AttemptView
from opsprep_voice.ui.review.audio_player import AudioPlayer
from opsprep_voice.ui.review.checklist_view import ChecklistView
from opsprep_voice.ui.review.demo import demo_attempt
from opsprep_voice.ui.review.metrics_panel import MetricsPanel
from opsprep_voice.ui.review.style import ReviewColours, contrast_ratio
from opsprep_voice.ui.review.transcript_legend import TranscriptLegend
from opsprep_voice.ui.review.transcript_view import TranscriptView
from tests.support.page_objects import ReviewPage


@pytest.fixture(scope="module")
def demo() -> tuple[Question, dict[str, Any]]:
    return demo_attempt()


@pytest.fixture
def report(demo: tuple[Question, dict[str, Any]]) -> dict[str, Any]:
    return copy.deepcopy(demo[1])


def write_wav(path: Path, seconds: float, rate: int = 16_000) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    samples = (np.sin(2 * np.pi * 220 * t) * 3000).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return path


def make_view(qtbot: QtBot, report: dict[str, Any]) -> TranscriptView:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(700, 420)
    view.set_report(report)
    view.show()
    qtbot.waitExposed(view)
    return view


# ------------------------------------------------------------------------------------------ transcript


def test_checklist_hits_highlighted_at_their_spans(qtbot: QtBot, report: dict[str, Any]) -> None:
    view = make_view(qtbot, report)
    colours = ReviewColours.from_palette(view.palette())
    hits = [c for c in report["checklist"] if c["hit"]]
    assert hits, "the demo answer should hit some items"
    for item in hits:
        ev = item["evidence"]
        expected = colours.hit_fuzzy_bg if ev["match"] in ("fuzzy", "phonetic") else colours.hit_bg
        for offset in (ev["char_start"], ev["char_end"] - 1):
            fmt = view.char_format_at(offset)
            assert fmt.background().color() == expected, (item["id"], offset)
        assert item["label"] in view.tooltip_at(ev["char_start"])
    # The word right before the first hit is not highlighted.
    first = min(c["evidence"]["char_start"] for c in hits)
    assert view.char_format_at(first - 2).background().style() == Qt.BrushStyle.NoBrush


def test_approximate_match_uses_its_own_colour_and_says_how(qtbot: QtBot, report: dict[str, Any]) -> None:
    view = make_view(qtbot, report)
    fuzzy = [c for c in report["checklist"] if c["hit"] and c["evidence"]["match"] in ("fuzzy", "phonetic")]
    assert fuzzy, "the demo answer has a misheard term"
    start = fuzzy[0]["evidence"]["char_start"]
    amber = ReviewColours.from_palette(view.palette()).hit_fuzzy_bg
    assert view.char_format_at(start).background().color() == amber
    assert "misheard" in view.tooltip_at(start)


def test_fillers_struck_figures_bold_pauses_inline(qtbot: QtBot, report: dict[str, Any]) -> None:
    view = make_view(qtbot, report)
    for filler in report["fillers"]["items"]:
        assert view.char_format_at(filler["char_start"]).fontStrikeOut(), filler
    plain = report["words"][0]["word"]
    assert not view.char_format_at(0).fontStrikeOut(), plain
    for figure in report["figures_mentioned"]:
        assert view.char_format_at(figure["char_start"]).fontWeight() == QFont.Weight.Bold
    markers = view.pause_markers()
    assert len(markers) == len(report["long_pauses"]) == 2
    assert markers[0].replace("\u00a0", " ").endswith(f"{report['long_pauses'][0]['duration']:.1f} s")
    # The marker sits between the words around the pause, not inside one.
    text = view.plain_text()
    before_pause = next(w for w in report["words"] if w["end"] <= report["long_pauses"][0]["start"] + 1e-6)
    assert text.index(markers[0]) > text.index(before_pause["word"])


def test_marks_still_line_up_after_pause_markers(qtbot: QtBot, report: dict[str, Any]) -> None:
    view = make_view(qtbot, report)
    text = view.plain_text()
    for i, word in enumerate(report["words"]):
        start, end = view.word_doc_span(i)
        assert text[start:end] == word["word"]


def test_click_a_word_emits_its_start(qtbot: QtBot, report: dict[str, Any]) -> None:
    view = make_view(qtbot, report)
    index = 30
    start, _ = view.word_doc_span(index)
    cursor = view.edit.textCursor()
    cursor.setPosition(start + 1)
    point = view.edit.cursorRect(cursor).center()
    with qtbot.waitSignal(view.wordClicked, timeout=2000) as blocker:
        qtbot.mouseClick(view.edit.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert blocker.args == [pytest.approx(report["words"][index]["start"])]


def test_click_on_empty_space_emits_nothing(qtbot: QtBot, report: dict[str, Any]) -> None:
    view = make_view(qtbot, report)
    bottom = QPoint(20, view.edit.viewport().height() - 5)
    with qtbot.assertNotEmitted(view.wordClicked, wait=100):
        qtbot.mouseClick(view.edit.viewport(), Qt.MouseButton.LeftButton, pos=bottom)


def test_set_current_time_highlights_the_right_word(qtbot: QtBot, report: dict[str, Any]) -> None:
    view = make_view(qtbot, report)
    words = report["words"]
    view.set_current_time(words[12]["start"] + 0.01)
    assert view.current_word_index() == 12
    selections = view.edit.extraSelections()
    assert len(selections) == 1
    assert selections[0].cursor.selectedText() == words[12]["word"]
    # Between words (in a pause) the previous word stays current; before the first word, none.
    view.set_current_time((words[12]["end"] + words[13]["start"]) / 2)
    assert view.current_word_index() == 12
    view.set_current_time(0.0)
    assert view.current_word_index() is None
    assert view.edit.extraSelections() == []


def test_set_current_time_redraws_only_when_the_word_changes(
    qtbot: QtBot, report: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Playback calls it 30 times a second: the highlight is redrawn once per word, not per call.
    view = make_view(qtbot, report)
    redraws: list[int | None] = []
    real = view.edit.setExtraSelections

    def counted(selections: Any) -> None:
        redraws.append(view.current_word_index())
        real(selections)

    monkeypatch.setattr(view.edit, "setExtraSelections", counted)
    duration = report["duration_s"]
    times = [duration * i / 300 for i in range(300)]
    for t in times:
        view.set_current_time(t)
    # the word under each time, as the report times it: each one it passes through, once, in order
    starts = [w["start"] for w in report["words"]]
    expected: list[int] = []
    for t in times:
        index = bisect.bisect_right(starts, t + 1e-6) - 1
        if index >= 0 and (not expected or expected[-1] != index):
            expected.append(index)
    assert len(expected) > 10
    assert redraws == expected


def test_text_without_timings_still_marked_and_not_clickable(qtbot: QtBot, report: dict[str, Any]) -> None:
    report["words"] = []
    report["long_pauses"] = []
    view = make_view(qtbot, report)
    assert not view.has_timings
    assert view.plain_text() == report["transcript"]
    hit = next(c for c in report["checklist"] if c["hit"])
    assert view.char_format_at(hit["evidence"]["char_start"]).background().style() != Qt.BrushStyle.NoBrush


def test_colours_keep_contrast_in_light_and_dark_palettes() -> None:
    light = QPalette()
    light.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    light.setColor(QPalette.ColorRole.Text, QColor("#000000"))
    dark = QPalette()
    dark.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#e6e6e6"))
    for palette in (light, dark):
        c = ReviewColours.from_palette(palette)
        for background in (c.hit_bg, c.hit_fuzzy_bg, c.missed_bg, c.pause_bg):
            assert contrast_ratio(c.text, background) >= 7.0
        assert contrast_ratio(c.figure, c.base) >= 4.5
        assert contrast_ratio(c.good, c.base) >= 4.5
        assert contrast_ratio(c.bad, c.base) >= 4.5
        assert contrast_ratio(c.warn, c.base) >= 4.5
        assert contrast_ratio(c.muted, c.base) >= 3.0


# ------------------------------------------------------------------------------------------ player


def test_player_missing_file_disabled_with_reason(qtbot: QtBot, tmp_path: Path) -> None:
    player = AudioPlayer()
    qtbot.addWidget(player)
    assert not player.load(tmp_path / "gone.wav")
    assert not player.available
    assert not player.play_button.isEnabled()
    assert "not found" in player.status_text()
    player.seek(3.0)  # no crash, nothing emitted
    player.play()
    assert not player.is_playing()


def test_player_unplayable_file_disabled(qtbot: QtBot, tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"definitely not audio" * 50)
    player = AudioPlayer()
    qtbot.addWidget(player)
    with qtbot.waitSignal(player.availabilityChanged, timeout=5000, check_params_cb=lambda ok: not ok):
        player.load(bad)
    assert not player.play_button.isEnabled()
    assert "Cannot play" in player.status_text()


def test_player_loads_and_seeks(qtbot: QtBot, tmp_path: Path) -> None:
    path = write_wav(tmp_path / "a.wav", 2.0)
    player = AudioPlayer()
    qtbot.addWidget(player)
    assert player.load(path)
    qtbot.waitUntil(lambda: player.duration() > 1.9, timeout=5000)
    assert player.play_button.isEnabled()
    with qtbot.waitSignal(player.positionChanged, timeout=2000) as blocker:
        player.seek(1.25)
    assert blocker.args == [pytest.approx(1.25)]
    assert player.time_label.text().startswith("0:01")


def test_player_no_recording(qtbot: QtBot) -> None:
    player = AudioPlayer()
    qtbot.addWidget(player)
    assert not player.load(None)
    assert "No recording" in player.status_text()


# ---------------------------------------------------------------------------------- checklist, metrics


def test_checklist_shows_example_wording_for_misses(qtbot: QtBot, report: dict[str, Any]) -> None:
    view = ChecklistView()
    qtbot.addWidget(view)
    view.set_report(report)
    missed = [c for c in report["checklist"] if not c["hit"]]
    assert missed, "the demo answer misses an item"
    for item in missed:
        row = view.row(item["id"])
        assert item["example"] in row.detail_text()
        assert row.time_button is None
        assert row.accessibleName().startswith("Missed")
    hits = [c for c in report["checklist"] if c["hit"]]
    assert f"{len(hits)} of {len(report['checklist'])}" in view.heading.text()


def test_checklist_hit_shows_evidence_and_seeks(qtbot: QtBot, report: dict[str, Any]) -> None:
    view = ChecklistView()
    qtbot.addWidget(view)
    view.set_report(report)
    item = next(c for c in report["checklist"] if c["id"] == "update-cadence")
    row = view.row("update-cadence")
    assert item["evidence"]["text"] in row.detail_text()
    assert row.time_button is not None
    with qtbot.waitSignal(view.seekRequested, timeout=1000) as blocker:
        qtbot.mouseClick(row.time_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [pytest.approx(item["evidence"]["start"])]


def test_metrics_panel_values(qtbot: QtBot, report: dict[str, Any]) -> None:
    panel = MetricsPanel()
    qtbot.addWidget(panel)
    panel.set_report(report)
    assert f"{report['wpm']:.0f} words/min" in panel.value_text("pace")
    assert report["wpm_band"] in panel.value_text("pace")
    assert f"{report['fillers']['per_min']:.1f} per minute" in panel.value_text("fillers")
    assert "2 · longest" in panel.value_text("pauses")
    assert "30 percent" in panel.value_text("figures")
    assert "2:30 target" in panel.value_text("length")
    assert panel.is_row_visible("star") and "Situation" in panel.value_text("star")
    report["star"] = None
    panel.set_report(report)
    assert not panel.is_row_visible("star")


def test_an_answer_with_no_speech_says_so_instead_of_a_slow_pace(
    qtbot: QtBot, demo: tuple[Question, dict[str, Any]]
) -> None:
    from opsprep_voice.core.scoring import score_answer
    from opsprep_voice.core.transcript import Transcript
    from opsprep_voice.ui.review.attempt_view import AttemptView

    silent = score_answer(demo[0], Transcript.from_words([], duration_s=14.0)).to_dict()
    assert (silent["wpm"], silent["wpm_band"]) == (None, None)
    view = AttemptView()
    qtbot.addWidget(view)
    view.show_attempt(demo[0], silent, None)
    assert view.metrics.value_text("pace") == "no speech heard"
    assert "words/min" not in view.metrics.value_text("pace")
    assert view.transcript.edit.placeholderText() == "No speech was heard in this recording."
    view.show_attempt(demo[0], demo[1], None)
    assert "words/min" in view.metrics.value_text("pace")


# ------------------------------------------------------------------------------------------ attempt view


def test_attempt_view_wires_player_and_transcript(
    qtbot: QtBot, demo: tuple[Question, dict[str, Any]], report: dict[str, Any], tmp_path: Path
) -> None:
    question = demo[0]
    wav = write_wav(tmp_path / "answer.wav", report["duration_s"])
    view = AttemptView()
    qtbot.addWidget(view)
    view.resize(1280, 800)
    with qtbot.waitSignal(view.filled, timeout=5000):  # the checklist rows follow show_attempt
        view.show_attempt(question, report, wav)
        view.show()
        assert question.text in view.question_label.text()
        assert f"{report['coverage']:.0%}" == view.coverage.percent.text()
    qtbot.waitUntil(lambda: view.player.duration() > 1, timeout=5000)

    # A checklist time plays from there, and the transcript follows the player.
    row = view.checklist.row("customer-comms")
    assert row.time_button is not None
    qtbot.mouseClick(row.time_button, Qt.MouseButton.LeftButton)
    target = next(c for c in report["checklist"] if c["id"] == "customer-comms")["evidence"]["start"]
    index = max(i for i, w in enumerate(report["words"]) if w["start"] <= target + 1e-6)
    qtbot.waitUntil(lambda: (view.transcript.current_word_index() or 0) >= index, timeout=5000)
    view.player.pause()

    # Clicking a word seeks the player.
    word = 5
    start, _ = view.transcript.word_doc_span(word)
    cursor = view.transcript.edit.textCursor()
    cursor.setPosition(start + 1)
    with qtbot.waitSignal(view.player.positionChanged, timeout=2000):
        qtbot.mouseClick(
            view.transcript.edit.viewport(),
            Qt.MouseButton.LeftButton,
            pos=view.transcript.edit.cursorRect(cursor).center(),
        )
    qtbot.waitUntil(lambda: abs(view.player.position() - report["words"][word]["start"]) < 0.6, timeout=3000)
    view.player.pause()


def test_attempt_view_missing_audio_and_clear(
    qtbot: QtBot, demo: tuple[Question, dict[str, Any]], report: dict[str, Any], tmp_path: Path
) -> None:
    view = AttemptView()
    qtbot.addWidget(view)
    view.show_attempt(demo[0], report, tmp_path / "missing.wav")
    assert not view.player.available
    assert "not found" in view.player.status_text()
    assert view.transcript.word_count == len(report["words"])
    view.clear()
    assert ReviewPage(view).shows_placeholder
    assert view.report is None


def test_example_answer_toggle_marks_missed_wording(
    qtbot: QtBot, demo: tuple[Question, dict[str, Any]], report: dict[str, Any]
) -> None:
    view = AttemptView()
    qtbot.addWidget(view)
    view.show_attempt(demo[0], report, None)
    view.show()
    assert not view.is_example_visible()
    qtbot.mouseClick(view.example_button, Qt.MouseButton.LeftButton)
    assert view.is_example_visible()
    html = view.example_panel.browser.toHtml()
    assert "text-decoration:" in html and "underline" in html
    assert "a pre-flight config validation" in view.example_panel.browser.toPlainText()


def test_show_attempt_shows_the_transcript_at_once_and_fills_the_rest_in_turns(
    qtbot: QtBot, demo: tuple[Question, dict[str, Any]], report: dict[str, Any]
) -> None:
    view = AttemptView()
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    with qtbot.waitSignal(view.filled, timeout=5000):
        view.show_attempt(demo[0], report, None)
        # At once: header, transcript, metrics and player; the checklist rows come in the next turns.
        assert ReviewPage(view).shows_attempt
        assert view.transcript.word_count == len(report["words"])
        assert f"{report['wpm']:.0f} words/min" in view.metrics.value_text("pace")
        assert "No recording" in view.player.status_text()
        assert not view.is_filled()
        assert len(view.checklist.rows()) < len(report["checklist"])
        assert f"of {len(report['checklist'])} covered" in view.checklist.heading.text()
    assert view.is_filled()
    assert [r.entry.id for r in view.checklist.rows()] == [c["id"] for c in report["checklist"]]
    assert "a pre-flight config validation" in view.example_panel.browser.toPlainText()


def test_a_new_attempt_or_clear_replaces_a_review_still_filling_in(
    qtbot: QtBot, demo: tuple[Question, dict[str, Any]], report: dict[str, Any]
) -> None:
    view = AttemptView()
    qtbot.addWidget(view)
    other = copy.deepcopy(report)
    other["checklist"] = other["checklist"][:3]
    emitted: list[None] = []
    view.filled.connect(lambda: emitted.append(None))
    view.show_attempt(demo[0], report, None)
    with qtbot.waitSignal(view.filled, timeout=5000):
        view.show_attempt(demo[0], other, None)
    assert [r.entry.id for r in view.checklist.rows()] == [c["id"] for c in other["checklist"]]
    assert len(emitted) == 1  # only the attempt that is shown completes

    view.show_attempt(demo[0], report, None)
    view.clear()
    with qtbot.assertNotEmitted(view.filled, wait=100):
        pass
    assert view.checklist.rows() == [] and view.is_filled() and ReviewPage(view).shows_placeholder


def test_example_answer_shown_while_filling_is_filled_at_once(
    qtbot: QtBot, demo: tuple[Question, dict[str, Any]], report: dict[str, Any]
) -> None:
    view = AttemptView()
    qtbot.addWidget(view)
    view.show()
    view.show_attempt(demo[0], report, None)
    view.set_example_visible(True)
    assert "a pre-flight config validation" in view.example_panel.browser.toPlainText()
    view.finish_filling()
    assert view.is_filled() and len(view.checklist.rows()) == len(report["checklist"])


def test_prewarm_builds_a_hidden_review_once_then_clears_it(
    qtbot: QtBot, demo: tuple[Question, dict[str, Any]], report: dict[str, Any]
) -> None:
    view = AttemptView()
    qtbot.addWidget(view)
    done: list[None] = []
    with qtbot.assertNotEmitted(view.filled, wait=0):
        view.prewarm(demo[0], report, lambda: done.append(None))
        qtbot.waitUntil(lambda: bool(done), timeout=5000)
    assert view.report is None and view.checklist.rows() == [] and ReviewPage(view).shows_placeholder
    # A visible view (or one showing an attempt) is left alone.
    view.show()
    view.show_attempt(demo[0], report, None)
    view.prewarm(demo[0], report, lambda: done.append(None))
    assert len(done) == 2 and view.report is report


def test_checklist_plain_detail_matches_its_html(report: dict[str, Any]) -> None:
    from PySide6.QtGui import QTextDocumentFragment

    from opsprep_voice.ui.review import report_data as rd
    from opsprep_voice.ui.review.checklist_view import ChecklistRow

    colours = ReviewColours.from_palette(QPalette())
    entries = list(rd.as_report(report).checklist)
    bare = copy.deepcopy(report)
    for item in bare["checklist"]:
        item["evidence"] = None
        item["example"] = ""
    entries += rd.as_report(bare).checklist
    kinds = {(e.hit, e.evidence.match if e.evidence else None, bool(e.example)) for e in entries}
    assert len(kinds) >= 4, kinds
    for entry in entries:
        html = ChecklistRow.detail_html(entry, colours)
        assert ChecklistRow.detail_plain(entry) == QTextDocumentFragment.fromHtml(html).toPlainText()


def test_wrapped_delivery_figures_get_the_height_their_width_needs(
    qtbot: QtBot, demo: tuple[Question, dict[str, Any]], report: dict[str, Any]
) -> None:
    # History's review: one metrics column beside the list, in a short window.
    view = AttemptView(metrics_columns=1)
    qtbot.addWidget(view)
    view.resize(640, 560)
    view.show_attempt(demo[0], report, None)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.metrics.is_row_visible("fillers"), timeout=10_000)
    for key in ("pace", "fillers", "figures"):
        label = view.metrics._values[key]
        qtbot.waitUntil(
            lambda label=label: label.height() >= label.heightForWidth(label.width()), timeout=10_000
        )
        assert label.heightForWidth(label.width()) > label.fontMetrics().lineSpacing() * 1.5  # it does wrap


def test_a_narrow_legend_wraps_between_its_chips_never_inside_one(qtbot: QtBot) -> None:
    """As beside History's list at 1280 px: "‖ long" at the end of one line and "pause" on the next read
    as two marks. Every width from a phone-narrow column to one line."""
    legend = TranscriptLegend()
    qtbot.addWidget(legend)
    doc = QTextDocument()
    doc.setDefaultFont(legend._label.font())
    doc.setDocumentMargin(0)
    doc.setHtml(legend._label.text())
    plain = doc.toPlainText().replace("\u00a0", " ")

    def line_of(position: int) -> int:
        block = doc.findBlock(position)
        return block.layout().lineForTextPosition(position - block.position()).lineNumber()

    for width in range(180, 800, 4):
        doc.setTextWidth(width)
        doc.size()  # lays the text out
        for chip in ("checklist hit", "approximate match", "long pause", "playing now"):
            start = plain.index(chip)
            assert line_of(start) == line_of(start + len(chip) - 1), (chip, width)


def test_a_bluff_judged_by_meaning_says_why_in_the_review(qtbot: QtBot) -> None:
    """The second opinion overrules the matcher on an answer that names tools without using them: the
    headline says so, each withdrawn credit says which words were named, and the plain text (the rows'
    accessible names) says the same as the rich text."""
    from PySide6.QtGui import QTextDocumentFragment

    from opsprep_voice.core.bank import load_bank
    from opsprep_voice.core.transcript import Transcript
    from opsprep_voice.practice.attempts import score
    from opsprep_voice.ui.review import report_data as rd
    from opsprep_voice.ui.review.checklist_view import ChecklistRow
    from opsprep_voice.ui.review.coverage_summary import NAMED_NOT_MADE
    from tests.test_second_opinion import BLUFF

    question = load_bank().find(9)
    report = score(question, Transcript.from_text(BLUFF)).to_dict()
    assert report["second_opinion"] == "applied"
    view = AttemptView()
    qtbot.addWidget(view)
    view.resize(1280, 800)
    with qtbot.waitSignal(view.filled, timeout=10_000):
        view.show_attempt(question, report, None)
        view.show()
    assert NAMED_NOT_MADE in view.coverage.detail.text()
    doubted = [c for c in report["checklist"] if c.get("doubted")]
    assert len(doubted) >= 2
    colours = ReviewColours.from_palette(QPalette())
    for item in doubted:
        row = view.checklist.row(item["id"])
        entry = next(e for e in rd.as_report(report).checklist if e.id == item["id"])
        assert f'"{item["doubted"]["text"]}", but ' in entry.doubt
        assert entry.doubt in row.detail_text()
        assert row.accessibleName().startswith("Missed")
        html = ChecklistRow.detail_html(entry, colours)
        assert ChecklistRow.detail_plain(entry) == QTextDocumentFragment.fromHtml(html).toPlainText()
