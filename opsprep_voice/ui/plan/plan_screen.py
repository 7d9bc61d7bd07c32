"""The Plan screen: what to rehearse today and on the days after, the days already rehearsed, and how
strong each question is.

Top to bottom: a heading with today's summary and "Rehearse due questions" (which emits
:attr:`PlanScreen.rehearseRequested` with the due questions in the plan's order; the shell starts the
session), the plan's settings (interview date, new questions a day), then the
:class:`~opsprep_voice.ui.plan.due_list.DueList` beside the
:class:`~opsprep_voice.ui.plan.calendar_heatmap.CalendarHeatmap`, and the
:class:`~opsprep_voice.ui.plan.strength_table.StrengthTable` below. The plan is rebuilt in the background
by :meth:`PlanScreen.refresh` (the main window calls it each time the screen is shown).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from opsprep_voice.core.bank import QuestionBank
from opsprep_voice.core.plan import Plan
from opsprep_voice.core.wording import plural
from opsprep_voice.ui.plan.calendar_heatmap import WEEKS, CalendarHeatmap
from opsprep_voice.ui.plan.due_list import DueList
from opsprep_voice.ui.plan.plan_options import PlanOptions
from opsprep_voice.ui.plan.plan_service import PlanFeed, PlanService
from opsprep_voice.ui.plan.plan_text import due_summary, interview_summary
from opsprep_voice.ui.plan.strength_table import StrengthTable


def current_streak(activity: Mapping[date, int], today: date) -> int:
    """Days in a row with answers, up to today (or yesterday, if today has none yet)."""
    day = today if activity.get(today) else today - timedelta(days=1)
    streak = 0
    while activity.get(day):
        streak += 1
        day -= timedelta(days=1)
    return streak


def activity_caption(activity: Mapping[date, int], today: date, first_day: date) -> str:
    if not activity:
        return "No answers in History yet: the days you rehearse fill in here."
    shown = {d: n for d, n in activity.items() if first_day <= d <= today}
    parts = [
        f"{plural(sum(shown.values()), 'answer')} on {plural(len(shown), 'day')} in the last {WEEKS} weeks"
    ]
    streak = current_streak(activity, today)
    if streak:
        parts.append(f"{streak}-day streak")
    return " · ".join(parts)


class PlanScreen(QWidget):
    rehearseRequested = Signal(object)  # tuple of question ids, in the plan's order

    def __init__(self, service: PlanService, bank: QuestionBank, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Practice plan")
        self._bank = bank
        self.feed = PlanFeed(service, self)

        title = QLabel("Practice plan")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        self.summary = QLabel("Working out the plan…")
        self.summary.setAccessibleName("Plan summary")
        self.summary.setWordWrap(True)
        self.rehearse_button = QPushButton("Rehearse due questions")
        self.rehearse_button.setMinimumHeight(36)
        self.rehearse_button.setEnabled(False)
        self.rehearse_button.setToolTip("Start a rehearsal of today's questions in the plan's order")
        self.options = PlanOptions()
        self.due_list = DueList()
        self.heatmap = CalendarHeatmap()
        self.activity = QLabel("")
        self.activity.setAccessibleName("Rehearsal days summary")
        self.activity.setWordWrap(True)
        self.strength = StrengthTable()
        self._lay_out(title)

        self.feed.planReady.connect(self.show_plan)
        self.feed.failed.connect(self._show_failure)
        self.options.changed.connect(self._options_changed)
        self.rehearse_button.clicked.connect(self._rehearse)
        self.refresh()

    def _lay_out(self, title: QLabel) -> None:
        head = QHBoxLayout()
        head.addWidget(title)
        head.addSpacing(12)
        head.addWidget(self.summary, 1)
        head.addWidget(self.rehearse_button)

        due_box = QGroupBox("Due")
        QVBoxLayout(due_box).addWidget(self.due_list)
        days_box = QGroupBox("Rehearsal days")
        days_lay = QVBoxLayout(days_box)
        days_lay.addWidget(self.heatmap)
        days_lay.addWidget(self.activity)
        days_lay.addStretch(1)
        days_box.setMaximumWidth(self.heatmap.sizeHint().width() + 40)
        top = QWidget()
        top_lay = QHBoxLayout(top)
        top_lay.setContentsMargins(0, 0, 0, 0)
        top_lay.addWidget(due_box, 1)
        top_lay.addWidget(days_box)
        strength_box = QGroupBox("Question strength")
        QVBoxLayout(strength_box).addWidget(self.strength)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(strength_box)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)

        root = QVBoxLayout(self)
        root.setContentsMargins(16, 12, 16, 12)
        root.addLayout(head)
        root.addWidget(self.options)
        root.addWidget(self.splitter, 1)

    # -- building ------------------------------------------------------------------------------
    @property
    def plan(self) -> Plan | None:
        return self.feed.plan

    def refresh(self) -> None:
        """Rebuild the plan from History (after a session, or answers deleted)."""
        service = self.feed.service
        self.options.set_values(service.interview_date, service.new_per_day, service.today())
        self.rehearse_button.setEnabled(False)  # until the fresh plan says what is due
        self.feed.refresh(list(self._bank))

    def _options_changed(self, interview_date: object, new_per_day: int) -> None:
        problem = self.feed.service.save_options(interview_date, new_per_day)  # type: ignore[arg-type]
        if problem:
            self.summary.setText(problem)
        self.rehearse_button.setEnabled(False)
        self.feed.refresh(list(self._bank))

    # -- display -------------------------------------------------------------------------------
    def show_plan(self, plan: Plan) -> None:
        summary = due_summary(plan)
        interview = interview_summary(plan)
        self.summary.setText(f"{summary} · {interview}" if interview else summary)
        self.rehearse_button.setEnabled(bool(plan.due_today))
        self.due_list.set_plan(plan)
        self.heatmap.set_activity(plan.activity, plan.today)
        self.activity.setText(activity_caption(plan.activity, plan.today, self.heatmap.first_day))
        self.strength.set_plan(plan)

    def _show_failure(self, message: str) -> None:
        self.summary.setText(f"The plan could not be worked out: {message}")
        self.rehearse_button.setEnabled(False)

    def _rehearse(self) -> None:
        plan = self.plan
        if plan is not None and plan.due_today and not self.feed.loading:
            self.rehearseRequested.emit(tuple(q.question_id for q in plan.due_today))
