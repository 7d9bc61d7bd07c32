"""Concept rules: ideas said in other words are found; terms far apart, reused or misspelt rules are not."""

from __future__ import annotations

import re

import pytest

from opsprep_voice.core.bank import BankError, ChecklistItem, Question, parse_bank
from opsprep_voice.core.concepts import RuleSyntaxError, compile_rule, match_rule
from opsprep_voice.core.matching import explain, match_checklist
from opsprep_voice.core.phrases import Index
from opsprep_voice.core.text import tokenize
from opsprep_voice.core.transcript import Transcript


def said(rule: str, text: str) -> str | None:
    """The transcript words the rule matched, or None."""
    tokens = tokenize(text)
    hit = match_rule(compile_rule(rule), Index(tokens, text))
    if hit is None:
        return None
    return text[tokens[hit.hit.first].start : tokens[hit.hit.last].end]


@pytest.mark.parametrize(
    ("rule", "text", "expected"),
    [
        # The case: the item's phrases only cover "user journey"; the candidate said it apart.
        (
            "journey|flow + customer|user",
            "I begin by mapping a few journeys our customers care about most",
            "journeys our customers",
        ),
        (
            "journey|flow + customer|user",
            "what our customers do on their main journeys",
            "customers do on their main journeys",
        ),
        ("week*|regular + review", "Every week we review the budget", "week we review"),
        ("replic* + region", "a replica in a second region", "replica in a second region"),
        ("replic* + region", "replication across regions", "replication across regions"),
        ("SLO|target + #", "we set the target at ninety-nine point five", "target at ninety-nine point five"),
        # A word after "#" is read as a transcript reads it after a figure: "ten times" is "10 x".
        ("throughput + # times", "throughput went up ten times", "throughput went up ten times"),
        ("throughput + # times", "3x the throughput", "3x the throughput"),
        ("utiliz* + low", "utilisation was low", "utilisation was low"),  # British spelling, US rule
        (
            "restore + test|drill + month*",
            "every month we drill a full restore",
            "month we drill a full restore",
        ),
        (
            "error budget + feature",
            "when the error, um, budget is gone, features wait",
            "error, um, budget is gone, features",
        ),
    ],
)
def test_terms_near_each_other_in_any_order_match(rule: str, text: str, expected: str) -> None:
    assert said(rule, text) == expected


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        # Too far apart to be one thought (more than 10 tokens for two groups).
        (
            "journey + customer",
            "journeys matter, and after a long day of meetings with sales and finance, customers",
        ),
        # Two sentences are two thoughts.
        (
            "set up + canary",
            "we rolled back with the canary controls. While that was happening I set up a call",
        ),
        # One word cannot stand for two groups.
        ("user|customer + user|people", "the user"),
        # A prefix matches the start of a word only.
        ("replic* + region", "we duplicated it in a region"),
        # A number term needs a figure: "one" and "first" are rarely figures in speech.
        ("SLO|target + #", "we set some targets that make sense"),
        ("SLO|target + #", "the first target is one of the things"),
        ("restore + test + month*", "we restore backups"),
    ],
)
def test_terms_apart_reused_or_missing_do_not_match(rule: str, text: str) -> None:
    assert said(rule, text) is None


def test_the_tightest_place_is_the_evidence() -> None:
    text = "journeys are really nice. Our customers love each journey daily"
    assert said("journey + customer", text) == "customers love each journey"


def test_three_groups_get_a_longer_span() -> None:
    rule = compile_rule("page|alert + budget + burn*|drain*")
    assert rule.span_limit == 14
    assert said(rule.text, "paging fired only when the error budget was draining fast") == (
        "paging fired only when the error budget was draining"
    )


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ("journey", "one group"),
        ("journey + ", "empty group or term"),
        ("journey || flow + user", "empty group or term"),
        ("aut* + scaling", "at least 4 letters"),
        ("re*plica + region", "at most one '*' at the end"),
        ("journey + (user)", "is not a word"),
        ("bottleneck* + lock*|n+1|pool", "'n+1' has a '+' inside a term"),  # split silently, never matched
        ("fix +N 1", "'+N' has a '+' inside a term"),
    ],
)
def test_unreadable_rules_say_what_to_change(rule: str, problem: str) -> None:
    with pytest.raises(RuleSyntaxError, match=re.escape(problem)):
        compile_rule(rule)


def test_a_term_said_with_a_plus_matches_as_a_transcript_reads_it() -> None:
    rule = compile_rule("fixed|found + n 1|slow query")
    assert said(rule.text, "we found an N+1 in the orders endpoint") == "found an N+1"


