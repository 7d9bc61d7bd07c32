"""Chunk planning (opsprep_voice.asr.chunking): where passes end, what is committed, how Stop ends.

No engine and no threads: the tests play the engine themselves by applying the words of a chunk.
"""

from __future__ import annotations

import numpy as np
import pytest

from opsprep_voice.asr.base import SAMPLE_RATE, Audio
from opsprep_voice.asr.chunking import Chunk, ChunkPlanner, Ending, StreamingConfig
from opsprep_voice.core.transcript import Word

S = SAMPLE_RATE


def sec(t: float) -> int:
    return round(t * S)


def spoken(words: list[tuple[float, float]], duration_s: float, seed: int = 0) -> tuple[Audio, list[Word]]:
    """Quiet noise with loud noise over each (start, end) word span, and those spans as words."""
    amp = np.full(sec(duration_s), 0.001, dtype=np.float32)
    for s, e in words:
        amp[sec(s) : sec(e)] = 0.3
    rng = np.random.default_rng(seed)
    audio = (rng.uniform(-1, 1, amp.size) * amp).astype(np.float32)
    return audio, [Word(f"w{i}", s, e) for i, (s, e) in enumerate(words)]


def steady(
    start: float, end: float, *, word_s: float = 0.3, gap_s: float = 0.05
) -> list[tuple[float, float]]:
    """Words of ``word_s`` with ``gap_s`` between them (no pause) from ``start`` to ``end``."""
    spans, t = [], start
    while t + word_s <= end:
        spans.append((t, t + word_s))
        t += word_s + gap_s
    return spans


def words_in(words: list[Word], start: int, end: int) -> list[Word]:
    """What a perfect engine returns for a chunk: the words whose middle lies inside it."""
    return [w for w in words if start / S <= (w.start + w.end) / 2 < end / S]


def feed(planner: ChunkPlanner, audio: Audio, upto_s: float) -> None:
    planner.append([audio[planner.end : sec(upto_s)]])


def test_config_is_validated() -> None:
    with pytest.raises(ValueError):
        StreamingConfig(min_chunk_s=5.0, commit_s=4.0)
    with pytest.raises(ValueError):
        StreamingConfig(commit_s=16.0, max_chunk_s=16.0)
    with pytest.raises(ValueError):
        StreamingConfig(hold_s=13.0)
    with pytest.raises(ValueError):
        StreamingConfig(min_pause_s=0.03)


def test_silence_moves_the_cut_and_keeps_a_lead_in() -> None:
    audio, _ = spoken([(5.0, 5.3)], 6.0)
    planner = ChunkPlanner(StreamingConfig())
    feed(planner, audio, 4.0)
    assert planner.plan() == (False, None)
    assert planner.base == sec(4.0 - 0.2)  # lead_s of the silence is kept
    assert planner.samples(planner.base, planner.end).size == planner.end - planner.base


def test_leading_silence_is_trimmed_before_the_first_word() -> None:
    audio, _ = spoken([(2.0, 2.3), (2.35, 2.6)], 3.0)
    planner = ChunkPlanner(StreamingConfig())
    feed(planner, audio, 3.0)
    assert planner.plan() == (False, None)  # no pause closes 3 s of audio yet
    assert planner.base == sec(2.0 - 0.2)


def test_a_pause_starts_a_tentative_pass_then_a_committed_one() -> None:
    spans = steady(0.5, 4.0) + steady(4.5, 11.0) + steady(11.5, 13.0)  # pauses at 4.0-4.5 and 11.0-11.5
    audio, words = spoken(spans, 14.0)
    planner = ChunkPlanner(StreamingConfig())
    feed(planner, audio, 4.5)
    changed, chunk = planner.plan()
    assert not changed and chunk is not None
    assert chunk.kind == "tentative" and chunk.start == planner.base
    assert 4.0 < chunk.end / S < 4.5  # inside the pause: no word straddles the edge
    planner.apply(chunk, words_in(words, chunk.start, chunk.end))
    assert planner.heard == chunk.end and planner.tentative and not planner.committed
    feed(planner, audio, 12.0)
    _, chunk = planner.plan()
    assert chunk is not None and chunk.kind == "pause"  # 11 s >= commit_s from the cut
    assert chunk.start == planner.base and 11.0 < chunk.end / S < 11.5
    planner.apply(chunk, words_in(words, chunk.start, chunk.end))
    assert planner.base == chunk.end and planner.tentative == ()
    assert [w.text for w in planner.committed] == [w.text for w in words if w.end <= 11.0]


