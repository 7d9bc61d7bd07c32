"""Checklist matching: exact/stem/joined hits, misheard names caught, near-miss words not, evidence."""

from __future__ import annotations

import pytest

from opsprep_voice.core.bank import ChecklistItem, Question, load_bank
from opsprep_voice.core.matching import (
    compile_question,
    coverage,
    find_phrase,
    match_checklist,
    prompt_terms,
    recognition_prompt,
)
from opsprep_voice.core.transcript import Transcript, Word


def _question(*items: tuple[str, list[str], float]) -> Question:
    return Question(
        number=1,
        id="q",
        text="How do you ship safely?",
        guidance="g",
        example_answer="e",
        category="delivery",
        target_seconds=90,
        checklist=[
            ChecklistItem(id=i, label=i.replace("-", " "), phrases=p, weight=w, example=f"say {p[0]}")
            for i, p, w in items
        ],
    )


# ---------------------------------------------------------------- mishearings are caught


@pytest.mark.parametrize(
    ("phrase", "heard", "kind"),
    [
        ("Terraform", "we wrote Teleform modules", "phonetic"),
        ("Terraform", "all in terror form", "fuzzy"),
        ("Kubernetes", "we ran Cubanese in production", "phonetic"),
        ("Kubernetes", "on Cuban Eddies clusters", "phonetic"),
        ("Grafana", "dashboards in Grafada", "fuzzy"),
        ("Grafana", "Rafana dashboards", "fuzzy"),
        ("Argo Rollouts", "we used Ardo Roach's for canaries", "phonetic"),
        ("Argo Rollouts", "ardo rollouts", "fuzzy"),
        ("Prometheus", "scraped by Promethius", "fuzzy"),
    ],
)
def test_misheard_names_are_caught(phrase: str, heard: str, kind: str) -> None:
    evidence = find_phrase(phrase, heard)
    assert evidence is not None
    assert evidence.match == kind
    assert heard[evidence.char_start : evidence.char_end] == evidence.text


# ---------------------------------------------------------------- near misses are not


@pytest.mark.parametrize(
    ("phrase", "said"),
    [
        ("SLO", "it was slow, slowly getting worse, a solo effort"),
        ("Cloud Profiler", "we put Cloudflare in front"),  # one of its words, then not the other
        ("RTO", "auto scaling is an art"),
        ("IAM", "I am the on-call"),
        ("IAM", "I-am the on-call"),
        ("SBOM", "a bomb"),
        ("SBOM", "a-bom"),
        ("OPA", "we went to the opera"),
        ("helm", "wear a helmet"),
        ("Grafana", "a graph of errors"),
        ("Grafana", "a grafted branch"),
        ("Grafana", "grafting"),
        ("Kubernetes", "a cube of data"),
        ("Kubernetes", "kitchen cabinets"),
        ("Kubernetes", "our communities"),
        ("Terraform", "we had to transform the pipeline"),
        ("Terraform", "a new platform"),
        ("Terraform", "perform well"),
        ("Argo Rollouts", "our rollouts were slow"),
        ("Argo Rollouts", "canary rollouts"),
        ("Argo Rollouts", "the rollouts"),
        ("Prometheus", "we made promises"),
        ("serverless", "service roles"),
        ("BuildKit", "a build cache"),
        ("Datadog", "data loss"),
        ("multi-AZ", "multi region"),
        ("error budget", "terror budget"),
    ],
)
def test_near_misses_do_not_match(phrase: str, said: str) -> None:
    assert find_phrase(phrase, said) is None


@pytest.mark.parametrize(
    ("phrase", "said"),
    [
        ("SLO", "we set an S L O"),
        ("SLO", "the s.l.o. was"),
        ("SLO", "our SLOs"),
        ("RTO", "an RTO of"),
        # Whisper half-spells some acronyms with a hyphen (heard on bench_asr's en-gb-scotland voice).
        ("SBOM", "image scanning and s -bom generation"),
        ("SBOM", "an S-BOM per build"),
    ],
)
def test_short_terms_match_exactly_also_spelled_out(phrase: str, said: str) -> None:
    evidence = find_phrase(phrase, said)
    assert evidence is not None and evidence.match == "exact"


