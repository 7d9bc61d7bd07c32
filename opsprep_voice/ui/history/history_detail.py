"""The right-hand side of History's Answers tab: what the selection is, shown in one of three pages.

A scored answer (or a cancelled take transcribed later) gets its review, with the follow-up answers that
followed it, and the candidate's own marks ("I made this point"), saved here as they are made; an answer
without a score gets an :class:`AttemptStatusPanel` (what happened, "Transcribe
now"); a session row gets a short summary. The screen decides what is selected; this widget only shows it.
"""

from __future__ import annotations

import html
import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget

from opsprep_voice.core.bank import Question
from opsprep_voice.core.wording import plural
from opsprep_voice.practice.follow_ups import FollowUpTurn, load_follow_ups
from opsprep_voice.practice.marks import save_mark
from opsprep_voice.storage.records import AttemptRecord, SessionRecord
from opsprep_voice.storage.repository import HistoryRepository
from opsprep_voice.ui.history.attempt_status import AttemptStatusPanel
from opsprep_voice.ui.history.history_rows import local_time
from opsprep_voice.ui.review.attempt_view import AttemptView

log = logging.getLogger(__name__)


class HistoryDetail(QStackedWidget):
    """The review, the status of an unscored answer, or a session's summary."""

    #: What the candidate should know and the window says in its notice line (a mark not saved).
    notice = Signal(str)

    def __init__(self, repository: HistoryRepository, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._repository = repository
        self._attempt_id: int | None = None  # the answer whose review is shown
        self.attempt_view = AttemptView(self, metrics_columns=1)
        self.attempt_view.markChanged.connect(self._save_mark)
        self.status_panel = AttemptStatusPanel(self)
        self.session_summary = QLabel(self)
        self.session_summary.setWordWrap(True)
        self.session_summary.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.session_summary.setAccessibleName("Session summary")
        for page in (self.attempt_view, self.status_panel, self.session_summary):
            self.addWidget(page)

    def show_nothing(self) -> None:
        self._attempt_id = None
        self.attempt_view.clear()  # also releases the recording its player holds
        self.setCurrentWidget(self.attempt_view)

    def show_attempt(self, record: AttemptRecord, question: Question | None) -> None:
        if record.status in ("scored", "cancelled") and record.report:  # a cancelled take transcribed later
            self._attempt_id = record.id
            self.attempt_view.show_attempt(
                question, record.report, record.audio_path, self._follow_ups(record)
            )
            self.setCurrentWidget(self.attempt_view)
        else:
            self._attempt_id = None
            self.attempt_view.clear()
            self.status_panel.show_attempt(record)
            self.setCurrentWidget(self.status_panel)

    def show_session(self, session_id: int, session: SessionRecord | None, answers: int) -> None:
        self._attempt_id = None
        self.attempt_view.clear()
        when = local_time(session.started_at) if session else ""
        title = html.escape(session.title) if session and session.title else f"Session {session_id}"
        self.session_summary.setText(
            f"<b>{title}</b><br>{when} · {plural(answers, 'answer')}<br><br>"
            "Select an answer to review it, or use Export… / Delete… for the whole session."
        )
        self.setCurrentWidget(self.session_summary)

    def _save_mark(self, item_id: str, covered: bool) -> None:
        """Save the mark made in the shown review at once (History writes on this thread, like Delete)."""
        problem = save_mark(self._repository, self._attempt_id, item_id, covered)
        if problem:
            self.notice.emit(problem)

    def _follow_ups(self, record: AttemptRecord) -> list[FollowUpTurn]:
        """A main answer's follow-ups for its review (none for a follow-up itself, or when unreadable)."""
        if record.follow_up_of is not None:
            return []
        try:
            return load_follow_ups(self._repository, record.id)
        except Exception:
            log.exception("could not read the follow-ups of attempt %d", record.id)
            return []
