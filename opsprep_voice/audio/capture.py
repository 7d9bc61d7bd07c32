"""The microphone input stream: a PortAudio callback that copies each block into a queue, nothing else.

:class:`Recorder` wraps ``sounddevice.InputStream``. Its callback runs on PortAudio's thread, where any
wait (a log call, a file write, a lock someone else holds) can drop audio, so it only copies the block
into a ``queue.SimpleQueue`` and counts it (``blocks_in``). Everything else happens on the consumer's
thread: :class:`~opsprep_voice.audio.recorder.RecordingSession`'s pump. ``sd`` (the ``sounddevice``
module) is injectable so tests can pass a fake.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

import numpy as np

from opsprep_voice.audio.devices import NO_MICROPHONE, AudioDeviceError, load_sounddevice

log = logging.getLogger(__name__)

_STOPPED = object()  # pushed by Recorder.stop() after the stream's last callback
_FINISHED = object()  # pushed by PortAudio's finished_callback (stream became inactive)


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
