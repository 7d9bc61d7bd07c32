"""Synthetic speech for tests and benchmarks: espeak-ng voices, sox resampling and pink noise.

Importable helpers (not tests). Synthetic speech is not a person: treat its WER as a floor.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

VOICES = ("en-us", "en-gb", "en-gb-scotland", "en-us+f2")


def _run(cmd: list[str]) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({result.returncode}): {result.stderr.strip()}")


def require_tools() -> None:
    """Raise with the install command when espeak-ng or sox is missing."""
    missing = [t for t in ("espeak-ng", "sox") if shutil.which(t) is None]
    if missing:
        raise RuntimeError(f"missing {', '.join(missing)}: apt-get install espeak-ng sox")


def synthesize(
    text: str, path: str | Path, voice: str = "en-us", rate_wpm: int = 160, sample_rate: int = 16000
) -> Path:
    """Speak ``text`` with espeak-ng into a 16-bit mono WAV at ``sample_rate``; returns ``path``."""
    require_tools()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        text_file = Path(tmp) / "text.txt"
        text_file.write_text(text, encoding="utf-8")
        raw = Path(tmp) / "raw.wav"
        _run(["espeak-ng", "-v", voice, "-s", str(rate_wpm), "-w", str(raw), "-f", str(text_file)])
        # Converted next to the target and renamed: another test run sharing OPSPREP_TEST_SPEECH_DIR may be
        # playing this file right now, and sox rewriting it in place could change what that run plays.
        part = out.with_name(f".{out.name}.{os.getpid()}.tmp.wav")
        _run(["sox", "-R", str(raw), "-r", str(sample_rate), "-c", "1", "-b", "16", str(part)])
        os.replace(part, out)
    return out


def duration_s(path: str | Path) -> float:
    """Length of an audio file in seconds (sox)."""
    result = subprocess.run(["soxi", "-D", str(path)], capture_output=True, text=True, check=True)
    return float(result.stdout.strip())


def _rms_db(path: str | Path) -> float:
    stats = subprocess.run(
        ["sox", str(path), "-n", "stats"], capture_output=True, text=True, check=True
    ).stderr
    return next(float(line.split()[-1]) for line in stats.splitlines() if line.startswith("RMS lev dB"))


def add_noise(src: str | Path, dst: str | Path, snr_db: float) -> Path:
    """Mix pink noise into ``src`` at ``snr_db`` (speech RMS over noise RMS) and write ``dst``."""
    require_tools()
    src_p, dst_p = Path(src), Path(dst)
    rate = subprocess.run(["soxi", "-r", str(src_p)], capture_output=True, text=True, check=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        noise = Path(tmp) / "noise.wav"
        # Pink noise, then scaled to the target level measured by sox itself. -R: the same noise every run,
        # so a test on noisy speech hears the same clip each time (random noise made it pass or fail by luck).
        length = f"{duration_s(src_p)}"
        _run(
            ["sox", "-R", "-n", "-r", rate.strip(), "-c", "1", "-b", "16", str(noise), "synth", length,
             "pinknoise"]
        )  # fmt: skip
        gain = _rms_db(src_p) - snr_db - _rms_db(noise)
        scaled = Path(tmp) / "scaled.wav"
        _run(["sox", "-R", str(noise), str(scaled), "gain", f"{gain:.2f}"])  # -R: repeatable dither too
        dst_p.parent.mkdir(parents=True, exist_ok=True)
        _run(["sox", "-R", "-m", "-v", "1", str(src_p), "-v", "1", str(scaled), "-b", "16", str(dst_p)])
    return dst_p


def silence(path: str | Path, seconds: float, sample_rate: int = 16000) -> Path:
    """Digital silence."""
    _run(["sox", "-n", "-r", str(sample_rate), "-c", "1", "-b", "16", str(path), "trim", "0", str(seconds)])
    return Path(path)


def pink_noise(path: str | Path, seconds: float, level_db: float = -30.0, sample_rate: int = 16000) -> Path:
    """Pink noise alone at about ``level_db`` dBFS RMS."""
    _run([
        "sox", "-R", "-n", "-r", str(sample_rate), "-c", "1", "-b", "16", str(path),
        "synth", str(seconds), "pinknoise", "gain", "-n", f"{level_db + 10:.1f}",
    ])  # fmt: skip
    return Path(path)
