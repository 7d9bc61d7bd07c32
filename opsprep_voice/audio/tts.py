"""Speak the questions: text -> cached WAV via pyttsx3 (espeak-ng on Linux). Playback is the UI's job.

pyttsx3's Linux traps (see docs/NOTES): ``runAndWait()`` returns before the file exists, completion shows
only in the ``finished-utterance`` callback (on espeak's thread), and espeak is one process-wide
synthesiser whose callback belongs to the last engine created. So all synthesis runs on ONE dedicated
worker thread (shared by every :class:`SpeechSynthesizer` in the process) that owns the only engine and
handles one job at a time: jobs cannot cross-talk. A job waits for the callback *and* for a complete,
readable WAV, which is written under a temporary name and renamed into the cache, so an interrupted job
never leaves a half file behind. Results are cached per (text, voice, rate).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import uuid
import wave
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

INSTALL_HINT = "install espeak-ng: sudo apt install espeak-ng"
_CACHE_VERSION = "1"


class TTSError(Exception):
    """One synthesis failed (timeout, unreadable output)."""


class TTSUnavailableError(TTSError):
    """No speech synthesiser works on this machine; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class Voice:
    id: str
    name: str
    languages: tuple[str, ...]


def _wav_complete(path: Path) -> float | None:
    """Duration if ``path`` is a complete PCM WAV with audio (header matches the file size), else None."""
    try:
        size = path.stat().st_size
        with wave.open(str(path), "rb") as wav:
            frames = wav.getnframes()
            frame_bytes = wav.getsampwidth() * wav.getnchannels()
            rate = wav.getframerate()
    except (OSError, EOFError, wave.Error):
        return None
    if frames <= 0 or rate <= 0 or size < 44 + frames * frame_bytes:
        return None
    return frames / rate


class _EspeakWorker:
    """The one thread that owns the pyttsx3 engine; jobs run strictly one after another."""

    _instance: _EspeakWorker | None = None
    _instance_lock = threading.Lock()

    def __init__(self, driver: str | None) -> None:
        self._driver = driver
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tts-worker")
        self._engine: Any = None
        self._finished = threading.Event()
        self._errors: list[BaseException] = []
        self._voices: list[Voice] | None = None
        self._default_voice: Any = None
        self._default_rate: Any = None

    @classmethod
    def shared(cls, driver: str | None = None) -> _EspeakWorker:
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls(driver)
            return cls._instance

    def submit(self, fn: Any, *args: Any) -> Future[Any]:
        return self._executor.submit(fn, *args)

    # Everything below runs on the worker thread only.
    def engine(self) -> Any:
        if self._engine is None:
            try:
                import pyttsx3

                engine = pyttsx3.init(self._driver)
            except Exception as exc:  # ImportError, OSError (libespeak missing), RuntimeError
                log.error("pyttsx3 init failed: %s", exc)
                raise TTSUnavailableError(f"Speech synthesis is unavailable ({exc}); {INSTALL_HINT}") from exc
            # espeak settings are process-wide and sticky: remember the defaults to restore per job.
            self._default_voice = engine.getProperty("voice")
            self._default_rate = engine.getProperty("rate")
            engine.connect("finished-utterance", self._on_finished)
            engine.connect("error", self._on_error)
            self._engine = engine
            log.info("TTS engine ready: %s", engine)
        return self._engine

    def _on_finished(self, name: str | None = None, completed: bool = True, **_: Any) -> None:
        self._finished.set()

    def _on_error(self, name: str | None = None, exception: BaseException | None = None, **_: Any) -> None:
        self._errors.append(exception or TTSError("unknown pyttsx3 error"))

    def voices(self) -> list[Voice]:
        if self._voices is None:
            raw = self.engine().getProperty("voices") or []
            voices = []
            for v in raw:
                langs = []
                for lang in getattr(v, "languages", None) or []:
                    text = lang.decode("utf-8", "ignore") if isinstance(lang, bytes) else str(lang)
                    if text:
                        langs.append(text)
                voices.append(Voice(id=str(v.id), name=str(v.name or v.id), languages=tuple(langs)))
            if not voices:
                raise TTSUnavailableError(f"The speech synthesiser has no voices; {INSTALL_HINT}")
            self._voices = voices
        return self._voices

    def synthesize(self, text: str, target: Path, voice_id: str | None, rate: int | None) -> float:
        """Write ``text`` to ``target`` (a temporary name) and return the duration once it is complete."""
        engine = self.engine()
        self._errors.clear()
        self._finished.clear()
        engine.setProperty("voice", voice_id if voice_id is not None else self._default_voice)
        engine.setProperty("rate", int(rate) if rate is not None else self._default_rate)
        if self._errors:
            raise TTSError(f"Cannot use voice {voice_id!r} / rate {rate!r}: {self._errors[0]}")
        engine.save_to_file(text, str(target))
        engine.runAndWait()  # returns early on Linux: completion is the callback + a complete file
        timeout = 15.0 + len(text) / 20.0
        if not self._finished.wait(timeout):
            raise TTSError(f"Speech synthesis did not finish within {timeout:.0f} s")
        if self._errors:
            raise TTSError(f"Speech synthesis failed: {self._errors[0]}")
        deadline = time.monotonic() + 5.0
        while True:  # the callback fires after the WAV is closed, but never trust a bare signal
            duration = _wav_complete(target)
            if duration is not None:
                return duration
            if time.monotonic() > deadline:
                raise TTSError(f"Speech synthesis produced no readable WAV at {target}")
            time.sleep(0.02)


