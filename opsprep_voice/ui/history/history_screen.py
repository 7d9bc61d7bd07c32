"""The history: sessions and their answers, filterable, with the selected answer reviewed beside the list,
comparisons, progress charts, deletion and export.

The list is a :class:`~opsprep_voice.ui.history.history_model.HistoryModel` in a QTreeView (no widget per
row, sorted by the model itself, fixed column widths from font metrics rather than ``ResizeToContents``: fast
with 10,000 answers). Filters query the repository (SQL, light rows without the JSON), with the free text
debounced; one answer's JSON is read when it is opened. The Progress tab fills its charts only when shown.
An interrupted answer (the app closed mid-answer; its audio was kept) offers "Transcribe now", which emits
:attr:`HistoryScreen.transcribeRequested`; the shell transcribes it and calls :meth:`HistoryScreen.refresh`.
"""

from __future__ import annotations

import logging
from datetime import date

from PySide6.QtCore import QDate, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QFontMetrics, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from opsprep_voice.core.bank import Question, QuestionBank
from opsprep_voice.storage.repository import AttemptRecord, HistoryRepository, SessionRecord
from opsprep_voice.ui.history.compare_view import CompareView
from opsprep_voice.ui.history.export_dialog import ExportDialog
from opsprep_voice.ui.history.history_model import (
    COL_CATEGORY,
    COL_COVERAGE,
    COL_FILLERS,
    COL_LENGTH,
    COL_PACE,
    COL_QUESTION,
    COL_STATUS,
    COL_WHEN,
    COLUMNS,
    STATUS_TEXT,
    HistoryModel,
    local_time,
)
from opsprep_voice.ui.history.progress_charts import ProgressCharts
from opsprep_voice.ui.review.attempt_view import AttemptView

log = logging.getLogger(__name__)

NO_DATE = QDate(2000, 1, 1)
TEXT_DEBOUNCE_MS = 300
STATUS_MESSAGES = {
    "interrupted": (
        "This answer was interrupted: the app closed while you were answering. The recording was kept "
        "and has not been transcribed yet."
    ),
    "recorded": "This answer was recorded but not transcribed yet.",
    "recording": "This answer is being recorded (or the app closed before it was saved).",
    "failed": "Transcribing this answer failed.",
}


