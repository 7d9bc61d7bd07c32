"""Record the microphone: a PortAudio callback that only enqueues, and a pump thread that does the rest.

:class:`Recorder` wraps ``sounddevice.InputStream``. Its callback copies each block into a
``queue.SimpleQueue`` and counts it (``blocks_in``) - no logging, no files, no locks beyond the queue's.

:class:`RecordingSession` owns a Recorder and a pump thread that pulls blocks and fans them out to:
the :class:`~opsprep_voice.audio.wavfile.StreamingWavWriter` (audio is on disk while recording), a
:class:`LevelMeter` (RMS/peak dBFS of the latest block, readable from any thread), a
:class:`SilenceDetector` (optional auto-stop after N s of silence once speech started) and any extra sinks
``sink(block, sample_rate)`` (e.g. the streaming transcriber, which converts with ``to_mono_16k``/
``Resampler``). Device failures mid-recording (stream ended by itself, no audio for ``stall_timeout``,
PortAudio errors) stop the stream, finalise the WAV with the audio so far and are reported through
``on_error``. No Qt here: the UI wraps these classes in its workers.

``sd`` (the ``sounddevice`` module) is injectable everywhere so tests can pass a fake.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from opsprep_voice.audio.devices import NO_MICROPHONE, AudioDeviceError, load_sounddevice
from opsprep_voice.audio.wavfile import StreamingWavWriter

log = logging.getLogger(__name__)

Sink = Callable[[np.ndarray, int], None]
StopReason = Literal["user", "silence", "error"]

SILENCE_FLOOR_DBFS = -120.0
_STOPPED = object()  # pushed by Recorder.stop() after the stream's last callback
_FINISHED = object()  # pushed by PortAudio's finished_callback (stream became inactive)


class RecordingError(Exception):
    """Recording failed for a reason other than the device (e.g. the disk is full)."""


def _dbfs(value: float) -> float:
    return SILENCE_FLOOR_DBFS if value <= 1e-6 else max(SILENCE_FLOOR_DBFS, 20.0 * math.log10(value))


def block_to_float(block: np.ndarray) -> np.ndarray:
    """float32 in [-1, 1] from an int16 or float block."""
    if block.dtype == np.int16:
        return block.astype(np.float32) / np.float32(32768.0)
    return block.astype(np.float32, copy=False)


# -- Recorder -------------------------------------------------------------------------------------------


class Recorder:
    """An input stream whose callback only copies each block into a thread-safe queue.

    Consumers call :meth:`get`. After :meth:`stop` the queue ends with a stop marker (``get`` returns
    ``Recorder.STOPPED``); when the stream ends on its own ``Recorder.FINISHED`` is queued.
    """

    STOPPED = _STOPPED
    FINISHED = _FINISHED

    def __init__(
        self,
        *,
        device: int | str | None = None,
        sample_rate: int | None = None,
        channels: int = 1,
        dtype: str = "int16",
        blocksize: int | None = None,
        latency: str | float = "high",
        sd: Any = None,
    ) -> None:
        self._sd = sd
        self.device = device
        self.channels = channels
        self.dtype = dtype
        self.blocksize = blocksize
        self.latency = latency
        self._requested_rate = sample_rate
        self.sample_rate = sample_rate or 0
        self.device_name = ""
        self.blocks_in = 0  # written only by the audio callback
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._stream: Any = None
        self._lock = threading.Lock()
        self._stop_requested = False

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    @property
    def active(self) -> bool:
        return self._stream is not None and not self._stop_requested

    def _module(self) -> Any:
        if self._sd is None:
            self._sd = load_sounddevice()
        return self._sd

    def open(self) -> None:
        """Resolve the device and sample rate and open (not start) the stream; AudioDeviceError on failure."""
        sd = self._module()
        try:
            info = sd.query_devices(self.device, "input")
        except Exception as exc:  # ValueError / PortAudioError: no such or no default device
            log.warning("No input device (%r): %s", self.device, exc)
            if self.device is None:
                raise AudioDeviceError(NO_MICROPHONE) from exc
            raise AudioDeviceError(
                f"Microphone {self.device!r} is not available (unplugged?). "
                "Plug it back in or choose another microphone in Settings."
            ) from exc
        self.device_name = str(info.get("name", ""))
        self.sample_rate = int(self._requested_rate or info.get("default_samplerate") or 48000)
        try:
            self._stream = sd.InputStream(
                device=self.device,
                samplerate=self.sample_rate,
                channels=self.channels,
                dtype=self.dtype,
                blocksize=self.blocksize if self.blocksize is not None else self.sample_rate // 50,
                latency=self.latency,
                callback=self._callback,
                finished_callback=self._finished,
            )
        except Exception as exc:  # PortAudioError, ValueError for unsupported settings
            log.warning("Cannot open input stream on %r: %s", self.device_name, exc)
            raise AudioDeviceError(
                f"Cannot open the microphone {self.device_name!r} ({self.sample_rate} Hz, "
                f"{self.channels} ch): {exc}. Close other apps using it, or choose another microphone "
                "in Settings."
            ) from exc
        log.info("Input stream opened: %r at %d Hz, %d ch", self.device_name, self.sample_rate, self.channels)

    def start(self) -> None:
        """Open if needed and start capturing."""
        if self._stream is None:
            self.open()
        try:
            self._stream.start()
        except Exception as exc:
            self._close_stream(abort=True)
            raise AudioDeviceError(
                f"The microphone {self.device_name!r} could not start recording: {exc}. "
                "Check that it is connected and not used by another app."
            ) from exc

    # The two PortAudio-thread functions: copy + count, nothing else.
    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        self._queue.put((indata.copy(), status))
        self.blocks_in += 1

    def _finished(self) -> None:
        self._queue.put(_FINISHED)

    def get(self, timeout: float | None = None) -> Any:
        """Next item: ``(block, status)``, ``STOPPED`` or ``FINISHED``; ``None`` on timeout."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def stop(self, *, abort: bool = False) -> None:
        """Stop capturing (``abort`` drops pending buffers: use it when the device failed). Idempotent.

        When it returns no callback runs any more and ``STOPPED`` is the last item in the queue.
        """
        with self._lock:
            if self._stop_requested:
                return
            self._stop_requested = True
            self._close_stream(abort=abort)
            self._queue.put(_STOPPED)

    def _close_stream(self, *, abort: bool) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        try:
            if abort:
                stream.abort()
            else:
                stream.stop()
        except Exception as exc:  # the device may already be gone
            log.warning("Stopping the input stream failed: %s", exc)
        try:
            stream.close()
        except Exception as exc:
            log.warning("Closing the input stream failed: %s", exc)


