"""The faster-whisper (CTranslate2) engine: the default, CPU int8, word timings, offline.

The module reads better whole: one call's path (VAD gate, windows shared out between pipelines, the
retries without the prompt, the guards) goes top to bottom through one class, and its tuning constants
sit above it.

Guards against text Whisper invents on silence or noise ("Thank you.", "You", "."):

1. Silero VAD (bundled with faster-whisper) runs first with a low threshold; audio with no speech at all
   returns an empty transcript without decoding, and long pauses are skipped when decoding. The threshold
   is low enough that quiet speakers are not dropped, while silence and room noise still give no speech
   regions (docs/BENCHMARKS.md).
2. A segment is dropped when Whisper itself says "no speech" (no_speech_prob > 0.6) with low confidence
   (avg_logprob < -0.8), or when it is only punctuation, or when it is a known hallucination phrase
   while no_speech_prob > 0.3 or its audio is near-silent.
"""

from __future__ import annotations

import bisect
import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from opsprep_voice.asr.base import (
    SAMPLE_RATE,
    Audio,
    ModelUnavailableError,
    ProgressFn,
    TranscribeOptions,
    TranscriptionCancelled,
    TranscriptionError,
    start_call,
)
from opsprep_voice.asr.guards import VAD_PARAMETERS, clamp_words, is_hallucination, speech_regions
from opsprep_voice.asr.models import ModelSpec
from opsprep_voice.core.transcript import Transcript, Word

if TYPE_CHECKING:  # imports faster_whisper: loaded with the engine, not with this module
    from opsprep_voice.asr.windows import WindowedPipeline, WindowSegments

log = logging.getLogger(__name__)

ENGINE = "faster-whisper"

#: Whether a prompt of the question's terms is passed, per model. It raised checklist detection and lowered
#: WER on both shipped models (docs/BENCHMARKS.md). A prompt can also make Whisper skip a stretch of
#: speech; :meth:`FasterWhisperTranscriber.transcribe` then decodes again without it.
PROMPT_HELPS = {"tiny.en": True, "tiny": True, "base": True, "base.en": True}
#: Windows decoded together by default: 8 is as fast as any smaller batch on 2 cores and holds a 4 min
#: answer in one batch (docs/BENCHMARKS.md). 0 = Whisper's own sequential decoding (timestamp tokens,
#: seeking window after window).
BATCH_SIZE = 8
#: CTranslate2 workers decoding windows in parallel (each with its share of the cores).
WORKERS = 2
#: A window's text compressing better than this (zlib) is a repetition loop (Whisper's own threshold).
MAX_COMPRESSION_RATIO = 2.4
#: Token budget per window: 30 s of fast speech needs about 130 tokens, so a repetition loop stops here
#: instead of at Whisper's 448.
MAX_NEW_TOKENS = 224
#: ... and per second of the window: fast speech (200 wpm) is about 4.5 tokens per second with
#: punctuation, so a short live chunk that loops stops after a few dozen tokens instead of 224.
MAX_TOKENS_PER_S = 7.0
#: Retry without the prompt when more speech than this has no words (seconds, share of all speech).
MAX_UNCOVERED_S = 3.0
MAX_UNCOVERED_SHARE = 0.2


