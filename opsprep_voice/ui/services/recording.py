"""Qt face of the recorder: starts a :class:`~opsprep_voice.audio.recorder.RecordingSession`, polls
its level and length on a GUI timer (the audio thread never touches Qt), applies the time limit, and
reports the end of the recording through signals.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from opsprep_voice.audio.devices import AudioDeviceError

if TYPE_CHECKING:
    from opsprep_voice.audio.recorder import RecordingResult, RecordingSession, Sink

log = logging.getLogger(__name__)

SessionFactory = Callable[..., "RecordingSession"]


def _recording_session(*args: Any, **kwargs: Any) -> RecordingSession:
    # audio.recorder brings numpy (~0.2 s), which the window does not need: imported at the first
    # recording, or earlier by the start-up warm-up (TranscriptionService.warm_up).
    from opsprep_voice.audio.recorder import RecordingSession

    return RecordingSession(*args, **kwargs)


class AnswerRecorder(QObject):
    level = Signal(float)  # RMS dBFS of the latest block, ~30 times a second
    elapsed = Signal(float)  # seconds of audio written to disk
    finished = Signal(object)  # RecordingResult; .error is set when a device error ended it (audio kept)
    failed = Signal(str)  # the recording could not start at all
    _finished_from_pump = Signal(object)

    POLL_MS = 33

    def __init__(
        self,
        *,
        sd: Any = None,
        session_factory: SessionFactory = _recording_session,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._sd = sd
        self._factory = session_factory
        self._session: RecordingSession | None = None
        self._time_limit_s: float | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(self.POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._finished_from_pump.connect(self._on_finished)

    @property
    def recording(self) -> bool:
        return self._session is not None

    @property
    def session(self) -> RecordingSession | None:
        return self._session

    def start(
        self,
        path: Path,
        *,
        device: str | None = None,
        time_limit_s: float | None = None,
        silence_stop_s: float | None = None,
        sinks: tuple[Sink, ...] = (),
    ) -> bool:
        """Start recording to ``path``. Returns False (and emits ``failed``) if the device can't start."""
        if self._session is not None:
            raise RuntimeError("already recording")
        session = self._factory(
            path,
            device=device,
            sd=self._sd,
            auto_stop_silence=silence_stop_s,
            on_finished=self._finished_from_pump.emit,
        )
        for sink in sinks:
            session.add_sink(sink)
        try:
            session.start()
        except (AudioDeviceError, OSError, RuntimeError) as exc:
            log.warning("Recording could not start: %s", exc)
            self.failed.emit(str(exc))
            return False
        except Exception as exc:  # PortAudioError and friends come from a C library
            log.exception("Recording could not start")
            self.failed.emit(f"The microphone could not be opened: {exc}")
            return False
        self._session = session
        self._time_limit_s = time_limit_s
        self._timer.start()
        return True

    def stop(self) -> None:
        """Ask the recording to stop; ``finished`` follows once the WAV is finalised (off the GUI thread)."""
        session = self._session
        if session is None:
            return
        threading.Thread(
            target=self._stop_quietly, args=(session,), name="recording-stop", daemon=True
        ).start()

    def stop_now(self) -> None:
        """Stop and finalise synchronously (used when the app quits), emitting ``finished`` at once."""
        session = self._session
        if session is None:
            return
        try:
            result = session.stop()
        except Exception:
            log.exception("Stopping the recording failed")
            return
        self._on_finished(result)

    @staticmethod
    def _stop_quietly(session: RecordingSession) -> None:
        try:
            session.stop()
        except Exception:
            log.exception("Stopping the recording failed")

    def _poll(self) -> None:
        session = self._session
        if session is None:
            return
        self.level.emit(session.level.rms_dbfs)
        seconds = session.seconds_recorded
        self.elapsed.emit(seconds)
        if self._time_limit_s and seconds >= self._time_limit_s:
            log.info("Time limit of %.0f s reached; stopping", self._time_limit_s)
            self._time_limit_s = None
            self.stop()

    def _on_finished(self, result: RecordingResult) -> None:
        if self._session is None or result.path != self._session.path:
            return  # already handled (stop_now), or a stale report
        self._timer.stop()
        self._session = None
        self.elapsed.emit(result.duration)
        self.level.emit(-120.0)
        self.finished.emit(result)
