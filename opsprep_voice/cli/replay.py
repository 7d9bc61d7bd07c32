"""Play a recording through a :class:`~opsprep_voice.asr.streaming.StreamingTranscriber` as if it were live.

Used by ``opsprep-voice score --stream``, ``scripts/bench_latency.py`` and the streaming tests. It lives
here, next to its users, rather than in :mod:`opsprep_voice.asr`: the caller loads the audio
(:func:`opsprep_voice.audio.io.load_audio`), so ``asr`` and ``audio`` stay independent of each other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from opsprep_voice.asr.base import SAMPLE_RATE, Audio
from opsprep_voice.asr.streaming import StreamingTranscriber, StreamUpdate
from opsprep_voice.core.transcript import Transcript

__all__ = ["replay"]


def replay(
    audio: Audio,
    processor: StreamingTranscriber,
    *,
    realtime: bool,
    block_s: float = 0.1,
    on_update: Callable[[StreamUpdate], None] | None = None,
    on_stop: Callable[[], None] | None = None,
    on_review: Callable[[Transcript], None] | None = None,
) -> Transcript:
    """Feed 16 kHz mono ``audio`` through ``processor`` as if it were live and return ``processor.finish()``.

    ``realtime=True`` runs it the way the app does: this thread feeds ``block_s`` blocks at the audio's own
    pace while a worker thread calls ``process()`` in a loop, and when the audio has been "spoken" this
    thread presses Stop and calls ``finish()`` at once, whatever the worker is doing. ``realtime=False``:
    feed and process alternate in this thread as fast as possible (deterministic). ``on_update`` gets every
    changed :class:`StreamUpdate` (from the worker thread in real time); ``on_stop`` is called at Stop
    (benchmarks start their Stop clock there); ``on_review`` gets the finished transcript as soon as
    ``finish()`` returns, before this function waits for the worker thread to end (its last pass may
    still be running when Stop did not need it).
    """
    samples = np.asarray(audio, dtype=np.float32).reshape(-1)
    block = max(1, round(block_s * SAMPLE_RATE))
    if realtime:
        return _replay_realtime(samples, processor, block, block_s, on_update, on_stop, on_review)
    for i in range(0, samples.size, block):
        processor.feed(samples[i : i + block])
        update = processor.process()
        if on_update is not None and update.changed:
            on_update(update)
    if on_stop is not None:
        on_stop()
    transcript = processor.finish()
    if on_review is not None:
        on_review(transcript)
    return transcript


def _replay_realtime(
    samples: Audio,
    processor: StreamingTranscriber,
    block: int,
    block_s: float,
    on_update: Callable[[StreamUpdate], None] | None,
    on_stop: Callable[[], None] | None,
    on_review: Callable[[Transcript], None] | None,
) -> Transcript:
    """:func:`replay` with ``realtime=True``: a worker thread processes while this thread feeds and stops."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while not stop.is_set() and not processor.stopped:
                update = processor.process()
                if on_update is not None and update.changed:
                    on_update(update)
                if not update.changed:
                    processor.wait_for_audio(0.05)
        except BaseException as exc:  # surfaced in the calling thread below
            errors.append(exc)
            stop.set()

    worker = threading.Thread(target=work, name="replay-worker", daemon=True)
    worker.start()
    try:
        t0 = time.perf_counter()
        for k, i in enumerate(range(0, samples.size, block)):
            delay = t0 + k * block_s - time.perf_counter()
            if delay > 0 and stop.wait(delay):
                break
            processor.feed(samples[i : i + block])
        # The last block is "spoken" once its duration has passed too; then the user presses Stop.
        delay = t0 + samples.size / SAMPLE_RATE - time.perf_counter()
        if delay > 0:
            stop.wait(delay)
        if errors:
            raise errors[0]
        if on_stop is not None:
            on_stop()
        processor.stop()
        transcript = processor.finish()
        if on_review is not None:
            on_review(transcript)
    finally:
        stop.set()
        worker.join()
        processor.wait_idle(60)  # the call that lost the race at Stop, if any
    if errors:
        raise errors[0]
    return transcript