def test_a_bank_with_a_bad_rule_names_its_place() -> None:
    data = {
        "questions": [
            {
                "number": 1,
                "id": "q",
                "text": "t",
                "guidance": "g",
                "example_answer": "e",
                "category": "delivery",
                "target_seconds": 60,
                "checklist": [{"id": "a", "label": "A", "phrases": ["alpha"], "concepts": ["alpha"]}],
            }
        ]
    }
    with pytest.raises(BankError, match=r"questions\[0\]\.checklist\[0\]\.concepts: .*one group"):
        parse_bank(data)


# ------------------------------------------------------------------ evidence choice and explanation


def _question(phrases: list[str], concepts: list[str] | None = None) -> Question:
    item = ChecklistItem(id="i", label="I", phrases=phrases, concepts=concepts or [], example="e")
    return Question(
        number=1, id="q", text="t", guidance="g", example_answer="e", category="observability",
        target_seconds=60, checklist=[item],
    )  # fmt: skip


def _evidence(question: Question, text: str) -> tuple[str, str, str]:
    (item,) = match_checklist(question, Transcript.from_text(text))
    assert item.evidence is not None
    return item.evidence.text, item.evidence.phrase, item.evidence.match


def test_a_named_tool_beats_a_generic_word_said_earlier() -> None:
    q = _question(["metrics", "dashboard", "Prometheus", "Grafana"])
    assert _evidence(q, "We keep metrics in Prometheus and graph them in Grafana") == (
        "Prometheus", "Prometheus", "exact",
    )  # fmt: skip


def test_a_rule_naming_a_tool_beats_an_earlier_rule_of_everyday_words() -> None:
    q = _question(["time series"], ["metric* + store*", "Prometheus|Grafana + store*|scrap*"])
    assert _evidence(q, "Prometheus stores the metrics") == (
        "Prometheus stores",
        "Prometheus + stores",
        "concept",
    )
    assert _evidence(q, "we store the metrics") == ("store the metrics", "metrics + store", "concept")


def test_between_equally_specific_phrases_the_checklist_order_decides() -> None:
    q = _question(["burn rate", "error budget"])
    assert _evidence(q, "we track the error budget and page on the burn rate")[1] == "burn rate"


def test_a_concept_beats_one_everyday_word_but_not_a_phrase() -> None:
    q = _question(["review", "weekly review"], ["week*|regular + review|revisit*"])
    assert _evidence(q, "we review things. Every week we revisit the targets") == (
        "week we revisit", "week + revisit", "concept",
    )  # fmt: skip
    assert _evidence(q, "a weekly review")[2] == "exact"


@pytest.mark.parametrize(
    ("phrases", "concepts", "text", "why"),
    [
        (["Grafana"], [], "dashboards in Grafana", 'You said "Grafana".'),
        (["p95"], [], "the 95th percentile", 'You said "95th percentile" (counts as "p95").'),
        (["roll back"], [], "we rolled back", 'You said "rolled back", a form of "roll back".'),
        (
            ["user journey"],
            ["journey + customer"],
            "journeys our customers care about",
            'Said in other words: "journeys our customers" (journeys + customers).',
        ),
        (["Grafana"], [], "dashboards in Grafada", 'Heard "Grafada", taken as a mishearing of "Grafana".'),
        (["Terraform"], [], "we wrote Teleform modules", 'Heard "Teleform", which sounds like "Terraform".'),
    ],
)
def test_explain_says_why_an_item_was_credited(
    phrases: list[str], concepts: list[str], text: str, why: str
) -> None:
    (item,) = match_checklist(_question(phrases, concepts), Transcript.from_text(text))
    assert item.evidence is not None
    assert explain(item.evidence) == why


def test_a_term_that_takes_a_word_another_group_needs_does_not_hide_a_match() -> None:
    # "from #" could take "from 50", which the third group's "from # to #" needs: another choice works.
    rule = "MTTR|recovery time + from #|went + from # to #"
    assert said(rule, "MTTR went from 50 to 20 minutes") == "MTTR went from 50 to 20"


def test_a_starred_term_of_several_words_keeps_to_one_sentence() -> None:
    assert said("spin* up + cluster", "we spin it up a new cluster") == "spin it up a new cluster"
    assert said("spin* up + cluster", "we spin all of it up a new cluster") is None  # too far apart
    assert said("spin* up + cluster", "we were spinning. Up next a new cluster") is None
