"""A stored main answer's follow-ups, read back as objects: the one reader History, Compare, the exports
and the CLI use.

A follow-up answer is an attempt of its own (see ``storage.migrations`` v3), linked to the main attempt it
follows. :func:`load_follow_ups` turns those rows into :class:`FollowUpTurn` objects with their reports read
through :meth:`ScoreReport.from_dict`, and :func:`merged_result` merges them with the main answer the same
way the rehearsal does (:func:`opsprep_voice.core.followup.score_follow_up`). No Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from opsprep_voice.storage.records import AttemptRecord

if TYPE_CHECKING:
    from opsprep_voice.core.bank import Question
    from opsprep_voice.core.followup import FollowUpResult
    from opsprep_voice.core.scoring import ScoreReport
    from opsprep_voice.storage.repository import HistoryRepository


@dataclass(frozen=True, slots=True)
class FollowUpTurn:
    """One follow-up: the item probed, what the interviewer asked, and the answer (None when it was not
    scored: failed, interrupted or still recording; ``status`` says which)."""

    item_id: str
    prompt: str
    report: ScoreReport | None
    attempt_id: int | None = None
    audio_path: Path | None = None
    status: str = "scored"

    @property
    def scored(self) -> bool:
        return self.report is not None


def turn_from_record(record: AttemptRecord) -> FollowUpTurn:
    """A stored follow-up attempt as a turn (its report read with :meth:`ScoreReport.from_dict`)."""
    from opsprep_voice.core.scoring import ScoreReport

    report = ScoreReport.from_dict(record.report) if record.status == "scored" and record.report else None
    return FollowUpTurn(
        item_id=record.probe_item_id or "",
        prompt=record.probe_prompt or "",
        report=report,
        attempt_id=record.id,
        audio_path=record.audio_path,
        status=record.status,
    )


def load_follow_ups(repo: HistoryRepository, main_attempt_id: int) -> list[FollowUpTurn]:
    """The follow-ups of a stored main attempt, in the order they were asked."""
    return [turn_from_record(record) for record in repo.follow_ups(main_attempt_id)]


def merged_result(
    question: Question, main_report: ScoreReport, turns: Sequence[FollowUpTurn]
) -> FollowUpResult | None:
    """The main answer merged with its scored follow-ups, or None when no follow-up was scored.

    Reports of another question (a bank edited since) are left out rather than raising.
    """
    from opsprep_voice.core.followup import score_follow_up

    reports = [t.report for t in turns if t.report is not None and t.report.question_id == question.id]
    if not reports or main_report.question_id != question.id:
        return None
    return score_follow_up(question, main_report, reports)
