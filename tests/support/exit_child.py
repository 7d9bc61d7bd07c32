"""Child process for tests/ui/test_clean_exit.py: the real app (start-up heap frozen, as ``run`` does) with
live transcription over a fake 48 kHz microphone answers one question, shows the review and quits normally.

argv[1] is the app's home folder. Prints ``review`` when the review is shown and ``exited`` after the event
loop returned; the parent reads what the interpreter printed at exit on stderr. With ``recording`` as argv[2]
it quits in the middle of the answer instead (printing ``recording``), answering Yes to "Quit while
answering?".
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from opsprep_voice.core.paths import AppPaths
from opsprep_voice.core.session import Phase
from opsprep_voice.ui.application import build_app
from tests.support.app_fakes import FakeTranscriber, factory_for
from tests.support.fake_sounddevice import FakeSoundDevice


def main() -> int:
    app = QApplication(sys.argv[:1])
    home = Path(sys.argv[1])
    mid_answer = sys.argv[2:] == ["recording"]
    paths = AppPaths(data=home / "data", cache=home / "cache", config=home / "config")
    # Follow-ups off: this answer is thin, and a follow-up would stand between it and the review.
    settings = {"speak_questions": False, "live_transcription": True, "follow_ups": "off"}
    (paths.config_dir() / "settings.json").write_text(json.dumps(settings))
    seconds = np.arange(48_000 * 3) / 48_000
    tone = (np.sin(2 * np.pi * 300 * seconds) * 8000).astype(np.int16)
    sd = FakeSoundDevice(tone, 48_000, blocksize=2400)  # 48 kHz: the live path resamples with soxr
    ctx = build_app(
        paths=paths,
        sd=sd,
        synthesizer=None,
        transcriber_factory=factory_for(FakeTranscriber("we restore to a point in time")),
        freeze_gc=True,
    )
    ctx.window.show()
    step = [0]

    def advance() -> None:
        session = ctx.controller.session
        if step[0] == 0 and ctx.warmed_up:
            ctx.window.start_screen.start_button.click()
            ctx.window.rehearsal_screen.shortcuts["Space"].activated.emit()
            step[0] = 1
        elif step[0] == 1 and mid_answer and sd.blocks_sent > 10:
            print("recording", flush=True)
            step[0] = 3
            QMessageBox.question = lambda *_args, **_kwargs: QMessageBox.StandardButton.Yes  # the user's Yes
            ctx.window.close()
            app.quit()
        elif step[0] == 1 and sd.replayed.is_set():
            ctx.window.rehearsal_screen.shortcuts["Space"].activated.emit()
            step[0] = 2
        elif step[0] == 2 and session is not None and session.phase is Phase.REVIEW:
            print("review", flush=True)
            step[0] = 3
            ctx.window.close()
            app.quit()

    timer = QTimer()
    timer.timeout.connect(advance)
    timer.start(20)
    QTimer.singleShot(120_000, lambda: app.exit(3))  # a bound against a hang
    code = app.exec()
    print("exited", flush=True)
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
