"""The rehearsal session: which questions, in what order, and where the candidate is in each one.

Pure state machine, no Qt and no I/O. The UI's controller calls the transition methods when things
happen (speech finished, Stop pressed, transcription done) and renders :attr:`RehearsalSession.phase`.
An impossible transition raises :class:`SessionStateError` instead of silently corrupting the flow.

Per question::

    READY -> SPEAKING -> THINKING -> RECORDING -> TRANSCRIBING -> REVIEW
      ^         \\____________\\__________^  (speech and think time are optional)
      |___________________ re-record (from RECORDING, TRANSCRIBING or REVIEW) __|

``next_question()`` moves on from any phase (answering or skipping); after the last one the session
is FINISHED.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from opsprep_voice.core.bank import Question, QuestionBank

if TYPE_CHECKING:
    from opsprep_voice.core.scoring import ScoreReport

SelectionKind = Literal["all", "random", "category", "single", "plan"]
Mode = Literal["study", "interview"]


class SessionStateError(RuntimeError):
    """A transition that is not allowed in the current phase."""


class Phase(Enum):
    READY = "ready"
    SPEAKING = "speaking"
    THINKING = "thinking"
    RECORDING = "recording"
    TRANSCRIBING = "transcribing"
    REVIEW = "review"
    FINISHED = "finished"


@dataclass(frozen=True, slots=True)
class Selection:
    """What to rehearse: all questions in order, N random ones, one category, a single question, or the
    practice plan's due questions (``question_ids``, in the plan's order; see ``core.plan``)."""

    kind: SelectionKind = "all"
    count: int = 5
    category: str | None = None
    question_id: str | None = None
    seed: int | None = None
    question_ids: tuple[str, ...] = ()

    def describe(self) -> str:
        match self.kind:
            case "all":
                return "All questions in order"
            case "random":
                return f"{self.count} random questions"
            case "category":
                return f"Category: {self.category}"
            case "single":
                return f"Question {self.question_id}"
            case "plan":
                return "Today's plan"
        return self.kind


def plan_questions(bank: QuestionBank, selection: Selection) -> list[Question]:
    """The questions a selection stands for. Raises ValueError with a clear reason if it selects none."""
    questions = list(bank)
    if selection.kind == "all":
        chosen = questions
    elif selection.kind == "random":
        if selection.count < 1:
            raise ValueError("choose at least one random question")
        rng = random.Random(selection.seed)
        chosen = rng.sample(questions, min(selection.count, len(questions)))
    elif selection.kind == "category":
        chosen = [q for q in questions if q.category == selection.category]
        if not chosen:
            raise ValueError(f"no questions in category {selection.category!r}")
    elif selection.kind == "plan":
        if not selection.question_ids:
            raise ValueError("nothing is due today in the practice plan")
        chosen = [bank.find(question_id) for question_id in selection.question_ids]
    else:
        chosen = [bank.find(selection.question_id or "")]
    return chosen


@dataclass(slots=True)
class QuestionResult:
    """What happened to one question: its last scored answer, or skipped."""

    question: Question
    report: ScoreReport | None = None
    audio_path: Path | None = None
    attempt_id: int | None = None
    attempts: int = 0
    skipped: bool = False

    def summary_row(self) -> dict[str, Any]:
        r = self.report
        return {
            "number": self.question.number,
            "question_id": self.question.id,
            "text": self.question.text,
            "skipped": self.skipped and self.report is None,
            "attempts": self.attempts,
            "coverage": None if r is None else r.coverage,
            "duration_s": None if r is None else r.duration_s,
            "target_seconds": self.question.target_seconds,
            "wpm": None if r is None else r.wpm,
            "fillers_per_min": None if r is None else r.fillers_per_min,
        }


Listener = Callable[["RehearsalSession"], None]


@dataclass
class RehearsalSession:
    questions: Sequence[Question]
    mode: Mode = "interview"
    started_at: datetime = field(default_factory=datetime.now)
    index: int = 0
    phase: Phase = Phase.READY
    results: list[QuestionResult] = field(init=False)
    _listeners: list[Listener] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.questions:
            raise ValueError("a rehearsal needs at least one question")
        self.results = [QuestionResult(q) for q in self.questions]

    # -- observation ---------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _set(self, phase: Phase) -> None:
        self.phase = phase
        for listener in list(self._listeners):
            listener(self)

    def _require(self, *allowed: Phase, action: str) -> None:
        if self.phase not in allowed:
            names = ", ".join(p.value for p in allowed)
            raise SessionStateError(f"cannot {action} while {self.phase.value} (only when {names})")

    @property
    def question(self) -> Question:
        return self.questions[min(self.index, len(self.questions) - 1)]

    @property
    def result(self) -> QuestionResult:
        return self.results[min(self.index, len(self.results) - 1)]

    @property
    def is_last(self) -> bool:
        return self.index >= len(self.questions) - 1

    @property
    def answer_visible(self) -> bool:
        """Study mode shows guidance and the example answer up front; interview mode only in review."""
        return self.mode == "study" or self.phase in (Phase.REVIEW, Phase.FINISHED)

    # -- transitions ---------------------------------------------------------------------------
    def begin_speaking(self) -> None:
        self._require(Phase.READY, Phase.SPEAKING, Phase.THINKING, action="speak the question")
        self._set(Phase.SPEAKING)

    def speech_failed(self) -> None:
        """The question could not be spoken: back to READY (the candidate reads it and starts when ready)."""
        self._require(Phase.SPEAKING, action="give up speaking the question")
        self._set(Phase.READY)

    def begin_thinking(self) -> None:
        self._require(Phase.READY, Phase.SPEAKING, action="start think time")
        self._set(Phase.THINKING)

    def start_recording(self) -> None:
        self._require(Phase.READY, Phase.SPEAKING, Phase.THINKING, action="start recording")
        self.result.attempts += 1
        self._set(Phase.RECORDING)

    def stop_recording(self) -> None:
        self._require(Phase.RECORDING, action="stop recording")
        self._set(Phase.TRANSCRIBING)

    def transcription_done(
        self, report: ScoreReport, audio_path: Path | None = None, attempt_id: int | None = None
    ) -> None:
        self._require(Phase.TRANSCRIBING, action="show a review")
        res = self.result
        res.report, res.audio_path, res.attempt_id, res.skipped = report, audio_path, attempt_id, False
        self._set(Phase.REVIEW)

    def transcription_failed(self) -> None:
        """Transcription failed or was cancelled: the audio is kept; the candidate may re-record or go on."""
        self._require(Phase.TRANSCRIBING, action="abandon transcription")
        self._set(Phase.READY)

    def rerecord(self) -> None:
        self._require(Phase.RECORDING, Phase.TRANSCRIBING, Phase.REVIEW, Phase.READY, action="re-record")
        self._set(Phase.READY)

    def next_question(self) -> None:
        """Go on (skipping the question if it has no scored answer); FINISHED after the last one."""
        self._require(
            Phase.READY, Phase.SPEAKING, Phase.THINKING, Phase.REVIEW, action="go to the next question"
        )
        if self.result.report is None:
            self.result.skipped = True
        if self.is_last:
            self._set(Phase.FINISHED)
            return
        self.index += 1
        self._set(Phase.READY)

    def finish(self) -> None:
        """End early (e.g. the window closes); unanswered questions count as skipped."""
        for res in self.results[self.index :]:
            if res.report is None:
                res.skipped = True
        self._set(Phase.FINISHED)

    # -- summary -------------------------------------------------------------------------------
    def summary(self) -> list[dict[str, Any]]:
        return [r.summary_row() for r in self.results]

    def average_coverage(self) -> float | None:
        scored = [r.report.coverage for r in self.results if r.report is not None]
        return sum(scored) / len(scored) if scored else None