class SpeechSynthesizer:
    """Text to a cached WAV file. Thread-safe; every call may come from any thread (e.g. a Qt worker)."""

    def __init__(self, cache_dir: str | Path, *, driver: str | None = None) -> None:
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._worker = _EspeakWorker.shared(driver)
        self.syntheses = 0  # jobs actually synthesised by this instance (cache misses)

    def cache_path(self, text: str, voice_id: str | None = None, rate: int | None = None) -> Path:
        key = "\x00".join((_CACHE_VERSION, text, voice_id or "", "" if rate is None else str(int(rate))))
        return self.cache_dir / f"tts-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}.wav"

    def synthesize(self, text: str, voice_id: str | None = None, rate: int | None = None) -> Path:
        """Path of a complete WAV speaking ``text``; instant when cached. Blocks until done."""
        return self.submit(text, voice_id, rate).result()

    def submit(self, text: str, voice_id: str | None = None, rate: int | None = None) -> Future[Path]:
        """Like :meth:`synthesize` but returns a Future (the UI may wait on it in a worker)."""
        if not text.strip():
            raise ValueError("nothing to say: the text is empty")
        path = self.cache_path(text, voice_id, rate)
        if _wav_complete(path) is not None:
            done: Future[Path] = Future()
            done.set_result(path)
            return done
        return self._worker.submit(self._job, text, voice_id, rate, path)

    def _job(self, text: str, voice_id: str | None, rate: int | None, path: Path) -> Path:
        if _wav_complete(path) is not None:  # a queued duplicate of a job that just finished
            return path
        if voice_id is not None and voice_id not in {v.id for v in self._worker.voices()}:
            raise TTSError(f"Unknown voice {voice_id!r}; pick one from the voice list in Settings.")
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp.wav")
        started = time.monotonic()
        try:
            duration = self._worker.synthesize(text, tmp, voice_id, rate)
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        self.syntheses += 1
        log.info(
            "Synthesised %d chars -> %s (%.2f s audio in %.2f s)",
            len(text),
            path.name,
            duration,
            time.monotonic() - started,
        )
        return path

    def list_voices(self) -> list[Voice]:
        """Installed voices (id, name, languages); TTSUnavailableError if none."""
        result: list[Voice] = self._worker.submit(self._worker.voices).result()
        return result
