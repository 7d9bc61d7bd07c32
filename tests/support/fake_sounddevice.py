"""A stand-in for the ``sounddevice`` module that replays audio through a real callback thread.

Behaves like PortAudio where the recorder cares: callbacks come from another thread, ``stop()``/
``abort()`` return only after the last callback, ``finished_callback`` runs when the stream ends.
Failure modes: ``die_after`` (stream ends by itself after N blocks), ``stall_after`` (no more blocks,
stream stays "active"), ``fail_open`` (InputStream raises PortAudioError), ``devices=[]`` (none).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np


class PortAudioError(Exception):
    pass


class FakeSoundDevice:
    PortAudioError = PortAudioError

    def __init__(
        self,
        source: np.ndarray,
        rate: int,
        *,
        blocksize: int = 480,
        pace: float = 0.0,
        die_after: int | None = None,
        stall_after: int | None = None,
        fail_open: bool = False,
        devices: list[dict[str, Any]] | None = None,
    ) -> None:
        self.source = source if source.ndim == 2 else source[:, None]
        self.rate = rate
        self.blocksize = blocksize
        self.pace = pace
        self.die_after = die_after
        self.stall_after = stall_after
        self.fail_open = fail_open
        self.devices = (
            devices
            if devices is not None
            else [
                {
                    "index": 0,
                    "name": "fake mic",
                    "hostapi": 0,
                    "max_input_channels": 2,
                    "default_samplerate": float(rate),
                }
            ]
        )
        self.default = type("Default", (), {"device": [0 if self.devices else -1, -1]})()
        self.streams: list[FakeInputStream] = []
        # Of the newest stream: a new stream starts a new replay. Left set by the last one, they let a test
        # stop its next recording after one block, which the app rightly calls "nothing was recorded".
        self.replayed = threading.Event()  # all source blocks delivered (or died/stalled)
        self.blocks_sent = 0

    def query_devices(self, device: Any = None, kind: str | None = None) -> Any:
        if kind is None and device is None:
            return list(self.devices)
        inputs = [d for d in self.devices if d["max_input_channels"] > 0]
        if not inputs:
            raise PortAudioError("Error querying device -1")
        if device is None:
            return inputs[0]
        for d in inputs:
            if device in (d["index"], d["name"]):
                return d
        raise ValueError(f"No input device matching {device!r}")

    def query_hostapis(self) -> list[dict[str, Any]]:
        return [{"name": "FakeAPI"}]

    def InputStream(self, **kwargs: Any) -> FakeInputStream:
        if self.fail_open:
            raise PortAudioError("Invalid sample rate [PaErrorCode -9997]")
        stream = FakeInputStream(self, **kwargs)
        self.replayed.clear()
        self.blocks_sent = 0
        self.streams.append(stream)
        return stream


class FakeInputStream:
    def __init__(
        self,
        owner: FakeSoundDevice,
        *,
        samplerate: float,
        channels: int,
        dtype: str,
        callback: Callable[..., None],
        finished_callback: Callable[[], None] | None = None,
        **_: Any,
    ) -> None:
        assert int(samplerate) == owner.rate, "the fake replays at its own rate only"
        assert channels == owner.source.shape[1]
        self.owner = owner
        self.dtype = dtype
        self.callback = callback
        self.finished_callback = finished_callback
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fake-portaudio", daemon=True)
        self.active = False
        self.closed = False

    def start(self) -> None:
        self.active = True
        self._thread.start()

    def _run(self) -> None:
        owner = self.owner
        data = owner.source
        if self.dtype == "float32":
            data = (data.astype(np.float32) / 32768.0).astype(np.float32)
        for sent, start in enumerate(range(0, len(data), owner.blocksize)):
            if self._halt.is_set():
                return
            if owner.stall_after is not None and sent >= owner.stall_after:
                owner.replayed.set()
                self._halt.wait()
                return
            if owner.die_after is not None and sent >= owner.die_after:
                self.active = False
                owner.replayed.set()
                if self.finished_callback:
                    self.finished_callback()
                return
            block = np.ascontiguousarray(data[start : start + owner.blocksize])
            self.callback(block, len(block), None, None)
            owner.blocks_sent = sent + 1
            if owner.pace:
                self._halt.wait(owner.pace)
        owner.replayed.set()
        self._halt.wait()  # a live microphone: no more audio until stopped

    def _halt_and_join(self) -> None:
        self._halt.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join()
        if self.active:
            self.active = False
            if self.finished_callback:
                self.finished_callback()

    def stop(self) -> None:
        self._halt_and_join()

    def abort(self) -> None:
        self._halt_and_join()

    def close(self) -> None:
        self._halt_and_join()
        self.closed = True
