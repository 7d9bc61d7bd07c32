"""Score a transcript and save the attempt: the one place the app and the CLI do it.

:class:`Attempts` keeps one rehearsal's attempts in the history: it opens the history session, reserves an
attempt (and its audio path) before recording, marks it recorded or failed, and scores and saves it. The CLI's
``score --save`` uses :func:`score_and_save_file`. Saving never loses a score: a store failure is logged and
returned in :attr:`ScoredAttempt.save_error` next to the report. No Qt: the UI runs the slow parts in tasks.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsprep_voice.core.bank import Question
from opsprep_voice.core.transcript import Transcript, Word
from opsprep_voice.storage.db import private_copy
from opsprep_voice.storage.records import AttemptRecord, QuestionLike
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


class MissingAudioError(FileNotFoundError):
    """The audio file to save with an attempt does not exist (nothing was saved)."""


def score(question: Question, transcript: Transcript, transcriber: Transcriber | None = None) -> ScoreReport:
    """Score an answer, naming the engine and model that transcribed it."""
    from opsprep_voice.core.scoring import score_answer

    engine = transcriber.engine if transcriber is not None else ""
    model = transcriber.model if transcriber is not None else ""
    return score_answer(question, transcript, engine=engine, model=model)


def warm_up(question: Question) -> None:
    """Compile ``question``'s phrases (the first score of a question does it, ~0.4 s), so live updates and the
    review never pay for it. Slow: call it off the GUI thread."""
    score(question, Transcript.from_text(""))


def live_feedback(question: Question, words: Sequence[Word]) -> LiveFeedback | None:
    """Score the words recognised so far (fast once :func:`warm_up` has run)."""
    if not words:
        return None
    partial = Transcript.from_words(words, duration_s=words[-1].end)
    report = score(question, partial)
    hits = frozenset(item.id for item in report.checklist if item.hit)
    return LiveFeedback(partial.text, hits, report.wpm or None, partial.duration_s)


class Attempts:
    """One rehearsal's attempts in the history (or none: ``history`` None keeps answers in temp files).

    Every store call is guarded: a failing store is logged and reported, the rehearsal goes on.
    """

    def __init__(self, history: HistoryRepository | None) -> None:
        self.history = history
        self._session_id: int | None = None
        self._attempt_of: dict[Path, int] = {}  # recording path -> its attempt, until scored or failed

    # -- session -----------------------------------------------------------------------------------
    def start_session(self, mode: str, title: str = "", bank: str = "") -> str | None:
        """Open a history session; returns a message for the candidate if answers will not be saved."""
        self._session_id = None
        self._attempt_of.clear()
        if self.history is None:
            return None
        try:
            self._session_id = self.history.create_session(mode, title, bank).id
        except Exception as exc:
            log.exception("Could not create a history session")
            return f"Answers will not be saved in History: {exc}"
        return None

    def end_session(self) -> None:
        if self.history is not None and self._session_id is not None:
            try:
                self.history.end_session(self._session_id)
            except Exception:
                log.exception("Could not end the history session")
        self._session_id = None
        self._attempt_of.clear()

    # -- one attempt -------------------------------------------------------------------------------
    def reserve(
        self, question: QuestionLike, *, follow_up_of: int | None = None, probe: Probe | None = None
    ) -> Path:
        """Record the attempt in the history first (so a crash leaves a trace) and return its audio path;
        without a history, a temporary file. A follow-up answer names its main attempt and the probe."""
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
            except Exception:
                log.exception("Could not reserve an attempt in the history")
        fd, name = tempfile.mkstemp(prefix="opsprep-answer-", suffix=".wav")
        os.close(fd)
        return Path(name)

    def attempt_for(self, path: Path) -> int | None:
        return self._attempt_of.get(path)

    def recorded(self, path: Path, duration_s: float) -> None:
        """The recording at ``path`` is finalised on disk."""
        attempt_id = self._attempt_of.get(path)
        if self.history is not None and attempt_id is not None:
            try:
                self.history.mark_recorded(attempt_id, duration_s)
            except Exception:
                log.exception("Could not mark the attempt recorded")

    def failed(self, path: Path, message: str) -> None:
        """The attempt recorded at ``path`` ends without a score (its audio is kept)."""
        attempt_id = self._attempt_of.pop(path, None)
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
        report = score(question, transcript, transcriber)
        return self._save(attempt_id, report, transcript)

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
        follow-ups)."""
        from opsprep_voice.core.followup import score_follow_up

        saved = self.score_and_save(path, question, transcript, transcriber)
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
        """Score an attempt recorded earlier (e.g. recovered after a crash) and store the score."""
        return self._save(attempt_id, score(question, transcript, transcriber), transcript)

    def _save(self, attempt_id: int | None, report: ScoreReport, transcript: Transcript) -> ScoredAttempt:
        if self.history is None or attempt_id is None:
            return ScoredAttempt(report, attempt_id)
        try:
            self.history.save_score(attempt_id, report.to_dict(), transcript.to_dict())
        except Exception as exc:
            log.exception("Could not save the score of attempt %d", attempt_id)
            return ScoredAttempt(report, attempt_id, str(exc) or type(exc).__name__)
        return ScoredAttempt(report, attempt_id)


