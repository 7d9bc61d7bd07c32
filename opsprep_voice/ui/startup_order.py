"""The app's start-up order: what happens before the window shows, and what waits for its first paint.

Before the window: only work that holds the GIL in one long call and cannot be cut up, so it is paid as
start-up time instead of freezing the shown window (:func:`parse_ahead`: Whisper's tokenizer).
After the first paint (:func:`after_first_paint`): the model load and the microphone check. Started
earlier, the load's imports (faster-whisper, CTranslate2, PyAV, numpy) competed with building and
painting the window for the GIL and the two cores, and PortAudio's start (the microphone check) is
slow on some desktops. The figures are in docs/BENCHMARKS.md (start-up).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from opsprep_voice.ui.main_window import MainWindow
    from opsprep_voice.ui.services.transcription import TranscriptionService
    from opsprep_voice.ui.workers import TaskRunner

log = logging.getLogger(__name__)

#: When the window is not painted (started minimised, no compositor), the work starts this late instead.
FALLBACK_MS = 1500


def parse_ahead(engine: str | None, model: str | None) -> bool:
    """Parse the model's tokenizer now, for the later load to take (:mod:`opsprep_voice.asr.tokenizer_cache`).

    Only for faster-whisper with a model on disk (``base`` also before its first join); False when
    nothing was parsed (the load then parses it itself). Never raises: this only moves work earlier.
    """
    if (engine or "faster-whisper") != "faster-whisper":
        return False
    try:
        from opsprep_voice.asr.models import ahead_tokenizer
        from opsprep_voice.asr.tokenizer_cache import preparse

        file = ahead_tokenizer(model)
        return file is not None and preparse(file)
    except Exception:
        log.debug("tokenizer not parsed ahead", exc_info=True)
        return False


class _FirstPaint(QObject):
    def __init__(self, window: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(window)
        self._window = window
        self._callback: Callable[[], None] | None = callback
        window.installEventFilter(self)
        QTimer.singleShot(FALLBACK_MS, self, self._run)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Paint and self._callback is not None:
            # The next event-loop turn: this paint (and the frame it belongs to) is finished first.
            QTimer.singleShot(0, self, self._run)
        return False

    def _run(self) -> None:
        callback, self._callback = self._callback, None
        if callback is None:
            return
        self._window.removeEventFilter(self)
        callback()


def after_first_paint(window: QWidget, callback: Callable[[], None]) -> None:
    """Call ``callback`` once, on the GUI thread, right after ``window`` is first painted (or after
    :data:`FALLBACK_MS` of a running event loop if it is not painted by then)."""
    _FirstPaint(window, callback)


def mic_status(sd: Any) -> tuple[bool, str]:
    """Whether there is a default microphone, and what to tell the user (never raises)."""
    try:
        from opsprep_voice.audio.devices import default_input_device

        dev = default_input_device(sd)
        return True, f"Microphone: {dev.name}"
    except Exception as exc:
        return False, str(exc)


def show_mic_status(window: MainWindow, ok: bool | None, message: str) -> None:
    """The microphone's state in the status bar and on the start screen (``None``: still checking)."""
    if ok is not None:
        window.set_mic_status(ok, message)
    state = "busy" if ok is None else "ok" if ok else "problem"
    window.start_screen.mic_status.set_state(state, message)


def start_after_first_paint(
    window: MainWindow,
    transcription: TranscriptionService,
    runner: TaskRunner,
    sd: Any,
    engine: str | None,
    model: str | None,
) -> None:
    """The entry point's order: the model load and the microphone check (in a task: PortAudio's start
    releases the GIL) begin once ``window`` has been painted; until then the microphone row says so."""
    show_mic_status(window, None, "Checking the microphone…")

    def start() -> None:
        transcription.load(engine, model)
        runner.start(lambda _progress, _cancel: mic_status(sd), "check the microphone").then(
            lambda status: show_mic_status(window, *status)
        )

    after_first_paint(window, start)