# -- sinks ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Level:
    rms_dbfs: float
    peak_dbfs: float
    blocks: int


class LevelMeter:
    """RMS and peak (dBFS) of the latest block; :meth:`reading` is safe from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._level = Level(SILENCE_FLOOR_DBFS, SILENCE_FLOOR_DBFS, 0)

    def update(self, samples: np.ndarray) -> Level:
        """Measure float samples in [-1, 1] (any shape)."""
        if samples.size:
            flat = samples.astype(np.float64, copy=False).ravel()
            rms = float(np.sqrt(np.mean(flat * flat)))
            peak = float(np.max(np.abs(flat)))
        else:
            rms = peak = 0.0
        with self._lock:
            self._level = Level(_dbfs(rms), _dbfs(peak), self._level.blocks + 1)
            return self._level

    def reading(self) -> Level:
        with self._lock:
            return self._level


class SilenceDetector:
    """Says when to auto-stop: ``silence_seconds`` below ``threshold_dbfs`` after speech has started.

    Speech counts as started after ``min_speech_seconds`` (cumulative) above the threshold, so a click
    does not arm it and a silent start never stops the recording.
    """

    def __init__(
        self, silence_seconds: float, *, threshold_dbfs: float = -40.0, min_speech_seconds: float = 0.3
    ) -> None:
        if silence_seconds <= 0:
            raise ValueError("silence_seconds must be positive")
        self.silence_seconds = silence_seconds
        self.threshold_dbfs = threshold_dbfs
        self.min_speech_seconds = min_speech_seconds
        self.speech_seconds = 0.0
        self.silent_seconds = 0.0

    @property
    def speech_started(self) -> bool:
        return self.speech_seconds >= self.min_speech_seconds

    def update(self, rms_dbfs: float, seconds: float) -> bool:
        """Feed one block's RMS level and length; True when the recording should stop."""
        if rms_dbfs >= self.threshold_dbfs:
            self.speech_seconds += seconds
            self.silent_seconds = 0.0
            return False
        if not self.speech_started:
            return False
        self.silent_seconds += seconds
        return self.silent_seconds >= self.silence_seconds


