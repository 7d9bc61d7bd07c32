"""Interviewer follow-ups: after a thin answer in interview mode, one spoken question about a missed idea.

Pure: no Qt, no I/O. The flow for one question (the UI and storage drive it):

1. The main answer is scored (:func:`~opsprep_voice.core.scoring.score_answer`).
2. :func:`choose_probe` picks the missed checklist item to ask about, or None. Rules:

   * only in interview mode (study mode never probes) and while the follow-up limit of the setting
     (``"off"`` 0, ``"one"`` 1, ``"two"`` 2 per question; default ``"one"``) is not reached: every item in
     ``asked`` counts as one follow-up already asked;
   * not when the answer is already good: weighted coverage of the main answer together with the
     follow-up answers so far >= :data:`HIGH_COVERAGE` (0.8);
   * only items still missed (in the main answer and every follow-up answer), not yet asked, with weight
     >= ``min_weight`` (:data:`MIN_PROBE_WEIGHT`, 1.0): core items (1.5) first, then regular ones (1.0);
     the 0.5 "nice to have" items are never worth an extra question. Ties go to checklist order.

3. The probe's :attr:`Probe.prompt` is spoken (:func:`~opsprep_voice.core.follow_up_prompt.probe_prompt`:
   the item's ``follow_up``, or a question built from its label when a custom bank has none), and the
   answer is scored against the whole checklist like a main answer.
4. :func:`score_follow_up` merges the reports: what the main answer covered, what the follow-ups
   recovered, what is still missed, and the coverage with and without the follow-ups.

Why 0.8: on the bundled checklists (total weight 7-11.5) one missed core item leaves 0.79-0.87 of the
weight covered and one missed regular item about 0.9, so an answer at 0.8 or more has missed at most about
one point; a follow-up there reads as nitpicking. Below it the answer missed a core point and more: that is
the thin answer an interviewer would probe.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import get_args

from opsprep_voice.core.bank import ChecklistItem, Question
from opsprep_voice.core.follow_up_prompt import probe_prompt
from opsprep_voice.core.scoring import ScoreReport
from opsprep_voice.core.settings import FollowUpSetting, Mode

FOLLOW_UP_SETTINGS: tuple[FollowUpSetting, ...] = get_args(FollowUpSetting)
DEFAULT_FOLLOW_UPS: FollowUpSetting = "one"  # the default of ``Settings.follow_ups`` too
FOLLOW_UP_LIMITS: dict[FollowUpSetting, int] = {"off": 0, "one": 1, "two": 2}

MIN_PROBE_WEIGHT = 1.0
"""Items lighter than this (the 0.5 "nice to have" items) are never probed by default."""

HIGH_COVERAGE = 0.8
"""No follow-up once this share of the checklist's weight is covered (see the module doc)."""


@dataclass(frozen=True, slots=True)
class Probe:
    """The follow-up to ask: which item it aims at and what the interviewer says."""

    question_id: str
    item_id: str
    label: str
    weight: float
    prompt: str
    number: int
    """1 for the first follow-up of the question, 2 for the second."""


@dataclass(frozen=True, slots=True)
class FollowUpResult:
    """A question's main answer and its follow-up answers, merged item by item (checklist order)."""

    question_id: str
    covered: tuple[ChecklistItem, ...]
    """Covered in the main answer."""
    recovered: tuple[ChecklistItem, ...]
    """Missed in the main answer, covered in a follow-up answer."""
    still_missed: tuple[ChecklistItem, ...]
    coverage: float
    """Weighted coverage of the main answer alone, 0..1."""
    coverage_with_follow_ups: float
    """Weighted coverage of the main answer or any follow-up answer, 0..1."""

    @property
    def gain(self) -> float:
        """How much coverage the follow-ups added."""
        return self.coverage_with_follow_ups - self.coverage


# --------------------------------------------------------------------------- choosing a probe


def follow_up_limit(setting: FollowUpSetting) -> int:
    """The number of follow-ups ``setting`` allows per question. Raises ValueError for an unknown one."""
    try:
        return FOLLOW_UP_LIMITS[setting]
    except KeyError:
        choices = ", ".join(FOLLOW_UP_SETTINGS)
        raise ValueError(f"unknown follow-up setting {setting!r}; choose one of: {choices}") from None


def choose_probe(
    question: Question,
    report: ScoreReport,
    *,
    asked: Iterable[str] = (),
    follow_ups: Sequence[ScoreReport] = (),
    min_weight: float = MIN_PROBE_WEIGHT,
    setting: FollowUpSetting = DEFAULT_FOLLOW_UPS,
    mode: Mode = "interview",
    high_coverage: float = HIGH_COVERAGE,
) -> Probe | None:
    """The missed item to ask about after ``report`` (the main answer), or None. See the module doc.

    ``asked`` holds the ids of the items already probed for this question and ``follow_ups`` the reports
    of their answers (an item one of them covered is not missed any more). Raises ValueError when a
    report belongs to another question or ``min_weight`` is not positive.
    """
    if min_weight <= 0:
        raise ValueError(f"min_weight must be positive, not {min_weight}")
    limit = follow_up_limit(setting)
    done = set(asked)
    if mode != "interview" or len(done) >= limit:
        return None
    covered = _covered_ids(question, report, follow_ups)
    if _weighted(question.checklist, covered) >= high_coverage:
        return None
    candidates = [
        (-item.weight, position, item)
        for position, item in enumerate(question.checklist)
        if item.id not in covered and item.id not in done and item.weight >= min_weight
    ]
    if not candidates:
        return None
    _, _, item = min(candidates, key=lambda c: (c[0], c[1]))
    return Probe(
        question_id=question.id,
        item_id=item.id,
        label=item.label,
        weight=item.weight,
        prompt=probe_prompt(question, item),
        number=len(done) + 1,
    )


def score_follow_up(
    question: Question, main_report: ScoreReport, follow_report: ScoreReport | Sequence[ScoreReport]
) -> FollowUpResult:
    """Merge the main answer's report with one follow-up report (or several). Raises ValueError when a
    report belongs to another question."""
    follow_ups = (follow_report,) if isinstance(follow_report, ScoreReport) else tuple(follow_report)
    main = _covered_ids(question, main_report, ())
    either = _covered_ids(question, main_report, follow_ups)
    items = question.checklist
    return FollowUpResult(
        question_id=question.id,
        covered=tuple(i for i in items if i.id in main),
        recovered=tuple(i for i in items if i.id in either and i.id not in main),
        still_missed=tuple(i for i in items if i.id not in either),
        coverage=_weighted(items, main),
        coverage_with_follow_ups=_weighted(items, either),
    )


def _covered_ids(question: Question, report: ScoreReport, follow_ups: Sequence[ScoreReport]) -> set[str]:
    """Ids of the question's items hit in ``report`` or any of ``follow_ups``."""
    known = {item.id for item in question.checklist}
    covered: set[str] = set()
    for one in (report, *follow_ups):
        if one.question_id != question.id:
            raise ValueError(f"a report of question {one.question_id!r} given for question {question.id!r}")
        covered.update(result.id for result in one.checklist if result.hit and result.id in known)
    return covered


def _weighted(items: Sequence[ChecklistItem], covered: set[str]) -> float:
    total = sum(item.weight for item in items)
    if total <= 0:
        return 0.0
    return sum(item.weight for item in items if item.id in covered) / total
