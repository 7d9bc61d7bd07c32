"""Child process for tests/test_app_crash_recovery.py: the real app recording an answer until killed.

argv: OPSPREP_VOICE_HOME is set by the parent; argv[1] is the question id. Prints ``listening`` once the
microphone delivered its first block (the parent plays the answer only then: audio played before the
capture stream runs is not recorded), then ``recording <attempt_id> <seconds>`` once more than 2 s are on
disk, then keeps recording.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run by path: tests.support importable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from opsprep_voice.core.paths import AppPaths
from opsprep_voice.ui.application import build_app
from tests.support.app_fakes import FakeTranscriber, factory_for


def main() -> None:
    app = QApplication(sys.argv)
    paths = AppPaths.default()
    (paths.config_dir() / "settings.json").write_text(
        json.dumps({"speak_questions": False, "live_transcription": False, "time_limit_s": 600})
    )
    # The answer is never transcribed here (the app is killed mid-answer); a fake transcriber keeps the
    # start-up warm-up quiet, where a factory returning None logged an AttributeError traceback.
    ctx = build_app(paths=paths, synthesizer=None, transcriber_factory=factory_for(FakeTranscriber("")))
    start = ctx.window.start_screen
    start.single.setCurrentIndex(start.single.findData(sys.argv[1]))
    start.start_button.click()
    ctx.window.rehearsal_screen.shortcuts["Space"].activated.emit()

    listening = [False]

    def report() -> None:
        session = ctx.recorder.session
        if session is None:
            return
        if not listening[0] and session.first_block.is_set():
            listening[0] = True
            print("listening", flush=True)
        if listening[0] and session.seconds_recorded > 2.0:
            attempt = ctx.attempts.attempt_for(session.path)
            print(f"recording {attempt} {session.seconds_recorded:.2f}", flush=True)
            timer.stop()

    timer = QTimer()
    timer.timeout.connect(report)
    timer.start(50)
    app.exec()


if __name__ == "__main__":
    main()
