"""Decoding windows for faster-whisper: which audio goes into one Whisper window, and how long the window is.

Whisper reads audio in 30 s windows. Two choices here, both measured on 2 cores (docs/BENCHMARKS.md):

* :func:`group_windows` packs consecutive speech regions (Silero VAD) into windows of at most 30 s, so a
  long answer is decoded as a few independent windows, several at once (``BatchedInferencePipeline``):
  faster than Whisper's own sequential seeking, and lower WER on bench_asr's corpus.
* :class:`WindowedPipeline` encodes a batch over the shortest window that holds its audio (at least
  :data:`MIN_WINDOW_S`) instead of always 30 s of padding. The encoder is most of the cost of a short
  chunk, which is what live transcription sends. The window grows with the audio in 5 s steps from
  10 s: committed live chunks (10-16 s) get 15-20 s windows, and the short calls (tentative passes, the
  call at Stop, under 9.5 s) get 10 s ones, which shortens the wait at Stop without costing WER.

:class:`WindowSegments` collects the segments of each window while several pipelines decode them.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np
from faster_whisper import BatchedInferencePipeline

from opsprep_voice.asr.base import ProgressFn

#: Whisper's window (seconds) and mel frames per second.
WINDOW_S = 30.0
FRAMES_PER_S = 100
#: The shortest window a batch is encoded over.
MIN_WINDOW_S = 10.0
#: Audio is split for parallel workers only with at least this much per worker (shorter windows give
#: Whisper less context).
MIN_PART_S = 8.0
#: Windows grow in steps of this many seconds (fewer distinct shapes for the encoder).
WINDOW_STEP_S = 5.0


def group_windows(
    regions: list[tuple[float, float]], duration: float, *, parts: int = 1
) -> list[tuple[float, float]]:
    """Group consecutive speech regions into as few windows of at most :data:`WINDOW_S` as possible (but
    at least ``parts`` when there is :data:`MIN_PART_S` of speech per part, for parallel workers), of
    balanced length.

    A window spans from its first region's start to its last region's end (pauses inside included, so
    word times stay true). A region longer than a window (VAD found no pause) is cut into window-long
    pieces. Windows are clipped to ``[0, duration]``. Balanced: 35 s of speech becomes two ~17 s windows
    rather than 30 s + 5 s, so a batch is encoded over 20 s instead of 30 s (the encoder's cost grows
    faster than linearly with the window: docs/BENCHMARKS.md).
    """
    spans = _clip(regions, duration)
    if not spans:
        return []
    greedy = _pack(spans, WINDOW_S)
    total = spans[-1][1] - spans[0][0]
    wanted = max(len(greedy), min(parts, int(total // MIN_PART_S)))
    cap = total / wanted
    while cap < WINDOW_S:
        balanced = _pack(spans, cap)
        if len(balanced) <= wanted:
            return balanced
        cap += 1.0
    return greedy


def _clip(regions: list[tuple[float, float]], duration: float) -> list[tuple[float, float]]:
    """Regions inside ``[0, duration]``, empty ones dropped, longer than a window cut into pieces."""
    out: list[tuple[float, float]] = []
    for start, end in regions:
        start, end = max(0.0, start), min(duration, end)
        while end - start > WINDOW_S:
            out.append((start, start + WINDOW_S))
            start += WINDOW_S
        if end > start:
            out.append((start, end))
    return out


def _pack(spans: list[tuple[float, float]], cap: float) -> list[tuple[float, float]]:
    """Greedy: extend the current window with the next span while it stays within ``cap`` seconds."""
    windows: list[tuple[float, float]] = []
    for start, end in spans:
        if windows and end - windows[-1][0] <= cap:
            windows[-1] = (windows[-1][0], end)
        else:
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


class WindowSegments:
    """The segments of each window as the pipelines decode them (from any thread), and the progress over
    all windows: how far each window's segments have got, summed, reported one at a time."""

    def __init__(self, windows: list[tuple[float, float]], progress: ProgressFn | None) -> None:
        self.windows = windows
        self.segments: list[list[Any]] = [[] for _ in windows]
        self._reached = [start for start, _ in windows]
        self._total = sum(end - start for start, end in windows) or 1.0
        self._progress = progress
        self._lock = threading.Lock()

    def add(self, i: int, seg: Any) -> None:
        """A segment of window ``i``."""
        with self._lock:
            self.segments[i].append(seg)
            self._reached[i] = max(self._reached[i], min(float(seg.end), self.windows[i][1]))
            done = sum(r - w[0] for r, w in zip(self._reached, self.windows, strict=True)) / self._total
            if self._progress:
                self._progress(min(done, 0.99), f"Transcribing {int(100 * done)}%")
