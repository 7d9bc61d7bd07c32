"""Record one answer: a pump thread that takes the microphone's blocks and does everything with them.

:class:`RecordingSession` owns a :class:`~opsprep_voice.audio.capture.Recorder` (whose PortAudio callback
only enqueues) and a pump thread that pulls blocks and fans them out to: the
:class:`~opsprep_voice.audio.wavfile.StreamingWavWriter` (audio is on disk while recording), a
:class:`~opsprep_voice.audio.levels.LevelMeter` (RMS/peak dBFS of the latest block, readable from any
thread), a :class:`~opsprep_voice.audio.levels.SilenceDetector` (optional auto-stop after N s of silence
once speech started) and any extra sinks ``sink(block, sample_rate)`` (e.g. the streaming transcriber,
which converts with ``to_mono_16k``/``Resampler``). Device failures mid-recording (stream ended by itself,
no audio for ``stall_timeout``, PortAudio errors) stop the stream, finalise the WAV with the audio so far
and are reported through ``on_error``. No Qt here: the UI wraps these classes in its workers.

``sd`` (the ``sounddevice`` module) is injectable so tests can pass a fake.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from opsprep_voice.audio.capture import Recorder
from opsprep_voice.audio.devices import AudioDeviceError
from opsprep_voice.audio.levels import Level, LevelMeter, SilenceDetector, block_to_float
from opsprep_voice.audio.wavfile import StreamingWavWriter

log = logging.getLogger(__name__)

Sink = Callable[[np.ndarray, int], None]
StopReason = Literal["user", "silence", "error"]


class RecordingError(Exception):
    """Recording failed for a reason other than the device (e.g. the disk is full)."""


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
                if item is Recorder.STOPPED:
                    break
                if item is Recorder.FINISHED:
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
            if item is None or item is Recorder.STOPPED:
                return
            if item is not Recorder.FINISHED:
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
