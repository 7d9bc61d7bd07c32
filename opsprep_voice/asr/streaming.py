"""Live transcription while the candidate speaks, so the review is ready about a second after Stop.

:class:`StreamingTranscriber` wraps any :class:`~opsprep_voice.asr.base.Transcriber` and does no I/O:

* :meth:`~StreamingTranscriber.feed` (audio thread) only appends a block under a lock.
* :meth:`~StreamingTranscriber.process` (one worker thread, called repeatedly) moves the fed blocks into
  its buffer, runs a cheap energy voice-activity detector on the new 20 ms frames only, and runs a *pass*
  when a pause closes at least ``min_chunk_s`` of audio no pass has heard. A pass transcribes everything
  from the cut (the end of the committed text) to the middle of that pause, so no word straddles an edge.
  A pass over less than ``commit_s`` is *tentative*: its words are shown live and replaced by the next,
  longer pass. A pass over ``commit_s`` or more is *committed* (committed words never change) and moves
  the cut. When ``max_chunk_s`` of audio piles up before a pause closes ``commit_s``, the last tentative
  pass is committed as it is; only when someone speaks for ``max_chunk_s`` without any pause is a chunk
  cut at the quietest frame between two recognised words instead.
* :meth:`~StreamingTranscriber.finish` (at Stop) completes the transcript without waiting for a pass
  that may still need a second or more: if a pass is running, the audio after the last tentative pass
  is transcribed at the same time on the engine's other worker, and whichever is complete first wins:
  the running pass if nothing was said after it, else the tentative words plus that call. With no pass
  running it commits the last tentative pass if nothing was said after it, or transcribes the audio
  after the cut (after the last tentative pass when that is more than ``finish_full_s``).

Cadence. Whisper's cost per call has a large fixed part (the engine encodes a window of at least 10 s:
:mod:`opsprep_voice.asr.windows`; one call over 6 s of speech takes ~0.7 s on one core), and
sentence-long chunks give it too little context (more WER than transcribing the whole file). So text
appears every few seconds as tentative passes, but is committed in chunks of ``commit_s`` to
``max_chunk_s``. Passes start at the *latest* pause available when the worker
gets to them: a worker that fell behind catches up with one larger pass instead of a queue of small ones.
On 2 cores one call over a 7-16 s chunk takes 1.0-1.3 s, so waiting at Stop for the pass over the last
sentence would break the one-second target; the race above bounds the wait by one call over the few
seconds after the last tentative pass.

The energy VAD costs microseconds per block; Silero VAD (bundled with faster-whisper) measured ~9 ms per
second of audio on 2 loaded cores and is stateless per call, so it is not run here (the faster-whisper
engine runs it itself on each chunk). Its threshold adapts: a 10th-percentile noise floor of the last
10 s plus ``vad_margin_db``, never below ``vad_min_dbfs`` and never within 6 dB of the speech level.

Thread-safety: ``feed`` may be called from any thread at any time (also during ``process``, and after
``stop`` until ``finish`` so the recorder can flush its last blocks). ``process`` is called from one
worker thread; it never holds the state lock during an engine call. ``finish`` may be called from any
other thread while ``process`` is inside the engine; a pass that ends after Stop is handed to ``finish``
instead of being applied. ``stop`` (any thread) makes further ``process`` calls return at once.
``cancel`` (any thread) abandons the stream: the engine's cancel event is set, and ``process``/``finish``
raise :class:`~opsprep_voice.asr.base.TranscriptionCancelled`. The engine must accept two calls at once
(the faster-whisper engine runs them side by side, one worker each); one that serialises them still
gives the right words, only later.

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
from opsprep_voice.core.transcript import Transcript, Word

log = logging.getLogger(__name__)

__all__ = [
    "StreamStats",
    "StreamUpdate",
    "StreamingConfig",
    "StreamingTranscriber",
]


@dataclass(frozen=True, slots=True)
class StreamingConfig:
    """Tuning of the streaming processor (defaults measured with base on 2 cores: bench_latency.py)."""

    #: A pause starts a pass once it closes at least this much audio not yet seen by a pass.
    min_chunk_s: float = 3.0
    #: A pass over at least this much audio (from the cut to a pause) is committed; a shorter one is
    #: shown as tentative text and transcribed again, longer, by the next pass. Longer committed chunks
    #: give Whisper more context. Streaming WER on bench_latency's 2 / 3 min answers (batch: 18.6 / 12.3 %):
    #: commits of 3 s 21.4 / 16.5 %, 8 s 20.3 / 15.1 %, 9 s 19.4 / 13.7 %, 10 s (max 16 s) 18.3 / 13.3 %.
    #: The wait at Stop does not grow with it: finish() does not wait for the pass over the last chunk.
    commit_s: float = 10.0
    #: Without any pause, force a cut after this much uncommitted audio (the last tentative pass is
    #: committed as it is when there is one).
    max_chunk_s: float = 16.0
    #: Silence at least this long counts as a pause (espeak: 0.35 s between sentences, 0.2 s at commas).
    min_pause_s: float = 0.3
    #: In a forced cut, words ending in the last ``hold_s`` of the chunk stay uncommitted.
    hold_s: float = 1.5
    #: VAD frame length.
    frame_s: float = 0.02
    #: Speech = frame energy above the noise floor by this much.
    vad_margin_db: float = 12.0
    #: ... and above this absolute level.
    vad_min_dbfs: float = -50.0
    #: Leading silence longer than this is dropped from the next chunk (keeps ``lead_s`` of it).
    lead_s: float = 0.2
    #: Committed words passed to the engine as context (appended to the options' prompt); 0 disables.
    context_words: int = 0
    #: At Stop with no pass running, up to this much uncommitted audio is transcribed again in one call
    #: (more context); beyond it only the audio after the last tentative pass is (bounded wait).
    finish_full_s: float = 6.0

    def __post_init__(self) -> None:
        if not 0 < self.min_chunk_s <= self.commit_s < self.max_chunk_s:
            raise ValueError("need 0 < min_chunk_s <= commit_s < max_chunk_s")
        if self.hold_s >= self.max_chunk_s - self.min_chunk_s:
            raise ValueError("hold_s must be shorter than max_chunk_s - min_chunk_s")
        if self.min_pause_s < 2 * self.frame_s:
            raise ValueError("min_pause_s must span at least two VAD frames")


@dataclass(frozen=True, slots=True)
class StreamUpdate:
    """What :meth:`StreamingTranscriber.process` returns: the state after the call."""

    committed: tuple[Word, ...]
    tentative: tuple[Word, ...]
    changed: bool
    audio_s: float  # audio received so far
    committed_s: float  # audio up to which the text is final

    @property
    def text(self) -> str:
        return " ".join(w.text for w in (*self.committed, *self.tentative))

    def transcript(self) -> Transcript:
        """Committed plus tentative words as a transcript (for live scoring)."""
        return Transcript.from_words((*self.committed, *self.tentative), self.audio_s)


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
    finish_path: str = ""  # how finish() completed the transcript (see StreamingTranscriber._final_words)


@dataclass(slots=True, eq=False)
class _Call:
    """One engine call over absolute samples [start, end) and, once ``done``, its words or its error."""

    start: int
    end: int
    kind: str  # "pause" (committed), "tentative", "forced" (cut without a pause), "tail" (at Stop)
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
        self._frame = round(self.config.frame_s * SAMPLE_RATE)
        # Fed, not yet consumed: guarded by _feed_lock (+ _fed condition for waiters).
        self._feed_lock = threading.Lock()
        self._fed = threading.Condition(self._feed_lock)
        self._pending: list[Audio] = []
        self._pending_samples = 0
        self._closed = False
        # process() callers take _work_lock (one pass at a time). The state below is guarded by _lock,
        # which is never held during an engine call; _call_done (on _lock) wakes finish() when one ends.
        self._work_lock = threading.Lock()
        self._lock = threading.Lock()
        self._call_done = threading.Condition(self._lock)
        self._audio: Audio = np.zeros(0, dtype=np.float32)  # absolute samples [_base, _end)
        self._base = 0  # absolute sample index of _audio[0] == the cut: everything before is committed
        self._end = 0
        self._db: list[float] = []  # frame energies (dBFS) from frame 0
        self._committed: list[Word] = []
        self._tentative: tuple[Word, ...] = ()
        self._tentative_at = 0  # absolute sample where the last tentative pass ended
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
                changed, call = self._plan()
                if call is None:
                    return self._update(changed)
                self._running = call
                chunk = self._audio[call.start - self._base : call.end - self._base]
            self._run(call, chunk)
            with self._lock:
                self._running = None
                if self._stopping.is_set() or self._finished is not None:
                    self._unapplied = call  # Stop came during the call: finish() decides what to use
                    return self._update(False)
                if call.error is not None:
                    raise call.error
                self._apply(call)
                return self._update(True)

    def finish(self) -> Transcript:
        """Stop: complete the transcript and return it (absolute times). Any thread; see the module doc."""
        t0 = time.perf_counter()
        self._stopping.set()
        with self._fed:
            self._closed = True
            self._fed.notify_all()
        with self._lock:
            if self._cancel.is_set():
                raise TranscriptionCancelled("Live transcription was cancelled")
            if self._finished is not None:
                return self._finished
            c0 = time.process_time()
            self._drain()
            self._update_vad()
            words = self._final_words()
            self._committed = [*self._committed, *words]
            self._audio = np.zeros(0, dtype=np.float32)
            self._base = self._end
            self._tentative = ()
            self._finished = Transcript.from_words(self._committed, self._end / SAMPLE_RATE)
            self.stats.finish_s = time.perf_counter() - t0
            self.stats.finish_cpu_s = time.process_time() - c0
            return self._finished

    # -------------------------------------------------------------------------------------- at Stop

    def _final_words(self) -> list[Word]:
        """The words after the committed ones, at Stop. Called with ``_lock`` held (released while
        waiting and during engine calls: process() only stashes what it finishes now)."""
        base, end, heard = self._base, self._end, self._tentative_at
        tentative = list(self._tentative) if heard > base else []
        # The fallback that never waits for a pass: the last tentative pass plus the audio after it.
        prefix, alt_from = (tentative, heard) if heard > base else ([], base)
        call = self._running or self._unapplied
        if call is not None and call.done:
            self.stats.finish_path = "pass+tail"
            return self._pass_then_tail(call, prefix, alt_from)
        if call is None:
            if not self._speech_frames(base, end):
                return []
            if heard > base and not self._speech_frames(heard, end):
                self.stats.finish_path = "tentative"
                return tentative
            if heard > base and (end - base) / SAMPLE_RATE > self.config.finish_full_s:
                self.stats.finish_path = "tentative+tail"
                return prefix + self._call_now(alt_from, end)
            self.stats.finish_path = "full"
            return self._call_now(base, end)
        if not self._speech_frames(alt_from, end):
            self.stats.finish_path = "tentative"  # the running pass would only re-hear the same words
            return prefix
        # A pass is running (it cannot be interrupted inside the engine). Transcribe the audio after the
        # last tentative pass on the engine's other worker at the same time, and take whichever is
        # complete first: the running pass if nothing was said after it, else the tentative words + this.
        alt = _Call(alt_from, end, "tail")
        chunk = self._audio[alt_from - base : end - base]
        threading.Thread(target=self._run, args=(alt, chunk), name="stream-stop", daemon=True).start()
        t0 = time.perf_counter()
        while not alt.done:
            if self._cancel.is_set():
                raise TranscriptionCancelled("Live transcription was cancelled")
            pass_usable = call.done and call.error is None and call.kind != "forced"
            if pass_usable and not self._speech_frames(call.end, end):
                self.stats.finish_wait_s = time.perf_counter() - t0
                self.stats.finish_path = "running pass"
                return call.words
            self._call_done.wait(0.05)
        self.stats.finish_wait_s = time.perf_counter() - t0
        self.stats.tail_s = (end - alt_from) / SAMPLE_RATE
        if alt.error is None:
            self.stats.finish_path = "tentative+tail (raced)"
            return prefix + alt.words
        if isinstance(alt.error, TranscriptionCancelled):
            raise alt.error
        if call.done and call.error is None:  # the Stop call failed, the pass did not: use it
            self.stats.finish_path = "pass+tail"
            return self._pass_then_tail(call, prefix, alt_from)
        raise alt.error

    def _pass_then_tail(self, call: _Call, prefix: list[Word], alt_from: int) -> list[Word]:
        """A pass that ended after Stop, plus the audio after it (if anything was said there)."""
        if call.error is not None or call.kind == "forced":  # a forced pass may end inside a word
            return prefix + self._call_now(alt_from, self._end)
        if not self._speech_frames(call.end, self._end):
            return call.words
        return call.words + self._call_now(call.end, self._end)

    def _call_now(self, start: int, end: int) -> list[Word]:
        """An engine call from finish() (``_lock`` held: released during the call)."""
        call = _Call(start, end, "tail")
        chunk = self._audio[start - self._base : end - self._base]
        self.stats.tail_s = (end - start) / SAMPLE_RATE
        self._lock.release()
        try:
            self._run(call, chunk)
        finally:
            self._lock.acquire()
        if call.error is not None:
            raise call.error
        return call.words

    # ------------------------------------------------------------------------------------- internals

    def _update(self, changed: bool) -> StreamUpdate:
        return StreamUpdate(
            committed=tuple(self._committed),
            tentative=self._tentative,
            changed=changed,
            audio_s=self._end / SAMPLE_RATE,
            committed_s=self._base / SAMPLE_RATE,
        )

    def _drain(self) -> None:
        with self._fed:
            blocks, self._pending, self._pending_samples = self._pending, [], 0
        if not blocks:
            return
        n = sum(b.size for b in blocks)
        self._audio = np.concatenate([self._audio, *blocks])
        self._end += n
        self.stats.samples_consumed += n

    def _update_vad(self) -> None:
        """Frame energies for the new complete frames (the last partial frame waits for more audio)."""
        done = len(self._db)
        total = self._end // self._frame
        if total <= done:
            return
        lo = done * self._frame - self._base
        if lo < 0:  # frames before the cut were trimmed unseen (cannot happen: cuts follow the VAD)
            self._db.extend([-120.0] * (-lo // self._frame))
            lo = len(self._db) * self._frame - self._base
            done = len(self._db)
        frames = self._audio[lo : lo + (total - done) * self._frame].reshape(-1, self._frame)
        energy = np.mean(np.square(frames, dtype=np.float64), axis=1)
        self._db.extend((10.0 * np.log10(energy + 1e-12)).tolist())

    def _threshold(self, upto: int) -> float:
        recent = np.asarray(self._db[max(0, upto - round(10.0 / self.config.frame_s)) : upto])
        if recent.size == 0:
            return self.config.vad_min_dbfs
        floor, loud = np.percentile(recent, [10, 95])
        thr = max(float(floor) + self.config.vad_margin_db, self.config.vad_min_dbfs)
        return min(thr, float(loud) - 6.0) if loud - 6.0 > self.config.vad_min_dbfs else thr

    def _speech_mask(self, f0: int, f1: int) -> np.ndarray:
        db = np.asarray(self._db[f0:f1])
        return db > self._threshold(f1)

    def _speech_frames(self, s0: int, s1: int) -> int:
        f0, f1 = s0 // self._frame, min(len(self._db), -(-s1 // self._frame))
        if f1 <= f0:
            return 0
        return int(np.count_nonzero(self._speech_mask(f0, f1)))

    def _pauses(self, f0: int, f1: int) -> list[tuple[int, int]]:
        """Silent runs of at least ``min_pause_s`` in frames [f0, f1) as (first, end) frame indices."""
        speech = self._speech_mask(f0, f1)
        min_len = round(self.config.min_pause_s / self.config.frame_s)
        padded = np.concatenate([[True], speech, [True]])
        edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
        starts, ends = edges[0::2], edges[1::2]  # silent runs [start, end) in mask coordinates
        return [(f0 + int(s), f0 + int(e)) for s, e in zip(starts, ends, strict=True) if e - s >= min_len]

    def _plan(self) -> tuple[bool, _Call | None]:
        """Decide what to transcribe now: (whether the words changed without a call, the call to make)."""
        cfg = self.config
        self._update_vad()
        nframes = len(self._db)
        f_base = self._base // self._frame
        if nframes <= f_base:
            return False, None
        speech = self._speech_mask(f_base, nframes)
        if not speech.any():
            # Only silence since the cut: move the cut along (nothing to say), keep a little lead-in.
            self._trim_to(max(self._base, nframes * self._frame - round(cfg.lead_s * SAMPLE_RATE)))
            return False, None
        first_speech = f_base + int(np.argmax(speech))
        lead = round(cfg.lead_s / cfg.frame_s)
        if first_speech - lead > f_base:
            self._trim_to((first_speech - lead) * self._frame)
        # The latest pause that closes at least min_chunk_s of audio no pass has heard yet.
        min_frames = round(cfg.min_chunk_s / cfg.frame_s)
        heard = max(self._base, self._tentative_at) // self._frame
        best: int | None = None
        for p0, p1 in self._pauses(self._base // self._frame, nframes):
            if p0 - heard < min_frames or not self._speech_frames(self._base, p0 * self._frame):
                continue
            half = min(p1 - p0, 2 * round(cfg.min_pause_s / cfg.frame_s)) // 2
            best = (p0 + half) * self._frame
        if best is not None:
            long_enough = best - self._base >= round(cfg.commit_s * SAMPLE_RATE)
            return False, _Call(self._base, best, "pause" if long_enough else "tentative")
        if self._end - self._base >= round(cfg.max_chunk_s * SAMPLE_RATE):
            if self._tentative_at > self._base:
                # No pause for a while, but the last pass ended at one: commit it as it is (no new call).
                self._committed.extend(self._tentative)
                self._trim_to(self._tentative_at)
                self._tentative = ()
                return True, None
            return False, _Call(self._base, self._end, "forced")
        return False, None

    def _apply(self, call: _Call) -> None:
        """Take a finished pass's words (``_lock`` held; nothing moved the cut during the call)."""
        if call.kind == "pause":
            self._committed.extend(call.words)
            self._trim_to(call.end)
            self._tentative, self._tentative_at = (), call.end
        elif call.kind == "tentative":
            self._tentative, self._tentative_at = tuple(call.words), call.end
        else:
            self._forced_cut(call)
            self._tentative, self._tentative_at = (), self._base

    def _forced_cut(self, call: _Call) -> None:
        """No pause for max_chunk_s: commit all but the last ``hold_s`` and cut between two words."""
        cfg = self.config
        start, end, words = call.start, call.end, call.words
        hold_from = end / SAMPLE_RATE - cfg.hold_s
        keep = [w for w in words if w.end <= hold_from]
        if not keep or len(keep) == len(words):
            # Nothing safe to commit (one endless word?) or everything ended early: fall back to the
            # quietest frame in the first part of the chunk, committing the words before it.
            cut = self._quietest(start + round(cfg.min_chunk_s * SAMPLE_RATE), round(hold_from * SAMPLE_RATE))
        else:
            # Between the last committed word and the next: at a clear energy dip near the engine's word
            # boundary if there is one, else at the boundary itself.
            nxt = words[len(keep)]
            gap_lo, gap_hi = keep[-1].end, max(keep[-1].end, nxt.start)
            boundary = round((gap_lo + gap_hi) / 2 * SAMPLE_RATE)
            lo = max(round((gap_lo - 0.15) * SAMPLE_RATE), start + self._frame)
            hi = min(round((gap_hi + 0.15) * SAMPLE_RATE), end - self._frame)
            cut = self._quietest(lo, hi, fallback=boundary)
        cut_s = cut / SAMPLE_RATE
        self._committed.extend(w for w in words if (w.start + w.end) / 2 < cut_s)
        self._trim_to(cut)
        log.debug("forced cut at %.2f s (no pause for %.1f s)", cut_s, (end - start) / SAMPLE_RATE)

    def _quietest(self, lo: int, hi: int, *, fallback: int | None = None) -> int:
        """Middle of the quietest VAD frame in [lo, hi). With ``fallback``: only a frame at least 6 dB
        below the window's median counts (a real dip between words), else ``fallback`` is returned."""
        f0, f1 = max(lo // self._frame, self._base // self._frame), min(-(-hi // self._frame), len(self._db))
        if f1 <= f0:
            return max(self._base, min(hi if fallback is None else fallback, self._end))
        db = np.asarray(self._db[f0:f1])
        i = int(np.argmin(db))
        if fallback is not None and db[i] > float(np.median(db)) - 6.0:
            return max(self._base, min(fallback, self._end))
        return (f0 + i) * self._frame + self._frame // 2

    def _trim_to(self, cut: int) -> None:
        cut = min(max(cut, self._base), self._end)
        self._audio = self._audio[cut - self._base :]
        self._base = cut

    def _options(self) -> TranscribeOptions:
        opts = self.options
        if self.config.context_words > 0 and self._committed:
            context = " ".join(w.text for w in self._committed[-self.config.context_words :])
            opts = replace(opts, prompt=f"{opts.prompt} {context}" if opts.prompt else context)
        return opts

    def _run(self, call: _Call, chunk: Audio) -> None:
        """Transcribe ``chunk`` (absolute samples [call.start, call.end)) without holding ``_lock``; sets
        the call's words (absolute times) or error, then ``done``, and wakes ``_call_done`` waiters."""
        opts = self._options()
        t0, c0 = time.perf_counter(), time.process_time()
        with self._lock:
            self._calls_running += 1
        try:
            result = self.transcriber.transcribe(chunk, opts, cancel=self._cancel)
            offset = call.start / SAMPLE_RATE
            if result.words:
                call.words = [w.shifted(offset) for w in result.words]
            elif result.text:
                # An engine without word timings: spread the words evenly over the chunk.
                tokens = result.text.split()
                step = (call.end - call.start) / SAMPLE_RATE / len(tokens)
                call.words = [
                    Word(t, offset + i * step, offset + (i + 1) * step) for i, t in enumerate(tokens)
                ]
        except BaseException as exc:  # handed to the thread that decides (process() or finish())
            call.error = exc
        finally:
            dt = time.perf_counter() - t0
            with self._lock:
                if call.error is None:
                    self.stats.cpu_s += time.process_time() - c0
                    self.stats.calls += 1
                    self.stats.transcribed_s += chunk.size / SAMPLE_RATE
                    self.stats.busy_s += dt
                    self.stats.chunks.append((call.start / SAMPLE_RATE, call.end / SAMPLE_RATE, call.kind))
                call.done = True
                self._calls_running -= 1
                self._call_done.notify_all()
        log.debug("%s chunk %.2f-%.2f s: %d words in %.2f s", call.kind, call.start / SAMPLE_RATE,
                  call.end / SAMPLE_RATE, len(call.words), dt)  # fmt: skip
