"""Chunk planning for live transcription: where to cut, which words to commit, what is left at Stop.

The module reads better whole: live passes, previews and the ending at Stop all read and move one state
(the cut, the uncommitted audio, the tentative, preview and committed words) held by :class:`ChunkPlanner`,
and :class:`StreamingConfig` is the tuning of exactly those decisions.

Pure: no threads, no I/O, no engine. :class:`ChunkPlanner` keeps the uncommitted audio and the words, asks
:class:`~opsprep_voice.asr.vad.EnergyVad` where the pauses are, and answers three questions for the
threaded shell (:class:`~opsprep_voice.asr.streaming.StreamingTranscriber`):

* :meth:`~ChunkPlanner.plan`: which stretch to transcribe now, if any. A *pass* runs from the cut (the end
  of the committed text) to the middle of the latest pause that closes at least ``min_chunk_s`` of audio no
  pass has heard, so no word straddles an edge. A pass over less than ``commit_s`` is *tentative*: its
  words are shown and replaced by the next, longer pass. A pass over ``commit_s`` or more is committed
  (committed words never change) and moves the cut. When ``max_chunk_s`` piles up before a pause closes
  ``commit_s``, the last tentative pass is committed as it is; only speech without any pause for
  ``max_chunk_s`` is cut *forced*, at the quietest point between two recognised words.
* :meth:`~ChunkPlanner.apply`: take a finished pass's words.
* :meth:`~ChunkPlanner.plan_preview`: between passes, a *preview* over the audio after the last pass,
  about every ``preview_s``, so words show about a second after they are spoken rather than at the next
  pause. Its words are shown after the tentative ones; at Stop they stand in for the call over that
  audio up to a word gap, so only the last second or so needs an engine call then.
* :meth:`~ChunkPlanner.ending` and friends: at Stop, which words are known and which audio still needs one
  engine call (an :class:`Ending`).

Why these sizes: Whisper's cost per call has a large fixed part (the engine encodes a window of at least
10 s, :mod:`opsprep_voice.asr.windows`), and sentence-long chunks give it too little context, so text is
shown early as tentative passes but committed only in long chunks. The measurements behind the defaults
are in docs/BENCHMARKS.md (live transcription).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from opsprep_voice.asr.base import SAMPLE_RATE, Audio
from opsprep_voice.asr.vad import EnergyVad
from opsprep_voice.core.transcript import Word, join_words

__all__ = ["Chunk", "ChunkPlanner", "Ending", "StreamingConfig"]

#: The adaptive VAD threshold looks at this much recent audio.
VAD_WINDOW_S = 10.0
#: A forced cut looks for an energy dip this far either side of the gap between two words.
CUT_SEARCH_S = 0.15


@dataclass(frozen=True, slots=True)
class StreamingConfig:
    """Tuning of live transcription (defaults measured with base on 2 cores: scripts/bench_latency.py)."""

    #: A pause starts a pass once it closes at least this much audio not yet seen by a pass.
    min_chunk_s: float = 3.0
    #: A pass over at least this much audio (from the cut to a pause) is committed; a shorter one is
    #: shown as tentative text and transcribed again, longer, by the next pass. Longer committed chunks
    #: give Whisper more context, so streaming WER gets closer to batch WER (docs/BENCHMARKS.md). The wait
    #: at Stop does not grow with it: finish() does not wait for the pass over the last chunk.
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
    #: Between passes, a *preview* transcribes the audio after the last pass up to now once this much of
    #: it is new, so words show about a second after they are spoken instead of at the next pause
    #: (passes wait for a pause that closes ``min_chunk_s``). Each preview is one engine call, mostly
    #: the encoder's fixed cost, so this sets the CPU used while speaking (scripts/bench_live.py,
    #: docs/BENCHMARKS.md). 0 disables previews.
    preview_s: float = 1.0
    #: At Stop, a preview's words ending in its last ``preview_hold_s`` may be cut off: they are
    #: transcribed again with the audio after the preview.
    preview_hold_s: float = 0.5
    #: ... and that call starts up to this much earlier (its words there are dropped): context.
    preview_context_s: float = 1.0

    def __post_init__(self) -> None:
        if not 0 < self.min_chunk_s <= self.commit_s < self.max_chunk_s:
            raise ValueError("need 0 < min_chunk_s <= commit_s < max_chunk_s")
        if self.hold_s >= self.max_chunk_s - self.min_chunk_s:
            raise ValueError("hold_s must be shorter than max_chunk_s - min_chunk_s")
        if self.min_pause_s < 2 * self.frame_s:
            raise ValueError("min_pause_s must span at least two VAD frames")
        if min(self.preview_s, self.preview_hold_s, self.preview_context_s) < 0:
            raise ValueError("preview_s, preview_hold_s and preview_context_s must not be negative")


@dataclass(frozen=True, slots=True)
class Chunk:
    """Audio to transcribe: absolute samples ``[start, end)`` and why.

    ``kind``: ``"pause"`` (ends at a pause, committed), ``"tentative"`` (ends at a pause, shown until the
    next pass), ``"forced"`` (no pause for ``max_chunk_s``), ``"preview"`` (from the last pass to the end
    of the audio received, shown after the tentative words), ``"tail"`` (at Stop).
    """

    start: int
    end: int
    kind: str


@dataclass(frozen=True, slots=True)
class Ending:
    """How the transcript is completed at Stop: ``words`` are known now; when ``tail`` is set, the words of
    one engine call over those absolute samples ``(start, end)`` follow them, those whose middle is at or
    after sample ``after`` when it is set (the call then starts earlier, for context). ``path`` names the
    case (``StreamStats.finish_path``)."""

    path: str
    words: tuple[Word, ...] = ()
    tail: tuple[int, int] | None = None
    after: int | None = None

    def tail_words(self, words: list[Word]) -> list[Word]:
        """The tail call's words that complete ``words`` (absolute times)."""
        if self.after is None:
            return words
        after_s = self.after / SAMPLE_RATE
        return [w for w in words if (w.start + w.end) / 2 >= after_s]


