"""A compact player for an answer's recording: play/pause, position slider, time label.

It emits :attr:`AudioPlayer.positionChanged` (seconds) about 30 times a second while playing and after every
seek, so a transcript can follow the current word. A missing or unplayable file disables the controls with a
one-line explanation instead of raising; with no audio output device the recording still "plays" silently
(the transcript still follows) and the player says so.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QHideEvent, QKeyEvent
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer
from PySide6.QtWidgets import (
    QAbstractSlider,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from opsprep_voice.ui.review.style import fmt_clock

log = logging.getLogger(__name__)

TICK_MS = 33  # ~30 Hz position updates while playing


class AudioPlayer(QWidget):
    """Plays one recording. ``load(path)``, ``seek(seconds)``, ``play()``, ``pause()``, ``clear()``."""

    positionChanged = Signal(float)
    playingChanged = Signal(bool)
    availabilityChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Recording player")
        self._path: Path | None = None
        self._available = False
        self._pending_seek_ms: int | None = None
        self._dragging = False
        self._duration_ms = 0

        self._player = QMediaPlayer(self)
        self._output = QAudioOutput(self)
        self._player.setAudioOutput(self._output)
        self._devices = QMediaDevices(self)
        self._devices.audioOutputsChanged.connect(self._on_outputs_changed)

        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._emit_position)

        self.play_button = QToolButton(self)
        self.play_button.setAccessibleName("Play or pause the recording")
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play_button.setAutoRaise(True)
        self.play_button.clicked.connect(self.toggle)

        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setAccessibleName("Position in the recording")
        self.slider.setToolTip("Drag to move through the recording")
        self.slider.setRange(0, 0)
        self.slider.setSingleStep(1000)
        self.slider.setPageStep(5000)
        self.slider.sliderPressed.connect(self._on_slider_pressed)
        self.slider.sliderReleased.connect(self._on_slider_released)
        self.slider.sliderMoved.connect(self._on_slider_moved)
        self.slider.actionTriggered.connect(self._on_slider_action)

        self.time_label = QLabel("0:00 / 0:00", self)
        self.time_label.setAccessibleName("Elapsed and total time")
        self.time_label.setMinimumWidth(self.time_label.fontMetrics().horizontalAdvance("00:00 / 00:00") + 8)

        self.status_label = QLabel(self)
        self.status_label.setAccessibleName("Player status")
        self.status_label.setWordWrap(True)
        self.status_label.hide()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.play_button)
        row.addWidget(self.slider, 1)
        row.addWidget(self.time_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.status_label)

        self._player.durationChanged.connect(self._on_duration)
        self._player.positionChanged.connect(self._on_player_position)
        self._player.playbackStateChanged.connect(self._on_state)
        self._player.mediaStatusChanged.connect(self._on_media_status)
        self._player.errorOccurred.connect(self._on_error)
        self._set_available(False, "No recording loaded.")

    # ----------------------------------------------------------------------------------------- public API
    @property
    def available(self) -> bool:
        return self._available

    @property
    def path(self) -> Path | None:
        return self._path

    def status_text(self) -> str:
        return self.status_label.text() if self.status_label.isVisible() or not self._available else ""

    def is_playing(self) -> bool:
        return self._player.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    def duration(self) -> float:
        return self._duration_ms / 1000.0

    def position(self) -> float:
        return self._player.position() / 1000.0

    def load(self, path: Path | str | None) -> bool:
        """Load a recording. Returns False (controls disabled, reason shown) when it cannot be played."""
        self._reset()
        if path is None:
            self._set_available(False, "No recording was kept for this answer.")
            return False
        file = Path(path)
        self._path = file
        if not file.is_file():
            log.info("recording not found: %s", file)
            message = f"Recording not found ({file.name}); it may have been moved or deleted."
            self._set_available(False, message)
            return False
        try:
            if file.stat().st_size == 0:
                self._set_available(False, f"Recording {file.name} is empty.")
                return False
        except OSError as exc:
            self._set_available(False, f"Cannot read recording {file.name}: {exc.strerror or exc}.")
            return False
        self._set_available(True, self._device_notice())
        self._player.setSource(QUrl.fromLocalFile(str(file.resolve())))
        return True

    def clear(self) -> None:
        self._reset()
        self._set_available(False, "No recording loaded.")

    def play(self) -> None:
        if self._available:
            self._player.play()

    def pause(self) -> None:
        self._player.pause()

    def toggle(self) -> None:
        if self.is_playing():
            self.pause()
        else:
            self.play()

    def seek(self, seconds: float) -> None:
        """Move to ``seconds`` (clamped); emits :attr:`positionChanged` at once, even while paused."""
        ms = max(0, round(seconds * 1000))
        if self._duration_ms:
            ms = min(ms, self._duration_ms)
        if not self._available:
            return
        if self._player.mediaStatus() in (
            QMediaPlayer.MediaStatus.NoMedia,
            QMediaPlayer.MediaStatus.LoadingMedia,
        ):
            self._pending_seek_ms = ms
        else:
            self._player.setPosition(ms)
        self._show_position(ms)
        self.positionChanged.emit(ms / 1000.0)

    # ------------------------------------------------------------------------------------------- internals
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and self._available:
            self.toggle()
            event.accept()
            return
        super().keyPressEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        # Navigating away from the review should not leave the recording playing in the background.
        self.pause()
        super().hideEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange:
            self._on_state(self._player.playbackState())

    def _reset(self) -> None:
        self._tick.stop()
        self._player.stop()
        self._player.setSource(QUrl())
        self._path = None
        self._pending_seek_ms = None
        self._duration_ms = 0
        self.slider.setRange(0, 0)
        self._show_position(0)

    def _device_notice(self) -> str:
        if not QMediaDevices.audioOutputs():
            return "No audio output device found: playback is silent, but the transcript still follows."
        return ""

    def _set_available(self, available: bool, message: str = "") -> None:
        changed = available != self._available
        self._available = available
        for widget in (self.play_button, self.slider):
            widget.setEnabled(available)
        self.status_label.setText(message)
        self.status_label.setVisible(bool(message))
        self.setToolTip(message)
        if changed:
            self.availabilityChanged.emit(available)

    def _on_outputs_changed(self) -> None:
        self._output.setDevice(QMediaDevices.defaultAudioOutput())
        if self._available:
            self._set_available(True, self._device_notice())

    def _on_duration(self, ms: int) -> None:
        self._duration_ms = max(0, int(ms))
        self.slider.setRange(0, self._duration_ms)
        self._show_position(self._player.position())

    def _on_media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.LoadedMedia and self._pending_seek_ms is not None:
            self._player.setPosition(self._pending_seek_ms)
            self._pending_seek_ms = None
        elif status == QMediaPlayer.MediaStatus.InvalidMedia and self._path is not None:
            self._set_available(False, f"Cannot play {self._path.name}: the file is damaged or not audio.")
        elif status == QMediaPlayer.MediaStatus.EndOfMedia:
            self._emit_position()

    def _on_error(self, error: QMediaPlayer.Error, message: str) -> None:
        if error == QMediaPlayer.Error.NoError:
            return
        name = self._path.name if self._path else "the recording"
        log.warning("cannot play %s: %s (%s)", self._path, message, error)
        self._tick.stop()
        self._set_available(False, f"Cannot play {name}: {message or 'unsupported format'}.")

    def _on_state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_button.setText("Pause" if playing else "Play")
        if playing:
            self._tick.start()
        else:
            self._tick.stop()
            self._emit_position()
        self.playingChanged.emit(playing)

    def _on_player_position(self, ms: int) -> None:
        if not self._tick.isActive():  # while playing the timer reports; otherwise (seeks) report here
            self._show_position(ms)

    def _emit_position(self) -> None:
        ms = self._player.position()
        self._show_position(ms)
        self.positionChanged.emit(ms / 1000.0)

    def _show_position(self, ms: int) -> None:
        if not self._dragging:
            self.slider.blockSignals(True)
            self.slider.setValue(ms)
            self.slider.blockSignals(False)
        self.time_label.setText(f"{fmt_clock(ms / 1000)} / {fmt_clock(self._duration_ms / 1000)}")

    def _on_slider_pressed(self) -> None:
        self._dragging = True

    def _on_slider_moved(self, value: int) -> None:
        self.time_label.setText(f"{fmt_clock(value / 1000)} / {fmt_clock(self._duration_ms / 1000)}")

    def _on_slider_released(self) -> None:
        self._dragging = False
        self.seek(self.slider.value() / 1000.0)

    def _on_slider_action(self, action: int) -> None:
        # Keyboard and page clicks on the slider (not drags): seek to where the slider will land.
        if self._dragging or action == QAbstractSlider.SliderAction.SliderMove.value:
            return
        QTimer.singleShot(0, lambda: self.seek(self.slider.value() / 1000.0))
