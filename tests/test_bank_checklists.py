"""The curated checklists against the real scorer: strong answers score high, vague answers score ~0.

These pin the quality of questions.json: a phrase list that stops detecting the example answer's own
wording, or a phrase so generic that it fires on a content-free answer, fails here.
"""

from __future__ import annotations

import pytest

from opsprep_voice.core.bank import Question, QuestionBank, load_bank
from opsprep_voice.core.matching import match_checklist
from opsprep_voice.core.scoring import score_answer
from opsprep_voice.core.transcript import Transcript

WEAK_ANSWERS = (
    "I would work hard and make sure everything is fine and talk to the team",
    "Honestly I would just do my best, stay positive, and ask my manager what they want me to do.",
    "I think it depends. I would look into it, figure out what is going on and fix it as soon as possible.",
    "That's a great question. I am a hard worker, a fast learner and a team player, and I really like "
    "solving problems with people.",
)

BANK: QuestionBank = load_bank()
NUMBERS = [q.number for q in BANK]


def question(number: int) -> Question:
    return BANK.find(number)


@pytest.mark.parametrize("number", NUMBERS)
def test_example_answer_covers_its_own_checklist(number: int) -> None:
    q = question(number)
    report = score_answer(q, Transcript.from_text(q.example_answer))
    missed = [item.id for item in report.checklist if not item.hit]
    assert report.coverage >= 0.85, f"{q.id}: coverage {report.coverage:.2f}, missed {missed}"
    assert len(missed) <= 1, f"{q.id}: missed {missed}"
    core_missed = [item.id for item in report.checklist if item.weight >= 1.5 and not item.hit]
    assert core_missed == [], f"{q.id}: core ideas missed by the example answer: {core_missed}"


@pytest.mark.parametrize("number", NUMBERS)
@pytest.mark.parametrize("answer", WEAK_ANSWERS, ids=[f"weak{i}" for i in range(len(WEAK_ANSWERS))])
def test_a_vague_answer_covers_almost_nothing(number: int, answer: str) -> None:
    q = question(number)
    report = score_answer(q, Transcript.from_text(answer))
    hits = [(item.id, item.evidence.text) for item in report.checklist if item.evidence is not None]
    assert report.coverage <= 0.15, f"{q.id}: {report.coverage:.2f} from {hits}"


def test_the_first_weak_answer_hits_nothing_at_all() -> None:
    for q in BANK:
        report = score_answer(q, Transcript.from_text(WEAK_ANSWERS[0]))
        assert report.coverage == 0.0, q.id


@pytest.mark.parametrize("number", NUMBERS)
def test_each_item_example_demonstrates_the_item(number: int) -> None:
    """The excerpt shown when an item is missed must itself count as saying it."""
    q = question(number)
    for item in q.checklist:
        alone = q.model_copy(update={"checklist": [item]})
        (match,) = match_checklist(alone, Transcript.from_text(item.example))
        assert match.hit, f"{item.id}: {item.example!r}"


def test_example_answers_hit_nearly_all_their_items_overall() -> None:
    hit = total = 0
    for q in BANK:
        report = score_answer(q, Transcript.from_text(q.example_answer))
        hit += len(report.hits)
        total += len(report.checklist)
    assert hit / total >= 0.95


def test_an_answer_to_another_question_scores_lower_than_the_right_one() -> None:
    """Checklists are specific: each question's own example beats every other question's example."""
    for q in BANK:
        own = score_answer(q, Transcript.from_text(q.example_answer)).coverage
        for other in BANK:
            if other.number == q.number:
                continue
            cross = score_answer(q, Transcript.from_text(other.example_answer)).coverage
            assert cross < own, f"{q.id} scored {cross:.2f} on the answer to {other.id} (own {own:.2f})"
            assert cross <= 0.8, f"{q.id} scored {cross:.2f} on the answer to {other.id}"


@pytest.mark.parametrize(
    ("ref", "answer", "expected"),
    [
        # Paraphrases in other words (spoken forms, synonyms, product names) still count.
        (
            "backups-and-disaster-recovery",
            "We take nightly backups plus write-ahead log archiving so we can restore to any point in time, "
            "keep a standby in another region, and aim for a recovery point objective of five minutes and a "
            "recovery time objective of half an hour. Every quarter we do a restore drill.",
            {"automated-backups", "point-in-time-recovery", "cross-region", "rpo", "rto", "restore-tests"},
        ),
        (
            "slis-slos-observability",
            "I pick service level indicators from the user journey, like ninety-fifth percentile latency, "
            "set service level objectives with an error budget, instrument with Open Telemetry and page on "
            "fast burn and slow burn.",
            {"user-journeys", "sli-choice", "slo-targets", "instrumentation", "burn-rate-alerts"},
        ),
        (
            "risky-changes-progressive-delivery",
            "We shift one percent of traffic with Flagger, watch the error rate, keep schema changes "
            "expand and contract, hide features behind toggles and can revert automatically.",
            {"canary", "automated-analysis", "compatible-migrations", "feature-flags", "automated-rollback"},
        ),
    ],
)
def test_paraphrased_strong_answers_are_recognised(ref: str, answer: str, expected: set[str]) -> None:
    report = score_answer(BANK.find(ref), Transcript.from_text(answer))
    hit = {item.id for item in report.checklist if item.hit}
    assert expected <= hit, f"missing {sorted(expected - hit)}"