def test_a_pause_only_counts_when_it_closes_enough_new_audio() -> None:
    spans = steady(0.5, 4.0) + steady(4.5, 5.5) + steady(6.0, 8.0)
    audio, words = spoken(spans, 8.5)
    planner = ChunkPlanner(StreamingConfig())
    feed(planner, audio, 4.5)
    _, chunk = planner.plan()
    assert chunk is not None
    planner.apply(chunk, words_in(words, chunk.start, chunk.end))
    feed(planner, audio, 6.0)
    assert planner.plan() == (False, None)  # the pause at 5.5 closes only ~1.5 s not heard yet


def test_max_chunk_commits_the_last_tentative_pass_without_a_call() -> None:
    spans = steady(0.5, 4.0) + steady(4.5, 20.0)  # one pause, then none for 15.5 s
    audio, words = spoken(spans, 20.5)
    planner = ChunkPlanner(StreamingConfig())
    feed(planner, audio, 4.5)
    _, chunk = planner.plan()
    assert chunk is not None and chunk.kind == "tentative"
    planner.apply(chunk, words_in(words, chunk.start, chunk.end))
    tentative = planner.tentative
    feed(planner, audio, 15.0)
    assert planner.plan() == (False, None)
    feed(planner, audio, 16.6)
    assert planner.plan() == (True, None)
    assert tuple(planner.committed) == tentative and planner.base == chunk.end


def test_speech_without_any_pause_is_cut_between_two_words() -> None:
    spans = steady(0.2, 20.0)
    audio, words = spoken(spans, 20.0)
    cfg = StreamingConfig()
    planner = ChunkPlanner(cfg)
    feed(planner, audio, 16.5)
    _, chunk = planner.plan()
    assert chunk is not None and chunk.kind == "forced" and chunk.end == planner.end
    planner.apply(chunk, words_in(words, chunk.start, chunk.end))
    cut = planner.base / S
    assert chunk.end / S - cut >= cfg.hold_s  # the last hold_s stays uncommitted
    assert not any(w.start < cut < w.end for w in words)  # at a gap, not inside a word
    assert planner.committed == [w for w in words if w.end <= cut]
    assert planner.heard == planner.base and planner.tentative == ()


def test_forced_cut_without_safe_words_falls_back_to_the_quietest_frame() -> None:
    spans = steady(0.2, 20.0)
    audio, _ = spoken(spans, 20.0)
    planner = ChunkPlanner(StreamingConfig())
    feed(planner, audio, 16.5)
    _, chunk = planner.plan()
    assert chunk is not None
    endless = Word("endless", 0.2, 16.4)  # the engine heard one word over the whole chunk
    planner.apply(chunk, [endless])
    cut = planner.base / S
    assert 0.2 + 3.0 <= cut <= 16.5 - 1.5  # after min_chunk_s, before the last hold_s
    assert not any(s < cut < e for s, e in spans)  # in a gap the VAD heard
    assert planner.committed == ([endless] if (endless.start + endless.end) / 2 < cut else [])


def test_context_is_the_last_committed_words() -> None:
    planner = ChunkPlanner(StreamingConfig(context_words=2))
    assert planner.context() is None
    planner.committed = [Word("a", 0, 1), Word("b", 1, 2), Word("c", 2, 3)]
    assert planner.context() == "b c"
    assert ChunkPlanner(StreamingConfig()).context() is None  # off by default


# ------------------------------------------------------------------------------------------- at Stop


def planner_after_tentative(stop_s: float, *, finish_full_s: float = 6.0) -> tuple[ChunkPlanner, list[Word]]:
    """A planner with a tentative pass over the first ~4 s, then audio up to ``stop_s``."""
    spans = steady(0.5, 4.0) + steady(4.5, 9.0)
    audio, words = spoken(spans, 10.0)
    planner = ChunkPlanner(StreamingConfig(finish_full_s=finish_full_s))
    feed(planner, audio, 4.5)
    _, chunk = planner.plan()
    assert chunk is not None and chunk.kind == "tentative"
    planner.apply(chunk, words_in(words, chunk.start, chunk.end))
    feed(planner, audio, stop_s)
    planner.measure()
    return planner, words


