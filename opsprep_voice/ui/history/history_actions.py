"""What the History screen's Delete and Compare act on when answers have interviewer follow-ups.

A follow-up answer is listed under its main answer. Deleting a main answer deletes its follow-ups (the
store does it), so the confirmation names them; Compare compares main answers, so a selected follow-up
row stands for its main answer, and each answer is merged with its stored follow-ups by the one reader,
:mod:`opsprep_voice.practice.follow_ups`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from opsprep_voice.core.wording import plural
from opsprep_voice.practice.follow_ups import load_follow_ups, merged_result
from opsprep_voice.storage.records import AttemptRecord
from opsprep_voice.storage.repository import HistoryRepository
from opsprep_voice.ui.history.history_model import HistoryModel, local_time
from opsprep_voice.ui.review.report_data import as_report

if TYPE_CHECKING:
    from opsprep_voice.core.bank import Question
    from opsprep_voice.core.followup import FollowUpResult


def to_delete(attempts: Sequence[AttemptRecord], sessions: Sequence[int]) -> list[AttemptRecord]:
    """The selected answers to delete one by one: not those of a selected session, nor follow-ups whose
    main answer is selected (they go with it)."""
    kept = [a for a in attempts if a.session_id not in sessions]
    chosen = {a.id for a in kept}
    return [a for a in kept if a.follow_up_of not in chosen]


def deletion_text(model: HistoryModel, attempts: Sequence[AttemptRecord], sessions: Sequence[int]) -> str:
    """What the confirmation names: sessions, answers and the follow-up answers deleted with them."""
    parts = []
    if sessions:
        answers = sum(model.session_attempt_count(s) for s in sessions)
        follow_ups = sum(model.session_follow_up_count(s) for s in sessions)
        extra = f" and {plural(follow_ups, 'follow-up answer')}" if follow_ups else ""
        parts.append(f"{plural(len(sessions), 'session')} with {plural(answers, 'answer')}{extra}")
    follow_ups = sum(len(model.follow_ups_of(a.id)) for a in attempts if a.follow_up_of is None)
    with_them = f" with {plural(follow_ups, 'follow-up answer')}" if follow_ups else ""
    if len(attempts) == 1:
        a = attempts[0]
        kind = "follow-up answer" if a.follow_up_of is not None else "answer"
        parts.append(f"the {kind} to Q{a.question_number} from {local_time(a.started_at)}{with_them}")
    elif attempts:
        parts.append(f"{plural(len(attempts), 'answer')}{with_them}")
    return " and ".join(parts)


def main_answers(model: HistoryModel, attempts: Sequence[AttemptRecord]) -> list[AttemptRecord]:
    """The selected main answers, a selected follow-up standing for its main answer (listed once)."""
    mains = {a.id: a for a in attempts if a.follow_up_of is None}
    for a in attempts:
        if a.follow_up_of is not None and a.follow_up_of not in mains:
            main = model.attempt_at(model.index_of_attempt(a.follow_up_of))
            if main is not None:
                mains[main.id] = main
    return list(mains.values())


def merged(
    repository: HistoryRepository, question: Question | None, attempt: AttemptRecord
) -> FollowUpResult | None:
    """A main answer (read with its report) merged with its stored follow-ups; None without any scored
    follow-up or without the question (a bank edited since)."""
    if question is None or not attempt.report:
        return None
    turns = load_follow_ups(repository, attempt.id)
    return merged_result(question, as_report(attempt.report), turns) if turns else None
