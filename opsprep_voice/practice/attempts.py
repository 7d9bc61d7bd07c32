"""Score a transcript and save the attempt: the one place the app does it (the CLI's answers, scored outside
a rehearsal, are stored by :mod:`.answer_files` with the same :func:`score`).

:class:`Attempts` keeps one rehearsal's attempts in the history: it opens the history session, reserves an
attempt (and its audio path) before recording, marks it recorded, failed or cancelled, and scores and saves
it. A take that ends without a score or a failure (cancelled, re-recorded, or still unscored when the
rehearsal or the app closes) is marked ``cancelled``: left ``recorded``, the next start would take it for a
crash while transcribing and report it recovered. The CLI's
``score --save`` uses :func:`score_and_save_file`. Saving never loses a score: a store failure is logged and
returned in :attr:`ScoredAttempt.save_error` next to the report. No Qt: the UI runs the slow parts in tasks.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from opsprep_voice.core.bank import Question
from opsprep_voice.core.transcript import Transcript, Word
from opsprep_voice.practice.marks import save_mark
from opsprep_voice.storage.records import QuestionLike
from opsprep_voice.storage.repository import HistoryRepository

if TYPE_CHECKING:
    from opsprep_voice.asr.base import Transcriber
    from opsprep_voice.core.followup import FollowUpResult, Probe
    from opsprep_voice.core.scoring import ScoreReport

# The scorer (core.scoring and its matching/metrics modules, with rapidfuzz, jellyfish and the stemmer) is
# slow to import, so it is imported on first use, not when the app starts: the app's start-up work
# (:func:`warm_up` in a task) imports it off the GUI thread.

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ScoredAttempt:
    """A scored answer. ``attempt_id`` is its attempt in the history (None without one); ``save_error``
    says why the score could not be stored (the report is good either way)."""

    report: ScoreReport
    attempt_id: int | None = None
    save_error: str | None = None


@dataclass(frozen=True, slots=True)
class ScoredFollowUp:
    """A scored follow-up answer: its own report and attempt, and the question's main answer merged with
    every follow-up so far (``result``). ``save_error`` as for :class:`ScoredAttempt`."""

    report: ScoreReport
    result: FollowUpResult
    attempt_id: int | None = None
    save_error: str | None = None


@dataclass(frozen=True, slots=True)
class LiveFeedback:
    """What the rehearsal screen shows while the candidate speaks."""

    text: str
    hits: frozenset[str]
    wpm: float | None
    duration_s: float


def score(
    question: Question,
    transcript: Transcript,
    transcriber: Transcriber | None = None,
    *,
    second_opinion: bool = True,
) -> ScoreReport:
    """Score an answer, naming the engine and model that transcribed it: the matcher, then the second
    opinion (:mod:`opsprep_voice.core.second_opinion`; about 0.1-0.5 s, skipped with
    ``second_opinion=False`` and when its model is missing, which :func:`second_opinion_problem` says)."""
    from opsprep_voice.core.scoring import score_answer

    engine = transcriber.engine if transcriber is not None else ""
    model = transcriber.model if transcriber is not None else ""
    report = score_answer(question, transcript, engine=engine, model=model)
    if not second_opinion:
        return report
    from opsprep_voice.core.second_opinion import SHARED

    return SHARED.reconsider(question, report, transcript)


def second_opinion_problem() -> str:
    """Why the second opinion is not judging ("" when it is, or has not been needed yet)."""
    from opsprep_voice.core.second_opinion import SHARED

    return SHARED.problem


def warm_up(question: Question) -> None:
    """Compile ``question``'s phrases (the first score of a question does it, ~0.4 s) and load the second
    opinion's model (about 1 s, once), so live updates and the review never pay for them. Slow: call it off
    the GUI thread."""
    from opsprep_voice.core.second_opinion import SHARED

    score(question, Transcript.from_text(""), second_opinion=False)
    SHARED.judge()


def live_feedback(question: Question, words: Sequence[Word]) -> LiveFeedback | None:
    """Score the words recognised so far with the matcher alone (milliseconds once :func:`warm_up` has run;
    the second opinion judges the whole answer at the review)."""
    if not words:
        return None
    partial = Transcript.from_words(words, duration_s=words[-1].end)
    report = score(question, partial, second_opinion=False)
    hits = frozenset(item.id for item in report.checklist if item.hit)
    return LiveFeedback(partial.text, hits, report.wpm or None, partial.duration_s)


#: Why a take was cancelled (shown in History). The rehearsal tells :meth:`Attempts.cancelled` when a take
#: is dropped while recording; the others are takes recorded but never scored when the session closes.
DROPPED = "You stopped this take before the end (cancel, re-record or end of the rehearsal)."
SESSION_ENDED = "The rehearsal ended before this take was transcribed."
APP_CLOSED = "The app was closed before this take was transcribed."


class Attempts:
    """One rehearsal's attempts in the history (or none: ``history`` None keeps answers in temp files).

    Every store call is guarded: a failing store is logged and reported, the rehearsal goes on.
    """

    def __init__(self, history: HistoryRepository | None) -> None:
        self.history = history
        self._session_id: int | None = None
        self._attempt_of: dict[Path, int] = {}  # recording path -> its attempt, until scored/failed/cancelled
        self._length_of: dict[Path, float] = {}  # a pending attempt's length, once its recording is on disk
        # Cancelled while its recording was still being finalised: marked when the recorder reports the
        # file done. Until then it stays "recording", so a crash in between is still repaired at next start.
        self._cancel_when_recorded: dict[Path, tuple[int, str]] = {}
        # Answers recorded without a history: deleted at quit (remove_temporary), as the app says when
        # History is unavailable, so no recording of a voice is left in the temp folder.
        self._temporary: list[Path] = []
        # Answers an open history refused (a full disk, a file where audio/ should be): the candidate was
        # not told beforehand, so the recording is kept and its review says why and where.
        self._refused: dict[Path, str] = {}

    # -- session -----------------------------------------------------------------------------------
    def start_session(self, mode: str, title: str = "", bank: str = "") -> str | None:
        """Open a history session; returns a message for the candidate if answers will not be saved."""
        self._close_pending(SESSION_ENDED)
        self._session_id = None
        if self.history is None:
            return None
        try:
            self._session_id = self.history.create_session(mode, title, bank).id
        except Exception as exc:
            log.exception("Could not create a history session")
            return f"Answers will not be saved in History ({exc}); they are deleted when you quit."
        return None

    def end_session(self, reason: str = SESSION_ENDED) -> None:
        """Close the history session; a take still waiting for its score is cancelled for ``reason``."""
        self._close_pending(reason)
        if self.history is not None and self._session_id is not None:
            try:
                self.history.end_session(self._session_id)
            except Exception:
                log.exception("Could not end the history session")
        self._session_id = None

    def _close_pending(self, reason: str) -> None:
        for path in list(self._attempt_of):
            self.cancelled(path, reason)

    # -- one attempt -------------------------------------------------------------------------------
    def reserve(
        self, question: QuestionLike, *, follow_up_of: int | None = None, probe: Probe | None = None
    ) -> Path:
        """Record the attempt in the history first (so a crash leaves a trace) and return its audio path;
        without a history, a temporary file. A follow-up answer names its main attempt and the probe."""
        refused: str | None = None
        if self.history is not None and self._session_id is not None:
            try:
                attempt = self.history.start_attempt(
                    self._session_id,
                    question,
                    follow_up_of=follow_up_of,
                    probe_item_id=probe.item_id if probe is not None else None,
                    probe_prompt=probe.prompt if probe is not None else None,
                )
                path = self.history.resolve_audio(attempt.audio_path)
                if path is not None:
                    self._attempt_of[path] = attempt.id
                    return path
                refused = "its recording has no place in the history's audio folder"
            except Exception as exc:
                log.exception("Could not reserve an attempt in the history")
                refused = str(exc) or type(exc).__name__
        fd, name = tempfile.mkstemp(prefix="opsprep-answer-", suffix=".wav")
        os.close(fd)
        if refused is None:
            self._temporary.append(Path(name))
        else:
            self._refused[Path(name)] = refused
        return Path(name)

    def remove_temporary(self) -> None:
        """Delete the temporary recordings of answers the history did not take (at quit)."""
        for path in self._temporary:
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("could not delete the temporary recording %s: %s", path, exc)
        self._temporary.clear()

    def attempt_for(self, path: Path) -> int | None:
        return self._attempt_of.get(path)

    def recorded(self, path: Path, duration_s: float) -> None:
        """The recording at ``path`` is finalised on disk."""
        late = self._cancel_when_recorded.pop(path, None)
        if late is not None:
            self._mark_cancelled(late[0], duration_s, late[1])
            return
        attempt_id = self._attempt_of.get(path)
        if self.history is not None and attempt_id is not None:
            self._length_of[path] = duration_s
            try:
                self.history.mark_recorded(attempt_id, duration_s)
            except Exception:
                log.exception("Could not mark the attempt recorded")

    def cancelled(self, path: Path, reason: str = DROPPED) -> None:
        """The take recorded at ``path`` was dropped before it was scored: it is kept, marked
        ``cancelled`` (now, or once its recording is finalised) and never counted."""
        attempt_id = self._attempt_of.pop(path, None)
        if self.history is None or attempt_id is None:
            return
        if path in self._length_of:
            self._mark_cancelled(attempt_id, self._length_of.pop(path), reason)
        else:
            self._cancel_when_recorded[path] = (attempt_id, reason)

    def _mark_cancelled(self, attempt_id: int, duration_s: float, reason: str) -> None:
        if self.history is None:
            return
        try:
            self.history.mark_cancelled(attempt_id, duration_s, reason)
        except Exception:
            log.exception("Could not mark attempt %d cancelled", attempt_id)

    def failed(self, path: Path, message: str) -> None:
        """The attempt recorded at ``path`` ends without a score (its audio is kept)."""
        attempt_id = self._attempt_of.pop(path, None)
        self._length_of.pop(path, None)
        if self.history is not None and attempt_id is not None:
            try:
                self.history.mark_failed(attempt_id, message)
            except Exception:
                log.exception("Could not mark the attempt failed")

    def score_and_save(
        self, path: Path, question: Question, transcript: Transcript, transcriber: Transcriber | None = None
    ) -> ScoredAttempt:
        """Score the answer recorded at ``path`` and store it with its attempt (if it has one)."""
        attempt_id = self._attempt_of.pop(path, None)
        self._length_of.pop(path, None)
        report = score(question, transcript, transcriber)
        return self._save(attempt_id, report, transcript, self._refusal(path))

    def score_and_save_follow_up(
        self,
        path: Path,
        question: Question,
        transcript: Transcript,
        transcriber: Transcriber | None = None,
        *,
        main_report: ScoreReport,
        main_attempt_id: int | None,
        earlier: Sequence[ScoreReport] = (),
    ) -> ScoredFollowUp:
        """Score the follow-up answer recorded at ``path``, store it with its attempt, and store the main
        attempt's coverage with the follow-ups (``earlier``: the reports of this question's earlier
        follow-ups). Its length is measured against the follow-up's own target
        (:data:`~opsprep_voice.core.follow_up_turn.FOLLOW_UP_TARGET_S`), not the question's."""
        from opsprep_voice.core.follow_up_turn import as_follow_up
        from opsprep_voice.core.followup import score_follow_up

        attempt_id = self._attempt_of.pop(path, None)
        report = as_follow_up(score(question, transcript, transcriber))
        saved = self._save(attempt_id, report, transcript, self._refusal(path))
        result = score_follow_up(question, main_report, (*earlier, saved.report))
        error = saved.save_error
        if self.history is not None and main_attempt_id is not None:
            try:
                self.history.set_coverage_with_follow_ups(main_attempt_id, result.coverage_with_follow_ups)
            except Exception as exc:
                log.exception("Could not save the coverage with follow-ups of attempt %d", main_attempt_id)
                error = error or str(exc) or type(exc).__name__
        return ScoredFollowUp(saved.report, result, saved.attempt_id, error)

    def rescore(
        self,
        attempt_id: int,
        question: Question,
        transcript: Transcript,
        transcriber: Transcriber | None = None,
    ) -> ScoredAttempt:
        """Score an attempt recorded earlier (recovered after a crash, or cancelled: it stays cancelled)
        and store the score."""
        return self._save(attempt_id, score(question, transcript, transcriber), transcript)

    def set_mark(self, attempt_id: int | None, item_id: str, covered: bool) -> str | None:
        """The candidate marks a missed item of a scored answer as covered, or takes the mark back
        (:func:`~opsprep_voice.practice.marks.save_mark`); None when saved, else what to tell them."""
        return save_mark(self.history, attempt_id, item_id, covered)

    def _refusal(self, path: Path) -> str | None:
        """Why the history did not take the answer recorded at ``path``, and where its recording is."""
        reason = self._refused.pop(path, None)
        if reason is None:
            return None
        return f"{reason}. The recording is kept at {path}"

    def _save(
        self, attempt_id: int | None, report: ScoreReport, transcript: Transcript, refused: str | None = None
    ) -> ScoredAttempt:
        if self.history is None or attempt_id is None:
            return ScoredAttempt(report, attempt_id, refused)
        try:
            self.history.save_score(attempt_id, report.to_dict(), transcript.to_dict())
        except Exception as exc:
            log.exception("Could not save the score of attempt %d", attempt_id)
            return ScoredAttempt(report, attempt_id, str(exc) or type(exc).__name__)
        return ScoredAttempt(report, attempt_id)
