"""Speak the questions: text -> cached WAV via pyttsx3 (espeak-ng on Linux). Playback is the UI's job.

pyttsx3's Linux traps: ``runAndWait()`` returns before the file exists, completion shows only in the
``finished-utterance`` callback (on espeak's thread), and espeak keeps voice, rate and callback state
process-wide (measured: a second job on the same engine ignored its new rate). So every synthesis runs
with a fresh engine in a short child process (~0.5 s), one job at a time on a dedicated worker thread;
the child waits for the callback, the parent then waits for a complete, readable WAV. Output goes to a
temporary name and is renamed into the cache, so an interrupted job never leaves a half file. Results are
cached per (text, voice, rate), so repeated questions are instant. Voices are listed in-process.

Other systems, all handled here: pyttsx3 drives SAPI5 on Windows (``save_to_file`` writes WAV) and
NSSpeechSynthesizer on macOS, which writes AIFF whatever the file is called; :func:`_output_duration`
turns an AIFF into the PCM WAV the cache and the player expect (decoded with PyAV, already installed
for faster-whisper; the stdlib ``aifc`` is gone from Python 3.13). In the PyInstaller bundle
``sys.executable`` is the app, not a Python: its launcher (``packaging/launcher.py``) runs the child's
``-c CODE ARGS`` as Python would, so the same command works frozen.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
import uuid
import wave
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

log = logging.getLogger(__name__)

INSTALL_HINT = {
    "win32": "Windows' own voices are missing: add one under Settings > Time & language > Speech",
    "darwin": "macOS's speech synthesiser is not available to this app",
}.get(sys.platform, "install espeak-ng: sudo apt install espeak-ng")
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


def _register_driver(driver: str | None) -> str | None:
    """pyttsx3 loads drivers only from ``pyttsx3.drivers``: make a dotted module path loadable there and
    return the name to pass to ``pyttsx3.init`` (the child process does the same in ``_CHILD_CODE``)."""
    if not driver or "." not in driver:
        return driver
    name = driver.rpartition(".")[2]
    sys.modules[f"pyttsx3.drivers.{name}"] = importlib.import_module(driver)
    return name


def _aiff_to_wav(path: Path) -> bool:
    """Rewrite a complete AIFF/AIFF-C file at ``path`` as 16-bit PCM WAV at its own rate; False if the
    file is not (yet) a complete AIFF."""
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
        size = path.stat().st_size
    except OSError:
        return False
    if head[:4] != b"FORM" or head[8:12] not in (b"AIFF", b"AIFC"):
        return False
    if size < 8 + int.from_bytes(head[4:8], "big"):
        return False  # still being written: the FORM chunk says how long it will be
    import av  # local import: only macOS's driver writes AIFF

    try:
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            rate = int(stream.codec_context.sample_rate)
            channels = int(stream.codec_context.channels or 1)
            to_s16 = av.AudioResampler(format="s16", layout=stream.codec_context.layout, rate=rate)
            blocks = [
                out.to_ndarray().tobytes()
                for frame in container.decode(stream)
                for out in to_s16.resample(frame)
            ]
            blocks += [out.to_ndarray().tobytes() for out in to_s16.resample(None)]
    except (av.error.FFmpegError, IndexError, ValueError) as exc:
        raise TTSError(f"The speech synthesiser wrote an AIFF file that cannot be read: {exc}") from exc
    tmp = path.with_name(path.name + ".wav.tmp")
    with wave.open(str(tmp), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"".join(blocks))
    os.replace(tmp, path)
    return True


def _output_duration(path: Path) -> float | None:
    """Duration of the complete file a driver wrote at ``path`` (made a WAV if it was AIFF), else None."""
    duration = _wav_complete(path)
    if duration is None and _aiff_to_wav(path):
        duration = _wav_complete(path)
    return duration


class _EspeakWorker:
    """One worker thread per driver: its synthesis jobs run strictly one after another; owns the
    voice-listing engine."""

    _instances: ClassVar[dict[str | None, _EspeakWorker]] = {}
    _instance_lock = threading.Lock()

    def __init__(self, driver: str | None) -> None:
        self._driver = driver
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tts-worker")
        self._engine: Any = None
        self._voices: list[Voice] | None = None

    @classmethod
    def shared(cls, driver: str | None = None) -> _EspeakWorker:
        with cls._instance_lock:
            if driver not in cls._instances:
                cls._instances[driver] = cls(driver)
            return cls._instances[driver]

    def submit(self, fn: Any, *args: Any) -> Future[Any]:
        return self._executor.submit(fn, *args)

    # Everything below runs on the worker thread only.
    def engine(self) -> Any:
        if self._engine is None:
            try:
                import pyttsx3

                engine = pyttsx3.init(_register_driver(self._driver))
            except Exception as exc:  # ImportError, OSError (libespeak missing), RuntimeError
                log.error("pyttsx3 init failed: %s", exc)
                raise TTSUnavailableError(f"Speech synthesis is unavailable ({exc}); {INSTALL_HINT}") from exc
            self._engine = engine
            log.info("TTS engine ready: %s", engine)
        return self._engine

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

    def synthesize(
        self, text: str, target: Path, voice_id: str | None, rate: int | None, driver: str | None = None
    ) -> float:
        """Write ``text`` to ``target`` (a temporary name) in a fresh child process; return its duration.

        One engine per job in its own process: espeak keeps voice/rate and callback state process-wide,
        and measured on pyttsx3 2.99 a second job on the same engine ignored its new rate and sometimes
        reported completion before writing. A child process also keeps espeak's prints off our stdout.
        """
        timeout = 30.0 + len(text) / 20.0
        args = json.dumps(
            {"text": text, "path": str(target), "voice": voice_id, "rate": rate, "driver": driver}
        )
        try:
            proc = subprocess.run(
                [sys.executable, "-c", _CHILD_CODE, args],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise TTSError(f"Speech synthesis did not finish within {timeout:.0f} s") from exc
        if proc.returncode == _CHILD_UNAVAILABLE:
            raise TTSUnavailableError(
                f"Speech synthesis is unavailable ({proc.stderr.strip()}); {INSTALL_HINT}"
            )
        if proc.returncode != 0:
            raise TTSError(f"Speech synthesis failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
        deadline = time.monotonic() + 5.0
        while True:  # the child waited for the callback, but never trust a bare signal
            duration = _output_duration(target)
            if duration is not None:
                return duration
            if time.monotonic() > deadline:
                raise TTSError(f"Speech synthesis produced no readable audio file at {target}")
            time.sleep(0.02)


_CHILD_UNAVAILABLE = 3
_CHILD_CODE = r"""
import json, sys, threading
job = json.loads(sys.argv[1])
try:
    import pyttsx3
    driver_name = job["driver"]
    if driver_name and "." in driver_name:  # a driver module outside pyttsx3 (the tests' fake drivers)
        import importlib
        module = importlib.import_module(driver_name)
        driver_name = driver_name.rpartition(".")[2]
        sys.modules[f"pyttsx3.drivers.{driver_name}"] = module
    engine = pyttsx3.init(driver_name)