# ---------------------------------------------------------------- inflections, gaps, joins


@pytest.mark.parametrize(
    ("phrase", "said", "kind"),
    [
        ("roll back", "we rolled back fast", "stem"),
        ("canary", "we use canaries", "stem"),
        ("alert", "alerting on symptoms", "stem"),
        ("roll back", "we roll it back", "exact"),  # one extra token allowed
        ("error budget", "the error, um, budget", "exact"),  # two extra tokens allowed
        ("time box", "I timeboxed it", "stem"),
        ("timebox", "we time box it", "stem"),
        ("blue green", "a bluegreen deploy", "stem"),
        ("blue green", "a blue-green deploy", "exact"),
        ("runbook", "a run book", "stem"),
        ("run book", "the runbooks", "stem"),
        ("99.9%", "ninety-nine point nine percent availability", "exact"),
        ("five minutes", "within 5 minutes", "exact"),
        ("p95", "the 95th percentile", "exact"),
    ],
)
def test_inflections_gaps_and_joins(phrase: str, said: str, kind: str) -> None:
    evidence = find_phrase(phrase, said)
    assert evidence is not None
    assert evidence.match == kind


def test_too_many_extra_tokens_break_a_phrase() -> None:
    assert find_phrase("roll back", "roll the whole thing back") is None


def test_a_phrase_is_said_within_one_sentence() -> None:
    assert find_phrase("alert fired", "we cleaned up the alerts. Paging fired less") is None
    assert find_phrase("alert fired", "the alert, um, fired at 2 a.m.") is not None


# ---------------------------------------------------------------- checklist results


def test_checklist_evidence_points_to_text_and_time() -> None:
    q = _question(("iac", ["Terraform"], 2.0), ("canary", ["canary release"], 1.0), ("slo", ["SLO"], 1.0))
    words = [
        Word("We", 0.5, 0.7),
        Word("used", 0.7, 1.0),
        Word("Teleform", 1.0, 1.6),
        Word("and", 1.7, 1.8),
        Word("canary", 1.9, 2.3),
        Word("releases.", 2.3, 2.9),
    ]
    transcript = Transcript.from_words(words, duration_s=4.0)
    items = match_checklist(q, transcript)
    by_id = {i.id: i for i in items}
    iac = by_id["iac"].evidence
    assert iac is not None
    assert (iac.text, iac.phrase, iac.match) == ("Teleform", "Terraform", "phonetic")
    assert transcript.text[iac.char_start : iac.char_end] == "Teleform"
    assert (iac.start, iac.end) == (1.0, 1.6)
    canary = by_id["canary"].evidence
    assert canary is not None and canary.match == "stem" and (canary.start, canary.end) == (1.9, 2.9)
    assert by_id["slo"].evidence is None
    assert coverage(items) == pytest.approx(3 / 4)


def test_text_only_evidence_has_no_time() -> None:
    q = _question(("iac", ["Terraform"], 1.0))
    (item,) = match_checklist(q, Transcript.from_text("All in Terraform."))
    assert item.evidence is not None and item.evidence.start is None and item.evidence.match == "exact"


def test_best_evidence_prefers_exact_over_fuzzy() -> None:
    q = _question(("iac", ["Terraform", "infrastructure as code"], 1.0))
    (item,) = match_checklist(q, Transcript.from_text("Teleform, I mean infrastructure as code"))
    assert item.evidence is not None and item.evidence.match == "exact"
    assert item.evidence.phrase == "infrastructure as code"


def test_coverage_is_weighted_and_empty_is_zero() -> None:
    q = _question(("a", ["alpha"], 3.0), ("b", ["bravo"], 1.0))
    assert coverage(match_checklist(q, Transcript.from_text("alpha"))) == pytest.approx(0.75)
    assert coverage(match_checklist(q, Transcript.from_text("bravo"))) == pytest.approx(0.25)
    assert coverage(match_checklist(q, Transcript.from_text(""))) == 0.0
    assert coverage(()) == 0.0


def test_compiled_phrases_are_cached_per_content() -> None:
    q1 = _question(("a", ["alpha"], 1.0))
    q2 = _question(("a", ["alpha"], 1.0))
    assert compile_question(q1) is compile_question(q2)
    assert compile_question(_question(("a", ["bravo"], 1.0))) is not compile_question(q1)


