"""The interviewer's follow-up in a rehearsal, for the :class:`~opsprep_voice.ui.rehearsal.controller.
RehearsalController`: asking it (spoken through the question speaker, or shown with a note saying why it is
not spoken), keeping its answer as an attempt linked to the main answer, and scoring that answer.

The session decides when a follow-up is asked (:mod:`opsprep_voice.core.session`); the wording comes from
:mod:`opsprep_voice.core.followup`. Recording, transcription and failures go through the controller's one
recording path, like a main answer; the functions :func:`start_answer`, :func:`stop_answer`,
:func:`back_to_waiting` and :func:`answer_failed` pick the session transition of the answer being given.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from opsprep_voice.core.follow_up_turn import FOLLOW_UP_TIME_LIMIT_S
from opsprep_voice.core.question_result import QuestionResult
from opsprep_voice.core.session import Phase, RehearsalSession
from opsprep_voice.core.settings import Settings
from opsprep_voice.core.transcript import Transcript
from opsprep_voice.practice.attempts import Attempts
from opsprep_voice.practice.follow_ups import FollowUpTurn
from opsprep_voice.ui.rehearsal.rehearsal_screen import RehearsalScreen
from opsprep_voice.ui.services.speaker import QuestionSpeaker

if TYPE_CHECKING:
    from opsprep_voice.asr.base import Transcriber

SHOWN_NOT_SPOKEN = "The follow-up is shown above instead: read it and press Space to answer, or N to skip it."


def stop_answer(s: RehearsalSession) -> None:
    """Stop recording the answer being given (the question's or the follow-up's)."""
    if s.phase is Phase.FOLLOW_UP_RECORDING:
        s.stop_follow_up()
    else:
        s.stop_recording()


def back_to_waiting(s: RehearsalSession) -> None:
    """Re-record or cancel: back to waiting for the same answer (the question's, or the follow-up's)."""
    if s.phase is Phase.PROBING:
        s.cancel_follow_up()
    elif s.in_follow_up:
        s.rerecord_follow_up()
    else:
        s.rerecord()


def answer_failed(s: RehearsalSession) -> None:
    """Transcription failed or was cancelled: the audio is kept; the same answer can be given again."""
    if s.phase is Phase.FOLLOW_UP_TRANSCRIBING:
        s.follow_up_failed()
    else:
        s.transcription_failed()


def start_answer(s: RehearsalSession) -> None:
    """Start recording the answer the session waits for (the question's or the follow-up's)."""
    if s.in_follow_up:
        s.start_follow_up()
    else:
        s.start_recording()


def follow_up_limit_s(settings: Settings) -> int:
    """A follow-up stops at its own limit, or at the main answer's limit when that is shorter."""
    return min(FOLLOW_UP_TIME_LIMIT_S, settings.time_limit_s)


def time_limit_s(settings: Settings, s: RehearsalSession) -> int:
    """The time limit of the answer the session waits for."""
    return follow_up_limit_s(settings) if s.in_follow_up else settings.time_limit_s


def turns(result: QuestionResult) -> list[FollowUpTurn]:
    """The follow-ups a question's answer got, as the review shows them (History reads the same objects)."""
    return [
        FollowUpTurn(
            item_id=answer.probe.item_id,
            prompt=answer.probe.prompt,
            report=answer.report,
            attempt_id=answer.attempt_id,
            audio_path=answer.audio_path,
        )
        for answer in result.follow_ups
    ]


class FollowUpQuestions:
    """Asks the session's follow-up and keeps and scores its answers (no state of its own)."""

    def __init__(self, view: RehearsalScreen, speaker: QuestionSpeaker, attempts: Attempts) -> None:
        self.view = view
        self.speaker = speaker
        self.attempts = attempts

    def ask(self, session: RehearsalSession, settings: Settings) -> None:
        """Speak the follow-up the session has just asked (FOLLOW_UP_READY), or say why it is only shown."""
        probe = session.probe
        if probe is None:
            return
        if settings.speak_questions and self.speaker.available:
            session.begin_probing()
            self.speaker.speak(probe.prompt)
        elif settings.speak_questions:
            reason = self.speaker.unavailable_reason or "Speech synthesis is not available."
            self.view.show_message(f"{reason} {SHOWN_NOT_SPOKEN}", "warning")

    def speech_failed(self, session: RehearsalSession, message: str) -> None:
        """The follow-up could not be spoken: it stays on screen, and Space answers it."""
        session.probe_speech_failed()
        self.view.show_message(f"{message} {SHOWN_NOT_SPOKEN}", "warning")

    def reserve(self, session: RehearsalSession) -> Path:
        """The attempt of the answer the session waits for, and its audio path: a follow-up answer's is
        linked to the main answer and the probe."""
        if not session.in_follow_up:
            return self.attempts.reserve(session.question)
        return self.attempts.reserve(
            session.question, follow_up_of=session.result.attempt_id, probe=session.probe
        )

    def score(
        self, session: RehearsalSession, path: Path, transcript: Transcript, transcriber: Transcriber | None
    ) -> str | None:
        """Score and keep the follow-up answer, move the session on; returns why it was not saved, if so."""
        res = session.result
        assert res.report is not None  # a follow-up is only asked after a scored answer
        scored = self.attempts.score_and_save_follow_up(
            path,
            session.question,
            transcript,
            transcriber,
            main_report=res.report,
            main_attempt_id=res.attempt_id,
            earlier=[answer.report for answer in res.follow_ups],
        )
        session.follow_up_done(scored.report, path, scored.attempt_id)
        return scored.save_error
