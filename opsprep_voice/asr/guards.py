"""Rules both engines share for audio with no speech in it: Silero VAD settings and which recognised
segments are hallucinations (Whisper's "Thank you." on silence) rather than speech; and word times kept
inside the audio."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import numpy as np

from opsprep_voice.asr.base import SAMPLE_RATE, Audio
from opsprep_voice.core.transcript import Word

#: Phrases Whisper emits on silence/noise (lower-case, punctuation stripped).
HALLUCINATIONS = frozenset(
    {
        "you",
        "thank you",
        "thanks",
        "thank you very much",
        "thanks for watching",
        "thank you for watching",
        "thanks for watching and see you next time",
        "please subscribe",
        "subscribe",
        "bye",
        "bye bye",
        "okay",
        "so",
        "the end",
        "music",
        "applause",
        "silence",
        "subtitles by the amaraorg community",
    }
)

VAD_PARAMETERS: dict[str, Any] = {
    "threshold": 0.35,  # below Silero's 0.5 default: keep quiet or distant speech
    "min_silence_duration_ms": 1000,
    "speech_pad_ms": 400,
}


_NON_WORD = re.compile(r"[^a-z0-9' ]+")


def _normalise(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())


def _rms_dbfs(audio: Audio) -> float:
    if audio.size == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    return 20.0 * np.log10(max(rms, 1e-6))


def speech_regions(audio: Audio, max_region_s: float = 29.0) -> list[tuple[float, float]]:
    """Speech regions (seconds) found by Silero VAD (shipped with faster-whisper), :data:`VAD_PARAMETERS`."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    from opsprep_voice.asr import silero

    silero.install()  # bounded memory on long audio, same probabilities
    # Long speech is split at its last short pause (>= 98 ms) before ``max_region_s``, so windows can be
    # cut between regions (asr.windows) without cutting a word.
    stamps = get_speech_timestamps(audio, VadOptions(**VAD_PARAMETERS, max_speech_duration_s=max_region_s))
    return [(t["start"] / SAMPLE_RATE, t["end"] / SAMPLE_RATE) for t in stamps]


def is_hallucination(
    text: str, start: float, end: float, no_speech_prob: float, avg_logprob: float, audio: Audio
) -> bool:
    """Whether a recognised segment should be dropped.

    Dropped: empty/punctuation-only text; "no speech" with low confidence; a known silence phrase
    ("Thank you", "You") when Whisper leans to no-speech or the audio under it is near-silent.
    """
    norm = _normalise(text)
    if not norm:
        return True
    if no_speech_prob > 0.6 and avg_logprob < -0.8:
        return True
    if norm in HALLUCINATIONS:
        lo = max(0, int(start * SAMPLE_RATE))
        hi = min(audio.size, int(end * SAMPLE_RATE))
        return bool(no_speech_prob > 0.3 or _rms_dbfs(audio[lo:hi]) < -60.0)
    return False


def clamp_words(words: list[Word], duration: float) -> list[Word]:
    """Word times inside ``[0, duration]`` and non-decreasing (Whisper can overshoot the last word)."""
    out: list[Word] = []
    last = 0.0
    for w in words:
        start = min(max(w.start, last), duration)
        end = min(max(w.end, start), duration)
        out.append(replace(w, start=start, end=end))  # keeps the text and whether it joins the last word
        last = start
    return out
