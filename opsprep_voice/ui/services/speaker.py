"""Speaks the questions: pyttsx3 synthesises a WAV off the GUI thread (cached per text/voice/rate),
QtMultimedia plays it and reports real completion. The next question is prepared in the background
so it starts at once.
"""

from __future__ import annotations

import logging
import threading
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer

from opsprep_voice.ui.workers import TaskRunner

log = logging.getLogger(__name__)


class Synthesizer(Protocol):
    def synthesize(self, text: str, voice_id: str | None = None, rate: int | None = None) -> Path: ...


class QuestionSpeaker(QObject):
    started = Signal()
    finished = Signal()
    failed = Signal(str)
    speakingChanged = Signal(bool)  # True from speak() (synthesis included) until it ends, fails or stops

    def __init__(
        self,
        synthesizer: Synthesizer | None,
        runner: TaskRunner,
        *,
        unavailable_reason: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._synth = synthesizer
        self._runner = runner
        self.unavailable_reason = unavailable_reason if synthesizer is None else None
        self.voice_id: str | None = None
        self.rate: int | None = None
        self._ready: dict[tuple[str, str | None, int | None], Path] = {}
        self._lock = threading.Lock()
        self._request = 0
        self._audio = QAudioOutput(self)
        self._player = QMediaPlayer(self)
        self._player.setAudioOutput(self._audio)
        self._player.mediaStatusChanged.connect(self._on_status)
        self._player.errorOccurred.connect(self._on_error)
        self._playing = False
        self._busy = False  # speaking or about to (see speakingChanged)

    @property
    def available(self) -> bool:
        return self._synth is not None

    @property
    def speaking(self) -> bool:
        return self._playing

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.speakingChanged.emit(busy)

    def list_voices(self) -> list[Any]:
        """The synthesizer's voices (none without a synthesizer or if it cannot list them)."""
        list_voices = getattr(self._synth, "list_voices", None)
        return list(list_voices()) if list_voices is not None else []

    def configure(self, voice_id: str | None, rate: int | None) -> None:
        self.voice_id, self.rate = voice_id, rate

    def _key(self, text: str) -> tuple[str, str | None, int | None]:
        return (text, self.voice_id, self.rate)

    def _synthesize(self, key: tuple[str, str | None, int | None]) -> Path:
        with self._lock:
            cached = self._ready.get(key)
        if cached is not None and cached.exists():
            return cached
        assert self._synth is not None
        path = self._synth.synthesize(key[0], key[1], key[2])
        with self._lock:
            self._ready[key] = path
        return path

    def prepare(self, text: str) -> None:
        """Synthesise ``text`` in the background so a later :meth:`speak` starts at once."""
        if self._synth is None:
            return
        key = self._key(text)
        self._runner.start(lambda _p, _c: self._synthesize(key), "prepare speech")

    def speak(self, text: str) -> None:
        self.stop()
        if self._synth is None:
            self.failed.emit(self.unavailable_reason or "Speech synthesis is not available.")
            return
        if not QMediaDevices.audioOutputs():
            self.failed.emit(
                "No audio output device found, so the question is shown but not read aloud. "
                "Connect speakers or headphones (or start PulseAudio/PipeWire)."
            )
            return
        self._request += 1
        request = self._request
        self._set_busy(True)
        key = self._key(text)
        self._runner.start(lambda _p, _c: self._synthesize(key), "speak question").then(
            partial(self._play, request), partial(self._fail, request)
        )

    def _play(self, request: int, path: Any) -> None:
        if request != self._request:
            return  # stopped or superseded meanwhile
        self._playing = True
        self._player.setSource(QUrl.fromLocalFile(str(path)))
        self._player.play()
        self.started.emit()

    def _fail(self, request: int, message: str) -> None:
        if request == self._request:
            self._playing = False
            self._set_busy(False)
            self.failed.emit(f"The question could not be spoken: {message}")

    def stop(self) -> None:
        self._request += 1
        self._set_busy(False)
        if self._playing:
            self._playing = False
            self._player.stop()

    def _on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.EndOfMedia and self._playing:
            self._playing = False
            self._set_busy(False)
            self.finished.emit()
        elif status == QMediaPlayer.MediaStatus.InvalidMedia and self._playing:
            self._playing = False
            self._set_busy(False)
            self.failed.emit("The synthesised question could not be played.")

    def _on_error(self, _error: QMediaPlayer.Error, message: str) -> None:
        if self._playing:
            self._playing = False
            self._set_busy(False)
            self.failed.emit(f"Playing the question failed: {message}")
