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
        ("slis and slos", "SLIs and SLOs"),
        ("kpis", "KPI"),
        ("utilisation", "utilization"),
        ("we containerised it", "we containerized it"),
        ("prioritise behaviour", "prioritize behavior"),
        ("analysed in the data centre", "analyzed in the data center"),
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
        ("slows", "SLOs"),
        ("a promise", "a promize"),  # an everyday word keeps its spelling
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


def test_stemming_from_several_threads_at_once_gives_every_thread_the_right_stems() -> None:
    """One stemmer shared by the scoring warm-up and the transcription task mixed their words up
    (IndexError inside snowballstemmer, a failed "Transcribe now" on a loaded machine)."""
    import sys
    import threading

    import snowballstemmer

    from opsprep_voice.core import text

    reference = snowballstemmer.stemmer("english")
    bases = ("replicat", "journey", "monitor", "rollback", "alert")
    suffixes = ("ing", "ed", "ions", "ational", "iveness", "fulness", "ically")
    # Each thread its own words (past the cache, into the stemmer), their stems worked out beforehand.
    work_of = {
        thread: [(w, reference.stemWord(w)) for w in (b + "x" * thread + s for b in bases for s in suffixes)]
        for thread in range(6)
    }
    errors: list[BaseException] = []
    wrong: list[tuple[str, str]] = []

    def work(thread: int) -> None:
        try:
            for _ in range(300):
                for word, expected in work_of[thread]:
                    got = text.stem.__wrapped__(word)
                    if got != expected and len(wrong) < 5:
                        wrong.append((word, got))
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: the race shows at once
    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert not errors and not wrong, (errors[:3], wrong)
