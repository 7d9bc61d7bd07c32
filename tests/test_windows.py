"""Decoding windows: how speech regions are packed into Whisper windows and how long a window is."""

from __future__ import annotations

import pytest

from opsprep_voice.asr.windows import MIN_WINDOW_S, WINDOW_S, group_windows, window_frames


def test_regions_are_packed_into_windows_of_at_most_30_s() -> None:
    regions = [(0.5, 8.0), (9.0, 20.0), (21.0, 29.0), (31.0, 40.0), (45.0, 70.0)]
    windows = group_windows(regions, 72.0)
    assert windows == [(0.5, 20.0), (21.0, 40.0), (45.0, 70.0)]  # as few as greedy 30 s packing, balanced
    assert all(e - s <= WINDOW_S for s, e in windows)


def test_windows_are_balanced_so_a_batch_encodes_a_shorter_window() -> None:
    # 35 s of sentences: two ~17 s windows (encoded over 20 s) rather than 30 s + 5 s (encoded over 30 s).
    regions = [(float(t), t + 3.0) for t in range(0, 35, 4)]
    windows = group_windows(regions, 36.0)
    assert len(windows) == 2
    assert max(e - s for s, e in windows) <= 20.0
    assert windows[0][0] == 0.0 and windows[-1][1] == 35.0
    assert window_frames(max(e - s for s, e in windows)) == 2000


def test_a_window_keeps_the_pauses_inside_it_so_word_times_stay_true() -> None:
    # Two regions 10 s apart fit one window: the window spans the pause instead of splicing it out.
    assert group_windows([(1.0, 5.0), (15.0, 20.0)], 25.0) == [(1.0, 20.0)]


def test_a_region_longer_than_a_window_is_cut_into_window_long_pieces() -> None:
    windows = group_windows([(2.0, 75.0)], 80.0)
    assert windows == [(2.0, 32.0), (32.0, 62.0), (62.0, 75.0)]


def test_windows_are_clipped_to_the_audio_and_empty_regions_dropped() -> None:
    assert group_windows([(-0.4, 3.0), (5.0, 5.0), (9.0, 12.6)], 12.0) == [(0.0, 12.0)]
    assert group_windows([], 10.0) == []


@pytest.mark.parametrize(
    ("audio_s", "seconds"),
    [
        (0.5, MIN_WINDOW_S),
        (4.0, MIN_WINDOW_S),
        (9.4, 10.0),
        (9.6, 15.0),
        (14.4, 15.0),
        (14.6, 20.0),
        (19.0, 20.0),
        (27.0, 30.0),
        (29.9, 30.0),
    ],
)
def test_window_length_holds_the_audio_with_margin(audio_s: float, seconds: float) -> None:
    frames = window_frames(audio_s)
    assert frames == int(seconds * 100)
    assert frames >= min(3000, (audio_s + 0.5) * 100)


def test_window_never_exceeds_whisper_s_30_s() -> None:
    assert window_frames(45.0) == 3000
    assert window_frames(3.0, min_window_s=30.0) == 3000


def test_speech_is_shared_between_parallel_workers_when_there_is_enough() -> None:
    # A 29 s answer whose VAD regions are at most 14.5 s: two windows for two workers.
    regions = [(0.0, 10.5), (10.5, 16.7), (16.7, 29.4)]
    assert group_windows(regions, 29.5) == [(0.0, 29.4)]
    two = group_windows(regions, 29.5, parts=2)
    assert two == [(0.0, 16.7), (16.7, 29.4)]
    # Under MIN_PART_S of speech per worker the answer stays in one window (context beats parallelism).
    short = [(0.0, 5.0), (5.0, 12.0)]
    assert group_windows(short, 12.0, parts=2) == [(0.0, 12.0)]
