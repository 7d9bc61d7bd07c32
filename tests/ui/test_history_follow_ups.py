"""History with interviewer follow-ups: child rows under the main answer, the merged coverage, filters,
deletion, Compare (recovered items, clear change texts) and the coverage-with-follow-ups chart series."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from opsprep_voice.core.bank import QuestionBank, load_bank
from opsprep_voice.storage.records import AttemptRecord
from opsprep_voice.storage.repository import HistoryRepository
from opsprep_voice.ui.history.comparison import compare_reports
from opsprep_voice.ui.history.history_model import COL_COVERAGE, COL_QUESTION, COL_WHEN, HistoryModel
from opsprep_voice.ui.history.history_screen import HistoryScreen
from opsprep_voice.ui.history.progress_charts import FOLLOW_UPS, ProgressCharts
from tests.support.history_ui_data import History, add_follow_up, build_history
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
def followed(history: History, bank: QuestionBank) -> tuple[AttemptRecord, AttemptRecord]:
    """The first (thin) answer to Q1 and its follow-up."""
    q1 = bank.find(1)
    main = min(history.by_question(q1.id), key=lambda a: a.started_at)
    return history.repo.get_attempt(main.id), add_follow_up(history, main, q1)


@pytest.fixture
def screen(qtbot: QtBot, history: History, followed: tuple[AttemptRecord, AttemptRecord]) -> HistoryScreen:
    widget = HistoryScreen(history.repo, history.bank)
    qtbot.addWidget(widget)
    widget.resize(1600, 900)
    widget.show()
    return widget


def answer(monkeypatch: pytest.MonkeyPatch, button: QMessageBox.StandardButton) -> list[str]:
    asked: list[str] = []

    def fake(_parent: object, title: str, text: str, *_a: object, **_k: object) -> QMessageBox.StandardButton:
        asked.append(f"{title}: {text}")
        return button

    monkeypatch.setattr(QMessageBox, "question", fake)
    return asked


def test_follow_up_is_a_child_row_of_its_main_answer(
    screen: HistoryScreen, history: History, followed: tuple[AttemptRecord, AttemptRecord]
) -> None:
    main, follow = followed
    main = history.repo.get_attempt(main.id)
    assert main.coverage is not None and main.coverage_with_follow_ups is not None
    assert main.coverage_with_follow_ups > main.coverage
    model, page = screen.model, HistoryPage(screen)
    for grouped in (True, False):
        screen.filter_bar.group_check.setChecked(grouped)
        main_index = model.index_of_attempt(main.id)
        assert model.rowCount(main_index) == 1 and model.hasChildren(main_index)
        child = model.index(0, COL_QUESTION, main_index)
        assert (found := model.attempt_at(child)) is not None and found.id == follow.id
        assert model.parent(child) == main_index
        assert page.cell(follow.id, COL_QUESTION) == f"↳ {follow.probe_prompt}"
        assert page.cell(follow.id, COL_WHEN) == "↳ follow-up"
        assert page.cell(follow.id, COL_COVERAGE) == f"{follow.coverage:.0%}"
        merged = f"{main.coverage:.0%} → {main.coverage_with_follow_ups:.0%}"
        assert page.cell(main.id, COL_COVERAGE) == merged
        assert follow.id not in screen.visible_attempt_ids()  # the main answers, as before
    assert screen.count_label.text().startswith(f"{len(history.attempts) + 1} answers and 1 follow-up")
    # Sorting moves the main answer; its follow-up stays under it.
    screen.tree.sortByColumn(COL_COVERAGE, screen.tree.header().sortIndicatorOrder())
    assert model.parent(model.index_of_attempt(follow.id)) == model.index_of_attempt(main.id)


def test_filters_keep_follow_ups_under_the_answers_they_list(
    screen: HistoryScreen, bank: QuestionBank, followed: tuple[AttemptRecord, AttemptRecord]
) -> None:
    main, follow = followed
    screen.set_filters(text="orchid-marker")  # only the follow-up says it
    assert screen.visible_attempt_ids() == [main.id]
    assert [f.id for f in screen.model.follow_ups_of(main.id)] == [follow.id]
    screen.set_filters(question_id=bank.find(1).id)
    assert main.id in screen.visible_attempt_ids() and screen.model.follow_up_count() == 1
    screen.set_filters(question_id=bank.find(2).id)
    assert screen.model.follow_up_count() == 0


def test_model_moves_follow_ups_given_among_the_answers_under_them(
    followed: tuple[AttemptRecord, AttemptRecord],
) -> None:
    main, follow = followed
    model = HistoryModel()
    model.set_data([follow, main], {}, set(), {}, grouped=False)
    assert model.attempt_count() == 1 and model.follow_ups_of(main.id) == [follow]
    model.set_data([follow], {}, set(), {}, grouped=False)  # its main answer is filtered out
    assert model.attempt_count() == 0 and model.follow_up_count() == 0


def test_deleting_a_main_answer_says_its_follow_ups_go_too(
    screen: HistoryScreen,
    history: History,
    followed: tuple[AttemptRecord, AttemptRecord],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    main, follow = followed
    screen.select_attempt(main.id)
    asked = answer(monkeypatch, QMessageBox.StandardButton.Yes)
    assert screen.delete_selected()
    assert "with 1 follow-up answer" in asked[0] and "(s)" not in asked[0]
    assert history.repo.list_attempts(follow_ups=True, question_id=main.question_id)
    for gone in (main, follow):
        with pytest.raises(KeyError):
            history.repo.get_attempt(gone.id)
        assert gone.audio_path is not None and not gone.audio_path.exists()


def test_deleting_a_follow_up_alone_updates_the_main_answers_merged_coverage(
    screen: HistoryScreen,
    history: History,
    followed: tuple[AttemptRecord, AttemptRecord],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    main, follow = followed
    screen.select_attempt(follow.id)
    asked = answer(monkeypatch, QMessageBox.StandardButton.Yes)
    assert screen.delete_selected()
    assert "the follow-up answer to Q1" in asked[0]
    kept = history.repo.get_attempt(main.id)
    assert kept.coverage_with_follow_ups is None and kept.coverage == main.coverage
    assert HistoryPage(screen).cell(main.id, COL_COVERAGE) == f"{main.coverage:.0%}"


def test_compare_marks_items_recovered_after_a_follow_up(
    screen: HistoryScreen, history: History, bank: QuestionBank, followed: tuple[AttemptRecord, AttemptRecord]
) -> None:
    main, follow = followed
    later = max(history.by_question(bank.find(1).id), key=lambda a: a.started_at)
    screen.select_attempt(follow.id)  # a follow-up row stands for its main answer
    screen.tree.selectionModel().select(
        screen.model.index_of_attempt(later.id),
        screen.tree.selectionModel().SelectionFlag.Select | screen.tree.selectionModel().SelectionFlag.Rows,
    )
    assert screen.compare_selected()
    comparison = screen.compare_view.comparison
    assert comparison is not None
    assert follow.probe_item_id in {i.id for i in comparison.recovered_before}
    assert comparison.recovered_after == []
    merged = comparison.metric("coverage_with_follow_ups")
    stored = history.repo.get_attempt(main.id).coverage_with_follow_ups
    assert merged.before == pytest.approx(stored, abs=1e-3)
    assert merged.after == pytest.approx(later.coverage, abs=1e-3)  # no follow-ups: its own coverage
    text = screen.compare_view.changes.text()
    assert "Recovered after a follow-up: earlier answer (" in text
    assert "after a follow-up (earlier answer)" in text


def test_metric_changes_read_as_direction_and_size() -> None:
    before = {"coverage": 0.9, "wpm": 200, "fillers": {"per_min": 6.0}, "checklist": [], "transcript": "x"}
    after = {"coverage": 0.16, "wpm": 150, "fillers": {"per_min": 2.0}, "checklist": [], "transcript": "x"}
    result = compare_reports(before, after)
    assert result.metric("coverage").change_text() == ("▼ 74 pts · worse", "74 pts lower, worse")
    assert result.metric("fillers_per_min").change_text() == ("▼ 4.0 · better", "4.0 lower, better")
    assert compare_reports(after, before).metric("coverage").change_text()[0] == "▲ 74 pts · better"
    assert replace(result.metric("wpm"), after=None).change_text() == ("–", "not comparable")
    assert all("-" not in m.change_text()[0] and "−" not in m.change_text()[0] for m in result.metrics)


def test_coverage_chart_has_a_follow_up_series_with_only_its_points(
    qtbot: QtBot, history: History, bank: QuestionBank, followed: tuple[AttemptRecord, AttemptRecord]
) -> None:
    charts = ProgressCharts(history.repo, bank)
    qtbot.addWidget(charts)
    charts.set_question(followed[0].question_id)  # one point per answer
    mains = [a for a in history.attempts if a.question_id == followed[0].question_id]
    assert charts.point_count("coverage") == len(mains)  # main answers only
    assert charts.point_count(FOLLOW_UPS) == 1
    point = charts.series[FOLLOW_UPS].at(0)
    stored = history.repo.get_attempt(followed[0].id).coverage_with_follow_ups
    assert stored is not None and point.y() == pytest.approx(stored * 100)
    legend = charts.series["coverage"].chart().legend()
    assert legend.isVisible()
    assert [m.label() for m in legend.markers()] == ["Main answer", "With follow-ups"]
    charts.set_question(bank.find(2).id)
    assert charts.point_count(FOLLOW_UPS) == 0
    assert not legend.isVisible()  # one line: nothing to tell apart


@pytest.mark.parametrize("scope", ["session", "question"])
def test_exports_from_history_name_what_the_follow_up_recovered(
    history: History, followed: tuple[AttemptRecord, AttemptRecord], tmp_path: Path, scope: str
) -> None:
    from opsprep_voice.storage.export import md_escape
    from opsprep_voice.ui.history.export_dialog import run_export

    main, follow = followed
    question = history.bank.find(main.question_id)
    label = next(i.label for i in question.checklist if i.id == follow.probe_item_id)
    where = {"session_id": main.session_id} if scope == "session" else {"question_id": main.question_id}
    md = run_export(history.repo, history.bank, fmt="md", path=tmp_path / "out.md", **where)  # type: ignore[arg-type]
    text = md.read_text(encoding="utf-8")
    assert f"“{md_escape(follow.probe_prompt or '')}”" in text
    assert f"- ↳ {md_escape(label)}" in text
    rows = run_export(history.repo, history.bank, fmt="csv", path=tmp_path / "out.csv", **where)  # type: ignore[arg-type]
    assert f",{main.id},{follow.probe_item_id}," in rows.read_text(encoding="utf-8")


def test_deleting_a_session_names_its_follow_ups(
    screen: HistoryScreen, followed: tuple[AttemptRecord, AttemptRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    main, _follow = followed
    assert screen.select_session(main.session_id)
    asked = answer(monkeypatch, QMessageBox.StandardButton.No)
    assert not screen.delete_selected()
    assert "answers and 1 follow-up answer" in asked[0] and "(s)" not in asked[0]


def test_a_cancelled_follow_up_take_names_the_follow_up_it_answered(
    qtbot: QtBot, history: History, screen: HistoryScreen, followed: tuple[AttemptRecord, AttemptRecord]
) -> None:
    main, _follow = followed
    dropped = history.repo.start_attempt(
        main.session_id, history.bank.find(1), follow_up_of=main.id, probe_prompt="Which users matter most?"
    )
    history.repo.mark_cancelled(dropped.id, 7.0, "You stopped this take before the end.")
    screen.refresh()
    assert screen.select_attempt(dropped.id)
    qtbot.waitUntil(lambda: screen.detail.currentWidget() is screen.status_panel)
    detail = screen.status_panel.detail.text()
    assert detail.startswith("Follow-up to question 1: “Which users matter most?”")
    assert history.bank.find(1).text not in detail  # the main question was shown as if it were answered here
