"""What happened to one question of a rehearsal: every scored take, the one being reviewed, or skipped.

Pure: no Qt, no I/O. A question can be answered several times (R re-records); each scored answer is a
:class:`Take` and all of them are kept, so the session summary can show the best one and say so instead of
only the last (a weak last take hid a good earlier one). The review shows the last take: it is the one
just answered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsprep_voice.core.bank import Question
from opsprep_voice.core.follow_up_turn import FollowUpAnswer, merge

if TYPE_CHECKING:
    from opsprep_voice.core.followup import FollowUpResult, Probe
    from opsprep_voice.core.scoring import ScoreReport


@dataclass(slots=True)
class Take:
    """One scored answer to the question and the follow-ups it got."""

    report: ScoreReport
    audio_path: Path | None = None
    attempt_id: int | None = None
    follow_ups: list[FollowUpAnswer] = field(default_factory=list)

    def merged(self, question: Question) -> FollowUpResult | None:
        return merge(question, self.report, self.follow_ups)

    def final_coverage(self, question: Question) -> float:
        """The coverage the take ended with: counting what its follow-ups recovered, if it had any."""
        merged = self.merged(question)
        return self.report.coverage if merged is None else merged.coverage_with_follow_ups


@dataclass(slots=True)
class QuestionResult:
    """The question's scored takes (:attr:`takes`, in order) and the last one's fields, or skipped."""

    question: Question
    report: ScoreReport | None = None
    """The last scored answer (the one the review shows)."""
    audio_path: Path | None = None
    attempt_id: int | None = None
    attempts: int = 0
    """Takes started, scored or not (re-recorded and cancelled ones included)."""
    skipped: bool = False
    probe: Probe | None = None
    """The follow-up being asked (None outside the follow-up turn)."""
    follow_ups: list[FollowUpAnswer] = field(default_factory=list)
    """The follow-ups the last scored answer got, answered and scored, in order."""
    takes: list[Take] = field(default_factory=list)
    """Every scored answer, in order; the last is :attr:`report`."""

    def add_take(self, report: ScoreReport, audio_path: Path | None, attempt_id: int | None) -> None:
        """A new scored answer: it becomes the one reviewed, and its follow-ups start empty (the earlier
        take keeps its own)."""
        self.report, self.audio_path, self.attempt_id, self.skipped = report, audio_path, attempt_id, False
        self.follow_ups = []
        # The take shares the list: follow-ups answered from now on belong to this take.
        self.takes.append(Take(report, audio_path, attempt_id, self.follow_ups))

    def keep_marks(self, item_ids: Sequence[str]) -> None:
        """The candidate's own marks on the reviewed take's missed items (its scores are unchanged)."""
        if self.report is None:
            return
        self.report = self.report.with_marks(item_ids)
        if self.takes and self.takes[-1].attempt_id == self.attempt_id:
            self.takes[-1].report = self.report

    @property
    def covered_ids(self) -> frozenset[str]:
        """The items the last answer and its follow-ups covered so far."""
        reports = [self.report, *(a.report for a in self.follow_ups)] if self.report is not None else []
        return frozenset(item.id for r in reports for item in r.checklist if item.hit)

    @property
    def follow_up_result(self) -> FollowUpResult | None:
        """The last answer merged with its follow-ups (None without a scored follow-up)."""
        if self.report is None:
            return None
        return merge(self.question, self.report, self.follow_ups)

    @property
    def best_take(self) -> Take | None:
        """The take with the highest final coverage (the later one on a tie); None if none was scored."""
        if not self.takes:
            return None
        ranked = enumerate(self.takes)
        return max(ranked, key=lambda it: (it[1].final_coverage(self.question), it[0]))[1]

    def summary_row(self) -> dict[str, Any]:
        """The question in the session summary: its best take, with how many takes were scored."""
        best = self.best_take
        r = best.report if best is not None else None
        merged = best.merged(self.question) if best is not None else None
        return {
            "number": self.question.number,
            "question_id": self.question.id,
            "text": self.question.text,
            "skipped": self.skipped and r is None,
            "attempts": self.attempts,
            "scored_takes": len(self.takes),
            "best_take": None if best is None else self.takes.index(best) + 1,
            "coverage": None if r is None else r.coverage,
            "coverage_with_follow_ups": None if merged is None else merged.coverage_with_follow_ups,
            "follow_ups": 0 if best is None else len(best.follow_ups),
            "duration_s": None if r is None else r.duration_s,
            # Every scored take and follow-up answer: the time spent answering, not only the best take's.
            "spoken_s": sum(
                t.report.duration_s + sum(f.report.duration_s for f in t.follow_ups) for t in self.takes
            ),
            "target_seconds": self.question.target_seconds,
            "wpm": None if r is None else r.wpm,
            "fillers_per_min": None if r is None else r.fillers_per_min,
        }


def best_take_average(coverages: Iterable[tuple[str, float | None]]) -> float | None:
    """The average over questions of each one's best coverage, from ``(question id, coverage)`` pairs
    (None: not scored). The session summary averages what it shows, the best take of each question; History
    and the exports average a stored session the same way, so the three agree."""
    best: dict[str, float] = {}
    for question_id, coverage in coverages:
        if coverage is not None:
            best[question_id] = max(coverage, best.get(question_id, coverage))
    return sum(best.values()) / len(best) if best else None


def has_retakes(question_ids: Iterable[str]) -> bool:
    """Whether some question was answered more than once (the average then needs saying how it is made)."""
    ids = list(question_ids)
    return len(set(ids)) < len(ids)
