"""A pyttsx3 driver that behaves like macOS's NSSpeechSynthesizer for ``save_to_file``: it writes AIFF
(big-endian 16-bit PCM, 22,050 Hz) whatever the file is called. A 440 Hz tone of 0.2 s per word stands in
for speech. Load it with ``SpeechSynthesizer(..., driver="tests.support.fake_tts_driver")``; the
synthesis child imports it, so the repository root must be on the child's ``PYTHONPATH``.
"""

from __future__ import annotations

from typing import Any

import av
import numpy as np
from pyttsx3.voice import Voice

RATE = 22_050
SECONDS_PER_WORD = 0.2


def buildDriver(proxy: Any) -> FakeAiffDriver:  # pyttsx3 calls this by name
    return FakeAiffDriver(proxy)


def write_aiff(path: str, seconds: float) -> None:
    samples = np.arange(int(RATE * seconds)) / RATE
    tone = (0.3 * 32767 * np.sin(2 * np.pi * 440 * samples)).astype(np.int16)
    with av.open(path, mode="w", format="aiff") as container:
        stream = container.add_stream("pcm_s16be", rate=RATE, layout="mono")
        frame = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="s16", layout="mono")
        frame.rate = RATE
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


class FakeAiffDriver:
    def __init__(self, proxy: Any) -> None:
        self._proxy = proxy
        voice = Voice("fake.aiff", "Fake AIFF", ["en-US"], "female", "adult")
        self._config: dict[str, Any] = {"rate": 200, "volume": 1.0, "voice": voice, "voices": [voice]}

    def destroy(self) -> None:
        pass

    # pyttsx3 calls startLoop from runAndWait: becoming idle pumps the queued jobs, the last of which
    # (the engine's endLoop) ends the loop, so this returns with every job done and nothing to wait for.
    def startLoop(self) -> None:
        self._proxy.setBusy(False)

    def endLoop(self) -> None:
        pass

    def iterate(self) -> Any:
        self._proxy.setBusy(False)
        yield

    def say(self, text: str) -> None:
        self._proxy.setBusy(True)
        self._proxy.notify("started-utterance")
        self._proxy.notify("finished-utterance", completed=True)
        self._proxy.setBusy(False)

    def save_to_file(self, text: str, filename: str) -> None:
        self._proxy.setBusy(True)
        self._proxy.notify("started-utterance")
        write_aiff(filename, SECONDS_PER_WORD * len(text.split()))
        self._proxy.notify("finished-utterance", completed=True)
        self._proxy.setBusy(False)

    def stop(self) -> None:
        pass

    def getProperty(self, name: str) -> Any:
        return self._config[name]

    def setProperty(self, name: str, value: Any) -> None:
        self._config[name] = value
