"""History UI: filters, best marks, delete with confirmation, transcribe-now, compare, charts, export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from opsprep_voice.core.bank import QuestionBank, load_bank
from opsprep_voice.storage.records import AttemptRecord, ProgressPoint, SessionRecord
from opsprep_voice.storage.repository import HistoryRepository
from opsprep_voice.ui.history.compare_view import compare_reports, word_diff
from opsprep_voice.ui.history.export_dialog import ExportDialog
from opsprep_voice.ui.history.filter_bar import FilterBar, HistoryFilter
from opsprep_voice.ui.history.history_model import COL_COVERAGE, COL_QUESTION, COL_WHEN, HistoryModel
from opsprep_voice.ui.history.history_screen import HistoryScreen
from opsprep_voice.ui.history.progress_charts import ProgressCharts
from tests.support.history_ui_data import START, History, build_history
from tests.support.page_objects import HistoryPage


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return load_bank()


@pytest.fixture
def history(tmp_path: Path, bank: QuestionBank) -> Iterator[History]:
    repo = HistoryRepository(tmp_path / "history.sqlite3")
    yield build_history(repo, bank)
    repo.close()


@pytest.fixture
def screen(qtbot: QtBot, history: History) -> HistoryScreen:
    widget = HistoryScreen(history.repo, history.bank)
    qtbot.addWidget(widget)
    widget.resize(1600, 900)
    widget.show()
    return widget


def answer(monkeypatch: pytest.MonkeyPatch, button: QMessageBox.StandardButton) -> list[str]:
    asked: list[str] = []

    def fake(
        _parent: object, title: str, text: str, *_args: object, **_kw: object
    ) -> QMessageBox.StandardButton:
        asked.append(f"{title}: {text}")
        return button

    monkeypatch.setattr(QMessageBox, "question", fake)
    return asked


# ------------------------------------------------------------------------------------------ list and filters


def test_lists_everything_grouped_by_session(screen: HistoryScreen, history: History) -> None:
    assert sorted(screen.visible_attempt_ids()) == sorted(
        [a.id for a in history.attempts] + [history.interrupted.id]
    )
    assert screen.model.session_count() == len(history.sessions)
    assert screen.count_label.text() == "7 answers in 4 sessions"


def test_filters_narrow_the_list(screen: HistoryScreen, history: History, bank: QuestionBank) -> None:
    q1 = bank.find(1)
    screen.set_filters(question_id=q1.id)
    assert sorted(screen.visible_attempt_ids()) == sorted(a.id for a in history.by_question(q1.id))
    screen.set_filters(category=bank.find(2).category)
    assert sorted(screen.visible_attempt_ids()) == sorted(a.id for a in history.by_question(bank.find(2).id))
    # Dates: the first day only (whole local day) vs from the fourth day on.
    first_day = START.astimezone().date()
    screen.set_filters(since=first_day, until=first_day)
    shown = screen.visible_attempt_ids()
    assert shown and all(
        a.started_at.astimezone().date() == first_day for a in history.attempts if a.id in shown
    )
    screen.set_filters(since=first_day + timedelta(days=3))
    assert {
        a.id for a in history.attempts if a.started_at.astimezone().date() >= first_day + timedelta(days=3)
    } <= set(screen.visible_attempt_ids())
    assert not set(shown) & set(screen.visible_attempt_ids())
    screen.clear_filters()
    assert len(screen.visible_attempt_ids()) == len(history.attempts) + 1


def test_free_text_filter_is_debounced(qtbot: QtBot, screen: HistoryScreen, history: History) -> None:
    word = "Terraform"  # in Q1's example answer, but only the fuller answers reach it
    expected = {a.id for a in history.attempts if word.casefold() in a.transcript_text.casefold()}
    assert expected and len(expected) < len(history.attempts)
    qtbot.keyClicks(screen.filter_bar.text_filter, word)
    qtbot.waitUntil(lambda: set(screen.visible_attempt_ids()) == expected, timeout=3000)


def test_filter_bar_emits_one_value_per_change(qtbot: QtBot, bank: QuestionBank) -> None:
    bar = FilterBar(bank)
    qtbot.addWidget(bar)
    seen: list[HistoryFilter] = []
    bar.changed.connect(seen.append)
    wanted = HistoryFilter(
        question_id=bank.find(1).id, since=date(2025, 3, 1), text="postmortem", grouped=False
    )
    bar.set_filter(wanted)
    assert seen == [wanted] and bar.value() == wanted and wanted.narrows
    bar.clear()
    assert seen[-1] == HistoryFilter(grouped=False) and not seen[-1].narrows  # grouping is not a filter
    bar.category_filter.setCurrentIndex(1)
    assert seen[-1].category == bank.categories[0] and len(seen) == 3


def test_best_attempt_per_question_marked(screen: HistoryScreen, history: History) -> None:
    best = set(history.repo.best_attempt_ids().values())
    assert len(best) == 3
    for attempt in history.attempts:
        text = HistoryPage(screen).question_cell(attempt.id)
        assert text.startswith("★") == (attempt.id in best), (attempt.id, text)


def test_selecting_a_scored_attempt_opens_the_review(screen: HistoryScreen, history: History) -> None:
    attempt = history.attempts[0]
    assert screen.select_attempt(attempt.id)
    assert screen.detail.currentWidget() is screen.attempt_view
    assert screen.attempt_view.report is not None
    assert screen.attempt_view.report["question_id"] == attempt.question_id
    assert screen.attempt_view.player.path == attempt.audio_path


def test_interrupted_attempt_offers_transcribe_now(
    qtbot: QtBot, screen: HistoryScreen, history: History
) -> None:
    assert history.interrupted is not None
    screen.select_attempt(history.interrupted.id)
    panel = screen.status_panel
    assert screen.detail.currentWidget() is panel
    assert "interrupted" in panel.message.text()
    assert panel.transcribe_button.isEnabled()
    with qtbot.waitSignal(screen.transcribeRequested, timeout=1000) as blocker:
        panel.transcribe_button.click()
    assert blocker.args == [history.interrupted.id]


def test_a_list_of_10000_attempts_shows_every_one(qtbot: QtBot, history: History) -> None:
    # How fast: scripts/bench_gui.py's History part (a timed assertion here fails on a busy machine).
    template = history.attempts[0]
    rows = [_clone(template, i) for i in range(10_000)]
    model = HistoryModel()
    model.set_data(rows, {}, {5}, {}, grouped=True)
    shown = 0
    for row in range(0, model.rowCount(QModelIndex())):
        parent = model.index(row, 0)
        for child in range(model.rowCount(parent)):
            assert model.index(child, COL_QUESTION, parent).data()
            shown += 1
    assert shown == model.attempt_count() == 10_000


def _clone(template: AttemptRecord, new_id: int) -> AttemptRecord:
    from dataclasses import replace

    return replace(template, id=new_id, session_id=new_id // 10, transcript=None, report=None)


class _BigRepository:
    """Stands in for the repository with 10,000 light attempts; counts the reads."""

    def __init__(self, template: AttemptRecord) -> None:
        from dataclasses import replace

        base = template.started_at
        self.attempts = [
            replace(
                _clone(template, i),
                started_at=base + timedelta(minutes=i),
                coverage=(i % 97) / 100,
            )
            for i in range(10_000)
        ]
        self.attempts.reverse()  # newest first
        self.calls: dict[str, int] = {}

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    def list_sessions(self, *, with_json: bool = True) -> list[SessionRecord]:
        self._count("list_sessions")
        assert not with_json
        sessions: dict[int, SessionRecord] = {}
        for a in reversed(self.attempts):
            session = sessions.setdefault(
                a.session_id, SessionRecord(a.session_id, a.started_at, None, "practice", "", "")
            )
            session.attempts.append(a)
        return sorted(sessions.values(), key=lambda s: (s.started_at, s.id), reverse=True)

    def list_attempts(self, question_id: str | None = None, **kwargs: object) -> list[AttemptRecord]:
        self._count("list_attempts")
        assert kwargs.get("with_json") is False
        return [a for a in self.attempts if question_id in (None, a.question_id)]

    def follow_ups_of(self, attempt_ids: list[int]) -> dict[int, list[AttemptRecord]]:
        self._count("follow_ups_of")
        return {}

    def best_attempt_ids(self) -> dict[str, int]:
        return {self.attempts[0].question_id: self.attempts[0].id}

    def progress(self, question_id: str | None = None) -> list[ProgressPoint]:
        self._count("progress")
        return [
            ProgressPoint(
                a.id, a.question_id, a.started_at, a.coverage, a.wpm, a.fillers_per_min, a.duration_s
            )
            for a in reversed(self.attempts)
        ]


def test_screen_with_10000_attempts_reads_little(
    qtbot: QtBot, history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No data() pass over all rows (proxy sort, ResizeToContents), one light read, charts only when shown."""
    repo = _BigRepository(history.attempts[0])
    data_calls = 0
    original = HistoryModel.data

    def counting(self: HistoryModel, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        nonlocal data_calls
        data_calls += 1
        return original(self, index, role)

    monkeypatch.setattr(HistoryModel, "data", counting)
    screen = HistoryScreen(repo, history.bank)  # type: ignore[arg-type]
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    screen.show()
    qtbot.waitExposed(screen)
    assert screen.model.attempt_count() == 10_000
    assert screen.count_label.text() == "10000 answers in 1000 sessions"
    assert repo.calls == {"list_sessions": 1}  # the unfiltered list comes with the sessions
    assert data_calls < 5_000, data_calls  # about the rows on screen, not 10,000 x columns x roles
    charts = screen.progress_charts
    assert charts.is_stale() and charts.series["coverage"].count() == 0

    data_calls = 0
    screen.set_filters(question_id=history.attempts[0].question_id)
    assert repo.calls["list_attempts"] == repo.calls["follow_ups_of"] == 1 and data_calls < 5_000
    assert screen.model.attempt_count() == 10_000

    screen.tabs.setCurrentWidget(charts)
    qtbot.waitUntil(lambda: charts.series["coverage"].count() == 10_000, timeout=5000)
    assert not charts.is_stale()
    reads = repo.calls["progress"]
    HistoryPage(screen).show_answers_tab()
    screen.refresh()  # hidden: the charts are only marked stale
    assert charts.is_stale() and repo.calls["progress"] == reads


def test_sorting_by_a_column_sorts_sessions_and_answers(screen: HistoryScreen, history: History) -> None:
    assert screen.visible_attempt_ids()[0] == history.repo.list_attempts(with_json=False)[0].id  # newest
    target = history.attempts[2]
    screen.select_attempt(target.id)
    screen.tree.sortByColumn(COL_COVERAGE, Qt.SortOrder.AscendingOrder)
    page = HistoryPage(screen)
    for session in page.session_rows():
        coverages = [c or -1.0 for c in page.answer_coverages(session)]
        assert coverages == sorted(coverages)
    averages = page.session_coverage_cells()
    numbers = [int(text.removeprefix("avg ").rstrip("%")) if text else -1 for text in averages]
    assert numbers == sorted(numbers)
    assert [a.id for a in screen.selected()[0]] == [target.id]  # the selection follows its row
    assert screen.tree.currentIndex() == screen.model.index_of_attempt(target.id)

    screen.tree.sortByColumn(COL_WHEN, Qt.SortOrder.DescendingOrder)
    screen.set_filters(question_id=target.question_id)  # the sort holds over new data
    times = [a.started_at for a in history.attempts if a.id in screen.visible_attempt_ids()]
    shown = [next(a for a in history.attempts if a.id == i).started_at for i in screen.visible_attempt_ids()]
    assert shown == sorted(times, reverse=True)


# ------------------------------------------------------------------------------------------ delete


def test_delete_attempt_with_confirmation_removes_row_and_file(
    screen: HistoryScreen, history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = history.attempts[0]
    assert target.audio_path is not None and target.audio_path.is_file()
    screen.select_attempt(target.id)
    asked = answer(monkeypatch, QMessageBox.StandardButton.No)
    assert not screen.delete_selected()
    assert asked and target.id in screen.visible_attempt_ids() and target.audio_path.is_file()

    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    assert screen.delete_selected()
    assert target.id not in screen.visible_attempt_ids()
    assert not target.audio_path.exists()
    with pytest.raises(KeyError):
        history.repo.get_attempt(target.id)


def test_delete_session_removes_its_attempts_and_files(
    screen: HistoryScreen, history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = history.sessions[0]
    doomed = [a for a in history.attempts if a.session_id == session_id]
    assert len(doomed) == 2
    assert screen.select_session(session_id)
    asked = answer(monkeypatch, QMessageBox.StandardButton.Yes)
    assert screen.delete_selected()
    assert "2 answers" in asked[0] and "(s)" not in asked[0]
    remaining = set(screen.visible_attempt_ids())
    for attempt in doomed:
        assert attempt.id not in remaining
        assert attempt.audio_path is not None and not attempt.audio_path.exists()
    assert screen.model.session_count() == len(history.sessions) - 1


# ------------------------------------------------------------------------------------------ compare


def test_compare_shows_gained_and_lost_items(
    screen: HistoryScreen, history: History, bank: QuestionBank
) -> None:
    q1 = sorted(history.by_question(bank.find(1).id), key=lambda a: a.started_at)
    first, last = q1[0], q1[-1]
    screen.compare_attempts(first.id, last.id)
    comparison = screen.compare_view.comparison
    assert comparison is not None
    assert screen.tabs.currentWidget() is screen.compare_view
    before = {c["id"] for c in history.repo.get_attempt(first.id).report["checklist"] if c["hit"]}  # type: ignore[index]
    after = {c["id"] for c in history.repo.get_attempt(last.id).report["checklist"] if c["hit"]}  # type: ignore[index]
    assert {e.id for e in comparison.gained} == after - before != set()
    assert {e.id for e in comparison.lost} == before - after
    assert f"Gained ({len(after - before)})" in screen.compare_view.changes.text()
    coverage = comparison.metric("coverage")
    assert coverage.better is True and coverage.change is not None and coverage.change > 0

    # Reversed, gains become losses.
    screen.compare_attempts(last.id, first.id)
    reverse = screen.compare_view.comparison
    assert reverse is not None
    assert {e.id for e in reverse.lost} == after - before


def test_compare_selected_single_uses_previous_attempt(
    screen: HistoryScreen, history: History, bank: QuestionBank
) -> None:
    q1 = sorted(history.by_question(bank.find(1).id), key=lambda a: a.started_at)
    screen.select_attempt(q1[1].id)
    assert screen.compare_selected()
    assert screen.compare_view.subtitle.text().count("2025-03-0") == 2


def test_word_diff_marks_changes() -> None:
    diff = word_diff("We rolled back, um, quickly.", "We rolled back quickly and wrote a postmortem.")
    assert ("delete", "um,") in diff
    assert any(op == "insert" and "postmortem" in text for op, text in diff)
    assert diff[0] == ("equal", "We rolled back")


def test_compare_reports_metric_verdicts() -> None:
    a = {"coverage": 0.5, "wpm": 200, "fillers": {"per_min": 6.0}, "checklist": [], "transcript": "x"}
    b = {"coverage": 0.4, "wpm": 150, "fillers": {"per_min": 2.0}, "checklist": [], "transcript": "x"}
    result = compare_reports(a, b)
    assert result.metric("coverage").better is False
    assert result.metric("wpm").better is True  # back into the comfortable band
    assert result.metric("fillers_per_min").better is True


def test_compare_shows_the_candidates_marks_apart_from_the_scorer(
    screen: HistoryScreen, history: History, bank: QuestionBank
) -> None:
    q1 = sorted(history.by_question(bank.find(1).id), key=lambda a: a.started_at)
    first, last = q1[0], q1[-1]
    report = history.repo.get_attempt(first.id).report
    missed = [c["id"] for c in report["checklist"] if not c["hit"]]  # type: ignore[index]
    assert missed
    history.repo.set_item_mark(first.id, missed[0], True)
    screen.compare_attempts(first.id, last.id)
    comparison = screen.compare_view.comparison
    assert comparison is not None
    assert comparison.marked(missed[0]) == (True, False)
    assert "✓ marked covered by you (earlier answer)" in screen.compare_view.changes.text()
    scorer, yours = comparison.metric("coverage"), comparison.metric("coverage_with_your_marks")
    assert scorer.before is not None and yours.before is not None and yours.before > scorer.before
    # The scorer's own comparison is unchanged by the mark.
    assert missed[0] in {e.id for e in comparison.gained + comparison.still_missing}


# ------------------------------------------------------------------------------------------ charts


def test_charts_have_a_point_per_day_for_all_and_per_answer_for_one_question(
    qtbot: QtBot, history: History, bank: QuestionBank
) -> None:
    charts = ProgressCharts(history.repo, bank)
    qtbot.addWidget(charts)
    days = {a.started_at.astimezone().date() for a in history.attempts}  # the interrupted one: no score
    assert charts.point_count("coverage") == len(days) < len(history.attempts)
    counts = [p.count for p in charts.plotted["coverage"]]
    assert sum(counts) == len(history.attempts) and max(counts) == 2  # two answers on the first day
    first_day = [a.coverage for a in history.attempts if a.started_at.astimezone().date() == min(days)]
    assert charts.plotted["coverage"][0].y == pytest.approx(100 * sum(first_day) / len(first_day))
    # Whole numbers on the value axis (not elided), days on the date axis.
    chart = charts.series["coverage"].chart()
    y_axis, x_axis = chart.axes(Qt.Orientation.Vertical)[0], chart.axes(Qt.Orientation.Horizontal)[0]
    assert not y_axis.truncateLabels() and y_axis.labelFormat() == "%.0f"
    assert x_axis.format() == "d MMM"
    q1 = bank.find(1).id
    charts.set_question(q1)
    n = len(history.by_question(q1))
    for key in ("coverage", "wpm", "fillers_per_min", "duration_s"):
        assert charts.point_count(key) == n == 3
    ys = [charts.series["coverage"].at(i).y() for i in range(n)]
    assert ys == sorted(ys)  # the made-up history improves
    charts.set_question(bank.find(10).id)
    assert charts.point_count("coverage") == 0
    assert charts.stack.currentWidget() is charts.empty


# ------------------------------------------------------------------------------------------ export


def _export(qtbot: QtBot, dialog: ExportDialog) -> Path:
    assert dialog.start_export()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=20_000)
    assert dialog.saved_path is not None, dialog.status.text()
    path = dialog.saved_path
    assert isinstance(path, Path)
    return path


@pytest.mark.parametrize("fmt", ["md", "csv", "pdf"])
def test_export_session_writes_file(qtbot: QtBot, history: History, tmp_path: Path, fmt: str) -> None:
    dialog = ExportDialog(history.repo, history.bank, session_id=history.sessions[2], default_dir=tmp_path)
    qtbot.addWidget(dialog)
    dialog.set_format(fmt)
    path = _export(qtbot, dialog)
    assert path == tmp_path / f"opsprep-session-{history.sessions[2]}.{fmt}"
    data = path.read_bytes()
    assert data.startswith(b"%PDF") if fmt == "pdf" else len(data) > 100
    assert str(path) in dialog.status.text()


def test_export_dialog_names_the_session_as_history_does(
    qtbot: QtBot, history: History, tmp_path: Path
) -> None:
    session = history.repo.get_session(history.sessions[2])
    dialog = ExportDialog(history.repo, history.bank, session_id=session.id, default_dir=tmp_path)
    qtbot.addWidget(dialog)
    text = dialog.session_radio.text()
    assert text.startswith("This session: ") and f"#{session.id}" not in text
    assert (session.title or session.mode.capitalize()) in text
    assert session.started_at.astimezone().strftime("%Y-%m-%d") in text


def test_switching_format_after_an_export_clears_its_saved_message(
    qtbot: QtBot, history: History, tmp_path: Path
) -> None:
    dialog = ExportDialog(history.repo, history.bank, session_id=history.sessions[2], default_dir=tmp_path)
    qtbot.addWidget(dialog)
    path = _export(qtbot, dialog)
    assert str(path) in dialog.status.text()
    dialog.set_format("pdf")
    assert dialog.status.text() == "" and dialog.open_folder_button.isHidden()
    assert dialog.path_edit.text().endswith(".pdf")


def test_export_question_with_audio(
    qtbot: QtBot, history: History, bank: QuestionBank, tmp_path: Path
) -> None:
    q1 = bank.find(1).id
    dialog = ExportDialog(history.repo, bank, question_id=q1, default_dir=tmp_path)
    qtbot.addWidget(dialog)
    dialog.audio_check.setChecked(True)
    path = _export(qtbot, dialog)
    text = path.read_text(encoding="utf-8")
    assert bank.find(1).text in text
    copies = list((tmp_path / f"{path.stem}-audio").glob("*.wav"))
    assert len(copies) == len(history.by_question(q1))


def test_export_refuses_to_overwrite_silently(
    qtbot: QtBot, history: History, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "mine.md"
    target.write_text("keep me", encoding="utf-8")
    dialog = ExportDialog(history.repo, history.bank, session_id=history.sessions[0], default_dir=tmp_path)
    qtbot.addWidget(dialog)
    dialog.set_path(target)
    asked = answer(monkeypatch, QMessageBox.StandardButton.No)
    assert not dialog.start_export()
    assert asked and "mine.md" in asked[0]
    assert target.read_text(encoding="utf-8") == "keep me"
    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    assert _export(qtbot, dialog) == target
    assert target.read_text(encoding="utf-8") != "keep me"


def test_export_failure_is_reported(qtbot: QtBot, history: History, tmp_path: Path) -> None:
    dialog = ExportDialog(history.repo, history.bank, session_id=history.sessions[0], default_dir=tmp_path)
    qtbot.addWidget(dialog)
    dialog.set_path(tmp_path / "no-such-folder" / "x.md")
    with qtbot.waitSignal(dialog.failed, timeout=10_000):
        dialog.start_export()
    assert "does not exist" in dialog.status.text()


def test_date_filter_boundaries_use_local_days(screen: HistoryScreen, history: History) -> None:
    last_day = max(a.started_at for a in history.attempts).astimezone().date()
    screen.set_filters(since=last_day)
    assert all(
        a.started_at.astimezone().date() == last_day
        for a in history.attempts
        if a.id in screen.visible_attempt_ids()
    )
    screen.set_filters(until=date(2000, 1, 2))
    assert screen.visible_attempt_ids() == []


def test_an_export_that_ends_before_the_dialog_listens_still_reports(
    qtbot: QtBot, history: History, tmp_path: Path
) -> None:
    """On a loaded machine a quick export can end before the dialog connects to it; the dialog must still
    leave "Exporting…" (it stayed there, and the export was never reported)."""
    from opsprep_voice.ui.workers import Task, TaskRunner

    class FinishesAtOnce(TaskRunner):
        def start(self, fn: Any, name: str = "task") -> Task:
            task = super().start(fn, name)
            assert task.done.wait(30)  # the worst scheduling: over before start() returns
            return task

    dialog = ExportDialog(
        history.repo, history.bank, session_id=history.sessions[0], default_dir=tmp_path,
        runner=FinishesAtOnce(),
    )  # fmt: skip
    qtbot.addWidget(dialog)
    path = _export(qtbot, dialog)
    assert path.exists() and dialog.saved_path == path
