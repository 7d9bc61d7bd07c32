"""A long recording with no speech in it is reported as "no speech heard", never as a pace of 0 words/min
(slow): scored by the real engine (10 minutes of silence, and of faint hiss) and in the report's text."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from opsprep_voice.core.bank import load_bank
from opsprep_voice.core.scoring import format_report, score_answer
from opsprep_voice.core.transcript import Transcript

Q = load_bank().find("3")


def test_a_report_without_words_says_no_speech_heard() -> None:
    report = score_answer(Q, Transcript.from_words([], 600.0))
    text = format_report(report, Q)
    assert report.wpm is None and report.wpm_band is None
    assert "Pace: no speech heard" in text and "words/min" not in text


@pytest.mark.model
@pytest.mark.parametrize("noise", [0, 30])
def test_ten_minutes_of_silence_scores_no_speech_heard(tmp_path: Path, noise: int) -> None:
    path = tmp_path / "silence.wav"
    samples = np.random.default_rng(10).normal(0, noise, 16000 * 600) if noise else np.zeros(16000 * 600)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(samples.astype(np.int16).tobytes())
    command = [sys.executable, "-m", "opsprep_voice", "score", str(path), "--question", "3"]
    text = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert text.returncode == 0, text.stderr
    assert "Pace: no speech heard" in text.stdout and "words/min" not in text.stdout, text.stdout
    data = json.loads(subprocess.check_output([*command, "--json"], text=True, timeout=600))
    assert data["word_count"] == 0 and data["wpm"] is None and data["wpm_band"] is None
    assert data["duration_s"] == pytest.approx(600, abs=0.1)
