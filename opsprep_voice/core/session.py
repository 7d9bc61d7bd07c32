"""The rehearsal session: which questions, in what order, and where the candidate is in each one.

Pure state machine, no Qt and no I/O. The UI's controller calls the transition methods when things
happen (speech finished, Stop pressed, transcription done) and renders :attr:`RehearsalSession.phase`.
An impossible transition raises :class:`SessionStateError` instead of silently corrupting the flow.

Per question::

    READY -> SPEAKING -> THINKING -> RECORDING -> TRANSCRIBING -> REVIEW
      ^         \\____________\\__________^  (speech and think time are optional)
      |___________________ re-record (from RECORDING, TRANSCRIBING or REVIEW) __|

In interview mode a thin answer gets a follow-up before its review: when the main answer is scored,
:func:`~opsprep_voice.core.followup.choose_probe` (with the session's follow-up setting) picks the missed
item to ask about, and the question goes through the follow-up turn::

    TRANSCRIBING -> FOLLOW_UP_READY -> PROBING -> FOLLOW_UP_RECORDING -> FOLLOW_UP_TRANSCRIBING -> REVIEW
                        ^   \\__________\\___________^                              |
                        |__ speech failed, cancel, re-record, transcription failed __|

The probe is spoken in PROBING; when it cannot be, FOLLOW_UP_READY shows it and the candidate starts when
ready. ``skip_follow_up()`` goes from FOLLOW_UP_READY or PROBING to the review (not to the next question).
A scored follow-up goes to the review, or back to FOLLOW_UP_READY with a second probe when the setting
allows two and the answer is still thin. Study mode never probes.

``next_question()`` moves on from any phase outside an answer being recorded or followed up (answering or
skipping); after the last one the session is FINISHED.
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
from opsprep_voice.core.follow_up_turn import FollowUpAnswer
from opsprep_voice.core.question_result import QuestionResult
from opsprep_voice.core.settings import FollowUpSetting

if TYPE_CHECKING:
    from opsprep_voice.core.followup import Probe
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
    # The follow-up turn (interview mode, after a thin answer).
    FOLLOW_UP_READY = "waiting for the follow-up answer"
    PROBING = "asking a follow-up"
    FOLLOW_UP_RECORDING = "recording the follow-up answer"
    FOLLOW_UP_TRANSCRIBING = "transcribing the follow-up answer"


FOLLOW_UP_PHASES = frozenset(
    {Phase.FOLLOW_UP_READY, Phase.PROBING, Phase.FOLLOW_UP_RECORDING, Phase.FOLLOW_UP_TRANSCRIBING}
)


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


Listener = Callable[["RehearsalSession"], None]


@dataclass
class RehearsalSession:
    questions: Sequence[Question]
    mode: Mode = "interview"
    follow_up_setting: FollowUpSetting = "one"
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
    def in_follow_up(self) -> bool:
        return self.phase in FOLLOW_UP_PHASES

    @property
    def recording(self) -> bool:
        """An answer (main or follow-up) is being recorded."""
        return self.phase in (Phase.RECORDING, Phase.FOLLOW_UP_RECORDING)

    @property
    def transcribing(self) -> bool:
        """An answer (main or follow-up) is being transcribed."""
        return self.phase in (Phase.TRANSCRIBING, Phase.FOLLOW_UP_TRANSCRIBING)

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
        """The main answer is scored: a follow-up when it is thin (interview mode), else the review."""
        self._require(Phase.TRANSCRIBING, action="show a review")
        self.result.add_take(report, audio_path, attempt_id)
        self._ask_next_probe()

    def transcription_failed(self) -> None:
        """Transcription failed or was cancelled: the audio is kept; the candidate may re-record or go on."""
        self._require(Phase.TRANSCRIBING, action="abandon transcription")
        self._set(Phase.READY)

    def rerecord(self) -> None:
        self._require(Phase.RECORDING, Phase.TRANSCRIBING, Phase.REVIEW, Phase.READY, action="re-record")
        self._set(Phase.READY)

    # -- the follow-up turn --------------------------------------------------------------------
    def _ask_next_probe(self) -> None:
        """FOLLOW_UP_READY with the next probe when the answer so far calls for one, else REVIEW."""
        res = self.result
        res.probe = None
        if self.mode == "interview" and res.report is not None:
            from opsprep_voice.core.followup import choose_probe  # needs the scorer: see follow_up_turn

            res.probe = choose_probe(
                res.question,
                res.report,
                asked=[a.probe.item_id for a in res.follow_ups],
                follow_ups=[a.report for a in res.follow_ups],
                setting=self.follow_up_setting,
                mode=self.mode,
            )
        self._set(Phase.FOLLOW_UP_READY if res.probe is not None else Phase.REVIEW)

    @property
    def probe(self) -> Probe | None:
        """The follow-up being asked (None outside the follow-up turn)."""
        return self.result.probe

    def begin_probing(self) -> None:
        """Speak the follow-up (again)."""
        self._require(Phase.FOLLOW_UP_READY, Phase.PROBING, action="ask the follow-up")
        self._set(Phase.PROBING)

    def probe_speech_failed(self) -> None:
        """The follow-up could not be spoken: it is shown, and the candidate starts when ready."""
        self._require(Phase.PROBING, action="give up speaking the follow-up")
        self._set(Phase.FOLLOW_UP_READY)

    def start_follow_up(self) -> None:
        self._require(Phase.FOLLOW_UP_READY, Phase.PROBING, action="record the follow-up answer")
        self._set(Phase.FOLLOW_UP_RECORDING)

    def stop_follow_up(self) -> None:
        self._require(Phase.FOLLOW_UP_RECORDING, action="stop the follow-up recording")
        self._set(Phase.FOLLOW_UP_TRANSCRIBING)

    def follow_up_done(
        self, report: ScoreReport, audio_path: Path | None = None, attempt_id: int | None = None
    ) -> None:
        """The follow-up answer is scored: the review, or a second follow-up when the setting allows it."""
        self._require(Phase.FOLLOW_UP_TRANSCRIBING, action="score the follow-up answer")
        res = self.result
        assert res.probe is not None  # FOLLOW_UP_* phases always hold their probe
        res.follow_ups.append(FollowUpAnswer(res.probe, report, audio_path, attempt_id))
        self._ask_next_probe()

    def follow_up_failed(self) -> None:
        """Transcribing the follow-up failed or was cancelled: the audio is kept, the probe stays asked."""
        self._require(Phase.FOLLOW_UP_TRANSCRIBING, action="abandon the follow-up transcription")
        self._set(Phase.FOLLOW_UP_READY)

    def rerecord_follow_up(self) -> None:
        """Discard the follow-up take (its audio is kept) and answer the same follow-up again."""
        self._require(
            Phase.FOLLOW_UP_RECORDING,
            Phase.FOLLOW_UP_TRANSCRIBING,
            Phase.FOLLOW_UP_READY,
            action="re-record the follow-up answer",
        )
        self._set(Phase.FOLLOW_UP_READY)

    def cancel_follow_up(self) -> None:
        """Stop speaking or recording the follow-up; it stays on screen to answer or skip."""
        self._require(Phase.PROBING, Phase.FOLLOW_UP_RECORDING, action="cancel the follow-up")
        self._set(Phase.FOLLOW_UP_READY)

    def skip_follow_up(self) -> None:
        """No follow-up answer: straight to the review of the main answer (the question is not skipped)."""
        self._require(Phase.FOLLOW_UP_READY, Phase.PROBING, action="skip the follow-up")
        self.result.probe = None
        self._set(Phase.REVIEW)

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
        self.result.probe = None
        for res in self.results[self.index :]:
            if res.report is None:
                res.skipped = True
        self._set(Phase.FINISHED)

    # -- summary -------------------------------------------------------------------------------
    def summary(self) -> list[dict[str, Any]]:
        """One row per question, showing its best take (see :meth:`QuestionResult.summary_row`)."""
        return [r.summary_row() for r in self.results]

    def average_coverage(self) -> float | None:
        """The average over the answered questions of the coverage the summary shows (the best take's)."""
        scored = [r["coverage"] for r in self.summary() if r["coverage"] is not None]
        return sum(scored) / len(scored) if scored else None

    def average_coverage_with_follow_ups(self) -> float | None:
        """Average coverage counting what follow-ups recovered; None unless some question had one."""
        rows = [r for r in self.summary() if r["coverage"] is not None]
        with_follow_ups = [r["coverage_with_follow_ups"] for r in rows]
        if all(c is None for c in with_follow_ups):
            return None
        merged = [r["coverage"] if c is None else c for r, c in zip(rows, with_follow_ups, strict=True)]
        return sum(merged) / len(merged)
