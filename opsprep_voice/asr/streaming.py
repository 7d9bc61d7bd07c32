"""Live transcription while the candidate speaks, so the review is ready about a second after Stop.

:class:`StreamingTranscriber` wraps any :class:`~opsprep_voice.asr.base.Transcriber`. It is the threaded
shell around two pure parts: :mod:`opsprep_voice.asr.vad` (energy voice activity) and
:mod:`opsprep_voice.asr.chunking` (where to cut, what to commit, what is left at Stop). It does no I/O.

* :meth:`~StreamingTranscriber.feed` (audio thread) only appends a block under a lock.
* :meth:`~StreamingTranscriber.process` (one worker thread, called repeatedly) hands the fed blocks to the
  planner and runs the *pass* it plans, if any: an engine call from the cut to a pause. Passes start at
  the *latest* pause available when the worker gets to them, so a worker that fell behind catches up with
  one larger pass instead of a queue of small ones. Between passes it runs *previews* over the audio
  after the last pass (``preview`` words of the update), so words show about a second after they are said.
* :meth:`~StreamingTranscriber.finish` (at Stop) completes the transcript without waiting for a pass that
  may still need a second or more: if a pass (or preview) is running, the audio after the last tentative
  pass (and preview) is transcribed at the same time on the engine's other worker, and whichever is
  complete first wins: the running call if nothing was said after it, else the known words plus that
  call. With nothing running it takes what :meth:`~opsprep_voice.asr.chunking.ChunkPlanner.ending`
  says. One call over a committed chunk takes longer than the one-second Stop-to-review target allows on
  2 cores (docs/BENCHMARKS.md), so the race bounds the wait by one call over the second or so after the
  last preview's words.

Threads and locks. ``feed`` may be called from any thread at any time (also during ``process``, and after
``stop`` until ``finish`` so the recorder can flush its last blocks); it takes only ``_fed`` (the pending
blocks). ``process`` runs on one worker thread at a time (``_work_lock``). ``finish`` runs on another
thread, once (``_finish_lock``). The planner, the running pass and the call counters are guarded by
``_lock``; no engine call is made while holding it, and no method releases a lock its caller holds. After
Stop ``process`` leaves the planner alone (a pass that ends after Stop is handed to ``finish``, not
applied), so ``finish`` reads it without ``_lock`` and takes ``_lock`` only to change it. ``_call_done``
(on ``_lock``) wakes ``finish`` when an engine call ends or the stream is cancelled. ``stop`` (any thread)
makes further ``process`` calls return at once. ``cancel`` (any thread) abandons the stream: the engine's
cancel event is set, and ``process``/``finish`` raise :class:`~opsprep_voice.asr.base.TranscriptionCancelled`.
The engine must accept two calls at once (the faster-whisper engine runs them side by side, one worker
each); one that serialises them still gives the right words, only later.

App wiring: recorder callback -> ``Resampler`` -> ``feed``; a worker thread loops ``process()`` (then
``wait_for_audio(0.05)`` when nothing changed) and shows ``committed``/``tentative``; at Stop call ``stop()``,
then ``finish()`` from another thread (not the GUI's), then score.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace

import numpy as np

from opsprep_voice.asr.base import (
    SAMPLE_RATE,
    Audio,
    TranscribeOptions,
    Transcriber,
    TranscriptionCancelled,
)
from opsprep_voice.asr.chunking import Chunk, ChunkPlanner, Ending, StreamingConfig
from opsprep_voice.core.transcript import Transcript, Word, join_words

log = logging.getLogger(__name__)

__all__ = [
    "StreamStats",
    "StreamUpdate",
    "StreamingConfig",
    "StreamingTranscriber",
]


@dataclass(frozen=True, slots=True)
class StreamUpdate:
    """What :meth:`StreamingTranscriber.process` returns: the state after the call."""

    committed: tuple[Word, ...]
    tentative: tuple[Word, ...]
    changed: bool
    audio_s: float  # audio received so far
    committed_s: float  # audio up to which the text is final
    preview: tuple[Word, ...] = ()  # after the tentative words: the latest preview's (chunking)

    @property
    def shown(self) -> tuple[Word, ...]:
        """The words to show live: committed, tentative, then preview words."""
        return (*self.committed, *self.tentative, *self.preview)

    @property
    def text(self) -> str:
        return join_words(self.shown)

    def transcript(self) -> Transcript:
        """The words shown as a transcript (for live scoring)."""
        return Transcript.from_words(self.shown, self.audio_s)


@dataclass(slots=True)
class StreamStats:
    """Counters for benchmarks and tests (read after :meth:`StreamingTranscriber.finish`)."""

    samples_fed: int = 0
    samples_consumed: int = 0
    calls: int = 0
    transcribed_s: float = 0.0  # audio passed to the engine, all calls
    busy_s: float = 0.0  # wall time inside the engine, all calls
    cpu_s: float = 0.0  # process CPU time (all threads) during engine calls
    chunks: list[tuple[float, float, str]] = field(default_factory=list)  # (start, end, kind) per call
    tail_s: float = 0.0  # audio transcribed by finish()
    finish_wait_s: float = 0.0  # finish() waiting for the pass running at Stop or its own call
    finish_s: float = 0.0  # finish() wall time, waiting included
    finish_cpu_s: float = 0.0  # process CPU time (all threads) while finish() ran
    finish_path: str = ""  # how finish() completed the transcript (chunking.Ending.path)

    def add_call(self, chunk: Chunk, wall_s: float, cpu_s: float) -> None:
        """Count one successful engine call over ``chunk``."""
        self.cpu_s += cpu_s
        self.calls += 1
        self.transcribed_s += (chunk.end - chunk.start) / SAMPLE_RATE
        self.busy_s += wall_s
        self.chunks.append((chunk.start / SAMPLE_RATE, chunk.end / SAMPLE_RATE, chunk.kind))


@dataclass(slots=True, eq=False)
class _Call:
    """One engine call over ``chunk`` and, once ``done`` (set under ``_lock``), its words or its error."""

    chunk: Chunk
    words: list[Word] = field(default_factory=list)
    error: BaseException | None = None
    done: bool = False


class StreamingTranscriber:
    """Incremental transcription of a live recording; see the module docstring for the design."""

    def __init__(
        self,
        transcriber: Transcriber,
        options: TranscribeOptions | None = None,
        *,
        config: StreamingConfig | None = None,
    ) -> None:
        self.transcriber = transcriber
        # One piece per call: a chunk is short, and the engine keeps a worker free for the call at Stop.
        self.options = replace(options or TranscribeOptions(), word_timestamps=True, parallel=False)
        self.config = config or StreamingConfig()
        # Fed, not yet handed to the planner: guarded by _fed (a condition, for wait_for_audio).
        self._fed = threading.Condition(threading.Lock())
        self._pending: list[Audio] = []
        self._pending_samples = 0
        self._closed = False
        self._work_lock = threading.Lock()  # one process() at a time
        self._finish_lock = threading.Lock()  # one finish() at a time
        # Guarded by _lock (never held during an engine call); _call_done wakes finish() when a call ends.
        self._lock = threading.Lock()
        self._call_done = threading.Condition(self._lock)
        self._chunks = ChunkPlanner(self.config)
        self._running: _Call | None = None  # the pass process() is running
        self._unapplied: _Call | None = None  # a pass that ended after Stop: finish() decides
        self._calls_running = 0  # engine calls in progress (process() and finish())
        self._finished: Transcript | None = None
        self._cancel = threading.Event()
        self._stopping = threading.Event()
        self.stats = StreamStats()

    # ----------------------------------------------------------------------------------------- input

    def feed(self, audio: Audio) -> None:
        """Append 16 kHz mono float32 samples. Cheap (a copy under a lock); any thread, any time."""
        block = np.array(audio, dtype=np.float32, copy=True).reshape(-1)
        if block.size == 0:
            return
        with self._fed:
            if self._closed:
                raise RuntimeError("feed() after finish(): start a new StreamingTranscriber")
            self._pending.append(block)
            self._pending_samples += block.size
            self.stats.samples_fed += block.size
            self._fed.notify_all()

    def wait_for_audio(self, timeout: float) -> bool:
        """Block until unprocessed audio is pending, the stream is closed, or ``timeout`` passes."""
        with self._fed:
            return self._fed.wait_for(
                lambda: self._pending_samples > 0 or self._closed or self._cancel.is_set(), timeout
            )

    def cancel(self) -> None:
        """Abandon the stream: a running call stops when the engine allows, later calls raise."""
        self._cancel.set()
        with self._fed:
            self._fed.notify_all()
        with self._call_done:
            self._call_done.notify_all()

    def stop(self) -> None:
        """Stop was pressed (any thread): no new pass is started; call :meth:`finish` next."""
        self._stopping.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no engine call of this stream is running (after :meth:`finish`, the pass or the
        call at Stop that lost the race may still be running for up to a second). Returns whether idle."""
        with self._call_done:
            return self._call_done.wait_for(lambda: self._calls_running == 0, timeout)

    @property
    def stopped(self) -> bool:
        """Stop was pressed: :meth:`process` has nothing more to do."""
        return self._stopping.is_set()

    # -------------------------------------------------------------------------------------- process

    def process(self) -> StreamUpdate:
        """Run a pass if a pause (or ``max_chunk_s``) closed one; return the state. Worker thread."""
        if self._cancel.is_set():
            raise TranscriptionCancelled("Live transcription was cancelled")
        with self._work_lock:
            with self._lock:
                if self._finished is not None or self._stopping.is_set():
                    return self._update(False)
                self._drain()
                changed, chunk = self._chunks.plan()
                if chunk is None and not changed:
                    chunk = self._chunks.plan_preview()
                if chunk is None:
                    return self._update(changed)
                call = self._running = _Call(chunk)
                audio, options = self._chunks.samples(chunk.start, chunk.end), self._options()
            self._run(call, audio, options)
            with self._lock:
                self._running = None
                if self._stopping.is_set() or self._finished is not None:
                    self._unapplied = call  # Stop came during the call: finish() decides what to use
                    return self._update(False)
                if call.error is not None:
                    raise call.error
                if chunk.kind == "preview":
                    self._chunks.apply_preview(chunk, call.words)
                    return self._update(True)
                self._chunks.apply(chunk, call.words)
                if chunk.kind == "forced":
                    log.debug("forced cut at %.2f s (no pause for %.1f s)", self._chunks.base / SAMPLE_RATE,
                              (chunk.end - chunk.start) / SAMPLE_RATE)  # fmt: skip
                return self._update(True)

    # -------------------------------------------------------------------------------------- at Stop

    def finish(self) -> Transcript:
        """Stop: complete the transcript and return it (absolute times). Any thread; see the module doc."""
        t0 = time.perf_counter()
        self._stopping.set()
        with self._fed:
            self._closed = True
            self._fed.notify_all()
        with self._finish_lock:
            if self._cancel.is_set():
                raise TranscriptionCancelled("Live transcription was cancelled")
            if self._finished is not None:
                return self._finished
            c0 = time.process_time()
            with self._lock:
                self._drain()
                self._chunks.measure()
                call = self._running or self._unapplied
            words = self._final_words(call)
            with self._lock:
                self._chunks.close(words)
                self._finished = Transcript.from_words(self._chunks.committed, self._chunks.end / SAMPLE_RATE)
            self.stats.finish_s = time.perf_counter() - t0
            self.stats.finish_cpu_s = time.process_time() - c0
            return self._finished

    def _final_words(self, call: _Call | None) -> list[Word]:
        """The words after the committed ones, given the pass running or left over at Stop (if any):
        decide how to end (:class:`~opsprep_voice.asr.chunking.Ending`), then make its engine call."""
        if call is None:
            ending = self._chunks.ending()
        elif call.done:
            ending = self._chunks.ending_after(call.chunk, call.words if call.error is None else None)
        else:
            ending = self._chunks.ending_while_running()
            if ending.tail is not None:
                ending = self._race(call, ending)
        self.stats.finish_path = ending.path
        words = list(ending.words)
        if ending.tail is not None:
            words += ending.tail_words(self._call_now(Chunk(*ending.tail, "tail")))
        return words

    def _race(self, running: _Call, ending: Ending) -> Ending:
        """A pass is running at Stop (it cannot be interrupted inside the engine): transcribe
        ``ending.tail`` on the engine's other worker at the same time and take whichever is complete
        first. Returns the ending chosen; it has no ``tail`` unless that call failed and the pass did not."""
        assert ending.tail is not None
        side = _Call(Chunk(*ending.tail, "tail"))
        pass_heard_all = self._chunks.pass_heard_all(running.chunk)
        args = (side, self._chunks.samples(side.chunk.start, side.chunk.end), self._options())
        threading.Thread(target=self._run, args=args, name="stream-stop", daemon=True).start()

        def pass_wins() -> bool:
            return pass_heard_all and running.done and running.error is None

        t0 = time.perf_counter()
        with self._call_done:  # both calls' done flags change under this lock: decide on one snapshot
            self._call_done.wait_for(lambda: side.done or self._cancel.is_set() or pass_wins())
            side_done, pass_ok = side.done, running.done and running.error is None
        self.stats.finish_wait_s = time.perf_counter() - t0
        if not side_done:
            if self._cancel.is_set():
                raise TranscriptionCancelled("Live transcription was cancelled")
            # It heard everything (pass_wins): its words, after the tentative ones for a preview.
            won = self._chunks.ending_after(running.chunk, running.words)
            return Ending(f"running {'preview' if running.chunk.kind == 'preview' else 'pass'}", won.words)
        self.stats.tail_s = (side.chunk.end - side.chunk.start) / SAMPLE_RATE
        if side.error is None:
            return Ending(ending.path, (*ending.words, *ending.tail_words(side.words)))
        if isinstance(side.error, TranscriptionCancelled) or not pass_ok:
            raise side.error
        # The call at Stop failed and the pass did not: the pass's words, then the audio after it.
        return self._chunks.ending_after(running.chunk, running.words)

    def _call_now(self, chunk: Chunk) -> list[Word]:
        """An engine call from finish(), in this thread."""
        call = _Call(chunk)
        self.stats.tail_s = (chunk.end - chunk.start) / SAMPLE_RATE
        self._run(call, self._chunks.samples(chunk.start, chunk.end), self._options())
        if call.error is not None:
            raise call.error
        return call.words

    # ------------------------------------------------------------------------------------- internals

    def _update(self, changed: bool) -> StreamUpdate:
        """The state as :meth:`process` reports it (``_lock`` held)."""
        return StreamUpdate(
            committed=tuple(self._chunks.committed),
            tentative=self._chunks.tentative,
            changed=changed,
            audio_s=self._chunks.end / SAMPLE_RATE,
            committed_s=self._chunks.base / SAMPLE_RATE,
            preview=self._chunks.shown_preview(),
        )

    def _drain(self) -> None:
        """Hand the fed blocks to the planner (``_lock`` held; takes ``_fed`` briefly)."""
        with self._fed:
            blocks, self._pending, self._pending_samples = self._pending, [], 0
        self.stats.samples_consumed += self._chunks.append(blocks)

    def _options(self) -> TranscribeOptions:
        """The engine options for the next call: committed words appended to the prompt as context."""
        opts, context = self.options, self._chunks.context()
        if context is None:
            return opts
        return replace(opts, prompt=f"{opts.prompt} {context}" if opts.prompt else context)

    def _run(self, call: _Call, chunk: Audio, options: TranscribeOptions) -> None:
        """Transcribe ``chunk`` (the samples of ``call.chunk``); called without ``_lock``. Sets the call's
        words (absolute times) or error, then ``done``, and wakes ``_call_done`` waiters."""
        start, end = call.chunk.start, call.chunk.end
        t0, c0 = time.perf_counter(), time.process_time()
        with self._lock:
            self._calls_running += 1
        try:
            call.words = _words(self.transcriber.transcribe(chunk, options, cancel=self._cancel), start, end)
        except BaseException as exc:  # handed to the thread that decides (process() or finish())
            call.error = exc
        finally:
            dt = time.perf_counter() - t0
            with self._lock:
                if call.error is None:
                    self.stats.add_call(call.chunk, dt, time.process_time() - c0)
                call.done = True
                self._calls_running -= 1
                self._call_done.notify_all()
        log.debug("%s chunk %.2f-%.2f s: %d words in %.2f s", call.chunk.kind, start / SAMPLE_RATE,
                  end / SAMPLE_RATE, len(call.words), dt)  # fmt: skip


def _words(result: Transcript, start: int, end: int) -> list[Word]:
    """An engine's words for absolute samples ``[start, end)``, in absolute times. An engine without word
    timings gets its words spread evenly over the chunk."""
    offset = start / SAMPLE_RATE
    if result.words:
        return [w.shifted(offset) for w in result.words]
    if not result.text:
        return []
    tokens = result.text.split()
    step = (end - start) / SAMPLE_RATE / len(tokens)
    return [Word(t, offset + i * step, offset + (i + 1) * step) for i, t in enumerate(tokens)]
