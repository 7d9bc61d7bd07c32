"""Answers scored outside a rehearsal (the CLI's ``score --save``): scored with
:func:`opsprep_voice.practice.attempts.score`, stored as a session of their own with a copy of their audio.

:func:`score_and_save_file` stores one answer; :func:`score_with_follow_up` scores a main answer and a
follow-up answer to it (``score MAIN.wav --follow-up FOLLOW.wav``) and, asked to, stores both, the
follow-up linked to the main answer with the probe the app would have asked. Saving never loses a score: a
store failure comes back in ``save_error`` next to the reports. No Qt.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsprep_voice.audio.io import AUDIO_SUFFIXES
from opsprep_voice.core.bank import Question
from opsprep_voice.core.transcript import Transcript
from opsprep_voice.practice.attempts import ScoredAttempt, ScoredFollowUp, score
from opsprep_voice.storage.db import UnwritableError, private_copy
from opsprep_voice.storage.places import describe_os_error
from opsprep_voice.storage.records import AttemptRecord, QuestionLike
from opsprep_voice.storage.repository import HistoryRepository

if TYPE_CHECKING:
    from opsprep_voice.asr.base import Transcriber
    from opsprep_voice.core.followup import Probe

log = logging.getLogger(__name__)


class MissingAudioError(FileNotFoundError):
    """The audio file to save with an attempt does not exist (nothing was saved)."""


@dataclass(frozen=True, slots=True)
class NewAnswer:
    """An answer to store: its report and transcript dicts and its audio file (copied into the store; the
    original is left alone)."""

    report: Mapping[str, Any]
    transcript: Mapping[str, Any] | None
    audio_path: Path | str | None


@dataclass(frozen=True, slots=True)
class ScoredWithFollowUp:
    """A main answer and one follow-up answer to it, scored (and saved if asked)."""

    main: ScoredAttempt
    follow_up: ScoredFollowUp
    probe: Probe | None
    """The follow-up the app asks after this main answer (stored with the follow-up); None if it asks none."""


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
    return _save_new(repo, question, [NewAnswer(report, transcript, audio_path)], mode=mode)[0]


def save_new_attempt_with_follow_up(
    repo: HistoryRepository,
    question: QuestionLike,
    main: NewAnswer,
    follow_up: NewAnswer,
    *,
    probe: Probe | None,
    coverage_with_follow_ups: float | None,
    mode: str = "cli",
) -> tuple[AttemptRecord, AttemptRecord]:
    """Store a main answer and a follow-up answer to it (linked, with the ``probe`` asked) as one session,
    with the main attempt's coverage with the follow-up; returns both records. One transaction, as
    :func:`save_new_attempt`."""
    main_record, follow_record = _save_new(
        repo, question, [main, follow_up], mode=mode, probe=probe, merged=coverage_with_follow_ups
    )
    return repo.get_attempt(main_record.id), follow_record


def _save_new(
    repo: HistoryRepository,
    question: QuestionLike,
    answers: Sequence[NewAnswer],
    *,
    mode: str,
    probe: Probe | None = None,
    merged: float | None = None,
) -> list[AttemptRecord]:
    """One session holding ``answers``: the first is the main answer, any others follow it up (``merged``:
    the main answer's coverage with them)."""
    sources = [Path(a.audio_path) if a.audio_path is not None else None for a in answers]
    for source in sources:
        if source is not None and not source.is_file():
            raise MissingAudioError(f"{source}: audio file not found; nothing was saved")
    copied: list[Path] = []
    records: list[AttemptRecord] = []
    try:
        with repo.transaction():
            session = repo.create_session(mode, title=f"Q{question.number} {question.id}")
            for answer, source in zip(answers, sources, strict=True):
                main_id = records[0].id if records else None
                attempt = repo.start_attempt(
                    session.id,
                    question,
                    suffix=stored_suffix(source) if source else None,
                    follow_up_of=main_id,
                    probe_item_id=probe.item_id if probe is not None and main_id else None,
                    probe_prompt=probe.prompt if probe is not None and main_id else None,
                )
                if source is not None and attempt.audio_path is not None:
                    copied.append(attempt.audio_path)
                    tmp = attempt.audio_path.with_name(attempt.audio_path.name + ".part")
                    try:
                        private_copy(source, tmp)
                        os.replace(tmp, attempt.audio_path)
                    except OSError as exc:  # full disk, read-only folder: say which and how to fix it
                        raise UnwritableError(
                            f"{attempt.audio_path}: {describe_os_error(exc, attempt.audio_path)}"
                        ) from exc
                words = answer.transcript or {}
                duration = answer.report.get("duration_s") or words.get("duration_s") or 0.0
                repo.mark_recorded(attempt.id, float(duration))
                records.append(repo.save_score(attempt.id, answer.report, answer.transcript))
            if len(records) > 1:
                repo.set_coverage_with_follow_ups(records[0].id, merged)
            repo.end_session(session.id)
    except BaseException:
        for path in copied:
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".part").unlink(missing_ok=True)
        raise
    for record in records:
        log.info("saved %s attempt %d (session %d)", mode, record.id, record.session_id)
    return records


def stored_suffix(source: Path) -> str:
    """The stored copy's suffix: the source's if it is an audio format's, else ``.wav`` (the decoder reads
    the format from the content; the name is only for people, so "x.wav;rm -rf" is not kept)."""
    suffix = source.suffix.lower()
    return suffix if suffix in AUDIO_SUFFIXES else ".wav"


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


def score_with_follow_up(
    question: Question,
    main: Transcript,
    follow_up: Transcript,
    transcriber: Transcriber | None = None,
    *,
    save: bool = False,
    main_audio: Path | str | None = None,
    follow_up_audio: Path | str | None = None,
    repo: HistoryRepository | None = None,
    mode: str = "cli",
) -> ScoredWithFollowUp:
    """Score a main answer and a follow-up answer against the same question and merge them (see
    :func:`opsprep_voice.core.followup.score_follow_up`); with ``save``, store both as one session in
    ``repo`` (default: the user's history), the follow-up linked to the main answer. A store failure is
    returned in both ``save_error`` fields, as :func:`score_and_save_file` does."""
    from opsprep_voice.core.followup import choose_probe, score_follow_up

    main_report = score(question, main, transcriber)
    follow_report = score(question, follow_up, transcriber)
    probe = choose_probe(question, main_report)
    result = score_follow_up(question, main_report, follow_report)
    if not save:
        return ScoredWithFollowUp(ScoredAttempt(main_report), ScoredFollowUp(follow_report, result), probe)
    answers = (
        NewAnswer(main_report.to_dict(), main.to_dict(), main_audio),
        NewAnswer(follow_report.to_dict(), follow_up.to_dict(), follow_up_audio),
    )
    merged = result.coverage_with_follow_ups
    try:
        if repo is None:
            with HistoryRepository.open_default() as opened:
                saved = save_new_attempt_with_follow_up(
                    opened, question, *answers, probe=probe, coverage_with_follow_ups=merged, mode=mode
                )
        else:
            saved = save_new_attempt_with_follow_up(
                repo, question, *answers, probe=probe, coverage_with_follow_ups=merged, mode=mode
            )
    except Exception as exc:
        log.debug("The answers were scored but not saved", exc_info=True)
        error = str(exc) or type(exc).__name__
        return ScoredWithFollowUp(
            ScoredAttempt(main_report, None, error), ScoredFollowUp(follow_report, result, None, error), probe
        )
    return ScoredWithFollowUp(
        ScoredAttempt(main_report, saved[0].id), ScoredFollowUp(follow_report, result, saved[1].id), probe
    )