class ChunkPlanner:
    """The uncommitted audio of one stream, its words, and the decisions about both (see the module doc).

    Positions are absolute sample indices from the start of the stream. ``base`` is the cut: audio before
    it is committed and dropped; ``end`` is the end of the audio received.
    """

    def __init__(self, config: StreamingConfig) -> None:
        self.config = config
        self._frame = round(config.frame_s * SAMPLE_RATE)
        self.vad = EnergyVad(
            self._frame,
            margin_db=config.vad_margin_db,
            min_dbfs=config.vad_min_dbfs,
            window_frames=round(VAD_WINDOW_S / config.frame_s),
        )
        self._audio: Audio = np.zeros(0, dtype=np.float32)  # samples [base, end)
        self.base = 0
        self.end = 0
        self.committed: list[Word] = []
        self.tentative: tuple[Word, ...] = ()
        self.heard = 0  # where the last tentative pass ended (nothing newer when <= base)
        self.preview: tuple[Word, ...] = ()  # the last preview's words
        self.preview_span: tuple[int, int] | None = None  # and the samples it transcribed

    # ------------------------------------------------------------------------------------------ audio

    def append(self, blocks: list[Audio]) -> int:
        """Add received blocks; returns the number of samples added."""
        if not blocks:
            return 0
        n = sum(b.size for b in blocks)
        self._audio = np.concatenate([self._audio, *blocks])
        self.end += n
        return n

    def samples(self, start: int, end: int) -> Audio:
        """Absolute samples ``[start, end)`` (a view; ``base <= start``)."""
        return self._audio[start - self.base : end - self.base]

    def measure(self) -> None:
        """Measure the VAD frames of the audio appended since the last call."""
        self.vad.measure(self._audio, self.base, self.end)

    def has_speech(self, start: int, end: int) -> bool:
        return self.vad.speech_frames(start, end) > 0

    def context(self) -> str | None:
        """The last ``context_words`` committed words (context for the engine); ``None`` when
        ``context_words`` is 0 or nothing is committed yet."""
        if self.config.context_words <= 0 or not self.committed:
            return None
        return join_words(self.committed[-self.config.context_words :])

    # ------------------------------------------------------------------------------------ while live

    def plan(self) -> tuple[bool, Chunk | None]:
        """Decide what to transcribe now: (whether the words changed without a call, the chunk to
        transcribe). Measures the new audio first; drops leading silence from the uncommitted audio."""
        cfg = self.config
        self.measure()
        nframes = self.vad.frames
        f_base = self.base // self._frame
        if nframes <= f_base:
            return False, None
        speech = self.vad.speech_mask(f_base, nframes)
        if not speech.any():
            # Only silence since the cut: move the cut along (nothing to say), keep a little lead-in.
            self._trim_to(max(self.base, nframes * self._frame - round(cfg.lead_s * SAMPLE_RATE)))
            return False, None
        first_speech = f_base + int(np.argmax(speech))
        lead = round(cfg.lead_s / cfg.frame_s)
        if first_speech - lead > f_base:
            self._trim_to((first_speech - lead) * self._frame)
        pause = self._latest_pause()
        if pause is not None:
            long_enough = pause - self.base >= round(cfg.commit_s * SAMPLE_RATE)
            return False, Chunk(self.base, pause, "pause" if long_enough else "tentative")
        if self.end - self.base < round(cfg.max_chunk_s * SAMPLE_RATE):
            return False, None
        if self.heard > self.base:
            # No pause for a while, but the last pass ended at one: commit it as it is (no new call).
            self.committed.extend(self.tentative)
            self._trim_to(self.heard)
            self.tentative = ()
            return True, None
        return False, Chunk(self.base, self.end, "forced")

    def _latest_pause(self) -> int | None:
        """The middle of the latest pause that closes at least ``min_chunk_s`` of audio no pass has heard
        (at most ``min_pause_s`` into the pause), as a sample; ``None`` when there is none."""
        cfg = self.config
        min_frames = round(cfg.min_chunk_s / cfg.frame_s)
        pause_frames = round(cfg.min_pause_s / cfg.frame_s)
        heard = max(self.base, self.heard) // self._frame
        best: int | None = None
        for p0, p1 in self.vad.pauses(self.base // self._frame, self.vad.frames, pause_frames):
            if p0 - heard < min_frames or not self.has_speech(self.base, p0 * self._frame):
                continue
            half = min(p1 - p0, 2 * pause_frames) // 2
            best = (p0 + half) * self._frame
        return best

    def apply(self, chunk: Chunk, words: list[Word]) -> None:
        """Take the words of a finished pass over ``chunk`` (nothing moved the cut during the call)."""
        if chunk.kind == "pause":
            self.committed.extend(words)
            self._trim_to(chunk.end)
            self.tentative, self.heard = (), chunk.end
        elif chunk.kind == "tentative":
            self.tentative, self.heard = tuple(words), chunk.end
        else:
            self._forced_cut(chunk, words)
            self.tentative, self.heard = (), self.base

    # ------------------------------------------------------------------------------------- previews

    def since(self) -> int:
        """Where the audio no pass has heard begins: the end of the last tentative pass, else the cut."""
        return self.heard if self.heard > self.base else self.base

    def plan_preview(self) -> Chunk | None:
        """The preview to run now, if any (ask after :meth:`plan` found no pass): from :meth:`since` to
        the end of the audio, once ``preview_s`` of audio with speech in it came after the last preview,
        or sooner when that speech is followed by a pause (the speaker may be done: a preview then hears
        the last words before Stop, and finish() can take it instead of a call)."""
        cfg = self.config
        if cfg.preview_s <= 0:
            return None
        since = self.since()
        last = self.preview_span[1] if self.preview_span and self._preview_valid() else since
        if not self.has_speech(last, self.end):
            return None
        pause = round(cfg.min_pause_s * SAMPLE_RATE)
        paused = self.end - pause > last and not self.has_speech(self.end - pause, self.end)
        if self.end - last < round(cfg.preview_s * SAMPLE_RATE) and not paused:
            return None
        return Chunk(since, self.end, "preview")

    def apply_preview(self, chunk: Chunk, words: list[Word]) -> None:
        self.preview, self.preview_span = tuple(words), (chunk.start, chunk.end)

    def shown_preview(self) -> tuple[Word, ...]:
        """The preview's words to show after the tentative ones: those no later pass has heard."""
        if self.preview_span is None:
            return ()
        if self._preview_valid():
            return self.preview
        since_s = self.since() / SAMPLE_RATE
        return tuple(w for w in self.preview if w.start >= since_s)

    def _preview_valid(self) -> bool:
        """Whether the last preview starts where the unheard audio starts (no pass or cut since)."""
        return self.preview_span is not None and self.preview_span[0] == self.since()

    def _forced_cut(self, chunk: Chunk, words: list[Word]) -> None:
        """No pause for max_chunk_s: commit all but the last ``hold_s`` and cut between two words."""
        cfg = self.config
        start, end = chunk.start, chunk.end
        hold_from = end / SAMPLE_RATE - cfg.hold_s
        keep = [w for w in words if w.end <= hold_from]
        if not keep or len(keep) == len(words):
            # Nothing safe to commit (one endless word?) or everything ended early: cut at the quietest
            # frame in the first part of the chunk, committing the words before it.
            lo, hi = start + round(cfg.min_chunk_s * SAMPLE_RATE), round(hold_from * SAMPLE_RATE)
            cut = self._quietest(lo, hi, fallback=hi, dip_only=False)
        else:
            cut = self._cut_between(keep[-1], words[len(keep)], start, end)
        cut_s = cut / SAMPLE_RATE
        self.committed.extend(w for w in words if (w.start + w.end) / 2 < cut_s)
        self._trim_to(cut)

    def _cut_between(self, before: Word, after: Word | None, start: int, end: int) -> int:
        """A cut after the word ``before`` (and before ``after``, if given) inside ``[start, end)``: at a
        clear energy dip near the engine's word boundary if there is one, else at the boundary itself."""
        gap_lo = before.end
        gap_hi = max(gap_lo, after.start) if after is not None else gap_lo
        boundary = round((gap_lo + gap_hi) / 2 * SAMPLE_RATE)
        lo = max(round((gap_lo - CUT_SEARCH_S) * SAMPLE_RATE), start + self._frame)
        hi = min(round((gap_hi + CUT_SEARCH_S) * SAMPLE_RATE), end - self._frame)
        return self._quietest(lo, hi, fallback=boundary, dip_only=True)

    def _quietest(self, lo: int, hi: int, *, fallback: int, dip_only: bool) -> int:
        """Where to cut in ``[lo, hi)``: the VAD's quietest frame there, else ``fallback`` (kept inside
        the uncommitted audio)."""
        cut = self.vad.quietest(max(lo, self.base), hi, dip_only=dip_only)
        return cut if cut is not None else max(self.base, min(fallback, self.end))

    def _trim_to(self, cut: int) -> None:
        cut = min(max(cut, self.base), self.end)
        self._audio = self._audio[cut - self.base :]
        self.base = cut

    # ---------------------------------------------------------------------------------------- at Stop

    def ending(self) -> Ending:
        """At Stop with no pass running or left over."""
        base, end, heard = self.base, self.end, self.heard
        if not self.has_speech(base, end):
            return Ending("")
        if heard > base and not self.has_speech(heard, end):
            return Ending("tentative", self.tentative)
        if self._preview_valid() and self.preview:
            # The preview heard the audio after the last pass: its words, and one short call after them.
            return self._since_tentative()
        if heard > base and (end - base) / SAMPLE_RATE > self.config.finish_full_s:
            return Ending("tentative+tail", self.tentative, (heard, end))
        return Ending("full", (), (base, end))

    def ending_after(self, chunk: Chunk, words: list[Word] | None) -> Ending:
        """At Stop, given a pass or preview over ``chunk`` that ended after Stop (``words`` is ``None``
        when it failed): its words plus the audio after it, if anything was said there."""
        if chunk.kind == "preview" and words is not None and chunk.start == self.since():
            ending = self._since_tentative(tuple(words), (chunk.start, chunk.end))
            return replace(ending, path=f"{ending.path}+tail")
        if words is None or chunk.kind in ("forced", "preview"):  # these may end inside a word
            return replace(self._since_tentative(), path="pass+tail")
        if not self.has_speech(chunk.end, self.end):
            return Ending("pass+tail", tuple(words))
        return Ending("pass+tail", tuple(words), (chunk.end, self.end))

    def ending_while_running(self) -> Ending:
        """At Stop while a pass is still running: the words known without it plus the audio after them
        (``tail``: the call raced against the running pass), or no call when nothing was said after it."""
        ending = self._since_tentative()
        if ending.tail is None:
            return ending  # the running pass would only re-hear the same words
        return replace(ending, path=f"{ending.path}+tail (raced)")

    def pass_heard_all(self, chunk: Chunk) -> bool:
        """Whether a pass or preview (from :meth:`since`) over ``chunk`` completes the transcript."""
        if chunk.kind == "preview" and chunk.start != self.since():
            return False
        return chunk.kind != "forced" and not self.has_speech(chunk.end, self.end)

    def _since_tentative(
        self, preview: tuple[Word, ...] | None = None, span: tuple[int, int] | None = None
    ) -> Ending:
        """The words known without a pass, and the audio after them (no ``tail`` when silent): the last
        tentative pass's words, then, when the last preview (or ``preview`` over ``span``) started where
        they end, its words up to a word gap before its last ``preview_hold_s`` (all when nothing was said
        after it). The call after a preview's words starts ``preview_context_s`` earlier: a second of
        speech cut out on its own is heard worse than with what was said before it."""
        if span is None:
            preview, span = self.preview, self.preview_span
        words = self.tentative if self.heard > self.base else ()
        since = self.since()
        if not (preview and span and span[0] == since):
            return Ending("tentative", words, (since, self.end) if self.has_speech(since, self.end) else None)
        p_end = span[1]
        if not self.has_speech(p_end, self.end):
            return Ending("preview", (*words, *preview))
        hold_from = p_end / SAMPLE_RATE - self.config.preview_hold_s
        keep = [w for w in preview if w.end <= hold_from]
        if not keep:
            return Ending("tentative", words, (since, self.end))
        after = preview[len(keep)] if len(keep) < len(preview) else None
        cut = self._cut_between(keep[-1], after, since, p_end)
        cut_s = cut / SAMPLE_RATE
        known = (*words, *(w for w in preview if (w.start + w.end) / 2 < cut_s))
        start = max(since, cut - round(self.config.preview_context_s * SAMPLE_RATE))
        return Ending("preview", known, (start, self.end), after=cut)

    def close(self, words: list[Word]) -> None:
        """Commit ``words`` (the final ones, after the committed text) and drop all audio."""
        self.committed = [*self.committed, *words]
        self._audio = np.zeros(0, dtype=np.float32)
        self.base = self.end
        self.tentative = ()
        self.preview, self.preview_span = (), None