# -- an answer scored outside a rehearsal (the CLI) ---------------------------------------------------


def save_new_attempt(
    repo: HistoryRepository,
    question: QuestionLike,
    report: Mapping[str, Any],
    transcript: Mapping[str, Any] | None,
    audio_path: Path | str | None,
    *,
    mode: str = "cli",
) -> AttemptRecord:
    """Store a scored answer as a one-attempt session of ``mode``.

    The audio is copied into the store (the original is left alone). All of it is one transaction: on any
    failure nothing is recorded, the copy is removed and the error is raised (:class:`MissingAudioError` if
    ``audio_path`` does not exist).
    """
    source = Path(audio_path) if audio_path is not None else None
    if source is not None and not source.is_file():
        raise MissingAudioError(f"{source}: audio file not found; nothing was saved")
    duration = report.get("duration_s") or (transcript or {}).get("duration_s") or 0.0
    copied: Path | None = None
    try:
        with repo.transaction():
            session = repo.create_session(mode, title=f"Q{question.number} {question.id}")
            attempt = repo.start_attempt(
                session.id, question, suffix=(source.suffix.lower() or ".wav") if source else None
            )
            if source is not None and attempt.audio_path is not None:
                copied = attempt.audio_path
                tmp = copied.with_name(copied.name + ".part")
                private_copy(source, tmp)
                os.replace(tmp, copied)
            repo.mark_recorded(attempt.id, float(duration))
            record = repo.save_score(attempt.id, report, transcript)
            repo.end_session(session.id)
    except BaseException:
        if copied is not None:
            copied.unlink(missing_ok=True)
            copied.with_name(copied.name + ".part").unlink(missing_ok=True)
        raise
    log.info("saved %s attempt %d (session %d)", mode, record.id, record.session_id)
    return record


def score_and_save_file(
    question: Question,
    transcript: Transcript,
    audio_path: Path | str | None,
    transcriber: Transcriber | None = None,
    *,
    repo: HistoryRepository | None = None,
    mode: str = "cli",
) -> ScoredAttempt:
    """Score an answer and save it, with a copy of its audio, as a one-attempt session in ``repo`` (default:
    the user's history, opened and closed here)."""
    report = score(question, transcript, transcriber)
    data, words = report.to_dict(), transcript.to_dict()
    try:
        if repo is None:
            with HistoryRepository.open_default() as opened:
                record = save_new_attempt(opened, question, data, words, audio_path, mode=mode)
        else:
            record = save_new_attempt(repo, question, data, words, audio_path, mode=mode)
    except Exception as exc:
        log.debug("The answer was scored but not saved", exc_info=True)
        return ScoredAttempt(report, None, str(exc) or type(exc).__name__)
    return ScoredAttempt(report, record.id)
