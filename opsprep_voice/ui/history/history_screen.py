"""The history: sessions and their answers, filterable, with the selected answer reviewed beside the list,
comparisons, progress charts, deletion and export.

Top to bottom the Answers tab is a :class:`~opsprep_voice.ui.history.filter_bar.FilterBar`, then a
:class:`~opsprep_voice.ui.history.history_list.HistoryList` (the list, a
:class:`~opsprep_voice.ui.history.history_tree.HistoryTree` over a
:class:`~opsprep_voice.ui.history.history_model.HistoryModel`, fast with 10,000 answers, with its count and
action buttons) beside a :class:`~opsprep_voice.ui.history.history_detail.HistoryDetail` (the review of the
selected answer, the status of an answer without a score, or a session summary). An interviewer's follow-up
answers are child rows of the answer they follow (Delete, Compare and the merged coverage:
:mod:`.history_actions`). Filters query the repository (SQL, light rows without the JSON; the follow-ups of
all listed answers in one more query), with the free text debounced; one answer's JSON is read when it is
opened. The Progress tab fills its charts only when shown. An unscored answer whose audio was kept
(interrupted by a crash, or a cancelled take) offers "Transcribe now" in its status panel, the one place for
it, which emits :attr:`HistoryScreen.transcribeRequested`; the shell transcribes it and calls
:meth:`HistoryScreen.refresh`.

This module owns what the parts share: the selection, what it acts on, and keeping the list and the detail
in step.
"""

from __future__ import annotations

import logging
from datetime import date

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from opsprep_voice.core.bank import Question, QuestionBank
from opsprep_voice.core.titles import readable_title
from opsprep_voice.practice.follow_ups import update_merged_coverage
from opsprep_voice.storage.records import AttemptRecord, SessionRecord
from opsprep_voice.storage.repository import HistoryRepository
from opsprep_voice.ui.history.compare_view import CompareView
from opsprep_voice.ui.history.export_dialog import ExportDialog
from opsprep_voice.ui.history.filter_bar import FilterBar, HistoryFilter
from opsprep_voice.ui.history.history_actions import deletion_text, main_answers, merged, to_delete
from opsprep_voice.ui.history.history_detail import HistoryDetail
from opsprep_voice.ui.history.history_list import HistoryList
from opsprep_voice.ui.history.history_model import HistoryModel, local_time
from opsprep_voice.ui.history.progress_charts import ProgressCharts

log = logging.getLogger(__name__)


