"""Killing the app mid-answer loses nothing: a real app process records from the virtual microphone,
is SIGKILLed, and the next launch repairs the WAV, lists the attempt as interrupted and transcribes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import wave
from pathlib import Path
from typing import Any

import pytest

from opsprep_voice.core.bank import load_bank
from opsprep_voice.core.paths import AppPaths
from tests.support import APP_CHILD
from tests.support.speech import synthesize
from tests.support.waits import BACKGROUND_MS

pytestmark = pytest.mark.audio
Q = load_bank().find("5")  # Infrastructure as Code


def test_sigkill_mid_answer_then_relaunch_recovers_and_transcribes(
    qtbot: Any,
    tmp_path: Path,
    pulse_audio: dict[str, str],
    speech_dir: Path,
    session_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from opsprep_voice.ui.application import build_app
    from opsprep_voice.ui.history_store import transcribe_attempt

    home = tmp_path / "home"
    # Share the run's model cache so the relaunch does not rebuild the embedded model.
    (home / "cache").mkdir(parents=True)
    (home / "cache" / "models").symlink_to(session_home / "cache" / "models", target_is_directory=True)
    (session_home / "cache" / "models").mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("OPSPREP_VOICE_HOME", str(home))
    answer = synthesize(Q.example_answer, speech_dir / "crash-answer.wav", voice="en-gb")

    child = subprocess.Popen(
        [sys.executable, str(APP_CHILD), Q.id],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "OPSPREP_VOICE_HOME": str(home)},
    )
    player: subprocess.Popen[bytes] | None = None
    try:
        assert child.stdout is not None
        # Play the answer only once the app's microphone stream delivers audio: the child needs seconds
        # to start on a busy machine, and whatever is played before that is never recorded.
        assert child.stdout.readline().split() == ["listening"]
        player = subprocess.Popen(["paplay", "--device=micfeed", str(answer)])
        line = child.stdout.readline().split()
        assert line[:1] == ["recording"], f"child said {line!r}"
        attempt_id, seconds_before_kill = int(line[1]), float(line[2])
        # Let more of the answer reach the disk, then kill the app without warning.
        qtbot.waitUntil(lambda: player is not None and player.poll() is not None, timeout=60_000)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        for proc in (child, player):
            if proc is not None and proc.poll() is None:
                proc.kill()

    ctx = build_app(paths=AppPaths.default(), synthesizer=None)
    qtbot.addWidget(ctx.window)
    try:
        assert any("recovered" in p for p in ctx.problems), ctx.problems
        assert ctx.history is not None
        attempt = ctx.history.get_attempt(attempt_id)
        assert attempt.status == "interrupted"
        assert attempt.duration_s is not None and attempt.duration_s >= seconds_before_kill
        audio = ctx.history.resolve_audio(attempt.audio_path)
        assert audio is not None
        with wave.open(str(audio)) as w:  # the header was repaired: a valid WAV of the right length
            assert abs(w.getnframes() / w.getframerate() - attempt.duration_s) < 0.05
        qtbot.waitUntil(lambda: ctx.transcription.ready, timeout=BACKGROUND_MS)
        transcribe_attempt(ctx, attempt_id)
        assert attempt_id in ctx.transcribing
        # Until the task has ended, either way; a failure then shows its notice rather than a timeout.
        qtbot.waitUntil(lambda: attempt_id not in ctx.transcribing, timeout=BACKGROUND_MS)
        scored = ctx.history.get_attempt(attempt_id)
        assert scored.status == "scored", ctx.window.notice.text()
        assert scored.coverage is not None and scored.coverage > 0.3
        assert "terraform" in (scored.transcript_text or "").lower()
    finally:
        ctx.shutdown()
