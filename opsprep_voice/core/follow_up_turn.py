"""A question's follow-up turn in a rehearsal: the answers given to the interviewer's follow-ups, and the
length a follow-up answer is held to.

Pure: no Qt, no I/O. :class:`~opsprep_voice.core.session.RehearsalSession` keeps one
:class:`FollowUpAnswer` per follow-up answered; :mod:`opsprep_voice.core.followup` chooses the probes and
merges the reports (imported on first use: it needs the scorer, which is slow to import and not needed
before the first answer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opsprep_voice.core.bank import Question
    from opsprep_voice.core.followup import FollowUpResult, Probe
    from opsprep_voice.core.scoring import ScoreReport

FOLLOW_UP_TARGET_S = 45
"""The comfortable length of a follow-up answer. A follow-up asks about one missed point; a clear answer to
one point is two to four sentences, about 100 words at an interview pace of 130-160 words a minute."""

FOLLOW_UP_TIME_LIMIT_S = 90
"""A follow-up recording stops here: twice the target is room for any real answer to one point, and stops
a candidate from delivering the whole answer again (the main answer's limit is the setting, 5 min)."""


@dataclass(frozen=True, slots=True)
class FollowUpAnswer:
    """One follow-up asked and answered: the probe, the scored answer, its recording and attempt."""

    probe: Probe
    report: ScoreReport
    audio_path: Path | None = None
    attempt_id: int | None = None


def merge(
    question: Question, main_report: ScoreReport, answers: Sequence[FollowUpAnswer]
) -> FollowUpResult | None:
    """The main answer merged with its follow-up answers, or None when there are none."""
    if not answers:
        return None
    from opsprep_voice.core.followup import score_follow_up

    return score_follow_up(question, main_report, [a.report for a in answers])


def as_follow_up(report: ScoreReport) -> ScoreReport:
    """``report`` (scored against the whole question) measured against the follow-up's target length."""
    return replace(report, target_seconds=FOLLOW_UP_TARGET_S)
