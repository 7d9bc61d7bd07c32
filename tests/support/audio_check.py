"""Helpers for real-audio tests: read 16-bit WAVs and align/compare a recording with its source."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Mono float64 samples in [-1, 1] (first channel) and the sample rate of a 16-bit PCM WAV."""
    with wave.open(str(path), "rb") as w:
        assert w.getsampwidth() == 2, "16-bit PCM expected"
        raw = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, w.getnchannels())
        return raw[:, 0].astype(np.float64) / 32768.0, w.getframerate()


def align(recording: np.ndarray, source: np.ndarray) -> tuple[float, int]:
    """Best normalised correlation of ``source`` inside ``recording``, and the lag (samples) of its start."""
    n = len(recording) + len(source)
    size = 1 << (n - 1).bit_length()
    xcorr = np.fft.irfft(np.fft.rfft(recording, size) * np.conj(np.fft.rfft(source, size)), size)
    lag = int(np.argmax(xcorr[: len(recording)]))
    segment = recording[lag : lag + len(source)]
    ref = source[: len(segment)]
    denom = float(np.linalg.norm(segment) * np.linalg.norm(ref))
    return (float(np.dot(segment, ref)) / denom if denom else 0.0), lag


def speech_span(samples: np.ndarray, rate: int, threshold_db: float = -40.0) -> float:
    """Seconds from the first to the last 10 ms frame louder than ``threshold_db`` RMS."""
    hop = rate // 100
    frames = samples[: len(samples) // hop * hop].reshape(-1, hop)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    loud = np.nonzero(rms > 10 ** (threshold_db / 20))[0]
    return 0.0 if loud.size == 0 else (loud[-1] - loud[0] + 1) / 100.0
