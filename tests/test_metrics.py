"""Delivery metrics: pace and band, fillers (incl. 'like' both ways), pauses, figures, STAR."""

from __future__ import annotations

import pytest

from opsprep_voice.core.metrics import (
    delivery_metrics,
    find_figures,
    find_fillers,
    find_long_pauses,
    star_check,
    wpm_band,
)
from opsprep_voice.core.transcript import Transcript, Word


def _timed(spec: list[tuple[str, float, float]], duration: float = 0.0) -> Transcript:
    return Transcript.from_words([Word(t, s, e) for t, s, e in spec], duration or spec[-1][2] + 1)


def _fillers(text: str) -> list[str]:
    return [f.text.lower() for f in find_fillers(Transcript.from_text(text))]


@pytest.mark.parametrize(
    ("wpm", "band"),
    [(None, None), (129.9, "slow"), (130, "comfortable"), (160, "comfortable"), (160.1, "fast")],
)
def test_wpm_band(wpm: float | None, band: str | None) -> None:
    assert wpm_band(wpm) == band


def test_pace_uses_first_to_last_word() -> None:
    # 10 words spoken between 2.0 s and 6.0 s: 150 wpm, whatever the silence around them.
    words = [(f"w{i}", 2.0 + i * 0.4, 2.0 + i * 0.4 + 0.3) for i in range(9)] + [("end", 5.6, 6.0)]
    m = delivery_metrics(_timed(words, duration=20.0))
    assert m.word_count == 10
    assert m.speaking_s == pytest.approx(4.0)
    assert m.wpm == pytest.approx(150.0)
    assert m.wpm_band == "comfortable"
    assert m.time_to_first_word_s == pytest.approx(2.0)
    assert m.duration_s == 20.0


def test_text_only_transcript_still_counts_words_fillers_figures() -> None:
    m = delivery_metrics(Transcript.from_text("Um, we cut costs by 30% basically."))
    assert m.word_count == 7
    assert m.wpm is None and m.wpm_band is None and m.time_to_first_word_s is None
    assert [f.text for f in m.fillers] == ["Um", "basically"]
    assert m.fillers_per_min is None
    assert [f.text for f in m.figures] == ["30%"]
    m2 = delivery_metrics(Transcript.from_text("one two three", duration_s=3.0))
    assert m2.wpm == pytest.approx(60.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It was like, down for an hour.", ["like"]),
        ("So it's like... broken.", ["like"]),
        ("I was like we need to roll back.", ["like"]),
        ("Um like the cache was cold.", ["um", "like"]),
        ("I'd like to add tracing.", []),
        ("It looks like a memory leak.", []),
        ("Tools like Grafana and Prometheus.", []),
        ("It's like a cache in front of the database.", []),
        ("We would like more tests.", []),
        ("You know, it failed.", ["you know"]),
        ("Do you know why?", []),
        ("I mean, it was sort of broken.", ["i mean", "sort of"]),
        ("What kind of test? A kind of cache.", []),
        ("Uh, hmm, er, ah, actually.", ["uh", "hmm", "er", "ah", "actually"]),
    ],
)
def test_fillers(text: str, expected: list[str]) -> None:
    assert _fillers(text) == expected


def test_like_followed_by_a_pause_is_a_filler_and_filler_times_are_known() -> None:
    t = _timed([("it", 0.0, 0.2), ("was", 0.2, 0.4), ("like", 0.4, 0.6), ("broken", 1.4, 1.9)])
    (filler,) = find_fillers(t)
    assert (filler.text, filler.start, filler.end) == ("like", 0.4, 0.6)
    assert t.text[filler.char_start : filler.char_end] == "like"
    no_pause = _timed([("it", 0.0, 0.2), ("was", 0.2, 0.4), ("like", 0.4, 0.6), ("broken", 0.65, 1.0)])
    assert find_fillers(no_pause) == ()


def test_long_pauses_from_word_timings() -> None:
    t = _timed([("a", 0.0, 0.5), ("b", 1.0, 1.5), ("c", 3.6, 4.0), ("d", 5.9, 6.2), ("e", 9.0, 9.5)])
    pauses = find_long_pauses(t)
    assert [(p.start, p.end) for p in pauses] == [(1.5, 3.6), (6.2, 9.0)]
    assert pauses[0].duration == pytest.approx(2.1)
    assert find_long_pauses(Transcript.from_text("a b c")) == ()
    m = delivery_metrics(t)
    assert len(m.long_pauses) == 2


def test_figures() -> None:
    text = (
        "We cut p95 from 800ms to 300 ms, reached ninety-nine point nine percent, saved $5k a month, "
        "one of the things, in five minutes, 10x traffic, twenty engineers, at 2 a.m., the first step."
    )
    assert [f.text for f in find_figures(text)] == [
        "p95",
        "800ms",
        "300 ms",
        "ninety-nine point nine percent",
        "$5k",
        "five minutes",
        "10x",
        "twenty engineers",
        "2 a.m",
    ]
    for f in find_figures(text):
        assert text[f.char_start : f.char_end] == f.text


STAR_WITH_NUMBER = (
    "At my last company we had a flaky deploy pipeline that failed every week. "
    "I decided to add canary releases and automated rollback. "
    "As a result deploy failures dropped by 60% within two months."
)
STAR_WITHOUT_NUMBER = (
    "At my last company we had a flaky deploy pipeline that failed every week. "
    "I decided to add canary releases and automated rollback. "
    "As a result things got much better and the team was happier."
)


def test_star_with_measurable_result() -> None:
    s = star_check(STAR_WITH_NUMBER)
    assert (s.situation, s.task_action, s.result, s.measurable_result) == (True, True, True, True)


def test_star_without_measurable_result_hints_for_a_number() -> None:
    s = star_check(STAR_WITHOUT_NUMBER)
    assert (s.situation, s.task_action, s.result, s.measurable_result) == (True, True, True, False)
    assert "number" in s.hint


def test_figure_before_the_result_does_not_make_it_measurable() -> None:
    text = (
        "At my last company we had 40 services and a flaky pipeline. I decided to add canaries. "
        "As a result things got better."
    )
    assert star_check(text).measurable_result is False


def test_star_missing_parts() -> None:
    s = star_check("Kubernetes is a container orchestrator.")
    assert not s.situation and not s.task_action and not s.result
    assert "Situation" in s.hint
