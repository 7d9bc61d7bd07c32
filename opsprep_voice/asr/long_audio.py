"""A recording of any length transcribed piece by piece, so memory does not grow with the answer.

``score FILE`` used to decode the whole file, run Silero VAD over all of it and hand every 30 s window to
the engine at once: peak memory grew from 450 MiB for 15 s to 2 GiB for 15 minutes (docs/BENCHMARKS.md).
Here the audio arrives as blocks (the caller decodes the file in bounded chunks, :mod:`audio.io`), and
is transcribed in segments of at most :data:`SEGMENT_S`, each cut in a pause that Silero VAD finds, so no
word is split. A segment is at most two ~20 s windows for the engine's two workers, the size live
transcription decodes all the time; words are shifted to their place in the whole recording.

Whisper decodes each window on its own (no text carried between windows), so cutting at pauses into
segments changes nothing a window sees but where its edges fall.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable

import numpy as np

from opsprep_voice.asr.base import (
    SAMPLE_RATE,
    Audio,
    ProgressFn,
    TranscribeOptions,
    Transcriber,
    TranscriptionCancelled,
)
from opsprep_voice.asr.guards import speech_regions
from opsprep_voice.core.transcript import Transcript, Word

#: Audio transcribed per engine call at most (seconds).
SEGMENT_S = 30.0
#: A cut is looked for in the pauses after this much of a segment (seconds), so segments are not tiny.
MIN_SEGMENT_S = 15.0
#: Without any pause (music, one breathless stretch), the cut goes at the quietest 100 ms after
#: :data:`MIN_SEGMENT_S`.
_FRAME = SAMPLE_RATE // 10


def pause_cut(audio: Audio) -> int:
    """Where to end a segment of ``audio`` (samples): the middle of the latest pause between speech
    regions past :data:`MIN_SEGMENT_S`, or all of it when there is no speech or it ends in silence."""
    regions = speech_regions(audio, max_region_s=14.5)
    end = audio.size / SAMPLE_RATE
    if not regions:
        return int(audio.size)
    gaps = [(a_end, b_start) for (_, a_end), (b_start, _) in itertools.pairwise(regions)]
    if end - regions[-1][1] >= 0.5:  # the speech so far has ended (VAD pads regions by 0.4 s)
        gaps.append((regions[-1][1], end))
    cuts = [(lo + hi) / 2 for lo, hi in gaps if MIN_SEGMENT_S <= (lo + hi) / 2 <= end]
    if cuts:
        return min(int(cuts[-1] * SAMPLE_RATE), int(audio.size))
    return _quietest_frame(audio)


def _quietest_frame(audio: Audio) -> int:
    start = int(MIN_SEGMENT_S * SAMPLE_RATE)
    usable = (audio.size - start) // _FRAME
    if usable < 1:
        return int(audio.size)
    frames = audio[start : start + usable * _FRAME].reshape(usable, _FRAME)
    quietest = int(np.argmin(np.mean(np.square(frames, dtype=np.float64), axis=1)))
    return start + quietest * _FRAME + _FRAME // 2


def transcribe_blocks(
    transcriber: Transcriber,
    blocks: Iterable[Audio],
    options: TranscribeOptions | None = None,
    *,
    total_s: float | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> Transcript:
    """Transcribe 16 kHz mono float32 ``blocks`` (in order, any sizes) in segments of at most
    :data:`SEGMENT_S`; ``total_s`` (if known) lets ``progress`` report the share done."""
    pending: list[Audio] = []
    pending_size = 0
    offset = 0  # samples of the recording already transcribed
    words: list[Word] = []

    def run(segment: Audio) -> None:
        nonlocal offset
        if cancel is not None and cancel.is_set():
            raise TranscriptionCancelled("Transcription cancelled")
        part = transcriber.transcribe(segment, options, cancel=cancel)
        shift = offset / SAMPLE_RATE
        words.extend(w.shifted(shift) for w in part.words)
        offset += segment.size
        if progress and total_s:
            done = min(0.99, offset / SAMPLE_RATE / total_s)
            progress(done, f"Transcribing {int(100 * done)}%")

    limit = int(SEGMENT_S * SAMPLE_RATE)
    for block in blocks:
        samples = np.asarray(block, dtype=np.float32).reshape(-1)
        if samples.size == 0:
            continue
        pending.append(samples)
        pending_size += samples.size
        while pending_size >= limit:
            audio = np.concatenate(pending)
            cut = pause_cut(audio[:limit])
            run(audio[:cut])
            rest = audio[cut:]
            pending, pending_size = ([rest] if rest.size else []), int(rest.size)
    if pending_size:
        run(np.concatenate(pending))
    if progress:
        progress(1.0, "Transcribed")
    # A transcript never ends before its last word (an engine may time a word past the audio's end).
    duration = max(offset / SAMPLE_RATE, words[-1].end if words else 0.0)
    return Transcript.from_words(words, duration)
