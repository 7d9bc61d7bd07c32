"""Energy voice activity (opsprep_voice.asr.vad): frame energies, adaptive threshold, pauses, dips."""

from __future__ import annotations

import numpy as np
import pytest

from opsprep_voice.asr.base import SAMPLE_RATE, Audio
from opsprep_voice.asr.vad import EnergyVad

FRAME = 320  # 20 ms


def make_vad(window_frames: int = 500) -> EnergyVad:
    return EnergyVad(FRAME, margin_db=12.0, min_dbfs=-50.0, window_frames=window_frames)


def signal(
    speech: list[tuple[float, float]], duration_s: float, floor: float = 0.001, seed: int = 0
) -> Audio:
    """Noise at ``floor`` amplitude with loud (0.3) noise inside the ``speech`` spans (seconds)."""
    n = round(duration_s * SAMPLE_RATE)
    amp = np.full(n, floor, dtype=np.float32)
    for s, e in speech:
        amp[round(s * SAMPLE_RATE) : round(e * SAMPLE_RATE)] = 0.3
    rng = np.random.default_rng(seed)
    return (rng.uniform(-1, 1, n) * amp).astype(np.float32)


def frame_db(audio: Audio) -> np.ndarray:
    frames = audio[: audio.size // FRAME * FRAME].reshape(-1, FRAME).astype(np.float64)
    return 10.0 * np.log10(np.mean(np.square(frames), axis=1) + 1e-12)


def measured(audio: Audio, vad: EnergyVad | None = None) -> EnergyVad:
    vad = vad or make_vad()
    vad.measure(audio, 0, audio.size)
    return vad


def test_measures_complete_frames_only_and_incrementally() -> None:
    audio = signal([(0.5, 1.5)], 2.0)
    once = measured(audio)
    assert once.frames == audio.size // FRAME
    steps = make_vad()
    for end in range(0, audio.size + 1, 1_000):  # blocks that never line up with frames
        steps.measure(audio[:end], 0, end)
        assert steps.frames == end // FRAME
    steps.measure(audio, 0, audio.size)
    assert steps.speech_mask(0, steps.frames).tolist() == once.speech_mask(0, once.frames).tolist()


def test_measure_reads_only_the_audio_it_is_given() -> None:
    """The caller keeps only samples [base, end): frames already measured are not read again, and frames
    dropped unmeasured count as silence."""
    audio = signal([(0.2, 0.8)], 1.0)
    vad = make_vad()
    vad.measure(audio[: FRAME * 10], 0, FRAME * 10)
    base = FRAME * 10
    vad.measure(audio[base:], base, audio.size)
    assert vad.frames == audio.size // FRAME
    assert vad.speech_frames(0, audio.size) == measured(audio).speech_frames(0, audio.size)
    late = make_vad()
    late.measure(audio[FRAME * 5 :], FRAME * 5, audio.size)
    assert late.frames == audio.size // FRAME
    assert late.speech_frames(0, FRAME * 5) == 0


def test_threshold_follows_the_noise_floor_within_limits() -> None:
    vad = make_vad()
    assert vad.threshold(0) == -50.0  # nothing measured yet
    quiet = measured(signal([], 2.0, floor=0.001))  # about -65 dBFS: the floor is under min_dbfs
    assert quiet.threshold(quiet.frames) == -50.0
    noisy_audio = signal([(0.0, 1.0)], 2.0, floor=0.03)
    noisy = measured(noisy_audio)  # floor about -35 dBFS, speech -15
    floor_db = float(np.percentile(frame_db(noisy_audio), 10))
    assert noisy.threshold(noisy.frames) == pytest.approx(floor_db + 12.0)
    close_audio = signal([(0.0, 1.0)], 2.0, floor=0.1)
    close = measured(close_audio)  # noise 10 dB under speech: keep 6 dB below speech
    loud_db = float(np.percentile(frame_db(close_audio), 95))
    assert close.threshold(close.frames) == pytest.approx(loud_db - 6.0)


def test_threshold_looks_only_at_the_recent_window() -> None:
    audio = np.concatenate([signal([], 2.0, floor=0.03), signal([], 2.0, floor=0.001, seed=1)])
    vad = measured(audio, make_vad(window_frames=50))  # 1 s window
    assert vad.threshold(vad.frames) == -50.0  # the noisy first half is out of the window
    assert vad.threshold(100) > -50.0


def test_speech_frames_and_pauses() -> None:
    audio = signal([(0.2, 1.0), (1.5, 2.0), (2.1, 2.6)], 3.0)
    vad = measured(audio)
    assert vad.speech_frames(round(0.2 * SAMPLE_RATE), SAMPLE_RATE) == pytest.approx(40, abs=1)
    assert vad.speech_frames(round(1.0 * SAMPLE_RATE) + FRAME, round(1.5 * SAMPLE_RATE) - FRAME) == 0
    assert vad.speech_frames(SAMPLE_RATE, SAMPLE_RATE) == 0  # empty range
    pauses = vad.pauses(0, vad.frames, min_frames=15)  # 0.3 s: the 0.2 s lead-in and 0.1 s gap are not
    assert pauses == [(50, 75), (130, 150)]
    assert vad.pauses(20, 60, min_frames=10) == [(50, 60)]  # frame indices stay absolute


def test_quietest_finds_a_real_dip_or_nothing() -> None:
    audio = signal([(0.0, 0.5), (0.56, 1.0)], 1.0)  # a 60 ms gap between two words
    vad = measured(audio)
    lo, hi = round(0.4 * SAMPLE_RATE), round(0.7 * SAMPLE_RATE)
    cut = vad.quietest(lo, hi, dip_only=True)
    assert cut is not None and 0.5 <= cut / SAMPLE_RATE <= 0.56
    assert (cut - FRAME // 2) % FRAME == 0  # the middle of a frame
    word = (round(0.1 * SAMPLE_RATE), round(0.4 * SAMPLE_RATE))
    assert vad.quietest(*word, dip_only=True) is None  # no dip inside one loud word
    assert vad.quietest(*word) is not None  # ... but there is always a quietest frame
    assert vad.quietest(audio.size, audio.size + FRAME) is None  # nothing measured there
