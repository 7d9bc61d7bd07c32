"""A stored main answer's follow-ups, read back as objects: the one reader History, Compare, the exports
and the CLI use.

A follow-up answer is an attempt of its own (see ``storage.migrations`` v3), linked to the main attempt it
follows. :func:`load_follow_ups` turns those rows into :class:`FollowUpTurn` objects with their reports read
through :meth:`ScoreReport.from_dict`, and :func:`merged_result` merges them with the main answer the same
way the rehearsal does (:func:`opsprep_voice.core.followup.score_follow_up`). :func:`recovered_by_turn`
says which follow-up recovered which item, :func:`recovered_labels` does it for the records an export holds,
and :func:`update_merged_coverage` re-stores a main answer's coverage with follow-ups after one is deleted.
No Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from opsprep_voice.storage.records import AttemptRecord

if TYPE_CHECKING:
    from opsprep_voice.core.bank import ChecklistItem, Question, QuestionBank
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


def recovered_by_turn(
    question: Question, main_report: ScoreReport, turns: Sequence[FollowUpTurn]
) -> list[tuple[ChecklistItem, ...]]:
    """Per turn, the items it recovered: missed in the main answer and in every earlier follow-up, covered
    in this one (an item two follow-ups covered counts for the first). Unscored turns recover nothing."""
    out: list[tuple[ChecklistItem, ...]] = []
    before: set[str] = set()
    for asked in range(1, len(turns) + 1):
        merged = merged_result(question, main_report, turns[:asked])
        now = merged.recovered if merged is not None else ()
        out.append(tuple(item for item in now if item.id not in before))
        before.update(item.id for item in now)
    return out


def question_finder(bank: QuestionBank | None) -> Callable[[str], Question | None]:
    """``bank``'s question with an id, or None (for :func:`recovered_labels`)."""

    def find(question_id: str) -> Question | None:
        if bank is None:
            return None
        try:
            return bank.find(question_id)
        except KeyError:
            return None

    return find


def recovered_labels(
    records: Sequence[AttemptRecord], question_of: Callable[[str], Question | None]
) -> dict[int, tuple[str, ...]]:
    """For the follow-up answers among ``records`` (read with their JSON, main answers included): follow-up
    attempt id -> the labels of the items it recovered. Answers to a question ``question_of`` does not know
    (a bank edited since) and follow-ups whose main answer is not among ``records`` are left out."""
    from opsprep_voice.core.scoring import ScoreReport

    mains = {r.id: r for r in records if r.follow_up_of is None}
    grouped: dict[int, list[AttemptRecord]] = {}
    for record in sorted(records, key=lambda r: (r.started_at, r.id)):
        if record.follow_up_of in mains:
            grouped.setdefault(record.follow_up_of, []).append(record)
    labels: dict[int, tuple[str, ...]] = {}
    for main_id, follow_ups in grouped.items():
        main = mains[main_id]
        question = question_of(main.question_id)
        if question is None or main.status != "scored" or not main.report:
            continue
        turns = [turn_from_record(r) for r in follow_ups]
        recovered = recovered_by_turn(question, ScoreReport.from_dict(main.report), turns)
        for record, items in zip(follow_ups, recovered, strict=True):
            labels[record.id] = tuple(item.label for item in items)
    return labels


def update_merged_coverage(repo: HistoryRepository, question: Question, main_attempt_id: int) -> float | None:
    """Store the main attempt's coverage with its remaining follow-ups (None when none is scored any more,
    e.g. after one was deleted) and return it."""
    from opsprep_voice.core.scoring import ScoreReport

    main = repo.get_attempt(main_attempt_id)
    merged = None
    if main.status == "scored" and main.report:
        merged = merged_result(question, ScoreReport.from_dict(main.report), load_follow_ups(repo, main.id))
    coverage = merged.coverage_with_follow_ups if merged is not None else None
    repo.set_coverage_with_follow_ups(main.id, coverage)
    return coverage
