"""Decoding windows for faster-whisper: which audio goes into one Whisper window, and how long the window is.

Whisper reads audio in 30 s windows. Two choices here, both measured on 2 cores (docs/BENCHMARKS.md):

* :func:`group_windows` packs consecutive speech regions (Silero VAD) into windows of at most 30 s, so a
  long answer is decoded as a few independent windows, several at once (``BatchedInferencePipeline``):
  1.6x faster than Whisper's own sequential seeking on a 3 min answer, and lower WER on bench_asr's
  corpus (21.2 % vs 23.7 %).
* :class:`WindowedPipeline` encodes a batch over the shortest window that holds its audio (at least
  :data:`MIN_WINDOW_S`) instead of always 30 s of padding. The encoder is most of the cost of a short
  chunk (base: 0.85 s for a 30 s window, 0.12 s for 10 s), which is what live transcription sends.
  15 s windows gave the same streaming WER as 30 s; 10 s windows cost 3.8 WER points on the 2 min
  answer of bench_latency.py, so 15 s is the floor.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from faster_whisper import BatchedInferencePipeline

#: Whisper's window (seconds) and mel frames per second.
WINDOW_S = 30.0
FRAMES_PER_S = 100
#: The shortest window a batch is encoded over.
MIN_WINDOW_S = 15.0
#: Windows grow in steps of this many seconds (fewer distinct shapes for the encoder).
WINDOW_STEP_S = 5.0


def group_windows(regions: list[tuple[float, float]], duration: float) -> list[tuple[float, float]]:
    """Group consecutive speech regions into windows of at most :data:`WINDOW_S` seconds.

    A window spans from its first region's start to its last region's end (pauses inside included, so
    word times stay true). A region longer than a window (VAD found no pause) is cut into window-long
    pieces. Windows are clipped to ``[0, duration]``.
    """
    windows: list[tuple[float, float]] = []
    for start, end in regions:
        start, end = max(0.0, start), min(duration, end)
        if end <= start:
            continue
        if windows and end - windows[-1][0] <= WINDOW_S:
            windows[-1] = (windows[-1][0], end)
            continue
        while end - start > WINDOW_S:
            windows.append((start, start + WINDOW_S))
            start += WINDOW_S
        windows.append((start, end))
    return windows


def window_frames(audio_s: float, min_window_s: float = MIN_WINDOW_S) -> int:
    """Mel frames of the window that holds ``audio_s`` seconds: a multiple of 5 s, at least
    ``min_window_s``, at most 30 s (0.5 s of margin so the last word is never at the window's edge)."""
    steps = math.ceil((audio_s + 0.5) / WINDOW_STEP_S)
    seconds = min(WINDOW_S, max(min_window_s, steps * WINDOW_STEP_S))
    return int(seconds * FRAMES_PER_S)


class WindowedPipeline(BatchedInferencePipeline):
    """faster-whisper's batched pipeline, encoding each batch over the shortest window that holds it."""

    def __init__(self, model: Any, min_window_s: float = MIN_WINDOW_S) -> None:
        super().__init__(model)
        self.min_window_s = min_window_s

    def forward(self, features: Any, tokenizer: Any, chunks_metadata: Any, options: Any) -> Any:
        longest = max((float(m["duration"]) for m in chunks_metadata), default=WINDOW_S)
        frames = window_frames(longest, self.min_window_s)
        if frames < features.shape[-1]:
            features = np.ascontiguousarray(features[..., :frames])
        return super().forward(features, tokenizer, chunks_metadata, options)
