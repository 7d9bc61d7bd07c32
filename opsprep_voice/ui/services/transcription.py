"""Speech recognition for the GUI: loads the model in the background, transcribes recordings in
cancellable tasks, and runs live transcription while the candidate speaks.

The engine/model can be switched at any time (no restart); if the chosen engine cannot be loaded
(e.g. the openai-whisper extra is missing) the service falls back to the default engine and says so.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from opsprep_voice.asr.base import TranscribeOptions, Transcriber, TranscriptionError
from opsprep_voice.core.bank import Question
from opsprep_voice.core.transcript import Transcript
from opsprep_voice.ui.workers import Task, TaskRunner, lower_thread_priority

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

Factory = Callable[..., Transcriber]


def _default_factory(engine: str | None, model: str | None, *, progress: Any = None) -> Transcriber:
    from opsprep_voice.asr.registry import create_transcriber

    return create_transcriber(engine, model, progress=progress)


def _ready_for_review(transcript: Transcript) -> Transcript:
    """Embed the transcript's sentences for the second opinion here, in the transcription task: the review
    scores it on the GUI thread, where the embedding (a few hundred ms) would stall the window."""
    from opsprep_voice.core.second_opinion import SHARED

    SHARED.prepare(transcript.text)
    return transcript


def options_for(transcriber: Transcriber, question: Question) -> TranscribeOptions:
    if not transcriber.uses_prompt:
        return TranscribeOptions()
    from opsprep_voice.core.matching import recognition_prompt  # loaded by the start-up work

    return TranscribeOptions(prompt=recognition_prompt(question))


class TranscriptionService(QObject):
    """``state`` is one of: idle, loading, ready, failed."""

    stateChanged = Signal(str, str)  # state, human message
    loadProgress = Signal(float, str)

    def __init__(
        self,
        runner: TaskRunner,
        factory: Factory = _default_factory,
        *,
        default_engine: str = "faster-whisper",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._factory = factory
        self._default_engine = default_engine
        self._transcriber: Transcriber | None = None
        self._ready = threading.Event()
        self._generation = 0
        self.state = "idle"
        self.message = "Speech recognition not loaded yet."
        self.engine: str | None = None
        self.model: str | None = None

    @property
    def transcriber(self) -> Transcriber | None:
        return self._transcriber

    @property
    def ready(self) -> bool:
        return self.state == "ready"

    def _set_state(self, state: str, message: str) -> None:
        self.state, self.message = state, message
        self.stateChanged.emit(state, message)

    def load(self, engine: str | None, model: str | None) -> Task | None:
        """(Re)load in the background. Does nothing if that engine/model is already loaded or loading."""
        if (engine, model) == (self.engine, self.model) and self.state in ("loading", "ready"):
            return None
        self._generation += 1
        generation = self._generation
        self.engine, self.model = engine, model
        self._ready.clear()
        self._set_state(
            "loading",
            f"Loading speech recognition ({engine or self._default_engine}, "
            f"{model or 'embedded default model'})…",
        )

        def work(progress: Callable[[float, str], None], _cancel: threading.Event) -> tuple[Transcriber, str]:
            try:
                return self._factory(engine, model, progress=progress), ""
            except TranscriptionError as exc:
                if (engine or self._default_engine) == self._default_engine:
                    raise
                note = f"{exc} Using {self._default_engine} with the embedded model instead."
                log.warning(note)
                return self._factory(self._default_engine, None, progress=progress), note

        return self._runner.start(work, "load model").then(
            partial(self._loaded, generation),
            partial(self._load_failed, generation),
            progress=self.loadProgress.emit,
        )

    def _loaded(self, generation: int, result: tuple[Transcriber, str]) -> None:
        if generation != self._generation:
            return
        transcriber, note = result
        self._transcriber = transcriber
        self._ready.set()
        message = f"Ready: {transcriber.engine}, model {transcriber.model}."
        self._set_state("ready", f"{note} {message}".strip())

    def _load_failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self._transcriber = None
        self._ready.set()  # waiters wake up and report the failure
        self._set_state(
            "failed",
            f"Speech recognition is unavailable: {message} You can still read questions, study the "
            "example answers and record; recordings are kept and can be transcribed later from History.",
        )

    def warm_up(self, cancel: threading.Event | None = None) -> None:
        """Pay the loaded engine's first-use costs now (call it off the GUI thread, at an idle moment).

        One second of silence makes the engine load its voice-activity detector: faster-whisper imports
        onnxruntime and builds the Silero session on its first call, holding the GIL long enough to stall
        the GUI at the first live chunk of the first answer (docs/BENCHMARKS.md). The modules live
        transcription, the recorder and its sink import on first use come in too (numpy among them: the
        window shows without it).
        Never raises: a failed warm-up only means the first call pays instead.
        """
        transcriber = self._transcriber
        try:
            import numpy as np

            from opsprep_voice.asr.base import SAMPLE_RATE
            from opsprep_voice.asr.streaming import StreamingTranscriber  # noqa: F401
            from opsprep_voice.audio.io import Resampler  # noqa: F401
            from opsprep_voice.audio.recorder import RecordingSession  # noqa: F401

            if transcriber is not None:
                transcriber.transcribe(
                    np.zeros(SAMPLE_RATE, dtype=np.float32), TranscribeOptions(), cancel=cancel
                )
        except Exception:
            log.debug("speech engine warm-up failed", exc_info=True)

    def _wait_transcriber(self, cancel: threading.Event) -> Transcriber:
        while not self._ready.wait(0.1):
            if cancel.is_set():
                from opsprep_voice.asr.base import TranscriptionCancelled

                raise TranscriptionCancelled("cancelled while the model was loading")
        if self._transcriber is None:
            raise TranscriptionError(self.message)
        return self._transcriber

    def transcribe_file(self, path: Path, question: Question) -> Task:
        """A task whose result is a :class:`Transcript` of the WAV at ``path``, read and transcribed a few
        seconds at a time (:mod:`opsprep_voice.asr.long_audio`): memory does not grow with the answer."""
        from opsprep_voice.asr.long_audio import transcribe_blocks
        from opsprep_voice.audio.io import AudioFile

        def work(progress: Callable[[float, str], None], cancel: threading.Event) -> Transcript:
            progress(0.0, "Waiting for the model" if not self._ready.is_set() else "Transcribing")
            transcriber = self._wait_transcriber(cancel)
            source = AudioFile(path)
            return _ready_for_review(transcribe_blocks(
                transcriber, source.blocks(), options_for(transcriber, question), total_s=source.duration_s,
                progress=progress, cancel=cancel,
            ))  # fmt: skip

        return self._runner.start(work, "transcribe")

    def start_live(self, question: Question) -> LiveTranscription | None:
        """A live transcription for one answer, or None when the model is not ready yet."""
        if self._transcriber is None or not self.ready:
            return None
        return LiveTranscription(
            self._transcriber, options_for(self._transcriber, question), self._runner, parent=self
        )


class LiveTranscription(QObject):
    """Feeds recorder blocks to the streaming processor and publishes partial transcripts.

    ``sink`` runs on the recording pump thread and only resamples and appends; a dedicated thread
    calls ``process()`` and emits ``updated`` (queued to the GUI thread).

    One is made per answer, a child of the service: it deletes itself (``deleteLater``, posted to the GUI
    thread) once its thread and, after :meth:`finish`, the finishing task are both done with it. Kept, each
    held its answer's transcript and stream state for as long as the app ran (scripts/bench_soak.py).
    """

    # (this LiveTranscription, list[Word]): the words are the committed ones followed by the tentative and
    # preview ones; the sender rides along so a receiver can drop a pass of a take it has abandoned.
    updated = Signal(object, object)
    failed = Signal(str)

    def __init__(
        self,
        transcriber: Transcriber,
        options: TranscribeOptions,
        runner: TaskRunner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        from opsprep_voice.asr.streaming import StreamingTranscriber

        self._processor = StreamingTranscriber(transcriber, options)
        self._runner = runner
        self._resampler: Any = None
        self._stop = threading.Event()
        self._users = 1  # the live thread; finish() adds its task
        self._users_lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="live-transcription", daemon=True)
        self._thread.start()

    def _release(self) -> None:
        """One user (the live thread or the finishing task) is done; the last one deletes the object."""
        with self._users_lock:
            self._users -= 1
            last = self._users == 0
        if last:
            self.deleteLater()  # thread-safe: the deletion runs on the GUI thread

    def sink(self, block: np.ndarray, rate: int) -> None:
        from opsprep_voice.audio.io import Resampler

        if self._stop.is_set():  # finished or abandoned: a late block must not make a new soxr stream
            return
        resampler = self._resampler
        if resampler is None:
            channels = block.shape[1] if block.ndim == 2 else 1
            resampler = self._resampler = Resampler(rate, channels)
        self._processor.feed(resampler.process(block))

    def _loop(self) -> None:
        from opsprep_voice.core.second_opinion import SHARED, finished_part

        lower_thread_priority()
        committed = 0
        try:
            while not self._stop.is_set():
                update = self._processor.process()
                if update.changed:
                    self.updated.emit(self, list(update.shown))
                    if len(update.committed) > committed:
                        # The final text keeps the committed words: their sentences, embedded now for the
                        # second opinion, leave only the last few to embed between Stop and the review.
                        committed = len(update.committed)
                        text = Transcript.from_words(update.committed, update.committed_s).text
                        SHARED.prepare(finished_part(text), load=False)
                if not update.changed:
                    self._stop.wait(0.1)  # a pass starts at most 0.1 s after its pause
        except Exception as exc:
            log.exception("Live transcription failed")
            self.failed.emit(str(exc))
        finally:
            self._release()

    def finish(self) -> Task:
        """Stop live updates and complete the transcript; the task's result is a Transcript.

        The live thread may be in the middle of a pass: ``finish()`` does not wait for it but races it
        against a call over the audio after the last tentative pass (:mod:`opsprep_voice.asr.streaming`).
        """
        self._stop.set()
        self._processor.stop()  # no new pass is started
        with self._users_lock:
            self._users += 1
        # Taken out now, not in the task: a task cancelled before it runs (the app quitting at Stop) would
        # leave the soxr stream held to the exit (see abandon()); the task's function is freed with it.
        resampler, self._resampler = self._resampler, None

        def work(_progress: Callable[[float, str], None], _cancel: threading.Event) -> Transcript:
            try:
                if resampler is not None:
                    self._processor.feed(resampler.flush())
                return _ready_for_review(self._processor.finish())
            finally:
                self._release()

        return self._runner.start(work, "finish live transcription")

    def abandon(self) -> None:
        self._stop.set()
        self._processor.cancel()
        # The recording has ended, so nothing feeds the resampler again. Drop its soxr stream now: this
        # object lives until its thread notices the stop, the app freezes its start-up heap (gc.freeze),
        # and every soxr stream still referenced at exit is reported by nanobind as "leaked".
        self._resampler = None
