"""'I made this point' through the real app: a missed item marked from the keyboard in the review, the
headline with the marks beside the scorer's number, the mark saved and shown again from History, and a
failed save told in the window's notice line with the mark kept on screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt

from opsprep_voice.core.session import Phase
from opsprep_voice.storage.db import StorageError
from opsprep_voice.ui.review.attempt_view import AttemptView
from opsprep_voice.ui.review.checklist_view import MARKED_TEXT, ChecklistRow
from tests.support.app_fakes import FakeTranscriber
from tests.support.fake_sounddevice import FakeSoundDevice
from tests.ui.test_rehearsal_flow import (
    WAIT_MS,
    Q,
    answer_in_full,
    make_app,
    phase,
    press,
    read_wav,
    start_single,
)

#: The first sentences of the example answer: some checklist points made, some missed.
PARTIAL = Q.example_answer[: len(Q.example_answer) // 3]


@pytest.fixture(scope="module")
def answer_pcm(speech_dir: Path) -> np.ndarray:
    from tests.support.speech import synthesize

    return read_wav(synthesize(PARTIAL[:120], speech_dir / "ui-marks-answer.wav"))


def missed_rows(view: AttemptView) -> list[ChecklistRow]:
    return [row for row in view.checklist.rows() if row.mark_button is not None]


def key(qtbot: Any, row: ChecklistRow, which: Qt.Key) -> None:
    """Focus the row's mark button (as Tab would) and press ``which`` on it."""
    button = row.mark_button
    assert button is not None and button.focusPolicy() & Qt.FocusPolicy.TabFocus
    button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(button.hasFocus, timeout=WAIT_MS)
    qtbot.keyClick(button, which)


def test_a_missed_point_marked_by_keyboard_is_saved_and_shown_again_from_history(
    qtbot: Any, tmp_path: Path, answer_pcm: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    sd = FakeSoundDevice(answer_pcm, 16000, blocksize=800)
    ctx = make_app(qtbot, tmp_path, sd, FakeTranscriber(PARTIAL))
    qtbot.waitUntil(lambda: ctx.transcription.ready, timeout=WAIT_MS)
    start_single(ctx, qtbot)
    answer_in_full(ctx, qtbot, sd)
    review = ctx.window.rehearsal_screen.review
    qtbot.waitUntil(review.is_filled, timeout=WAIT_MS)
    session = ctx.controller.session
    assert session is not None and session.result.report is not None
    scorer = session.result.report.coverage
    attempt_id = session.result.attempt_id
    assert attempt_id is not None and ctx.history is not None

    # Only the items the scorer missed can be marked: nothing to correct on a credited one.
    missed = missed_rows(review)
    assert missed and all(not row.entry.hit for row in missed)
    assert all(row.mark_button is None for row in review.checklist.rows() if row.entry.hit)
    assert not review.coverage.with_marks.isVisible()

    # Space on the focused button marks the item (it is not the review's "next question").
    row = missed[0]
    key(qtbot, row, Qt.Key.Key_Space)
    assert phase(ctx) is Phase.REVIEW
    qtbot.waitUntil(lambda: row.marked, timeout=WAIT_MS)
    assert row.mark.text() != "✓" and "you" in row.mark.text()
    assert row.detail_text() == MARKED_TEXT
    with_marks = session.result.report.coverage_with_marks
    assert with_marks > scorer
    assert review.coverage.percent.text() == f"{scorer:.0%}"  # the scorer's number stays
    assert review.coverage.with_marks.isVisible()
    assert review.coverage.with_marks.text() == f"· {with_marks:.0%} with your marks"
    assert f"Coverage {scorer:.0%} · {with_marks:.0%} with your marks" in review.coverage.detail.text()
    assert ctx.history.get_attempt(attempt_id).marked_items == (row.entry.id,)
    assert ctx.history.get_attempt(attempt_id).coverage == pytest.approx(scorer, abs=1e-3)

    # Enter takes the mark back; Space makes it again.
    key(qtbot, row, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not row.marked, timeout=WAIT_MS)
    assert not review.coverage.with_marks.isVisible()
    assert ctx.history.get_attempt(attempt_id).marked_items == ()
    key(qtbot, row, Qt.Key.Key_Space)
    qtbot.waitUntil(
        lambda: ctx.history.get_attempt(attempt_id).marked_items == (row.entry.id,), timeout=WAIT_MS
    )

    # Reopened from History: the mark and the headline are there again.
    press(ctx, "N")
    ctx.window.show_history()
    screen = ctx.window.history_screen
    assert screen is not None and screen.select_attempt(attempt_id)
    shown = screen.attempt_view
    qtbot.waitUntil(lambda: screen.detail.currentWidget() is shown and shown.is_filled(), timeout=WAIT_MS)
    again = shown.checklist.row(row.entry.id)
    assert again.marked and again.detail_text() == MARKED_TEXT
    assert shown.coverage.percent.text() == f"{scorer:.0%}"
    assert shown.coverage.with_marks.text() == f"· {with_marks:.0%} with your marks"

    # A mark History cannot keep is told in the window's notice line, and stays shown.
    def refuse(*_args: object) -> tuple[str, ...]:
        raise StorageError("the disk is full")

    monkeypatch.setattr(ctx.history, "set_item_mark", refuse)
    other = next(r for r in missed_rows(shown) if not r.marked)
    key(qtbot, other, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "the disk is full" in ctx.window.notice.text(), timeout=WAIT_MS)
    assert "could not be saved" in ctx.window.notice.text()
    assert other.marked and set(shown.marked) == {row.entry.id, other.entry.id}
    ctx.shutdown()
