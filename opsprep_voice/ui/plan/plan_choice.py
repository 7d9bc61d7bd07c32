"""The start screen's "Today's plan" choice: how many questions are due and why, and the plan's settings.

The start screen puts :attr:`PlanChoice.radio` in its group of selection kinds; choosing it rehearses
:meth:`PlanChoice.due_ids` in the plan's order. The plan is rebuilt (in the background) every time the
choice is shown, so it reflects the session just finished or answers just deleted in History.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QRadioButton, QStyle, QVBoxLayout, QWidget

from opsprep_voice.core.bank import Question
from opsprep_voice.core.plan import Plan
from opsprep_voice.ui.plan.plan_options import PlanOptions
from opsprep_voice.ui.plan.plan_service import PlanFeed, PlanService
from opsprep_voice.ui.plan.plan_text import brief_reason, due_summary, interview_summary, short_title

#: Due questions whose reasons the choice lists; the Plan screen lists them all.
REASONS_SHOWN = 3


class PlanChoice(QWidget):
    planChanged = Signal()  # a plan arrived, or building one failed
    openPlanRequested = Signal()

    def __init__(self, service: PlanService | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._questions: list[Question] = []
        self.feed = PlanFeed(service, self) if service is not None else None
        self.problem = ""
        """Why the plan could not be built (then it cannot be started), or empty."""
        self._save_problem = ""
        self.radio = QRadioButton("Today's plan:")
        self.radio.setAccessibleName("Today's plan")
        self.radio.setToolTip("The questions due today, weakest first (spaced repetition from your History)")
        self.summary = QLabel("Working out today's plan…")
        self.summary.setAccessibleName("Today's plan summary")
        self.open_button = QPushButton("Open the plan…")
        self.open_button.setFlat(True)
        self.open_button.setAccessibleName("Open the practice plan")
        self.open_button.setToolTip(
            "Every question's next date, your rehearsal calendar and strengths (Ctrl+3)"
        )
        self.reasons = QLabel("")
        self.reasons.setTextFormat(Qt.TextFormat.RichText)
        self.reasons.setWordWrap(True)
        self.reasons.setAccessibleName("Why these questions")
        self.options = PlanOptions()

        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.radio)
        head.addWidget(self.summary, 1)
        head.addWidget(self.open_button)
        detail = QVBoxLayout()
        style = self.style()
        indent = style.pixelMetric(QStyle.PixelMetric.PM_ExclusiveIndicatorWidth) + style.pixelMetric(
            QStyle.PixelMetric.PM_RadioButtonLabelSpacing
        )
        detail.setContentsMargins(indent, 0, 0, 0)
        detail.addWidget(self.reasons)
        detail.addWidget(self.options)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 4)
        lay.setSpacing(2)
        lay.addLayout(head)
        lay.addLayout(detail)

        if self.feed is None:
            self.setVisible(False)
            self.radio.setEnabled(False)
            return
        self.feed.planReady.connect(self._show_plan)
        self.feed.failed.connect(self._show_failure)
        self.options.changed.connect(self._options_changed)
        self.open_button.clicked.connect(self.openPlanRequested)

    # -- state ---------------------------------------------------------------------------------
    @property
    def plan(self) -> Plan | None:
        return self.feed.plan if self.feed is not None else None

    @property
    def loading(self) -> bool:
        return self.feed is not None and self.feed.loading

    @property
    def has_history(self) -> bool:
        """True once History has a scored answer to one of these questions."""
        return self.plan is not None and bool(self.plan.activity)

    def due_ids(self) -> tuple[str, ...]:
        plan = self.plan
        return () if plan is None or self.loading else tuple(q.question_id for q in plan.due_today)

    # -- building ------------------------------------------------------------------------------
    def set_questions(self, questions: Sequence[Question]) -> None:
        """The bank to plan for (it changes when a custom bank is loaded)."""
        self._questions = list(questions)
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        if self.feed is None or not self._questions:
            return
        service = self.feed.service
        self.options.set_values(service.interview_date, service.new_per_day, service.today())
        self.feed.refresh(self._questions)
        self.planChanged.emit()  # the old plan is out of date: the start button waits for the new one

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def _options_changed(self, interview_date: object, new_per_day: int) -> None:
        assert self.feed is not None
        problem = self.feed.service.save_options(interview_date, new_per_day)  # type: ignore[arg-type]
        self._save_problem = problem or ""
        self.feed.refresh(self._questions)
        self.planChanged.emit()

    # -- display -------------------------------------------------------------------------------
    def _show_plan(self, plan: Plan) -> None:
        self.problem = ""
        summary = due_summary(plan)
        interview = interview_summary(plan)
        self.summary.setText(f"{summary} · {interview}" if interview else summary)
        due = plan.due_today
        lines = [
            f"<b>Q{q.number}</b> {html.escape(short_title(q))}: {html.escape(brief_reason(q))}"
            for q in due[:REASONS_SHOWN]
        ]
        if len(due) > REASONS_SHOWN:
            lines.append(f"… and {len(due) - REASONS_SHOWN} more")
        if not plan.activity:
            lines.append("Nothing in History yet: the plan starts with the first questions of the bank.")
        if self._save_problem:
            lines.insert(0, f"⚠ {html.escape(self._save_problem)}")
        self.reasons.setText("<br>".join(lines))
        self.reasons.setToolTip("\n".join(f"Q{q.number} {short_title(q)}: {q.reason}" for q in due))
        self.planChanged.emit()

    def _show_failure(self, message: str) -> None:
        self.problem = f"Today's plan could not be worked out: {message}"
        self.summary.setText("unavailable")
        self.reasons.setText(html.escape(self.problem))
        self.planChanged.emit()