def test_ending_with_no_pass_running() -> None:
    audio, _ = spoken([], 5.0)
    silent = ChunkPlanner(StreamingConfig())
    feed(silent, audio, 5.0)
    silent.measure()
    assert silent.ending() == Ending("")

    planner, _ = planner_after_tentative(4.4)  # nothing said after the tentative pass
    assert planner.ending() == Ending("tentative", planner.tentative)

    planner, _ = planner_after_tentative(7.0)  # > finish_full_s uncommitted: only after the pass
    assert planner.ending() == Ending("tentative+tail", planner.tentative, (planner.heard, planner.end))

    planner, _ = planner_after_tentative(7.0, finish_full_s=60.0)  # all of it again, more context
    assert planner.ending() == Ending("full", (), (planner.base, planner.end))


def test_ending_after_a_pass_that_ended_after_stop() -> None:
    planner, words = planner_after_tentative(7.0)
    late = Chunk(planner.base, sec(6.5), "tentative")
    late_words = words_in(words, late.start, late.end)
    assert planner.ending_after(late, late_words) == Ending(
        "pass+tail", tuple(late_words), (late.end, planner.end)
    )
    everything = Chunk(planner.base, planner.end, "tentative")
    assert planner.ending_after(everything, late_words) == Ending("pass+tail", tuple(late_words))
    since = (planner.tentative, (planner.heard, planner.end))
    assert planner.ending_after(late, None) == Ending("pass+tail", *since)  # the pass failed
    forced = Chunk(planner.base, sec(6.5), "forced")  # may end inside a word
    assert planner.ending_after(forced, late_words) == Ending("pass+tail", *since)


def test_ending_while_a_pass_runs() -> None:
    planner, _ = planner_after_tentative(7.0)
    assert planner.ending_while_running() == Ending(
        "tentative+tail (raced)", planner.tentative, (planner.heard, planner.end)
    )
    assert not planner.pass_heard_all(Chunk(planner.base, sec(6.5), "tentative"))
    assert planner.pass_heard_all(Chunk(planner.base, planner.end, "tentative"))
    assert not planner.pass_heard_all(Chunk(planner.base, planner.end, "forced"))

    quiet, _ = planner_after_tentative(4.4)
    assert quiet.ending_while_running() == Ending("tentative", quiet.tentative)


def test_close_commits_the_final_words_and_drops_the_audio() -> None:
    planner, words = planner_after_tentative(7.0)
    planner.close(words[:2])
    assert planner.committed == words[:2]
    assert planner.base == planner.end and planner.tentative == ()
    assert planner.samples(planner.base, planner.end).size == 0


# ------------------------------------------------------------------------------------------ previews


def planner_with_preview(preview_to_s: float, stop_s: float) -> tuple[ChunkPlanner, list[Word], Chunk]:
    """:func:`planner_after_tentative`'s planner with a preview from the tentative pass to
    ``preview_to_s`` (a perfect engine's words), then audio up to ``stop_s``."""
    planner, words = planner_after_tentative(preview_to_s)
    assert planner.plan() == (False, None)
    chunk = planner.plan_preview()
    assert chunk is not None
    planner.apply_preview(chunk, words_in(words, chunk.start, chunk.end))
    feed(planner, planner_audio(), stop_s)
    planner.measure()
    return planner, words, chunk


def planner_audio() -> Audio:
    return spoken(steady(0.5, 4.0) + steady(4.5, 9.0), 10.0)[0]


def test_previews_cover_the_audio_after_the_last_pass_about_every_preview_s() -> None:
    planner, words = planner_after_tentative(5.0)
    heard = planner.heard
    assert planner.plan() == (False, None) and planner.plan_preview() is None  # < 1 s after the pass
    feed(planner, planner_audio(), 5.5)
    planner.plan()
    chunk = planner.plan_preview()
    assert chunk == Chunk(heard, sec(5.5), "preview")
    planner.apply_preview(chunk, words_in(words, chunk.start, chunk.end))
    assert planner.shown_preview() == tuple(words_in(words, heard, sec(5.5)))
    assert not planner.committed and planner.heard == heard  # a preview commits nothing
    feed(planner, planner_audio(), 6.0)
    planner.plan()
    assert planner.plan_preview() is None  # 0.5 s since the last preview
    feed(planner, planner_audio(), 6.6)
    planner.plan()
    assert planner.plan_preview() == Chunk(heard, sec(6.6), "preview")  # again from the pass


