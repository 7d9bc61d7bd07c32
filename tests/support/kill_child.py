"""Child program for tests/test_kill_points.py: runs the app's flow up to one point and holds there until the
parent kills it with SIGKILL.

``python -m tests.support.kill_child HOME POINT`` with POINT one of :data:`POINTS`. The app points run the
real app (offscreen) with a fake microphone, synthesizer and transcriber; ``exporting`` and ``migrating``
run the storage code alone. At the point it prints ``point POINT [ATTEMPT_ID]`` and blocks (the thread
that got there never returns; the parent's SIGKILL ends the process).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

POINTS = ("speaking", "recording", "transcribing", "saving", "exporting", "migrating")
#: The answer's length (seconds): stopped once this much is on disk, so all of it is there at every point
#: after recording.
ANSWER_S = 3.0


_said = threading.Lock()


def hold(point: str, attempt_id: int | None = None) -> None:
    # Two threads can get to a point at once (the question and the next one's prefetch both start
    # speaking): the first says so, and no second line is interleaved with its words on stdout.
    if _said.acquire(blocking=False):
        sys.stdout.write(f"point {point}" + (f" {attempt_id}" if attempt_id is not None else "") + "\n")
        sys.stdout.flush()
    threading.Event().wait()


def run_app(home: Path, point: str) -> int:
    import numpy as np
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from opsprep_voice.core.paths import AppPaths
    from opsprep_voice.core.session import Phase
    from opsprep_voice.storage.repository import HistoryRepository
    from opsprep_voice.ui.application import build_app
    from tests.support.app_fakes import FakeSynthesizer, FakeTranscriber, factory_for
    from tests.support.fake_sounddevice import FakeSoundDevice

    app = QApplication(sys.argv[:1])
    paths = AppPaths(data=home / "data", cache=home / "cache", config=home / "config")
    settings = {"speak_questions": point == "speaking", "live_transcription": False, "follow_ups": "off"}
    (paths.config_dir() / "settings.json").write_text(json.dumps(settings))
    # A live microphone: blocks keep coming in real time (a source that ran dry would make the recorder
    # end the answer as a stalled device after 2 s, before a busy GUI thread got to press Stop).
    tone = (np.sin(np.arange(16_000 * 120) / 6) * 8000).astype(np.int16)
    sd = FakeSoundDevice(tone, 16_000, blocksize=800, pace=0.05)
    # Open for the start-up warm-up; closed when the answer stops, so its transcription hangs.
    gate = threading.Event() if point == "transcribing" else None
    if gate is not None:
        gate.set()
    transcriber = FakeTranscriber("we define SLOs and alert on the error budget burn rate", gate=gate)

    class SpeakingSynthesizer(FakeSynthesizer):
        def synthesize(self, text: str, voice_id: str | None = None, rate: int | None = None) -> Path:
            hold("speaking")
            raise AssertionError("unreachable")

    if point == "saving":
        real_save = HistoryRepository.save_score

        def save_score(self: HistoryRepository, attempt_id: int, *args: Any, **kwargs: Any) -> Any:
            with self.transaction():  # the score is written, not committed, when the kill lands
                real_save(self, attempt_id, *args, **kwargs)
                hold("saving", attempt_id)

        HistoryRepository.save_score = save_score  # type: ignore[method-assign]

    ctx = build_app(
        paths=paths,
        sd=sd,
        synthesizer=SpeakingSynthesizer(home) if point == "speaking" else None,
        transcriber_factory=factory_for(transcriber),
    )
    ctx.window.show()
    step = [0]
    attempt: list[int | None] = [None]
    warm_up_calls = [0]  # the transcriber's calls before the answer's (the start-up warm-up)

    def advance() -> None:
        session = ctx.controller.session
        recording = ctx.recorder.session
        if step[0] == 0 and ctx.warmed_up:
            warm_up_calls[0] = len(transcriber.calls)
            ctx.window.start_screen.start_button.click()
            if point != "speaking":
                ctx.window.rehearsal_screen.shortcuts["Space"].activated.emit()
            step[0] = 1
        elif step[0] == 1 and recording is not None and recording.seconds_recorded >= 1.5:
            attempt[0] = ctx.attempts.attempt_for(recording.path)
            if point == "recording":
                timer.stop()
                hold("recording", attempt[0])
            if recording.seconds_recorded >= ANSWER_S:
                step[0] = 2
                if gate is not None:
                    gate.clear()
                ctx.window.rehearsal_screen.shortcuts["Space"].activated.emit()  # stop: transcribe, score
        elif (
            point == "transcribing"
            and step[0] == 2
            and session is not None
            and session.phase is Phase.TRANSCRIBING
            and len(transcriber.calls) > warm_up_calls[0]
        ):
            timer.stop()
            hold("transcribing", attempt[0])

    def report(*_args: object) -> None:
        """SIGUSR1 (a parent that waited too long): where the flow stands, before it asks for the stacks."""
        running = sorted(f"{t.name} (done={t.done.is_set()})" for t in ctx.runner._running)
        session = ctx.controller.session
        print(
            f"step {step[0]}; model {ctx.transcription.state}; warmed up {ctx.warmed_up}; "
            f"phase {session.phase if session else None}; recording {ctx.recorder.session is not None}; "
            f"tasks not yet forgotten: {running or 'none'}",
            file=sys.stderr,
            flush=True,
        )

    signal.signal(signal.SIGUSR1, report)  # run by the interpreter between two of the timer's calls
    timer = QTimer()
    timer.timeout.connect(advance)
    timer.start(20)
    return int(app.exec())


def run_export(home: Path) -> None:
    from opsprep_voice.storage import export_files
    from opsprep_voice.storage.export import write_markdown
    from opsprep_voice.storage.repository import HistoryRepository

    def copy_half(source: Path, copy: Path) -> None:
        copy.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
        hold("exporting")

    export_files.private_copy = copy_half  # type: ignore[assignment]
    with HistoryRepository(home / "data" / "history.sqlite3") as repo:
        session = repo.list_sessions()[-1]
        write_markdown(session, home / "exports" / "week.md", with_audio=True)


def run_migration(home: Path) -> None:
    from opsprep_voice.storage import migrations
    from opsprep_voice.storage.repository import HistoryRepository

    last = migrations.MIGRATIONS[-1]
    real_apply = last.apply

    def apply(conn: Any) -> None:
        real_apply(conn)  # inside the migration's transaction, before its version bump and commit
        hold("migrating")

    object.__setattr__(last, "apply", apply)
    HistoryRepository(home / "data" / "history.sqlite3")


def main() -> int:
    import faulthandler

    faulthandler.enable()  # a parent that waited too long sends SIGABRT: every thread's stack on stderr
    home, point = Path(sys.argv[1]), sys.argv[2]
    if point == "exporting":
        run_export(home)
    elif point == "migrating":
        run_migration(home)
    else:
        return run_app(home, point)
    return 0


if __name__ == "__main__":
    sys.exit(main())