# -- session ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordingResult:
    path: Path
    sample_rate: int
    channels: int
    frames: int
    blocks_in: int
    blocks_written: int
    overflows: int
    stop_reason: StopReason
    error: BaseException | None = None

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0


class RecordingSession:
    """Record one answer to ``path`` (16-bit WAV, written while recording) from a :class:`Recorder`.

    Callbacks (``on_error``, ``on_finished``, sinks) run on the pump thread; ``on_error`` is called after
    the WAV is finalised. :meth:`stop` may be called from any thread; :meth:`wait` waits for auto-stop.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        device: int | str | None = None,
        sample_rate: int | None = None,
        channels: int = 1,
        sd: Any = None,
        recorder: Recorder | None = None,
        auto_stop_silence: float | None = None,
        silence_threshold_dbfs: float = -40.0,
        min_speech_seconds: float = 0.3,
        on_block: Sink | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_finished: Callable[[RecordingResult], None] | None = None,
        start_timeout: float = 5.0,
        stall_timeout: float = 2.0,
    ) -> None:
        self.path = Path(path)
        self.recorder = recorder or Recorder(device=device, sample_rate=sample_rate, channels=channels, sd=sd)
        self.meter = LevelMeter()
        self.silence: SilenceDetector | None = None
        if auto_stop_silence:
            self.silence = SilenceDetector(
                auto_stop_silence,
                threshold_dbfs=silence_threshold_dbfs,
                min_speech_seconds=min_speech_seconds,
            )
        self._sinks: tuple[Sink, ...] = (on_block,) if on_block else ()
        self._sinks_lock = threading.Lock()
        self.on_error = on_error
        self.on_finished = on_finished
        self.start_timeout = start_timeout
        self.stall_timeout = stall_timeout
        self.blocks_written = 0
        self.overflows = 0
        self.first_block = threading.Event()
        self._done = threading.Event()
        self._writer: StreamingWavWriter | None = None
        self._thread: threading.Thread | None = None
        self._reason: StopReason | None = None
        self._error: BaseException | None = None
        self._result: RecordingResult | None = None
        self._quiet = False

    # -- public state --------------------------------------------------------------------------------

    @property
    def sample_rate(self) -> int:
        return self.recorder.sample_rate

    @property
    def channels(self) -> int:
        return self.recorder.channels

    @property
    def blocks_in(self) -> int:
        return self.recorder.blocks_in

    @property
    def frames_written(self) -> int:
        return self._writer.frames_written if self._writer else 0

    @property
    def seconds_recorded(self) -> float:
        return self.frames_written / self.sample_rate if self.sample_rate else 0.0

    @property
    def level(self) -> Level:
        return self.meter.reading()

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._done.is_set()

    @property
    def result(self) -> RecordingResult | None:
        return self._result

    def add_sink(self, sink: Sink) -> None:
        with self._sinks_lock:
            self._sinks = (*self._sinks, sink)

    def remove_sink(self, sink: Sink) -> None:
        with self._sinks_lock:
            self._sinks = tuple(s for s in self._sinks if s is not sink)

    # -- control -------------------------------------------------------------------------------------

    def start(self) -> None:
        """Open the device, create the WAV and start recording; AudioDeviceError/OSError on failure."""
        if self._thread is not None:
            raise RuntimeError("a RecordingSession can be started once")
        self.recorder.open()
        self._writer = StreamingWavWriter(self.path, self.recorder.sample_rate, self.recorder.channels)
        self._thread = threading.Thread(target=self._pump, name="recording-pump", daemon=True)
        self._thread.start()
        try:
            self.recorder.start()
        except BaseException as exc:
            self._quiet = True  # the caller gets the exception; no callbacks for a start that failed
            self._error, self._reason = exc, "error"
            self.recorder.stop(abort=True)
            self._thread.join()
            self.path.unlink(missing_ok=True)
            raise
        log.info("Recording to %s", self.path)

    def stop(self, timeout: float | None = 10.0) -> RecordingResult:
        """Stop (if still running), finalise the WAV and return the result."""
        if self._thread is None:
            raise RuntimeError("recording was not started")
        if self._reason is None:
            self._reason = "user"
        self.recorder.stop()
        if not self._done.wait(timeout):
            raise RecordingError(f"recording to {self.path} did not finish within {timeout} s")
        assert self._result is not None
        return self._result

    def wait(self, timeout: float | None = None) -> RecordingResult | None:
        """Wait until the recording ends by itself (silence, error) or is stopped; None on timeout."""
        return self._result if self._done.wait(timeout) else None

    # -- pump thread ---------------------------------------------------------------------------------

    def _fail(self, error: BaseException) -> None:
        if self._error is None:
            self._error = error
            self._reason = "error"
            log.error("Recording failed: %s", error)
        self.recorder.stop(abort=True)

    def _pump(self) -> None:
        started = time.monotonic()
        last_block = started
        writer = self._writer
        assert writer is not None
        try:
            while True:
                item = self.recorder.get(timeout=0.1)
                now = time.monotonic()
                if item is None:
                    if not self.recorder.active:
                        continue
                    if not self.first_block.is_set():
                        if now - started > self.start_timeout:
                            self._fail(
                                AudioDeviceError(
                                    f"The microphone {self.recorder.device_name!r} delivered no audio in "
                                    f"{self.start_timeout:.0f} s. Check that it is connected and not muted, "
                                    "or choose another microphone in Settings."
                                )
                            )
                    elif now - last_block > self.stall_timeout:
                        self._fail(
                            AudioDeviceError(
                                f"The microphone {self.recorder.device_name!r} stopped delivering audio "
                                f"(unplugged?). The answer so far ({self.seconds_recorded:.1f} s) is kept."
                            )
                        )
                    continue
                if item is _STOPPED:
                    break
                if item is _FINISHED:
                    if not self.recorder.stop_requested:
                        self._fail(
                            AudioDeviceError(
                                f"The microphone {self.recorder.device_name!r} stopped (unplugged?). "
                                f"The answer so far ({self.seconds_recorded:.1f} s) is kept."
                            )
                        )
                    continue
                block, status = item
                last_block = now
                self.first_block.set()
                if status:
                    self.overflows += 1
                    log.warning("Audio input status: %s (block %d)", status, self.recorder.blocks_in)
                self._handle_block(writer, block)
        except BaseException as exc:  # never leave the WAV unfinalised
            log.exception("Recording pump crashed")
            self._fail(exc)
            self._drain(writer)
        finally:
            self._finish(writer)

    def _drain(self, writer: StreamingWavWriter) -> None:
        while True:
            item = self.recorder.get(timeout=1.0)
            if item is None or item is _STOPPED:
                return
            if item is not _FINISHED:
                try:
                    self._handle_block(writer, item[0])
                except Exception:
                    return

    def _handle_block(self, writer: StreamingWavWriter, block: np.ndarray) -> None:
        if not writer.closed:
            try:
                writer.write(block)
            except OSError as exc:
                writer.close()
                self._fail(RecordingError(f"Cannot write the recording to {self.path}: {exc.strerror}."))
                return
            self.blocks_written += 1
        rate = self.recorder.sample_rate
        level = self.meter.update(block_to_float(block))
        if self.silence is not None and self._reason is None:
            frames = block.shape[0] if block.ndim == 2 else block.size // max(1, self.recorder.channels)
            if self.silence.update(level.rms_dbfs, frames / rate):
                log.info("Auto-stop after %.1f s of silence", self.silence.silent_seconds)
                self._reason = "silence"
                self.recorder.stop()
        for sink in self._sinks:
            try:
                sink(block, rate)
            except Exception:
                log.exception("Audio sink %r failed; unsubscribing it", sink)
                self.remove_sink(sink)

    def _finish(self, writer: StreamingWavWriter) -> None:
        try:
            writer.close()
        except OSError as exc:
            log.error("Finalising %s failed: %s", self.path, exc)
            if self._error is None:
                self._error = RecordingError(f"Cannot finish the recording {self.path}: {exc.strerror}.")
                self._reason = "error"
        result = RecordingResult(
            path=self.path,
            sample_rate=self.recorder.sample_rate,
            channels=self.recorder.channels,
            frames=writer.frames_written,
            blocks_in=self.recorder.blocks_in,
            blocks_written=self.blocks_written,
            overflows=self.overflows,
            stop_reason=self._reason or "user",
            error=self._error,
        )
        self._result = result
        log.info(
            "Recording finished (%s): %.2f s, %d/%d blocks written",
            result.stop_reason,
            result.duration,
            result.blocks_written,
            result.blocks_in,
        )
        self._done.set()
        if self._quiet:
            return
        if self._error is not None and self.on_error is not None:
            try:
                self.on_error(self._error)
            except Exception:
                log.exception("on_error callback failed")
        if self.on_finished is not None:
            try:
                self.on_finished(result)
            except Exception:
                log.exception("on_finished callback failed")
