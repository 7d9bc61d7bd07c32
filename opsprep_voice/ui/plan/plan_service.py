"""The practice plan for the screens: built from History off the GUI thread, with its two settings.

:class:`PlanService` is made once by the app's wiring module and shared by the start screen's plan choice
and the Plan screen. The plan keeps no state (``core.plan``): every :meth:`PlanService.build` reads the
scored answers again and schedules them afresh, so a screen shows what History holds now, after a session
or a deletion alike. Reading 10,000 answers and scheduling them takes most of a second on a slow machine,
which is why it runs as a background :class:`~opsprep_voice.ui.workers.Task`.

A screen asks through a :class:`PlanFeed`, which hands on only the newest of overlapping builds (a second
refresh may start before the first has ended) and nothing once its owner is gone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal

from opsprep_voice.core.bank import Question
from opsprep_voice.core.plan import Plan, build_plan
from opsprep_voice.core.settings import SettingsStore
from opsprep_voice.storage.repository import HistoryRepository
from opsprep_voice.ui.workers import Task, TaskRunner

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def local_now() -> datetime:
    """Now, aware, in the computer's time zone (the plan's days are the candidate's days)."""
    return datetime.now().astimezone()


class PlanService:
    """Builds :class:`~opsprep_voice.core.plan.Plan` objects from ``repository`` (None: no History, so
    every question is new) with the interview date and new questions a day kept in ``settings``."""

    def __init__(
        self,
        repository: HistoryRepository | None,
        settings: SettingsStore,
        runner: TaskRunner,
        *,
        clock: Clock = local_now,
    ) -> None:
        self._repository = repository
        self._settings = settings
        self._runner = runner
        self._clock = clock

    @property
    def interview_date(self) -> date | None:
        return self._settings.settings.interview_date

    @property
    def new_per_day(self) -> int:
        return self._settings.settings.plan_new_per_day

    def today(self) -> date:
        return self._clock().date()

    def save_options(self, interview_date: date | None, new_per_day: int) -> str | None:
        """Keep the plan's settings; returns why they could not be saved, or None."""
        current = self._settings.settings
        if current.interview_date == interview_date and current.plan_new_per_day == new_per_day:
            return None
        try:
            self._settings.update(interview_date=interview_date, plan_new_per_day=new_per_day)
        except Exception as exc:  # a full disk or a read-only config folder: the plan still works
            log.exception("Could not save the plan settings")
            return f"The plan settings could not be saved ({exc})."
        return None

    def build(self, questions: Sequence[Question]) -> Task:
        """Start building the plan for ``questions``; the task's result is a :class:`Plan`."""
        # Read on the GUI thread: the settings may change while the task runs.
        questions = list(questions)
        now = self._clock()
        interview, per_day = self.interview_date, self.new_per_day
        repository = self._repository

        def work(_progress: Any, _cancel: threading.Event) -> Plan:
            attempts = repository.plan_attempts() if repository is not None else []
            return build_plan(
                questions,
                attempts,
                now=now,
                tz=now.tzinfo or UTC,  # build_plan refuses a naive now anyway
                new_per_day=per_day,
                interview_date=interview,
            )

        return self._runner.start(work, "build the practice plan")


class PlanFeed(QObject):
    """One screen's view of the plan: :meth:`refresh` starts a build; :attr:`planReady` delivers the newest
    plan, :attr:`failed` why it could not be built."""

    planReady = Signal(object)  # Plan
    failed = Signal(str)

    def __init__(self, service: PlanService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.plan: Plan | None = None
        self.loading = False
        self._generation = 0

    def refresh(self, questions: Sequence[Question]) -> None:
        self._generation += 1
        generation = self._generation
        self.loading = True
        self.service.build(questions).then(
            lambda plan: self._deliver(generation, plan, None),
            lambda message: self._deliver(generation, None, message),
        )

    def _deliver(self, generation: int, plan: Plan | None, problem: str | None) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return  # its screen is gone, or a newer build is on its way
        self.loading = False
        if plan is None:
            self.failed.emit(problem or "unknown error")
            return
        self.plan = plan
        self.planReady.emit(plan)
