"""Loudness of the recorded blocks: the level shown while recording and the auto-stop on silence.

Pure numpy, no threads of its own: the recording pump feeds each block to a :class:`LevelMeter` (read from
the GUI thread through :meth:`LevelMeter.reading`, hence its lock) and, when auto-stop is on, the block's
RMS level to a :class:`SilenceDetector`.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np

SILENCE_FLOOR_DBFS = -120.0


def _dbfs(value: float) -> float:
    return SILENCE_FLOOR_DBFS if value <= 1e-6 else max(SILENCE_FLOOR_DBFS, 20.0 * math.log10(value))


def block_to_float(block: np.ndarray) -> np.ndarray:
    """float32 in [-1, 1] from an int16 or float block."""
    if block.dtype == np.int16:
        return block.astype(np.float32) / np.float32(32768.0)
    return block.astype(np.float32, copy=False)


@dataclass(frozen=True, slots=True)
class Level:
    rms_dbfs: float
    peak_dbfs: float
    blocks: int


class LevelMeter:
    """RMS and peak (dBFS) of the latest block; :meth:`reading` is safe from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._level = Level(SILENCE_FLOOR_DBFS, SILENCE_FLOOR_DBFS, 0)

    def update(self, samples: np.ndarray) -> Level:
        """Measure float samples in [-1, 1] (any shape)."""
        if samples.size:
            flat = samples.astype(np.float64, copy=False).ravel()
            rms = float(np.sqrt(np.mean(flat * flat)))
            peak = float(np.max(np.abs(flat)))
        else:
            rms = peak = 0.0
        with self._lock:
            self._level = Level(_dbfs(rms), _dbfs(peak), self._level.blocks + 1)
            return self._level

    def reading(self) -> Level:
        with self._lock:
            return self._level


class SilenceDetector:
    """Says when to auto-stop: ``silence_seconds`` below ``threshold_dbfs`` after speech has started.

    Speech counts as started after ``min_speech_seconds`` (cumulative) above the threshold, so a click
    does not arm it and a silent start never stops the recording.
    """

    def __init__(
        self, silence_seconds: float, *, threshold_dbfs: float = -40.0, min_speech_seconds: float = 0.3
    ) -> None:
        if silence_seconds <= 0:
            raise ValueError("silence_seconds must be positive")
        self.silence_seconds = silence_seconds
        self.threshold_dbfs = threshold_dbfs
        self.min_speech_seconds = min_speech_seconds
        self.speech_seconds = 0.0
        self.silent_seconds = 0.0

    @property
    def speech_started(self) -> bool:
        return self.speech_seconds >= self.min_speech_seconds

    def update(self, rms_dbfs: float, seconds: float) -> bool:
        """Feed one block's RMS level and length; True when the recording should stop."""
        if rms_dbfs >= self.threshold_dbfs:
            self.speech_seconds += seconds
            self.silent_seconds = 0.0
            return False
        if not self.speech_started:
            return False
        self.silent_seconds += seconds
        return self.silent_seconds >= self.silence_seconds