class _AttemptStatusPanel(QWidget):
    """Shown instead of the review for answers without a score: what happened, and "Transcribe now"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Answer status")
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("What happened to this answer")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.detail.setAccessibleName("Details")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.transcribe_button = QPushButton("Transcribe now", self)
        self.transcribe_button.setAccessibleName("Transcribe this answer now")
        self.transcribe_button.setToolTip("Transcribe and score the kept recording")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.message)
        layout.addWidget(self.detail)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.transcribe_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)

    def show_attempt(self, attempt: AttemptRecord) -> None:
        self.message.setText(STATUS_MESSAGES.get(attempt.status, f"Status: {attempt.status}"))
        details = [f"Question {attempt.question_number}: {attempt.question_text or attempt.question_id}"]
        if attempt.error:
            details.append(f"Error: {attempt.error}")
        audio_ok = attempt.audio_path is not None and attempt.audio_path.is_file()
        if not audio_ok:
            details.append("The recording file is missing, so it cannot be transcribed.")
        self.detail.setText("\n".join(details))
        can = attempt.status in ("interrupted", "recorded", "failed") and audio_ok
        self.transcribe_button.setVisible(attempt.status != "recording")
        self.transcribe_button.setEnabled(can)
        self.transcribe_button.setText("Transcribe again" if attempt.status == "failed" else "Transcribe now")


class HistoryScreen(QWidget):
    """History of rehearsals. ``HistoryScreen(repository, bank)``; ``refresh()`` after new answers."""

    transcribeRequested = Signal(int)
    attemptOpened = Signal(int)

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

        # ---- filters
        self.question_filter = QComboBox(self)
        self.question_filter.setAccessibleName("Filter by question")
        self.question_filter.setToolTip("Show answers to one question")
        self.question_filter.addItem("All questions", None)
        for q in bank:
            short = q.text if len(q.text) <= 60 else q.text[:57] + "…"
            self.question_filter.addItem(f"Q{q.number} · {short}", q.id)
        self.question_filter.setMinimumContentsLength(24)
        self.question_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.category_filter = QComboBox(self)
        self.category_filter.setAccessibleName("Filter by category")
        self.category_filter.setToolTip("Show answers in one category")
        self.category_filter.addItem("All categories", None)
        for category in bank.categories:
            self.category_filter.addItem(category.replace("-", " "), category)
        self.since_edit = self._date_edit("From", "Show answers from this day on")
        self.until_edit = self._date_edit("To", "Show answers up to and including this day")
        self.text_filter = QLineEdit(self)
        self.text_filter.setPlaceholderText("Search transcripts…")
        self.text_filter.setClearButtonEnabled(True)
        self.text_filter.setAccessibleName("Search the transcripts")
        self.group_check = QCheckBox("Group by session", self)
        self.group_check.setChecked(True)
        self.group_check.setAccessibleName("Group answers by session")
        self.reset_button = QToolButton(self)
        self.reset_button.setText("Clear filters")
        self.reset_button.setAccessibleName("Clear all filters")
        self.reset_button.clicked.connect(self.clear_filters)

        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(TEXT_DEBOUNCE_MS)
        self._text_timer.timeout.connect(self.apply_filters)
        self.text_filter.textChanged.connect(lambda _t: self._text_timer.start())
        for combo in (self.question_filter, self.category_filter):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filters())
        for edit in (self.since_edit, self.until_edit):
            edit.dateChanged.connect(lambda _d: self.apply_filters())
        self.group_check.toggled.connect(lambda _on: self.apply_filters())

        filters = QHBoxLayout()
        filters.addWidget(self.question_filter, 2)
        filters.addWidget(self.category_filter, 1)
        filters.addWidget(QLabel("From", self))
        filters.addWidget(self.since_edit)
        filters.addWidget(QLabel("to", self))
        filters.addWidget(self.until_edit)
        filters.addWidget(self.text_filter, 2)
        filters.addWidget(self.group_check)
        filters.addWidget(self.reset_button)

        # ---- list
        self.model = HistoryModel(self)  # sorts itself (HistoryModel.sort), no proxy asking data() per row
        self.tree = QTreeView(self)
        self.tree.setModel(self.model)
        self.tree.setAccessibleName("Sessions and answers")
        self.tree.setUniformRowHeights(True)
        self.tree.setSortingEnabled(True)
        self.tree.sortByColumn(COL_WHEN, Qt.SortOrder.DescendingOrder)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setAlternatingRowColors(True)
        self.tree.setExpandsOnDoubleClick(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        # Interactive with widths from font metrics: ResizeToContents would read every row's data.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._fit_columns()
        header.resizeSection(COL_QUESTION, 300)
        self.tree.selectionModel().selectionChanged.connect(lambda *_a: self._on_selection())
        self.count_label = QLabel(self)
        self.count_label.setAccessibleName("Number of answers shown")

        self.compare_button = QPushButton("Compare", self)
        self.compare_button.setAccessibleName("Compare two attempts")
        self.compare_button.setToolTip(
            "Compare two selected attempts at the same question (one selected: with the previous attempt)"
        )
        self.compare_button.clicked.connect(self.compare_selected)
        self.delete_button = QPushButton("Delete…", self)
        self.delete_button.setAccessibleName("Delete the selected answers or sessions")
        self.delete_button.setToolTip("Delete the selection and its recordings (asks first)")
        self.delete_button.clicked.connect(self.delete_selected)
        self.export_button = QPushButton("Export…", self)
        self.export_button.setAccessibleName("Export the selected session or question")
        self.export_button.setToolTip("Export the selected session, or all attempts of the selected question")
        self.export_button.clicked.connect(self.export_selected)
        self.transcribe_button = QPushButton("Transcribe now", self)
        self.transcribe_button.setAccessibleName("Transcribe the interrupted answer")
        self.transcribe_button.setToolTip("Transcribe and score an answer the app did not finish")
        self.transcribe_button.clicked.connect(self._request_transcription)
        delete_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.tree)
        delete_shortcut.activated.connect(self.delete_selected)

        actions = QHBoxLayout()
        actions.addWidget(self.count_label, 1)
        actions.addWidget(self.transcribe_button)
        actions.addWidget(self.compare_button)
        actions.addWidget(self.export_button)
        actions.addWidget(self.delete_button)

        list_panel = QWidget(self)
        list_box = QVBoxLayout(list_panel)
        list_box.setContentsMargins(0, 0, 0, 0)
        list_box.addWidget(self.tree, 1)
        list_box.addLayout(actions)

        # ---- detail: review / status / session summary
        self.attempt_view = AttemptView(self)
        self.status_panel = _AttemptStatusPanel(self)
        self.status_panel.transcribe_button.clicked.connect(self._request_transcription)
        self.session_summary = QLabel(self)
        self.session_summary.setWordWrap(True)
        self.session_summary.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.session_summary.setAccessibleName("Session summary")
        self.detail = QStackedWidget(self)
        self.detail.addWidget(self.attempt_view)
        self.detail.addWidget(self.status_panel)
        self.detail.addWidget(self.session_summary)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(list_panel)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        self._sized = False

        answers_tab = QWidget(self)
        answers_box = QVBoxLayout(answers_tab)
        answers_box.addLayout(filters)
        answers_box.addWidget(self.splitter, 1)

        self.compare_view = CompareView(self)
        self.progress_charts = ProgressCharts(repository, bank, self)
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("History views")
        self.tabs.addTab(answers_tab, "Answers")
        self.tabs.addTab(self.compare_view, "Compare")
        self.tabs.addTab(self.progress_charts, "Progress")
        self.tabs.currentChanged.connect(self._on_tab)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs)
        self.refresh()

    # ----------------------------------------------------------------------------------------- public API
    def refresh(self, select_attempt_id: int | None = None) -> None:
        """Re-read sessions and answers (after a rehearsal, a transcription or a deletion)."""
        keep = select_attempt_id or (self._current_attempt.id if self._current_attempt else None)
        # The repository has no light "sessions only" query: list_sessions brings every session's (light)
        # attempts, so without filters those are the list (one read of the attempts, not two).
        sessions = self._repository.list_sessions(with_json=False)
        self._sessions = {
            s.id: SessionRecord(s.id, s.started_at, s.ended_at, s.mode, s.title, s.bank) for s in sessions
        }
        everything: list[AttemptRecord] | None = None
        if not self._filters_active():
            everything = [a for s in sessions for a in s.attempts]
            everything.sort(key=lambda a: (a.started_at, a.id), reverse=True)  # as list_attempts orders them
        self._apply(select_attempt_id=keep, unfiltered=everything)
        self.progress_charts.refresh()  # cheap while its tab is hidden: it reloads when shown

    def apply_filters(self, select_attempt_id: int | None = None) -> None:
        self._apply(select_attempt_id=select_attempt_id)

    def _filters_active(self) -> bool:
        return (
            self.question_filter.currentData() is not None
            or self.category_filter.currentData() is not None
            or self._date_value(self.since_edit) is not None
            or self._date_value(self.until_edit) is not None
            or bool(self.text_filter.text().strip())
        )

    def _apply(
        self, select_attempt_id: int | None = None, unfiltered: list[AttemptRecord] | None = None
    ) -> None:
        question_id = self.question_filter.currentData()
        category = self.category_filter.currentData()
        since = self._date_value(self.since_edit)
        until = self._date_value(self.until_edit)
        text = self.text_filter.text().strip() or None
        if unfiltered is not None:
            attempts = unfiltered
        else:
            attempts = self._repository.list_attempts(
                question_id=question_id,
                category=category,
                since=since,
                until=until,
                text=text,
                with_json=False,
            )
        best = set(self._repository.best_attempt_ids().values())
        titles = {q.id: q.text for q in self._questions.values()}
        self.model.set_data(attempts, self._sessions, best, titles, grouped=self.group_check.isChecked())
        if self.model.grouped:
            self.tree.expandAll()
        sessions = self.model.session_count()
        self.count_label.setText(
            f"{len(attempts)} answer{'s' if len(attempts) != 1 else ''}"
            + (f" in {sessions} session{'s' if sessions != 1 else ''}" if self.model.grouped else "")
        )
        if select_attempt_id is not None and self.select_attempt(select_attempt_id):
            return
        self._show_nothing()

    def clear_filters(self) -> None:
        widgets = (
            self.question_filter,
            self.category_filter,
            self.since_edit,
            self.until_edit,
            self.text_filter,
        )
        for widget in widgets:
            widget.blockSignals(True)
        self.question_filter.setCurrentIndex(0)
        self.category_filter.setCurrentIndex(0)
        self.since_edit.setDate(NO_DATE)
        self.until_edit.setDate(NO_DATE)
        self.text_filter.clear()
        for widget in widgets:
            widget.blockSignals(False)
        self.apply_filters()

    def set_filters(
        self,
        *,
        question_id: str | None = None,
        category: str | None = None,
        since: date | None = None,
        until: date | None = None,
        text: str = "",
    ) -> None:
        """Set all filters at once (one query)."""
        widgets = (
            self.question_filter,
            self.category_filter,
            self.since_edit,
            self.until_edit,
            self.text_filter,
        )
        for widget in widgets:
            widget.blockSignals(True)
        self.question_filter.setCurrentIndex(max(0, self.question_filter.findData(question_id)))
        self.category_filter.setCurrentIndex(max(0, self.category_filter.findData(category)))
        self.since_edit.setDate(QDate(since.year, since.month, since.day) if since else NO_DATE)
        self.until_edit.setDate(QDate(until.year, until.month, until.day) if until else NO_DATE)
        self.text_filter.setText(text)
        for widget in widgets:
            widget.blockSignals(False)
        self._text_timer.stop()
        self.apply_filters()

    def visible_attempt_ids(self) -> list[int]:
        """Attempt ids in the list, in display order."""
        return [a.id for a in self.model.attempts_in_order()]

    def select_attempt(self, attempt_id: int) -> bool:
        index = self.model.index_of_attempt(attempt_id)
        if not index.isValid():
            return False
        self.tree.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.tree.scrollTo(index)
        return True

    def select_session(self, session_id: int) -> bool:
        index = self.model.index_of_session(session_id)
        if not index.isValid():
            return False
        self.tree.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        return True

    def selected(self) -> tuple[list[AttemptRecord], list[int]]:
        """Selected attempts and selected session ids."""
        attempts: list[AttemptRecord] = []
        sessions: list[int] = []
        for index in self.tree.selectionModel().selectedRows(0):
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
        attempts = [a for a in attempts if a.session_id not in sessions]
        if not attempts and not sessions:
            return False
        parts = []
        if sessions:
            answers = sum(self.model.session_attempt_count(s) for s in sessions)
            parts.append(f"{len(sessions)} session(s) with {answers} answer(s)")
        if attempts:
            if len(attempts) == 1:
                a = attempts[0]
                parts.append(f"the answer to Q{a.question_number} from {local_time(a.started_at)}")
            else:
                parts.append(f"{len(attempts)} answer(s)")
        answer = QMessageBox.question(
            self,
            "Delete from history?",
            f"Delete {' and '.join(parts)}? Their recordings are deleted too. This cannot be undone.",
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
        log.info("deleted %d session(s) and %d answer(s)", len(sessions), len(attempts))
        self.refresh()
        return True

    def compare_selected(self) -> bool:
        attempts, _sessions = self.selected()
        scored = [a for a in attempts if a.status == "scored"]
        pair: list[AttemptRecord]
        if len(scored) == 2 and scored[0].question_id == scored[1].question_id:
            pair = sorted(scored, key=lambda a: (a.started_at, a.id))
        elif len(scored) == 1:
            earlier = [
                a
                for a in self._repository.list_attempts(
                    question_id=scored[0].question_id, status="scored", with_json=False
                )
                if (a.started_at, a.id) < (scored[0].started_at, scored[0].id)
            ]
            if not earlier:
                QMessageBox.information(self, "Compare", "This is the first scored attempt at this question.")
                return False
            pair = [earlier[0], scored[0]]
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
        self.compare_view.compare(
            self._questions.get(after.question_id),
            before.report or {},
            after.report or {},
            local_time(before.started_at),
            local_time(after.started_at),
        )
        self.tabs.setCurrentWidget(self.compare_view)

    def export_selected(self) -> ExportDialog | None:
        attempts, sessions = self.selected()
        session_id = sessions[0] if sessions else (attempts[0].session_id if attempts else None)
        question_id = attempts[0].question_id if attempts else self.question_filter.currentData()
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
            self.splitter.setSizes([int(total * 0.44), total - int(total * 0.44)])

    def _fit_columns(self) -> None:
        """Column widths from font metrics of the longest texts a column can hold (no pass over the rows)."""
        samples: dict[int, list[str]] = {
            COL_WHEN: ["8888-88-88 88:88"],
            COL_COVERAGE: ["avg 100%", "100%"],
            COL_LENGTH: ["88:88", "–"],
            COL_PACE: ["888 wpm"],
            COL_FILLERS: ["88.8/min"],
            COL_STATUS: [*STATUS_TEXT.values(), "interrupted"],
            COL_CATEGORY: [c.replace("-", " ") for c in self._bank.categories] or ["category"],
        }
        bold = self.tree.font()
        bold.setBold(True)  # session rows and best answers are bold
        metrics = QFontMetrics(bold)
        header = self.tree.header()
        padding = 2 * self.tree.style().pixelMetric(self.tree.style().PixelMetric.PM_FocusFrameHMargin) + 16
        for column, texts in samples.items():
            width = max(metrics.horizontalAdvance(t) for t in texts) + padding
            if column == COL_WHEN:  # tree indentation and the expand arrow
                width += 2 * self.tree.indentation()
            header_width = metrics.horizontalAdvance(COLUMNS[column]) + padding + 16  # + sort arrow
            header.resizeSection(column, max(width, header_width, header.sectionSizeHint(column)))

    def _date_edit(self, name: str, tip: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setCalendarPopup(True)
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText("any day")
        edit.setDate(NO_DATE)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setAccessibleName(f"{name} date")
        edit.setToolTip(tip + " (clear by choosing the earliest date)")
        return edit

    @staticmethod
    def _date_value(edit: QDateEdit) -> date | None:
        value = edit.date()
        return None if value == NO_DATE else date(value.year(), value.month(), value.day())

    def _show_nothing(self) -> None:
        self._current_attempt = None
        self._current_session = None
        self.attempt_view.clear()
        self.detail.setCurrentWidget(self.attempt_view)
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
        if record.status == "scored" and record.report:
            question = self._questions.get(record.question_id)
            self.attempt_view.show_attempt(question, record.report, record.audio_path)
            self.detail.setCurrentWidget(self.attempt_view)
        else:
            self.attempt_view.clear()
            self.status_panel.show_attempt(record)
            self.detail.setCurrentWidget(self.status_panel)
        self.attemptOpened.emit(attempt_id)

    def _show_session(self, session_id: int) -> None:
        self._current_attempt = None
        self._current_session = session_id
        self.attempt_view.clear()
        session = self._sessions.get(session_id)
        count = self.model.session_attempt_count(session_id)
        when = local_time(session.started_at) if session else ""
        title = session.title if session and session.title else f"Session {session_id}"
        self.session_summary.setText(
            f"<b>{title}</b><br>{when} · {count} answer{'s' if count != 1 else ''}<br><br>"
            "Select an answer to review it, or use Export… / Delete… for the whole session."
        )
        self.detail.setCurrentWidget(self.session_summary)

    def _update_actions(self) -> None:
        attempts, sessions = self.selected()
        current = self._current_attempt
        self.delete_button.setEnabled(bool(attempts or sessions))
        self.export_button.setEnabled(bool(attempts or sessions))
        self.compare_button.setEnabled(any(a.status == "scored" for a in attempts))
        can_transcribe = current is not None and current.status in ("interrupted", "recorded", "failed")
        self.transcribe_button.setVisible(can_transcribe)

    def _request_transcription(self) -> None:
        if self._current_attempt is not None:
            log.info("transcription requested for attempt %d", self._current_attempt.id)
            self.transcribeRequested.emit(self._current_attempt.id)

    def _on_tab(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.progress_charts:
            question_id = self.question_filter.currentData()
            if question_id is not None:
                self.progress_charts.set_question(question_id)
            self.progress_charts.refresh()