except Exception as exc:
    print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(3)
done = threading.Event()
errors = []
def finished(name=None, completed=True, **kw):
    if completed:
        done.set()
engine.connect("finished-utterance", finished)
engine.connect("error", lambda name=None, exception=None, **kw: errors.append(exception))
driver = getattr(engine.proxy, "_driver", None)
if type(driver).__module__.endswith("espeak"):
    # espeak-ng (pyttsx3 runs it asynchronously) sets a voice at once but rate and volume later on its own
    # thread, and a synthesis may start before they land: 13 of 390 jobs under load were spoken at
    # espeak's default 175 wpm instead of pyttsx3's 200. So apply everything on the driver directly, in
    # order, wait until espeak applied it, and check the rate before synthesising.
    from ctypes import c_int
    from pyttsx3.drivers import _espeak
    get_parameter = _espeak.dll.espeak_GetParameter
    get_parameter.argtypes, get_parameter.restype = [c_int, c_int], c_int
    _espeak.Synchronize()  # pyttsx3's own defaults (rate 200, volume) from init
    rate = int(job["rate"]) if job["rate"] is not None else get_parameter(_espeak.RATE, 1)
    if job["voice"] is not None:
        driver.setProperty("voice", job["voice"])
    driver.setProperty("rate", rate)
    _espeak.Synchronize()
    if get_parameter(_espeak.RATE, 1) != rate:
        print(f"espeak rate is {get_parameter(_espeak.RATE, 1)}, not {rate}", file=sys.stderr)
        sys.exit(6)
else:
    if job["voice"] is not None:
        engine.setProperty("voice", job["voice"])
    if job["rate"] is not None:
        engine.setProperty("rate", int(job["rate"]))
engine.save_to_file(job["text"], job["path"])
engine.runAndWait()
if not done.wait(60):
    print("no finished-utterance callback within 60 s", file=sys.stderr)
    sys.exit(4)
if errors:
    print(f"pyttsx3 error: {errors[0]}", file=sys.stderr)
    sys.exit(5)
"""


class SpeechSynthesizer:
    """Text to a cached WAV file. Thread-safe; every call may come from any thread (e.g. a Qt worker)."""

    def __init__(self, cache_dir: str | Path, *, driver: str | None = None) -> None:
        """``driver``: pyttsx3's driver name (default: the platform's), or the dotted path of a module
        implementing pyttsx3's driver interface (``buildDriver``; the tests' fake drivers)."""
        self._driver = driver
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
            duration = self._worker.synthesize(text, tmp, voice_id, rate, self._driver)
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