class HistoryScreen(QWidget):
    """History of rehearsals. ``HistoryScreen(repository, bank)``; ``refresh()`` after new answers."""

    transcribeRequested = Signal(int)
    #: A sentence for the window's notice line (a mark the history did not keep).
    notice = Signal(str)

    def __init__(
        self, repository: HistoryRepository, bank: QuestionBank, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("History")
        self._repository = repository
        self._bank = bank
        self._questions: dict[str, Question] = {q.id: q for q in bank}
        self._sessions: dict[int, SessionRecord] = {}
        self._current_attempt: AttemptRecord | None = None
        self._current_session: int | None = None
        self._sized = False

        self.filter_bar = FilterBar(bank, self)
        self.model = HistoryModel(self)
        self.list_panel = HistoryList(self.model, bank.categories, self)
        self.tree = self.list_panel.tree
        self.count_label = self.list_panel.count_label
        self.compare_button = self.list_panel.compare_button
        self.export_button = self.list_panel.export_button
        self.delete_button = self.list_panel.delete_button
        self.detail = HistoryDetail(repository, self)
        self.attempt_view = self.detail.attempt_view
        self.status_panel = self.detail.status_panel
        self.compare_view = CompareView(self)
        self.progress_charts = ProgressCharts(repository, bank, self)
        self._lay_out()
        self._connect()
        self.refresh()

    def _lay_out(self) -> None:
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.list_panel)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)

        answers_tab = QWidget(self)
        answers_box = QVBoxLayout(answers_tab)
        answers_box.addWidget(self.filter_bar)
        answers_box.addWidget(self.splitter, 1)

        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("History views")
        self.tabs.addTab(answers_tab, "Answers")
        self.tabs.addTab(self.compare_view, "Compare")
        self.tabs.addTab(self.progress_charts, "Progress")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs)

    def _connect(self) -> None:
        self.filter_bar.changed.connect(lambda _filter: self.apply_filters())
        self.tree.selectionModel().selectionChanged.connect(lambda *_a: self._on_selection())
        self.status_panel.transcribe_button.clicked.connect(self._request_transcription)
        self.detail.notice.connect(self.notice)
        self.compare_button.clicked.connect(self.compare_selected)
        self.export_button.clicked.connect(self.export_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        delete_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.tree)
        delete_key.activated.connect(self.delete_selected)
        self.tabs.currentChanged.connect(self._on_tab)

    # ----------------------------------------------------------------------------------------- public API
    def refresh(self, select_attempt_id: int | None = None) -> None:
        """Re-read sessions and answers (after a rehearsal, a transcription or a deletion)."""
        keep = select_attempt_id or (self._current_attempt.id if self._current_attempt else None)
        # Re-read the kept answer too: resetting the model drops the selection without a signal, so the
        # re-selection would otherwise see the same id and keep showing its old detail (a status panel
        # after "Transcribe now").
        self._current_attempt = None
        # The repository has no light "sessions only" query: list_sessions brings every session's (light)
        # attempts, so without filters those are the list (one read of the attempts, not two).
        sessions = self._repository.list_sessions(with_json=False)
        self._sessions = {
            s.id: SessionRecord(s.id, s.started_at, s.ended_at, s.mode, self._title(s.title), s.bank)
            for s in sessions
        }
        everything: list[AttemptRecord] | None = None
        if not self.filter_bar.value().narrows:
            everything = [a for s in sessions for a in s.attempts]
            everything.sort(key=lambda a: (a.started_at, a.id), reverse=True)  # as list_attempts orders them
        self._apply(select_attempt_id=keep, unfiltered=everything)
        self.progress_charts.refresh()  # cheap while its tab is hidden: it reloads when shown

    def apply_filters(self, select_attempt_id: int | None = None) -> None:
        self._apply(select_attempt_id=select_attempt_id)

    def clear_filters(self) -> None:
        self.filter_bar.clear()

    def set_filters(
        self,
        *,
        question_id: str | None = None,
        category: str | None = None,
        since: date | None = None,
        until: date | None = None,
        text: str = "",
    ) -> None:
        """Set all filters at once (one query); the grouping is kept."""
        grouped = self.filter_bar.value().grouped
        self.filter_bar.set_filter(HistoryFilter(question_id, category, since, until, text, grouped))

    def focus_list(self) -> None:
        """Keys go to the list when the screen opens (they went to the first filter: Down changed the
        question filter instead of moving to the next answer); with nothing selected the cursor starts on
        the first row, so Down steps onto the newest answer."""
        self.tabs.setCurrentIndex(0)
        self.tree.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.tree.currentIndex().isValid() and self.model.rowCount() > 0:
            self.tree.selectionModel().setCurrentIndex(
                self.model.index(0, 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )

    def visible_attempt_ids(self) -> list[int]:
        """Attempt ids in the list, in display order."""
        return [a.id for a in self.model.attempts_in_order()]

    def select_attempt(self, attempt_id: int) -> bool:
        return self.tree.select_row(self.model.index_of_attempt(attempt_id), scroll=True)

    def select_session(self, session_id: int) -> bool:
        return self.tree.select_row(self.model.index_of_session(session_id))

    def selected(self) -> tuple[list[AttemptRecord], list[int]]:
        """Selected attempts and selected session ids."""
        attempts: list[AttemptRecord] = []
        sessions: list[int] = []
        for index in self.tree.selected_rows():
            attempt = self.model.attempt_at(index)
            if attempt is not None:
                attempts.append(attempt)
            session_id = self.model.session_at(index)
            if session_id is not None:
                sessions.append(session_id)
        return attempts, sessions

    def delete_selected(self) -> bool:
        """Delete the selected sessions and answers (and their recordings) after a confirmation."""
        attempts, sessions = self.selected()
        attempts = to_delete(attempts, sessions)
        if not attempts and not sessions:
            return False
        answer = QMessageBox.question(
            self,
            "Delete from history?",
            f"Delete {deletion_text(self.model, attempts, sessions)}? Their recordings are deleted too. "
            "This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self.attempt_view.clear()  # releases the recording held by the player
        self._current_attempt = None
        for session_id in sessions:
            self._repository.delete_session(session_id)
        for attempt in attempts:
            self._repository.delete_attempt(attempt.id)
            question = self._questions.get(attempt.question_id)
            if attempt.follow_up_of is not None and question is not None:
                update_merged_coverage(self._repository, question, attempt.follow_up_of)
        log.info("deleted %d session(s) and %d answer(s)", len(sessions), len(attempts))
        self.refresh()
        return True

    def compare_selected(self) -> bool:
        attempts, _sessions = self.selected()
        scored = [a for a in main_answers(self.model, attempts) if a.status == "scored"]
        pair: list[AttemptRecord]
        if len(scored) == 2 and scored[0].question_id == scored[1].question_id:
            pair = sorted(scored, key=lambda a: (a.started_at, a.id))
        elif len(scored) == 1:
            previous = self._repository.previous_scored_attempt(scored[0].id)
            if previous is None:
                QMessageBox.information(self, "Compare", "This is the first scored attempt at this question.")
                return False
            pair = [previous, scored[0]]
        else:
            QMessageBox.information(
                self,
                "Compare",
                "Select two scored attempts at the same question (or one, to compare with the last).",
            )
            return False
        self.compare_attempts(pair[0].id, pair[1].id)
        return True

    def compare_attempts(self, before_id: int, after_id: int) -> None:
        before = self._repository.get_attempt(before_id)
        after = self._repository.get_attempt(after_id)
        question = self._questions.get(after.question_id)
        self.compare_view.compare(
            question,
            before.report or {},
            after.report or {},
            local_time(before.started_at),
            local_time(after.started_at),
            before_follow_ups=merged(self._repository, question, before),
            after_follow_ups=merged(self._repository, question, after),
        )
        self.tabs.setCurrentWidget(self.compare_view)

    def export_selected(self) -> ExportDialog | None:
        attempts, sessions = self.selected()
        session_id = sessions[0] if sessions else (attempts[0].session_id if attempts else None)
        question_id = attempts[0].question_id if attempts else self.filter_bar.value().question_id
        if session_id is None and question_id is None:
            QMessageBox.information(self, "Export", "Select a session or an answer to export.")
            return None
        dialog = ExportDialog(
            self._repository, self._bank, session_id=session_id, question_id=question_id, parent=self
        )
        if attempts and not sessions:
            dialog.question_radio.setChecked(True)
        dialog.open()
        return dialog

    # ------------------------------------------------------------------------------------------- internals
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:  # first show: give the list a fair share (stretch factors only split spare room)
            self._sized = True
            total = max(self.splitter.width(), 800)
            self.splitter.setSizes([total // 2, total - total // 2])

    def _apply(
        self, select_attempt_id: int | None = None, unfiltered: list[AttemptRecord] | None = None
    ) -> None:
        """Show ``unfiltered`` (all answers, already read) or the answers the filter bar lets through."""
        shown = self.filter_bar.value()
        follow_ups: dict[int, list[AttemptRecord]] | None = None  # unfiltered: among the attempts
        if unfiltered is not None:
            attempts = unfiltered
        else:
            attempts = self._repository.list_attempts(
                question_id=shown.question_id,
                category=shown.category,
                since=shown.since,
                until=shown.until,
                text=shown.text or None,
                with_json=False,
                follow_ups=False,
            )
            # One query for the follow-ups of every listed answer, not one per answer.
            follow_ups = self._repository.follow_ups_of([a.id for a in attempts]) if attempts else {}
        best = set(self._repository.best_attempt_ids().values())
        titles = {q.id: q.text for q in self._questions.values()}
        self.model.set_data(
            attempts, self._sessions, best, titles, grouped=shown.grouped, follow_ups=follow_ups
        )
        if self.model.grouped:
            self.tree.expandAll()
        sessions, answers, extra = (
            self.model.session_count(),
            self.model.attempt_count(),
            self.model.follow_up_count(),
        )
        self.list_panel.show_counts(answers, extra, sessions if self.model.grouped else None)
        if select_attempt_id is not None and self.select_attempt(select_attempt_id):
            return
        self._show_nothing()

    def _show_nothing(self) -> None:
        self._current_attempt = None
        self._current_session = None
        self.detail.show_nothing()
        self._update_actions()

    def _on_selection(self) -> None:
        index = self.tree.selectionModel().currentIndex()
        attempts, sessions = self.selected()
        attempt = self.model.attempt_at(index) if index.isValid() else None
        if attempt is None and len(attempts) == 1:
            attempt = attempts[0]
        if attempt is not None and (self._current_attempt is None or self._current_attempt.id != attempt.id):
            self._open_attempt(attempt.id)
        elif attempt is None and sessions:
            self._show_session(sessions[0])
        elif attempt is None:
            self._show_nothing()
        self._update_actions()

    def _open_attempt(self, attempt_id: int) -> None:
        try:
            record = self._repository.get_attempt(attempt_id)
        except KeyError:
            log.warning("attempt %d vanished", attempt_id)
            self.refresh()
            return
        self._current_attempt = record
        self._current_session = None
        self.detail.show_attempt(record, self._questions.get(record.question_id))

    def _title(self, stored: str | None) -> str:
        """What a session is called (an old "Question <id>" title becomes the question's)."""
        return readable_title(stored, self._bank.find)

    def _show_session(self, session_id: int) -> None:
        self._current_attempt = None
        self._current_session = session_id
        session = self._sessions.get(session_id)
        self.detail.show_session(session_id, session, self.model.session_attempt_count(session_id))

    def _update_actions(self) -> None:
        attempts, sessions = self.selected()
        self.delete_button.setEnabled(bool(attempts or sessions))
        self.export_button.setEnabled(bool(attempts or sessions))
        self.compare_button.setEnabled(any(a.status == "scored" for a in attempts))

    def _request_transcription(self) -> None:
        if self._current_attempt is not None:
            log.info("transcription requested for attempt %d", self._current_attempt.id)
            self.transcribeRequested.emit(self._current_attempt.id)

    def _on_tab(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.progress_charts:
            question_id = self.filter_bar.value().question_id
            if question_id is not None:
                self.progress_charts.set_question(question_id)
            self.progress_charts.refresh()
