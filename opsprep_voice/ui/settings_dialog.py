"""Settings: microphone (with a live level test), question voice and rate, speech engine and model,
timing (think time, time limit, silence auto-stop), mode and interview follow-ups. Saved in the user's config
folder."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from opsprep_voice.core.settings import Settings
from opsprep_voice.ui.rehearsal.widgets import LevelMeter
from opsprep_voice.ui.services.recording import AnswerRecorder

log = logging.getLogger(__name__)


class SettingsDialog(QDialog):
    def __init__(
        self,
        settings: Settings,
        *,
        input_devices: Callable[[], Sequence[Any]],
        voices: Callable[[], Sequence[Any]],
        engines: Sequence[str],
        models: Sequence[str],
        level_recorder: AnswerRecorder | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self._recorder = level_recorder
        self._test_file: Path | None = None
        # Only what the level test connected is disconnected: PySide6 warns on a disconnect of a slot
        # that was never connected (closing the dialog without a test did that).
        self._test_connected = False

        # -- microphone --------------------------------------------------------------------------
        self.device = QComboBox()
        self.device.setAccessibleName("Microphone")
        self.device.addItem("System default", None)
        self.device_note = QLabel("")
        self.device_note.setWordWrap(True)
        try:
            for dev in input_devices():
                self.device.addItem(f"{dev.name}{'  (default)' if dev.is_default else ''}", dev.name)
            if self.device.count() == 1:
                self.device_note.setText(
                    "⚠ No microphone found. Plug one in, or check that PulseAudio/PipeWire runs."
                )
        except Exception as exc:
            self.device_note.setText(f"⚠ {exc}")
        self._select(self.device, settings.input_device)
        self.level = LevelMeter()
        self.test_button = QPushButton("Test level")
        self.test_button.setCheckable(True)
        self.test_button.setAccessibleName("Test microphone level")
        self.test_button.setEnabled(level_recorder is not None)
        self.test_button.toggled.connect(self._toggle_test)
        mic_row = QHBoxLayout()
        mic_row.addWidget(self.level, 1)
        mic_row.addWidget(self.test_button)

        # -- voice -------------------------------------------------------------------------------
        self.voice = QComboBox()
        self.voice.setAccessibleName("Question voice")
        self.voice.addItem("Default voice", None)
        self.voice_note = QLabel("")
        self.voice_note.setWordWrap(True)
        try:
            for v in voices():
                self.voice.addItem(v.name, v.id)
        except Exception as exc:
            self.voice_note.setText(f"⚠ {exc}")
        self._select(self.voice, settings.tts_voice)
        self.rate = QSpinBox()
        self.rate.setRange(80, 300)
        self.rate.setSuffix(" wpm")
        self.rate.setValue(settings.tts_rate)
        self.rate.setAccessibleName("Speaking rate")
        self.speak = QCheckBox("Read each question aloud")
        self.speak.setChecked(settings.speak_questions)

        # -- recognition -------------------------------------------------------------------------
        self.engine = QComboBox()
        self.engine.setAccessibleName("Speech engine")
        for name in engines:
            self.engine.addItem(name, name)
        self._select(self.engine, settings.engine)
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.setAccessibleName("Model")
        self.model.addItem("Embedded default", None)
        for name in models:
            self.model.addItem(name, name)
        if settings.model and self.model.findData(settings.model) < 0:
            self.model.addItem(settings.model, settings.model)
        self._select(self.model, settings.model)
        self.model_browse = QPushButton("Folder…")
        self.model_browse.setAccessibleName("Choose a model folder")
        self.model_browse.clicked.connect(self._browse_model)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model, 1)
        model_row.addWidget(self.model_browse)
        self.live = QCheckBox("Transcribe while I speak (live checklist)")
        self.live.setChecked(settings.live_transcription)

        # -- timing and mode ---------------------------------------------------------------------
        self.think = QSpinBox()
        self.think.setRange(0, 120)
        self.think.setSuffix(" s")
        self.think.setSpecialValueText("none")
        self.think.setValue(settings.think_time_s)
        self.think.setAccessibleName("Think time")
        self.limit = QSpinBox()
        self.limit.setRange(15, 900)
        self.limit.setSuffix(" s")
        self.limit.setValue(settings.time_limit_s)
        self.limit.setAccessibleName("Time limit")
        self.silence = QCheckBox("Stop after silence of")
        self.silence.setChecked(settings.silence_stop)
        self.silence_s = QSpinBox()
        self.silence_s.setRange(2, 60)
        self.silence_s.setSuffix(" s")
        self.silence_s.setValue(settings.silence_stop_s)
        self.silence_s.setAccessibleName("Silence before auto-stop")
        silence_row = QHBoxLayout()
        silence_row.addWidget(self.silence)
        silence_row.addWidget(self.silence_s)
        silence_row.addStretch(1)
        self.mode = QComboBox()
        self.mode.setAccessibleName("Default mode")
        self.mode.addItem("Interview (answer hidden until after)", "interview")
        self.mode.addItem("Study (guidance and example visible)", "study")
        self._select(self.mode, settings.mode)
        self.follow_ups = QComboBox()
        self.follow_ups.setAccessibleName("Follow-up questions")
        self.follow_ups.addItem("Off", "off")
        self.follow_ups.addItem("One per question", "one")
        self.follow_ups.addItem("Up to two per question", "two")
        self._select(self.follow_ups, settings.follow_ups)

        for w, tip in (
            (self.think, "Seconds to think after the question is read, before recording starts"),
            (self.limit, "Recording stops automatically at this length"),
            (self.live, "Shows your words and ticks checklist items while you speak"),
            (
                self.follow_ups,
                "Interview mode: after an answer that missed a key point, the interviewer asks about it",
            ),
        ):
            w.setToolTip(tip)
        for w in (self.speak, self.live, self.silence):
            w.setAccessibleName(w.text())

        def group(title: str, rows: list[tuple[str, Any]]) -> QGroupBox:
            box = QGroupBox(title)
            form = QFormLayout(box)
            for label, widget in rows:
                if isinstance(widget, QHBoxLayout):
                    form.addRow(label, widget)
                else:
                    form.addRow(label, widget)
            return box

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        root = QVBoxLayout(self)
        root.addWidget(
            group("Microphone", [("Input", self.device), ("Level", mic_row), ("", self.device_note)])
        )
        root.addWidget(
            group(
                "Question voice",
                [("Voice", self.voice), ("Rate", self.rate), ("", self.speak), ("", self.voice_note)],
            )
        )
        root.addWidget(
            group("Speech recognition", [("Engine", self.engine), ("Model", model_row), ("", self.live)])
        )
        root.addWidget(
            group(
                "Timing and mode",
                [
                    ("Think time", self.think),
                    ("Time limit", self.limit),
                    ("Auto-stop", silence_row),
                    ("Mode", self.mode),
                    ("Follow-ups", self.follow_ups),
                ],
            )
        )
        root.addWidget(buttons)
        self.finished.connect(lambda _r: self._stop_test())

    @staticmethod
    def _select(combo: QComboBox, value: object) -> None:
        index = combo.findData(value)
        combo.setCurrentIndex(max(0, index))

    def _browse_model(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a CTranslate2 Whisper model folder")
        if folder:
            self.model.addItem(folder, folder)
            self.model.setCurrentIndex(self.model.count() - 1)

    def _toggle_test(self, on: bool) -> None:
        if self._recorder is None:
            return
        if on:
            self._test_file = Path(tempfile.mkstemp(prefix="opsprep-level-", suffix=".wav")[1])
            self._recorder.level.connect(self.level.set_level)
            self._recorder.failed.connect(self._test_failed)
            self._test_connected = True
            if not self._recorder.start(self._test_file, device=self.device.currentData(), time_limit_s=60):
                self.test_button.setChecked(False)
        else:
            self._stop_test()

    def _test_failed(self, message: str) -> None:
        self.device_note.setText(f"⚠ {message}")

    def _stop_test(self) -> None:
        if self._recorder is None:
            return
        if self._recorder.recording:
            self._recorder.stop()
        if self._test_connected:
            self._test_connected = False
            self._recorder.level.disconnect(self.level.set_level)
            self._recorder.failed.disconnect(self._test_failed)
        if self._test_file is not None:
            self._recorder.finished.connect(lambda _r, f=self._test_file: f.unlink(missing_ok=True))
            self._test_file = None

    def values(self) -> dict[str, Any]:
        model = self.model.currentData()
        if model is None and self.model.currentText() and self.model.currentIndex() < 0:
            model = self.model.currentText()
        return {
            "input_device": self.device.currentData(),
            "tts_voice": self.voice.currentData(),
            "tts_rate": self.rate.value(),
            "speak_questions": self.speak.isChecked(),
            "engine": self.engine.currentData(),
            "model": model,
            "live_transcription": self.live.isChecked(),
            "think_time_s": self.think.value(),
            "time_limit_s": self.limit.value(),
            "silence_stop": self.silence.isChecked(),
            "silence_stop_s": self.silence_s.value(),
            "mode": self.mode.currentData(),
            "follow_ups": self.follow_ups.currentData(),
        }
