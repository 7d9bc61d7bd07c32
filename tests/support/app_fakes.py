"""Stand-ins for the slow or hardware-bound parts, used to drive the real app in UI tests.

``FakeTranscriber`` returns a fixed script with word timings spread over the audio it is given
(optionally slowly, honouring cancellation); ``FakeSynthesizer`` writes a short WAV per text.
"""

from __future__ import annotations

import threading
import wave
from pathlib import Path
from typing import Any

import numpy as np

from opsprep_voice.asr.base import Audio, ProgressFn, TranscribeOptions, TranscriptionCancelled
from opsprep_voice.core.transcript import Transcript, Word


class FakeTranscriber:
    def __init__(
        self,
        script: str,
        *,
        engine: str = "fake-engine",
        delay_s: float = 0.0,
        gate: threading.Event | None = None,
    ) -> None:
        self.script = script
        self._engine = engine
        self.delay_s = delay_s
        self.gate = gate
        self.calls: list[int] = []

    @property
    def engine(self) -> str:
        return self._engine

    @property
    def model(self) -> str:
        return "fake-model"

    @property
    def uses_prompt(self) -> bool:
        return False

    def transcribe(
        self,
        audio: Audio,
        options: TranscribeOptions | None = None,
        *,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
    ) -> Transcript:
        self.calls.append(len(audio))
        if self.gate is not None:
            while not self.gate.wait(0.02):
                if cancel is not None and cancel.is_set():
                    raise TranscriptionCancelled("cancelled")
        if progress:
            progress(0.5, "Transcribing")
        duration = len(audio) / 16000
        tokens = self.script.split()
        step = max(duration - 0.5, 0.1) / max(1, len(tokens))
        words = [Word(t, 0.25 + i * step, 0.25 + (i + 0.8) * step) for i, t in enumerate(tokens)]
        if progress:
            progress(1.0, "Transcribing")
        return Transcript.from_words(words, duration)


class FakeSynthesizer:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.texts: list[str] = []

    def synthesize(self, text: str, voice_id: str | None = None, rate: int | None = None) -> Path:
        self.texts.append(text)
        path = self.directory / f"tts-{abs(hash((text, voice_id, rate)))}.wav"
        if not path.exists():
            with wave.open(str(path), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(16000)
                w.writeframes(np.zeros(4800, dtype=np.int16).tobytes())
        return path

    def list_voices(self) -> list[Any]:
        return []


def factory_for(transcriber: Any, log: list[tuple[str | None, str | None]] | None = None) -> Any:
    def factory(engine: str | None, model: str | None, *, progress: Any = None) -> Any:
        if log is not None:
            log.append((engine, model))
        if isinstance(transcriber, Exception):
            raise transcriber
        return transcriber

    return factory
