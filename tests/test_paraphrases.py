"""The checklists credit ideas said in the candidate's own words, and not thin answers.

Answers written blind to the checklists and labelled by an independent annotator
(scripts/bench_data/paraphrases, see its README). Rounds 1-8 are tuning data now (the checklists were
curated with them in view), so they are asserted here: credit and false hits on rounds 1-2 and on rounds
3-8, the coverage order per question. The next held-out round is measured outside the tests, never read
while curating. One paraphrase is also spoken and transcribed by the real model, so the concept rules are
checked on Whisper's wording too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from opsprep_voice.core.bank import QuestionBank, load_bank
from opsprep_voice.core.scoring import ScoreReport, score_answer
from opsprep_voice.core.transcript import Transcript

DATA = Path(__file__).resolve().parents[1] / "scripts" / "bench_data" / "paraphrases"
BANK: QuestionBank = load_bank()


@dataclass(frozen=True)
class Labelled:
    id: str
    question: int
    kind: str
    text: str
    labels: dict[str, bool]


def labelled_answers(folder: Path) -> list[Labelled]:
    out = []
    for path in sorted((folder / "answers").glob("q*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        labels = json.loads((folder / "labels" / path.name).read_text(encoding="utf-8"))["labels"]
        for a in data["answers"]:
            out.append(Labelled(a["id"], data["question"], a["kind"], a["text"], labels[a["id"]]))
    return out


TUNE = labelled_answers(DATA)
"""Round 1."""
ROUND2 = labelled_answers(DATA / "round2")
"""Round 2, written later by other writers with varied backgrounds (clouds, industries, tool stacks)."""
BOTH = TUNE + ROUND2
LATER_ROUNDS = ("round3", "round4", "round5", "round6", "round7", "round8")
LATER = [a for folder in LATER_ROUNDS for a in labelled_answers(DATA / folder)]
"""Rounds 3-8: other writers and personas (clouds, industries, tool stacks), each once held out."""
ALL = BOTH + LATER


def score(answer: Labelled, transcript: Transcript | None = None) -> ScoreReport:
    return score_answer(BANK.find(answer.question), transcript or Transcript.from_text(answer.text))


def test_every_round_is_there_and_labelled_for_every_item() -> None:
    assert len(TUNE) == 96 and len(ROUND2) == 96 and len(LATER) == 6 * 96
    for a in ALL:
        assert set(a.labels) == {item.id for item in BANK.find(a.question).checklist}, a.id


def credit(answers: list[Labelled]) -> tuple[float, list[str]]:
    """Share of the points strong answers made that are credited, and the ones missed."""
    made = credited = 0
    missed = []
    for a in (a for a in answers if a.kind == "strong"):
        hits = {i.id for i in score(a).hits}
        made += sum(a.labels.values())
        credited += sum(1 for item, covered in a.labels.items() if covered and item in hits)
        missed += [f"{a.id}/{item}" for item, covered in a.labels.items() if covered and item not in hits]
    return credited / made, missed


def false_hits(answers: list[Labelled]) -> tuple[float, list[str]]:
    """Share of the points answers did not make that are credited anyway, and the evidence."""
    found = []
    not_made = 0
    for a in answers:
        hits = {i.id: i for i in score(a).hits}
        for item, covered in a.labels.items():
            if not covered:
                not_made += 1
                if item in hits:
                    found.append(f"{a.id}/{item}: {hits[item].evidence}")
    return len(found) / not_made, found


def test_strong_paraphrases_get_credit_for_the_points_they_make() -> None:
    """Rounds 1 and 2 together, every question."""
    rate, missed = credit(BOTH)
    assert rate >= 0.95, (rate, missed)


def test_points_not_made_are_not_credited() -> None:
    """Rounds 1 and 2 together, every question: at most 3 % of the points an answer did not make."""
    rate, found = false_hits(BOTH)
    assert rate <= 0.03, found


def test_later_rounds_get_credit_for_the_points_they_make() -> None:
    """Rounds 3-8 together, every question (98.5 % once questions 1-12 were curated on round 8, questions
    13-24 as they stood; round 8 alone, fresh to every rule before that curation, was at 88.3 %, round 7
    before it at 93.6 %)."""
    rate, missed = credit(LATER)
    assert rate >= 0.97, (rate, missed)


def test_later_rounds_points_not_made_are_not_credited() -> None:
    """Rounds 3-8 together: 1.4 % of the points not made were credited once questions 1-12 were curated on
    round 8 (questions 13-24 as they stood; round 8 alone had been at 4.2 % before, round 7 at 7.0 %), and a
    weak answer naming tools or buzzwords in passing must not gain coverage (0.6 %)."""
    rate, found = false_hits(LATER)
    assert rate <= 0.025, found
    rate, found = false_hits([a for a in LATER if a.kind == "weak"])
    assert rate <= 0.015, found


@pytest.mark.parametrize("number", sorted({a.question for a in TUNE}))
def test_coverage_orders_strong_above_partial_above_weak(number: int) -> None:
    by_kind: dict[str, list[float]] = {"strong": [], "partial": [], "weak": []}
    for a in (a for a in TUNE if a.question == number):
        by_kind[a.kind].append(score(a).coverage)
    strong = sum(by_kind["strong"]) / len(by_kind["strong"])
    (partial,), (weak,) = by_kind["partial"], by_kind["weak"]
    assert strong > partial > weak
    assert strong >= 0.6 and weak <= 0.2


@pytest.mark.parametrize("number", sorted({a.question for a in ALL}))
def test_coverage_orders_strong_above_partial_above_weak_over_all_rounds(number: int) -> None:
    """Mean coverage per kind over rounds 1-8 (one round's single partial or weak answer can be off). No bound
    on one question's weak answers: a thin answer can still make a point (Q15's weak answers say they wore
    several hats; the labels agree)."""
    by_kind: dict[str, list[float]] = {"strong": [], "partial": [], "weak": []}
    for a in (a for a in ALL if a.question == number):
        by_kind[a.kind].append(score(a).coverage)
    strong, partial, weak = (sum(v) / len(v) for v in by_kind.values())
    assert strong > partial > weak


def test_strong_answers_average_high_coverage_and_weak_ones_low() -> None:
    """The issue's coverage targets, over rounds 1-8: strong answers >= 0.8 (0.88 with round 8), weak <= 0.2
    (0.04)."""
    mean = {
        kind: sum(score(a).coverage for a in ALL if a.kind == kind) / sum(1 for a in ALL if a.kind == kind)
        for kind in ("strong", "weak")
    }
    assert mean["strong"] >= 0.8 and mean["weak"] <= 0.2, mean


@pytest.mark.model
def test_a_spoken_paraphrase_is_credited_through_the_real_model(speech_dir: Path) -> None:
    """The issue's own case, spoken: journeys told apart from customers, reviews told as a weekly habit."""
    from opsprep_voice.asr.base import TranscribeOptions
    from opsprep_voice.asr.registry import create_transcriber
    from opsprep_voice.audio.io import load_audio
    from opsprep_voice.core.matching import recognition_prompt
    from tests.support.speech import synthesize

    answer = next(a for a in TUNE if a.id == "q03-strong-plain")
    wav = synthesize(answer.text, speech_dir / "paraphrase-q03.wav", voice="en-gb", rate_wpm=165)
    question = BANK.find(3)
    engine = create_transcriber("faster-whisper", None)
    prompt = recognition_prompt(question) if engine.uses_prompt else None
    transcript = engine.transcribe(load_audio(wav), TranscribeOptions(prompt=prompt))
    report = score(answer, transcript)
    hits = {i.id: i for i in report.hits}
    assert {"user-journeys", "review-loop", "slo-targets", "burn-rate-alerts"} <= set(hits), transcript.text
    assert hits["user-journeys"].evidence is not None and hits["user-journeys"].evidence.match == "concept"
    assert hits["metrics-dashboards"].evidence is not None
    assert hits["metrics-dashboards"].evidence.text.lower() != "metrics"  # a named tool, not the bare word
    assert report.coverage >= 0.8
