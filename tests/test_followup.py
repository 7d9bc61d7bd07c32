"""Interviewer follow-ups (core.followup): which missed item to probe, the spoken prompt, merged coverage;
the bundled follow_up texts and the bank's follow_up validation."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from opsprep_voice.core.bank import (
    BUNDLED_BANK,
    FOLLOW_UP_MAX_WORDS,
    BankError,
    ChecklistItem,
    Question,
    load_bank,
)
from opsprep_voice.core.follow_up_prompt import fallback_prompt, probe_prompt
from opsprep_voice.core.followup import (
    DEFAULT_FOLLOW_UPS,
    FOLLOW_UP_SETTINGS,
    HIGH_COVERAGE,
    MIN_PROBE_WEIGHT,
    FollowUpSetting,
    choose_probe,
    follow_up_limit,
    score_follow_up,
)
from opsprep_voice.core.scoring import ChecklistResult, ScoreReport, score_answer
from opsprep_voice.core.transcript import Transcript

BANK = load_bank()
BUNDLED_ITEMS = [(q, item) for q in BANK for item in q.checklist]
ITEM_IDS = [f"q{q.number}-{item.id}" for q, item in BUNDLED_ITEMS]
# What a probe must never say: it would tell the candidate what they missed.
GIVEAWAYS = re.compile(r"\byou (didn.t|did not|missed|forgot|haven.t mentioned)\b|\bwhat about\b", re.I)


def make_question(
    weights: list[float], *, follow_ups: bool = True, behavioural: bool = False, qid: str = "q"
) -> Question:
    items = [
        {
            "id": f"item-{n}",
            "label": f"Checklist point number {n}",
            "phrases": [f"phrase{n}"],
            "weight": weight,
            **({"follow_up": f"How would you handle part {n}?"} if follow_ups else {}),
        }
        for n, weight in enumerate(weights)
    ]
    return Question.model_validate(
        {
            "number": 1,
            "id": qid,
            "text": "How would you run it?",
            "guidance": "Employers ask this.",
            "example_answer": "Like this.",
            "category": "operations",
            "behavioural": behavioural,
            "target_seconds": 60,
            "checklist": items,
        }
    )


def make_report(question: Question, hits: set[str] | frozenset[str]) -> ScoreReport:
    checklist = tuple(
        ChecklistResult(item.id, item.label, item.weight, item.example, item.id in hits)
        for item in question.checklist
    )
    total = sum(i.weight for i in question.checklist)
    return ScoreReport(
        question_id=question.id,
        question_number=question.number,
        transcript="",
        words=(),
        coverage=sum(i.weight for i in question.checklist if i.id in hits) / total,
        checklist=checklist,
        duration_s=0.0,
        target_seconds=question.target_seconds,
        word_count=0,
        wpm=None,
        wpm_band=None,
        fillers=(),
        fillers_per_min=None,
        long_pauses=(),
        time_to_first_word_s=None,
        figures_mentioned=(),
        star=None,
    )


def ids(n: int, *numbers: int) -> set[str]:
    return {f"item-{k}" for k in numbers} if numbers else {f"item-{k}" for k in range(n)}


# --- choose_probe ----------------------------------------------------------------------------------


def test_defaults_are_documented_values() -> None:
    assert DEFAULT_FOLLOW_UPS == "one"
    assert MIN_PROBE_WEIGHT == 1.0
    assert HIGH_COVERAGE == 0.8
    assert FOLLOW_UP_SETTINGS == ("off", "one", "two")
    assert [follow_up_limit(s) for s in FOLLOW_UP_SETTINGS] == [0, 1, 2]


def test_highest_weight_first() -> None:
    q = make_question([1.0, 1.0, 1.5, 0.5])
    probe = choose_probe(q, make_report(q, set()))
    assert probe is not None
    assert (probe.item_id, probe.weight, probe.number) == ("item-2", 1.5, 1)
    assert probe.question_id == "q"
    assert probe.label == "Checklist point number 2"
    assert probe.prompt == "How would you handle part 2?"


def test_ties_go_to_checklist_order() -> None:
    q = make_question([1.0, 1.5, 1.0, 1.5])
    probe = choose_probe(q, make_report(q, set()))
    assert probe is not None and probe.item_id == "item-1"
    q = make_question([1.0, 1.0, 1.0])
    probe = choose_probe(q, make_report(q, set()))
    assert probe is not None and probe.item_id == "item-0"


def test_core_items_then_regular_ones_never_half_weight() -> None:
    q = make_question([0.5, 1.0, 0.5, 1.5, 0.5])
    first = choose_probe(q, make_report(q, set()), setting="two")
    assert first is not None and first.item_id == "item-3"
    second = choose_probe(q, make_report(q, set()), setting="two", asked=[first.item_id])
    assert second is not None and (second.item_id, second.number) == ("item-1", 2)
    # Only 0.5 items are left missed (a thin answer): no probe by default, one with a lower min_weight.
    q = make_question([0.5, 1.0, 0.5, 1.0, 0.5])
    thin = make_report(q, ids(5, 1))
    assert thin.coverage < HIGH_COVERAGE
    assert choose_probe(q, thin, asked=["item-3"], setting="two") is None
    lowered = choose_probe(q, thin, asked=["item-3"], setting="two", min_weight=0.5)
    assert lowered is not None and lowered.item_id == "item-0"


def test_no_probe_once_coverage_is_high() -> None:
    q = make_question([1.0] * 10)
    at_threshold = make_report(q, ids(10) - ids(10, 8, 9))  # 8 of 10 covered: exactly 0.8
    assert at_threshold.coverage == pytest.approx(0.8)
    assert choose_probe(q, at_threshold) is None
    below = make_report(q, ids(10) - ids(10, 7, 8, 9))  # 0.7
    probe = choose_probe(q, below)
    assert probe is not None and probe.item_id == "item-7"
    # the threshold is a parameter
    assert choose_probe(q, at_threshold, high_coverage=0.9) is not None
    assert choose_probe(q, below, high_coverage=0.7) is None


def test_nothing_missed_means_no_probe() -> None:
    q = make_question([1.5, 1.0, 0.5])
    full = make_report(q, ids(3))
    assert choose_probe(q, full) is None
    assert choose_probe(q, full, high_coverage=1.5) is None  # no missed item even without the threshold


@pytest.mark.parametrize(
    ("setting", "asked", "expected"),
    [
        ("off", (), None),
        ("one", (), "item-0"),
        ("one", ("item-0",), None),
        ("two", ("item-0",), "item-1"),
        ("two", ("item-0", "item-1"), None),
        ("two", ("item-0", "item-0"), "item-1"),  # the same item asked twice counts once
    ],
)
def test_follow_up_limit_per_question(
    setting: FollowUpSetting, asked: tuple[str, ...], expected: str | None
) -> None:
    q = make_question([1.5, 1.5, 1.5, 1.0])
    probe = choose_probe(q, make_report(q, set()), asked=asked, setting=setting)
    assert (probe.item_id if probe else None) == expected


def test_asked_items_are_not_probed_again() -> None:
    q = make_question([1.5, 1.0, 1.0])
    probe = choose_probe(q, make_report(q, set()), asked=["item-0"], setting="two")
    assert probe is not None and probe.item_id == "item-1"


def test_study_mode_never_probes() -> None:
    q = make_question([1.5, 1.0])
    report = make_report(q, set())
    assert choose_probe(q, report, mode="study", setting="two") is None
    assert choose_probe(q, report, mode="interview") is not None


def test_an_item_a_follow_up_answer_covered_is_not_missed_any_more() -> None:
    q = make_question([1.5, 1.5, 1.0, 1.0, 1.0])
    main = make_report(q, set())
    first = make_report(q, ids(5, 0, 1))  # the answer to the first probe also covered item-1
    probe = choose_probe(q, main, asked=["item-0"], follow_ups=[first], setting="two")
    assert probe is not None and probe.item_id == "item-2"
    # ... and coverage counts the follow-ups: once it is high, no second probe
    enough = make_report(q, ids(5, 0, 1, 2, 3))
    assert choose_probe(q, main, asked=["item-0"], follow_ups=[enough], setting="two") is None


def test_bad_arguments_are_errors() -> None:
    q = make_question([1.5])
    other = make_question([1.5], qid="other")
    with pytest.raises(ValueError, match="question 'other'"):
        choose_probe(q, make_report(other, set()))
    with pytest.raises(ValueError, match="min_weight"):
        choose_probe(q, make_report(q, set()), min_weight=0)
    with pytest.raises(ValueError, match="choose one of: off, one, two"):
        choose_probe(q, make_report(q, set()), setting="three")  # type: ignore[arg-type]


def test_a_probe_without_follow_up_uses_the_fallback_prompt() -> None:
    q = make_question([1.5, 1.0], follow_ups=False)
    probe = choose_probe(q, make_report(q, set()))
    assert probe is not None
    assert probe.prompt == fallback_prompt(q, q.checklist[0])
    assert probe.prompt.endswith("?")
    assert q.checklist[0].label.casefold() not in probe.prompt.casefold()


# --- score_follow_up ---------------------------------------------------------------------------------


def test_coverage_with_follow_ups_arithmetic() -> None:
    q = make_question([1.5, 1.0, 1.0, 0.5])  # total 4.0
    main = make_report(q, ids(4, 0))
    follow = make_report(q, ids(4, 0, 1))
    result = score_follow_up(q, main, follow)
    assert [i.id for i in result.covered] == ["item-0"]
    assert [i.id for i in result.recovered] == ["item-1"]
    assert [i.id for i in result.still_missed] == ["item-2", "item-3"]
    assert result.coverage == pytest.approx(1.5 / 4)
    assert result.coverage_with_follow_ups == pytest.approx(2.5 / 4)
    assert result.gain == pytest.approx(1.0 / 4)
    assert result.question_id == "q"


def test_several_follow_ups_are_merged() -> None:
    q = make_question([1.5, 1.0, 1.0, 0.5])
    main = make_report(q, set())
    result = score_follow_up(q, main, [make_report(q, ids(4, 1)), make_report(q, ids(4, 3))])
    assert [i.id for i in result.recovered] == ["item-1", "item-3"]
    assert result.coverage == 0.0
    assert result.coverage_with_follow_ups == pytest.approx(1.5 / 4)
    assert score_follow_up(q, main, []).coverage_with_follow_ups == 0.0


def test_an_item_lost_in_the_follow_up_stays_covered() -> None:
    q = make_question([1.0, 1.0])
    result = score_follow_up(q, make_report(q, ids(2, 0)), make_report(q, ids(2, 1)))
    assert [i.id for i in result.covered] == ["item-0"]
    assert [i.id for i in result.recovered] == ["item-1"]
    assert result.coverage_with_follow_ups == 1.0


def test_a_report_of_another_question_is_an_error() -> None:
    q = make_question([1.0])
    with pytest.raises(ValueError):
        score_follow_up(q, make_report(q, set()), make_report(make_question([1.0], qid="x"), set()))


def test_coverage_matches_the_scorer_on_a_real_answer() -> None:
    question = BANK.find(9)
    main = score_answer(question, Transcript("We take automated nightly snapshots of the database."))
    follow = score_answer(question, Transcript("We restore a backup every month to prove it works."))
    result = score_follow_up(question, main, follow)
    assert result.coverage == pytest.approx(main.coverage)
    assert {i.id for i in result.covered} == {r.id for r in main.hits}
    assert result.coverage_with_follow_ups >= result.coverage


def random_cases(seed: int, count: int = 300) -> list[tuple[list[float], random.Random]]:
    """Random checklists (weights 0.5/1.0/1.5, 1-12 items), each with its own generator for hits."""
    rng = random.Random(seed)
    return [
        ([rng.choice([0.5, 1.0, 1.5]) for _ in range(rng.randint(1, 12))], random.Random(rng.random()))
        for _ in range(count)
    ]


def random_hits(rng: random.Random, all_ids: list[str]) -> set[str]:
    return {i for i in all_ids if rng.random() < rng.choice([0.2, 0.5, 0.8])}


@pytest.mark.parametrize(("weights", "rng"), random_cases(13))
def test_merged_coverage_is_the_weighted_union(weights: list[float], rng: random.Random) -> None:
    q = make_question(weights)
    all_ids = sorted(ids(len(weights)))
    main_hits = random_hits(rng, all_ids)
    follow_hits = [random_hits(rng, all_ids) for _ in range(rng.randint(0, 3))]
    result = score_follow_up(q, make_report(q, main_hits), [make_report(q, h) for h in follow_hits])
    union = main_hits.union(*follow_hits)
    total = sum(weights)
    assert result.coverage == pytest.approx(sum(i.weight for i in q.checklist if i.id in main_hits) / total)
    assert result.coverage_with_follow_ups == pytest.approx(
        sum(i.weight for i in q.checklist if i.id in union) / total
    )
    parts = [*result.covered, *result.recovered, *result.still_missed]
    assert sorted(i.id for i in parts) == all_ids  # every item in exactly one group
    assert 0.0 <= result.coverage <= result.coverage_with_follow_ups <= 1.0


@pytest.mark.parametrize(("weights", "rng"), random_cases(14))
def test_a_probe_is_always_the_heaviest_earliest_qualifying_miss(
    weights: list[float], rng: random.Random
) -> None:
    q = make_question(weights)
    hits = random_hits(rng, sorted(ids(len(weights))))
    report = make_report(q, hits)
    probe = choose_probe(q, report)
    missed = [(i, item) for i, item in enumerate(q.checklist) if item.id not in hits and item.weight >= 1.0]
    if report.coverage >= HIGH_COVERAGE or not missed:
        assert probe is None
    else:
        best = max(item.weight for _, item in missed)
        expected = next(item for _, item in missed if item.weight == best)
        assert probe is not None and probe.item_id == expected.id


# --- the bundled follow_up texts -------------------------------------------------------------------------


def test_every_bundled_item_has_a_follow_up() -> None:
    assert len(BUNDLED_ITEMS) == 190
    missing = [i for (q, item), i in zip(BUNDLED_ITEMS, ITEM_IDS, strict=True) if not item.follow_up]
    assert missing == []
    texts = [item.follow_up for _, item in BUNDLED_ITEMS]
    assert len(set(texts)) == len(texts), "each follow-up is written for its own item"


@pytest.mark.parametrize(("question", "item"), BUNDLED_ITEMS, ids=ITEM_IDS)
def test_bundled_follow_up_is_a_real_probe(question: Question, item: ChecklistItem) -> None:
    text = item.follow_up
    assert text is not None
    # what the validator checks (the bank loaded, so it passed) ...
    assert text.endswith("?")
    assert len(text.split()) <= FOLLOW_UP_MAX_WORDS
    assert item.label.casefold() not in text.casefold()
    # ... and how it reads: one spoken question that does not give the answer away
    assert text[0].isupper()
    assert text.count("?") == 1
    assert not GIVEAWAYS.search(text), text
    assert probe_prompt(question, item) == text


@pytest.mark.parametrize(("question", "item"), BUNDLED_ITEMS, ids=ITEM_IDS)
def test_fallback_prompt_reads_naturally_for_every_bundled_item(
    question: Question, item: ChecklistItem
) -> None:
    without = item.model_copy(update={"follow_up": None})
    prompt = probe_prompt(question, without)
    assert prompt == fallback_prompt(question, item)
    assert prompt.endswith("?") and prompt.count("?") == 1
    assert prompt[0].isupper()
    assert item.label.casefold() not in prompt.casefold()
    assert not GIVEAWAYS.search(prompt), prompt
    assert "  " not in prompt and " ?" not in prompt and ",?" not in prompt
    assert len(prompt.split()) <= FOLLOW_UP_MAX_WORDS
    assert not re.search(r"\b(the|a|an) (the|a|an)\b", prompt, re.I)


@pytest.mark.parametrize(
    ("label", "behavioural", "expected"),
    [
        ("Regular restore tests", False, "How would you approach restore tests?"),
        ("Start simple and evolve as usage grows", False,
         "How would you go about starting simple and evolving as usage grows?"),
        ("Declared the incident and took command", True,
         "How did you go about declaring the incident and taking command?"),
        ("Canary on a small slice of traffic", False, "How would you approach the canary?"),
        ("Blameless postmortem", True, "Can you talk me through the postmortem?"),
        ("Triage: checked what changed, narrowed the cause", True,
         "How did you go about checking what changed, narrowing the cause?"),
        ("Policy as code (OPA, Sentinel)", False, "How would you approach the policy as code?"),
        ("How fast it was stabilised", True, "And how fast was it stabilised?"),
        ("Enjoys building from the ground up", True,
         "Would you say you enjoy building from the ground up, and why?"),
        ("Runs on every pull request", False, "Would it run on every pull request, and why?"),
        ("Build caching for speed", False, "How would you approach build caching?"),
        ("Backups", False, "Is there anything else you would put in place here, and why?"),
        ("Backups", True, "What else did you do there that we haven't talked about yet?"),
    ],
)  # fmt: skip
def test_fallback_prompt_construction(label: str, behavioural: bool, expected: str) -> None:
    q = make_question([1.0], follow_ups=False, behavioural=behavioural)
    item = q.checklist[0].model_copy(update={"label": label})
    assert fallback_prompt(q, item) == expected


# --- banks with and without follow_up -------------------------------------------------------------------


def raw_bank() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(BUNDLED_BANK.read_text(encoding="utf-8"))
    return data


def test_a_bank_without_follow_ups_loads_and_gets_fallback_prompts(tmp_path: Path) -> None:
    data = raw_bank()
    for question in data["questions"]:
        for item in question["checklist"]:
            del item["follow_up"]
    path = tmp_path / "custom.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    bank = load_bank(path)
    for question in bank:
        for item in question.checklist:
            assert item.follow_up is None
            prompt = probe_prompt(question, item)
            assert prompt == fallback_prompt(question, item)
            assert prompt.endswith("?") and item.label.casefold() not in prompt.casefold()
    q = bank.find(9)
    probe = choose_probe(q, score_answer(q, Transcript("We take nightly snapshots.")))
    assert probe is not None
    probed = next(i for i in q.checklist if i.id == probe.item_id)
    assert probe.prompt == fallback_prompt(q, probed)


@pytest.mark.parametrize(
    ("follow_up", "problem"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("How would you do that.", "must be a question ending with '?'"),
        ("What about point-in-time recovery (WAL or binlog)?", "repeats the label"),
        ("What about POINT-IN-TIME RECOVERY (WAL OR BINLOG) then?", "repeats the label"),
        ("Why " + "really " * 30 + "?", f"keep it to {FOLLOW_UP_MAX_WORDS} or fewer"),
    ],
)
def test_the_validator_rejects_a_bad_follow_up(tmp_path: Path, follow_up: str, problem: str) -> None:
    data = raw_bank()
    assert data["questions"][8]["checklist"][1]["label"] == "Point-in-time recovery (WAL or binlog)"
    data["questions"][8]["checklist"][1]["follow_up"] = follow_up
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(BankError) as err:
        load_bank(path)
    message = str(err.value)
    assert "questions[8].checklist[1].follow_up: " in message
    assert problem in message
    assert len(err.value.problems) == 1


def test_a_null_follow_up_is_the_same_as_none(tmp_path: Path) -> None:
    data = raw_bank()
    data["questions"][0]["checklist"][0]["follow_up"] = None
    path = tmp_path / "null.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_bank(path).questions[0].checklist[0].follow_up is None