class FasterWhisperTranscriber:
    """A loaded faster-whisper model. Calls from several threads run side by side: each call takes as many
    of the ``workers`` decoding pipelines as are free (at least one, waiting for it if none is) and as it
    can use (one unless ``TranscribeOptions.parallel``), so a live chunk and a second call at Stop decode at
    the same time on 2 cores (:mod:`opsprep_voice.asr.streaming`)."""

    def __init__(
        self,
        spec: ModelSpec,
        *,
        compute_type: str = "int8",
        cpu_threads: int | None = None,
        workers: int = WORKERS,
        uses_prompt: bool | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        """``uses_prompt`` overrides the measured per-model choice (:data:`PROMPT_HELPS`; benchmarks).
        ``batch_size`` >= 1 decodes VAD-cut windows, up to that many at once (:meth:`_decode_windows`,
        :mod:`opsprep_voice.asr.windows`); 0 decodes with Whisper's own timestamp-driven seeking
        (:meth:`_decode`). ``workers`` windows are decoded in parallel, each worker with ``cpu_threads``
        threads (default: the cores shared out between the workers)."""
        from faster_whisper import WhisperModel

        from opsprep_voice.asr.tokenizer_cache import handing_over
        from opsprep_voice.asr.windows import WindowedPipeline

        self._spec = spec
        self._workers = max(1, workers)
        if cpu_threads is None:
            cpu_threads = max(1, (os.cpu_count() or 2) // self._workers)
        try:
            with handing_over(spec.path):  # the tokenizer the app parsed before its window, if any
                self._model = WhisperModel(
                    str(spec.path),
                    device="cpu",
                    compute_type=compute_type,
                    cpu_threads=cpu_threads,
                    num_workers=self._workers,
                )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelUnavailableError(
                f"Could not load the Whisper model '{spec.name}' from {spec.path}: {exc}. "
                "The folder must hold a CTranslate2 (faster-whisper) model; try --model tiny.en or base."
            ) from exc
        self._batch_size = max(0, batch_size)
        # One pipeline per worker (a pipeline keeps per-call state); calls take free ones from this pool.
        self._free = [WindowedPipeline(self._model) for _ in range(self._workers if batch_size else 0)]
        self._pool = threading.Condition()
        if uses_prompt is None:
            # Unknown models (folders, downloads): on, guarded by the retry without prompt.
            uses_prompt = PROMPT_HELPS.get(spec.name, True)
        self._uses_prompt = uses_prompt
        log.info("loaded %s model %s (%s, %d workers x %d threads) from %s", ENGINE, spec.name, compute_type,
                 self._workers, cpu_threads, spec.path)  # fmt: skip

    @property
    def engine(self) -> str:
        return ENGINE

    @property
    def model(self) -> str:
        return self._spec.name

    @property
    def spec(self) -> ModelSpec:
        return self._spec

    @property
    def uses_prompt(self) -> bool:
        return self._uses_prompt

    def speech_regions(self, audio: Audio) -> list[tuple[float, float]]:
        """Speech regions (seconds) found by Silero VAD with the settings used when transcribing; none
        longer than half a window, so even a 30 s answer can be shared between two workers."""
        return speech_regions(audio, max_region_s=14.5)

    def has_speech(self, audio: Audio) -> bool:
        """Whether Silero VAD finds any speech."""
        return bool(self.speech_regions(audio))

    def transcribe(
        self,
        audio: Audio,
        options: TranscribeOptions | None = None,
        *,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
    ) -> Transcript:
        opts, samples, duration = start_call(audio, options, cancel)
        regions = self.speech_regions(samples) if samples.size else []
        if not regions:
            log.debug("no speech detected in %.2f s of audio", duration)
            if progress:
                progress(1.0, "No speech detected")
            return Transcript.from_words([], duration)
        prompt = opts.prompt if (opts.prompt and self._uses_prompt) else None
        if progress:
            progress(0.0, "Transcribing 0%")
        words = self._run(samples, regions, opts, prompt, progress, cancel)
        missed = _uncovered_speech(regions, words)
        speech_s = sum(e - s for s, e in regions)
        if prompt is not None and missed > max(MAX_UNCOVERED_S, MAX_UNCOVERED_SHARE * speech_s):
            # A prompt can make Whisper skip a stretch of speech: decode again without it and keep
            # whichever covers more of the speech.
            log.info("prompted decode left %.1f of %.1f s of speech without words: retrying unprompted",
                     missed, speech_s)  # fmt: skip
            plain = self._run(samples, regions, opts, None, None, cancel)
            if _uncovered_speech(regions, plain) < missed:
                words = plain
        if progress:
            progress(1.0, "Transcribed")
        return Transcript.from_words(clamp_words(words, duration), duration)

    def _run(
        self,
        samples: Audio,
        regions: list[tuple[float, float]],
        opts: TranscribeOptions,
        prompt: str | None,
        progress: ProgressFn | None,
        cancel: threading.Event | None,
    ) -> list[Word]:
        if not self._batch_size:
            return self._decode(samples, opts, prompt, progress, cancel)
        pipelines = self._acquire(self._workers if opts.parallel else 1)
        try:
            return self._decode_windows(pipelines, samples, regions, opts, prompt, progress, cancel)
        finally:
            self._release(pipelines)

    def _acquire(self, wanted: int) -> list[WindowedPipeline]:
        """Up to ``wanted`` free pipelines, at least one (waits for one when all are busy)."""
        with self._pool:
            self._pool.wait_for(lambda: bool(self._free))
            n = max(1, min(wanted, len(self._free)))
            taken, self._free = self._free[:n], self._free[n:]
        return taken

    def _release(self, pipelines: list[WindowedPipeline]) -> None:
        with self._pool:
            self._free.extend(pipelines)
            self._pool.notify_all()

    def _decode_windows(
        self,
        pipelines: list[WindowedPipeline],
        samples: Audio,
        regions: list[tuple[float, float]],
        opts: TranscribeOptions,
        prompt: str | None,
        progress: ProgressFn | None,
        cancel: threading.Event | None,
    ) -> list[Word]:
        """Decode the speech in windows of at most 30 s cut between VAD regions (:mod:`asr.windows`),
        shared out between ``pipelines`` (:meth:`_decode_in_parallel`).

        Each window is decoded on its own (the prompt, if any, in front of each) without timestamp
        tokens; word timings come from cross-attention alignment. The batched decoder has no temperature
        fallback, so a window whose text repeats itself is decoded again (:meth:`_decode_again`).
        """
        from opsprep_voice.asr.windows import group_windows

        windows = group_windows(regions, samples.size / SAMPLE_RATE, parts=len(pipelines))
        by_window = self._decode_in_parallel(pipelines, samples, windows, opts, prompt, progress, cancel)
        words: list[Word] = []
        for window, segments in zip(windows, by_window, strict=True):
            if any(seg.compression_ratio > MAX_COMPRESSION_RATIO for seg in segments):
                words.extend(self._decode_again(pipelines, samples, window, opts, prompt, cancel))
            else:
                words.extend(w for seg in segments for w in _segment_words(seg, samples))
        return words

    def _decode_in_parallel(
        self,
        pipelines: list[WindowedPipeline],
        samples: Audio,
        windows: list[tuple[float, float]],
        opts: TranscribeOptions,
        prompt: str | None,
        progress: ProgressFn | None,
        cancel: threading.Event | None,
    ) -> list[list[Any]]:
        """The segments of each window. Window ``i`` goes to pipeline ``i % len(pipelines)``; pipeline 0
        runs in this thread, each other one on a helper thread (CTranslate2 releases the GIL), and their
        errors are raised here. Two workers with one thread each decode two windows in the time one
        worker takes for one, whatever its threads (docs/BENCHMARKS.md)."""
        from opsprep_voice.asr.windows import WindowSegments

        workers = len(pipelines)
        shares = [list(range(k, len(windows), workers)) for k in range(workers)]
        found = WindowSegments(windows, progress)
        errors: list[BaseException] = []

        def decode(k: int) -> None:
            self._decode_share(pipelines[k], samples, shares[k], opts, prompt, found, cancel)

        def helper(k: int) -> None:
            try:
                decode(k)
            except BaseException as exc:  # re-raised in the calling thread
                errors.append(exc)

        helpers = [
            threading.Thread(target=helper, args=(k,), name=f"whisper-worker-{k}", daemon=True)
            for k in range(1, workers)
            if shares[k]
        ]
        with self._engine_errors():
            for t in helpers:
                t.start()
            try:
                decode(0)
            finally:
                for t in helpers:
                    t.join()
            if errors:
                raise errors[0]
            _check_cancel(cancel)
        return found.segments

    def _decode_share(
        self,
        pipeline: WindowedPipeline,
        samples: Audio,
        mine: list[int],
        opts: TranscribeOptions,
        prompt: str | None,
        found: WindowSegments,
        cancel: threading.Event | None,
    ) -> None:
        """Decode the windows numbered ``mine`` on one pipeline, ``batch_size`` at a time, adding each
        segment to ``found`` under its window."""
        windows = found.windows
        starts = [round(windows[i][0] * 100) for i in mine]  # a segment's ``seek``: its window's start
        segments, _info = pipeline.transcribe(
            samples,
            language="en",
            beam_size=opts.beam_size,
            word_timestamps=opts.word_timestamps,
            initial_prompt=prompt,
            clip_timestamps=[{"start": windows[i][0], "end": windows[i][1]} for i in mine],
            batch_size=self._batch_size,
            max_new_tokens=token_budget(max(windows[i][1] - windows[i][0] for i in mine)),
        )
        for seg in segments:
            _check_cancel(cancel)
            found.add(mine[max(0, bisect.bisect_right(starts, int(seg.seek) + 1) - 1)], seg)

    def _decode_again(
        self,
        pipelines: list[WindowedPipeline],
        samples: Audio,
        window: tuple[float, float],
        opts: TranscribeOptions,
        prompt: str | None,
        cancel: threading.Event | None,
    ) -> list[Word]:
        """Decode a window whose text repeats itself again: without the prompt if it had one (the prompt
        is the usual cause, and one more batched window is much cheaper than sequential decoding), else
        sequentially, which has Whisper's temperature fallback. The retry without the prompt goes through
        :meth:`_decode_windows` once more, so a window that still repeats is then decoded sequentially."""
        start, end = window
        lo, hi = int(start * SAMPLE_RATE), int(end * SAMPLE_RATE)
        part = samples[lo:hi]
        if prompt is not None:
            log.info("window %.1f-%.1f s repeats itself: decoding it again without the prompt", start, end)
            whole = [(0.0, part.size / SAMPLE_RATE)]
            again = self._decode_windows(pipelines, part, whole, opts, None, None, cancel)
        else:
            log.info("window %.1f-%.1f s repeats itself: decoding it again sequentially", start, end)
            again = self._decode(part, opts, None, None, cancel)
        return [w.shifted(lo / SAMPLE_RATE) for w in again]

    def _decode(
        self,
        samples: Audio,
        opts: TranscribeOptions,
        prompt: str | None,
        progress: ProgressFn | None,
        cancel: threading.Event | None,
    ) -> list[Word]:
        """Whisper's own sequential decoding (timestamp tokens, seeking window after window)."""
        duration = samples.size / SAMPLE_RATE
        words: list[Word] = []
        with self._engine_errors():
            segments, _info = self._model.transcribe(
                samples,
                language="en",
                beam_size=opts.beam_size,
                word_timestamps=opts.word_timestamps,
                initial_prompt=prompt,
                vad_filter=True,
                vad_parameters=VAD_PARAMETERS,
                condition_on_previous_text=False,
            )
            for seg in segments:
                _check_cancel(cancel)
                words.extend(_segment_words(seg, samples))
                if progress and duration > 0:
                    frac = min(1.0, float(seg.end) / duration)
                    progress(frac, f"Transcribing {int(100 * frac)}%")
            _check_cancel(cancel)
        return words

    @contextlib.contextmanager
    def _engine_errors(self) -> Iterator[None]:
        """Report the engine's own errors as :class:`TranscriptionError` (cancellation passes through)."""
        try:
            yield
        except TranscriptionCancelled:
            raise
        except (RuntimeError, ValueError) as exc:
            raise TranscriptionError(f"{ENGINE} ({self.model}) failed to transcribe: {exc}") from exc


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise TranscriptionCancelled("Transcription cancelled")


def token_budget(window_s: float) -> int:
    """Most tokens a window of ``window_s`` seconds may decode (:data:`MAX_TOKENS_PER_S`, at most
    :data:`MAX_NEW_TOKENS`): real speech stays well under it, a repetition loop stops there."""
    return min(MAX_NEW_TOKENS, int(MAX_TOKENS_PER_S * window_s) + 16)


def _segment_words(seg: Any, samples: Audio) -> list[Word]:
    """A faster-whisper segment's words, or none when it is a hallucination (:mod:`asr.guards`)."""
    if is_hallucination(seg.text, seg.start, seg.end, seg.no_speech_prob, seg.avg_logprob, samples):
        log.debug("dropped segment %.1f-%.1f %r (no_speech %.2f, logprob %.2f)",
                  seg.start, seg.end, seg.text, seg.no_speech_prob, seg.avg_logprob)  # fmt: skip
        return []
    if seg.words:
        return [Word.from_asr(w.word, float(w.start), float(w.end), float(w.probability)) for w in seg.words]
    return [Word.from_asr(seg.text, float(seg.start), float(seg.end), 1.0)]


def _uncovered_speech(regions: list[tuple[float, float]], words: list[Word], slack: float = 1.0) -> float:
    """Seconds of VAD speech farther than ``slack`` from any word (speech Whisper gave no words for)."""
    step = 0.1
    covered = np.zeros(int(max((e for _, e in regions), default=0.0) / step) + 2, dtype=bool)
    for w in words:
        lo = max(0, int((w.start - slack) / step))
        hi = min(covered.size, int((w.end + slack) / step) + 1)
        covered[lo:hi] = True
    missed = 0
    for s, e in regions:
        missed += int(np.count_nonzero(~covered[int(s / step) : int(e / step)]))
    return missed * step