# ---------------------------------------------------------------- the real bank


def test_real_example_answers_cover_most_of_their_checklists() -> None:
    bank = load_bank()
    for question in bank:
        items = match_checklist(question, Transcript.from_text(question.example_answer))
        assert coverage(items) >= 0.8, question.id


def test_real_bank_has_no_fuzzy_hits_on_other_questions_answers() -> None:
    """Fuzzy/phonetic hits on a wrong question's example answer would be false hits: there should be
    (almost) none, and every one must be a close spelling of the phrase."""
    bank = list(load_bank())
    odd = []
    for question in bank:
        for other in bank:
            if other is question:
                continue
            for item in match_checklist(question, Transcript.from_text(other.example_answer)):
                ev = item.evidence
                if ev is not None and ev.match == "phonetic":
                    odd.append((question.id, item.id, ev.text, ev.phrase))
    assert odd == []


def test_shipped_common_word_list_matches_pyspellchecker() -> None:
    """The list is generated from pyspellchecker (dev extra); a new pyspellchecker must regenerate it."""
    import sys
    from pathlib import Path

    scripts = Path(__file__).resolve().parents[1] / "scripts"
    sys.path.insert(0, str(scripts))
    try:
        from build_common_words import render
    finally:
        sys.path.remove(str(scripts))
    from opsprep_voice.core.phrases import COMMON_WORDS_FILE, is_common_word

    assert COMMON_WORDS_FILE.read_text(encoding="utf-8") == render(), "run scripts/build_common_words.py"
    assert is_common_word("graph") and is_common_word("Transform")
    assert not is_common_word("grafana") and not is_common_word("kubernetes")


# ------------------------------------------------------------------------- recognition prompt


def test_prompt_terms_are_the_phrases_as_the_example_answer_says_them() -> None:
    q = _question(("scans", ["vulnerability", "scan", "Trivy"], 1.0), ("sbom", ["SBOM"], 1.0))
    said = q.model_copy(update={"example_answer": "We run image scanning and publish an S-BOM per build."})
    # The first phrase the answer says (not the first listed), as the answer inflects and spells it.
    assert prompt_terms(said) == ["scanning", "S-BOM"]
    assert "Terraform" in prompt_terms(load_bank().find("infrastructure-as-code-at-scale"))


def test_prompt_terms_fall_back_to_the_first_phrase() -> None:
    q = _question(("pitr", ["point-in-time recovery", "PITR"], 1.0), ("c", ["canary", "blue-green"], 1.0))
    both = q.model_copy(update={"example_answer": "We use PITR and point in time recovery. A canary."})
    assert prompt_terms(both) == ["point in time recovery", "canary"]  # the first phrase said, as said
    some = q.model_copy(update={"example_answer": "Blue green deploys only."})
    assert prompt_terms(some) == ["point-in-time recovery", "Blue green"]  # not said: the first phrase


def test_prompt_terms_take_a_tool_named_in_a_rule_when_no_phrase_is_said() -> None:
    """A bare tool name is not a phrase when saying it in passing makes no point, but the prompt still needs
    it: Whisper heard "promises stores the metrics" when the prompt lost "Prometheus"."""
    item = ChecklistItem(
        id="metrics", label="Metrics store", phrases=["time series"], example="say it",
        concepts=["metric* + store*", "Prometheus|Grafana + store*|scrap*"],
    )  # fmt: skip
    q = _question(("x", ["x"], 1.0)).model_copy(
        update={"checklist": [item], "example_answer": "We store metrics in Prometheus, scraped every 15 s."}
    )
    assert prompt_terms(q) == ["Prometheus"]  # the first rule matches too, but names nothing
    said = q.model_copy(update={"example_answer": "A time series database stores metrics in Prometheus."})
    assert prompt_terms(said) == ["time series"]  # a phrase said still comes first


def test_recognition_prompt_is_the_question_then_its_terms() -> None:
    q = load_bank().find("secure-fast-ci-cd")
    prompt = recognition_prompt(q)
    assert prompt.startswith(q.text + " Interview answer about ")
    assert prompt.endswith(", ".join(prompt_terms(q)) + ".")
