"""Normalisation: numbers both ways, units, percentiles, spelled letters, hyphens, stems; spans kept."""

from __future__ import annotations

import pytest

from opsprep_voice.core.text import normalize, tokenize


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("five minutes", "5 minutes"),
        ("ninety-nine point nine percent", "99.9%"),
        ("sixty percent", "60 percent"),
        ("60%", "60 per cent"),
        ("one hundred and twenty ms", "120 milliseconds"),
        ("1,000 requests", "one thousand requests"),
        ("2 million", "two million"),
        ("30-day", "30 day"),
        ("thirty day", "30-day"),
        ("10x", "ten times"),
        ("p95", "P95"),
        ("p95", "p 95"),
        ("p95", "p ninety five"),
        ("p95", "95th percentile"),
        ("p95", "ninety-fifth percentile"),
        ("SLO", "S L O"),
        ("SLO", "s.l.o."),
        ("SLOs", "SLO"),
        ("blue-green", "blue green"),
        ("rolled back", "roll back"),
        ("canaries", "canary"),
        ("alerting", "alert"),
        ("500ms", "500 ms"),
    ],
)
def test_equal_after_normalisation(a: str, b: str) -> None:
    assert normalize(a) == normalize(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("five minutes", "fifty minutes"),
        ("99.9%", "99%"),
        ("p95", "p99"),
        ("slow", "SLO"),
        ("I am", "IAM"),
        ("thirty second timeout", "32 timeout"),
    ],
)
def test_not_equal_after_normalisation(a: str, b: str) -> None:
    assert normalize(a) != normalize(b)


def test_normalised_forms() -> None:
    assert normalize("Ninety-nine point nine percent") == "99.9 percent"
    assert normalize("the ninety-fifth percentile") == "the p95"
    assert normalize("twenty one") == "21"
    assert normalize("one two") == "1 2"  # two numbers, not 3 or 12


def test_tokens_keep_spans_into_original_text() -> None:
    text = "We hit ninety-nine point nine percent, p 95 under 300ms; S.L.O. met."
    tokens = tokenize(text)
    surfaces = [text[t.start : t.end] for t in tokens]
    assert "ninety-nine point nine" in surfaces
    assert "percent" in surfaces
    assert "p 95" in surfaces
    assert "S.L.O" in surfaces
    norms = {text[t.start : t.end]: t.norm for t in tokens}
    assert norms["ninety-nine point nine"] == "99.9"
    assert norms["p 95"] == "p95"
    assert norms["S.L.O"] == "slo"
    assert norms["300"] == "300"
    assert norms["ms"] == "ms"


def test_spoken_flag_distinguishes_digits_from_words() -> None:
    spoken = {t.norm: t.spoken for t in tokenize("five and 6")}
    assert spoken == {"5": True, "and": False, "6": False}