def test_no_preview_over_silence_or_when_disabled() -> None:
    planner, _, _ = planner_with_preview(9.2, 10.0)  # only silence after the preview
    planner.plan()
    assert planner.plan_preview() is None
    off, _ = planner_after_tentative(7.0)
    off.config = StreamingConfig(preview_s=0.0)
    off.plan()
    assert off.plan_preview() is None
    with pytest.raises(ValueError):
        StreamingConfig(preview_s=-1.0)


def test_a_pass_after_the_preview_keeps_only_the_preview_words_it_has_not_heard() -> None:
    planner, words, _ = planner_with_preview(8.0, 8.0)
    later = Chunk(planner.base, sec(6.0), "tentative")
    planner.apply(later, words_in(words, later.start, later.end))
    assert planner.shown_preview() == tuple(w for w in words_in(words, sec(4.4), sec(8.0)) if w.start >= 6.0)
    assert planner.plan_preview() == Chunk(sec(6.0), planner.end, "preview")  # from the new pass


def test_ending_uses_the_preview_words_and_calls_only_after_them() -> None:
    planner, words, chunk = planner_with_preview(9.2, 9.2)  # nothing said after the preview
    preview = tuple(words_in(words, chunk.start, chunk.end))
    assert planner.ending() == Ending("preview", (*planner.tentative, *preview))

    planner, words, chunk = planner_with_preview(7.0, 9.5)  # speech after the preview
    ending = planner.ending()
    assert ending.path == "preview" and ending.tail is not None and ending.after is not None
    cut = ending.after / S
    assert 7.0 - 0.5 - 0.35 - 0.15 <= cut <= 7.0 - 0.5  # the last word gap before the last preview_hold_s
    assert not any(w.start < cut < w.end for w in words)
    # The call starts preview_context_s earlier (not before the tentative pass) and ends at the end.
    assert ending.tail == (max(planner.heard, ending.after - sec(1.0)), planner.end)
    # Words known now plus a perfect engine's words for the tail: every word once, in order.
    tail_words = ending.tail_words(words_in(words, *ending.tail))
    assert [*ending.words, *tail_words] == words_in(words, planner.base, planner.end)


def test_a_call_at_stop_while_a_pass_runs_starts_after_the_preview_words() -> None:
    planner, words, _ = planner_with_preview(7.0, 9.5)
    ending = planner.ending_while_running()
    assert ending.path == "preview+tail (raced)" and ending.tail is not None and ending.after is not None
    assert ending.after > planner.heard
    tail_words = ending.tail_words(words_in(words, *ending.tail))
    assert [*ending.words, *tail_words] == words_in(words, planner.base, planner.end)
    close = planner.ending()
    assert (close.words, close.tail, close.after) == (ending.words, ending.tail, ending.after)


def test_a_pause_after_new_speech_starts_a_preview_before_preview_s() -> None:
    spans = [*steady(0.5, 4.0), (4.5, 4.8)]  # one word after the tentative pass, then silence
    audio, _ = spoken(spans, 6.0)
    planner = ChunkPlanner(StreamingConfig())
    feed(planner, audio, 4.5)
    _, chunk = planner.plan()
    assert chunk is not None and chunk.kind == "tentative"
    planner.apply(chunk, [])
    feed(planner, audio, 4.95)  # 0.15 s of silence: not a pause yet
    assert planner.plan() == (False, None) and planner.plan_preview() is None
    feed(planner, audio, 5.15)  # less than preview_s after the pass, but a pause
    assert planner.plan() == (False, None)
    assert planner.plan_preview() == Chunk(planner.heard, sec(5.15), "preview")


def test_a_preview_that_ended_after_stop_is_used_like_the_last_preview() -> None:
    planner, words = planner_after_tentative(9.5)
    late = Chunk(planner.heard, sec(7.0), "preview")
    late_words = words_in(words, late.start, late.end)
    ending = planner.ending_after(late, late_words)
    assert ending.path == "preview+tail" and ending.tail is not None and ending.after is not None
    assert ending.after < late.end
    tail_words = ending.tail_words(words_in(words, *ending.tail))
    assert [*ending.words, *tail_words] == words_in(words, planner.base, planner.end)
    assert not planner.pass_heard_all(late)
    everything = Chunk(planner.heard, planner.end, "preview")
    assert planner.pass_heard_all(everything)
    assert planner.ending_after(everything, words_in(words, planner.heard, planner.end)).tail is None
    assert not planner.pass_heard_all(Chunk(planner.base, planner.end, "preview"))  # not from the pass
