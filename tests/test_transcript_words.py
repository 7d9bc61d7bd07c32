"""Whisper's word pieces are joined as written: "99" + ".9" is "99.9", "point" + "-in" + "-time" is
"point-in-time". Whisper marks a piece that continues the previous word by the missing leading space; the
engines keep that mark (:meth:`Word.from_asr`), and every transcript built from words honours it."""

from __future__ import annotations

import pytest

from opsprep_voice.core.matching import match_checklist
from opsprep_voice.core.metrics import delivery_metrics, find_figures
from opsprep_voice.core.scoring import ScoreReport, score_answer
from opsprep_voice.core.transcript import Transcript, Word, join_words
from tests.test_matching import _question


def _whisper(*pieces: str) -> list[Word]:
    """Words as faster-whisper gives them (``word.word``), 0.3 s each."""
    return [Word.from_asr(p, round(i * 0.3, 3), round(i * 0.3 + 0.25, 3), 0.9) for i, p in enumerate(pieces)]


# Pieces as faster-whisper 1.x splits them (punctuation starts a new piece; no leading space = same word).
SPOKEN = _whisper(
    " We", " promise", " 99", ".9", " %", " availability", " and", " p99", ".9", " under", " 300", " ms,",
    " point", "-in", "-time", " recovery", " for", " $1", ",200", " a", " month,", " on", " call", " 24",
    "/7", " and", " it", "'s", " a", " short", "-outage", " journey", "-hour", " budget.",
)  # fmt: skip
WRITTEN = (
    "We promise 99.9 % availability and p99.9 under 300 ms, point-in-time recovery for $1,200 a month, "
    "on call 24/7 and it's a short-outage journey-hour budget."
)


def test_pieces_are_joined_as_written_with_spans_on_each_piece() -> None:
    transcript = Transcript.from_words(SPOKEN, duration_s=12.0)
    assert transcript.text == WRITTEN
    assert join_words(transcript.words) == WRITTEN
    # Every piece keeps its own span and time, so a hit on "99.9" still finds its moment in the audio.
    for word, (start, end) in zip(transcript.words, transcript.word_spans(), strict=True):
        assert transcript.text[start:end] == word.text
    start = WRITTEN.index("point-in-time")
    assert transcript.time_of_span(start, start + len("point-in-time")) == (3.6, 4.45)


def test_the_join_survives_storage() -> None:
    transcript = Transcript.from_words(SPOKEN, duration_s=12.0)
    again = Transcript.from_dict(transcript.to_dict())
    assert again.text == WRITTEN and again.words == transcript.words
    assert again.words[0].shifted(1.0).joined is False and again.words[3].shifted(1.0).joined is True
    assert "joined" not in transcript.to_dict()["words"][0]  # only the continuation pieces say so


def test_a_stored_report_reads_back_the_joined_words() -> None:
    q = _question(("pitr", ["point-in-time recovery"], 1.0))
    report = score_answer(q, Transcript.from_words(SPOKEN, duration_s=12.0))
    again = ScoreReport.from_dict(report.to_dict())
    assert again.transcript == WRITTEN
    assert join_words(again.words) == WRITTEN


@pytest.mark.parametrize(
    ("raw", "text", "joined"),
    [
        (" point", "point", False),
        ("-in", "-in", True),
        (".9", ".9", True),
        ("'s", "'s", True),
        (" %", "%", False),
        ("So", "So", False),  # a segment's first word without its space is still a word of its own
        ("9", "9", False),
    ],
)
def test_from_asr_marks_only_punctuation_led_pieces_without_a_space(
    raw: str, text: str, joined: bool
) -> None:
    word = Word.from_asr(raw, 0.0, 0.1)
    assert (word.text, word.joined) == (text, joined)


def test_a_first_word_marked_joined_starts_the_text() -> None:
    assert (
        Transcript.from_words([Word("-in", 0, 0.1, joined=True), Word("time", 0.1, 0.2)], 1.0).text
        == "-in time"
    )


def test_figures_keep_decimals_money_and_round_the_clock_whole() -> None:
    transcript = Transcript.from_words(SPOKEN, duration_s=12.0)
    figures = [f.text for f in find_figures(transcript.text)]
    assert figures[:4] == ["99.9 %", "p99.9", "300 ms", "$1,200"]
    assert "24/7" in figures
    assert "9 %" not in figures and "99" not in figures
    assert [f.text for f in delivery_metrics(transcript).figures] == figures


def test_hyphenated_pieces_still_match_spaced_and_hyphenated_phrases() -> None:
    q = _question(("pitr", ["point in time recovery"], 1.0), ("slo", ["99.9%"], 1.0), ("p", ["p99.9"], 1.0))
    items = {i.id: i for i in match_checklist(q, Transcript.from_words(SPOKEN, duration_s=12.0))}
    assert all(items[k].evidence is not None for k in ("pitr", "slo", "p"))
    pitr = items["pitr"].evidence
    assert pitr is not None and pitr.text == "point-in-time recovery"


def test_the_faster_whisper_engine_keeps_the_pieces_joined() -> None:
    from types import SimpleNamespace

    import numpy as np

    from opsprep_voice.asr.faster import _segment_words
    from opsprep_voice.asr.guards import clamp_words

    pieces = [" We", " keep", " point", "-in", "-time", " backups", " at", " 99", ".9", " %"]
    seg = SimpleNamespace(
        text="".join(pieces),
        start=0.0,
        end=3.0,
        no_speech_prob=0.01,
        avg_logprob=-0.2,
        words=[
            SimpleNamespace(word=p, start=i * 0.3, end=i * 0.3 + 0.2, probability=0.9)
            for i, p in enumerate(pieces)
        ],
    )
    words = clamp_words(_segment_words(seg, np.zeros(48_000, np.float32)), 3.0)
    assert Transcript.from_words(words, 3.0).text == "We keep point-in-time backups at 99.9 %"


def test_live_text_and_the_engine_context_are_written_text_too() -> None:
    from opsprep_voice.asr.chunking import ChunkPlanner
    from opsprep_voice.asr.streaming import StreamingConfig, StreamUpdate

    committed = tuple(_whisper(" restore", " to", " a", " point", "-in"))
    update = StreamUpdate(committed, tuple(_whisper("-time")), True, 2.0, 1.5)
    assert update.text == "restore to a point-in-time"
    assert update.transcript().text == update.text
    planner = ChunkPlanner(StreamingConfig(context_words=3))
    planner.committed = list(committed)
    assert planner.context() == "a point-in"
