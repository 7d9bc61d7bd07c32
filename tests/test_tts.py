"""SpeechSynthesizer on real pyttsx3 + espeak-ng: valid WAVs, plausible lengths, cache, no cross-talk."""

from __future__ import annotations

import hashlib
import threading
import wave
from pathlib import Path

import pytest

from opsprep_voice.audio.tts import SpeechSynthesizer, TTSError

QUESTION = (
    "Walk me through how you would design on-call alerting for a payment service with a "
    "ninety nine point nine percent availability objective, and how you would avoid alert fatigue."
)
SHORT = "Why Terraform?"


def _info(path: Path) -> tuple[float, int, int]:
    with wave.open(str(path), "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        frames = w.getnframes()
        assert path.stat().st_size == 44 + 2 * frames  # complete: header matches the data
        return frames / w.getframerate(), w.getframerate(), frames


@pytest.fixture()
def tts(tmp_path: Path) -> SpeechSynthesizer:
    return SpeechSynthesizer(tmp_path / "tts-cache")


def test_question_wav_has_plausible_duration(tts: SpeechSynthesizer) -> None:
    path = tts.synthesize(QUESTION, rate=160)
    duration, rate, _ = _info(path)
    words = len(QUESTION.split())
    expected = words / 160 * 60  # 10.5 s at 160 wpm
    assert rate > 8000
    assert 0.6 * expected < duration < 1.5 * expected, f"{duration:.1f} s for {words} words"
    assert path.parent == tts.cache_dir


def test_rate_changes_duration(tts: SpeechSynthesizer) -> None:
    slow, _, _ = _info(tts.synthesize(QUESTION, rate=120))
    fast, _, _ = _info(tts.synthesize(QUESTION, rate=240))
    assert slow > 1.5 * fast


def test_cache_hit_returns_same_file_without_synthesis(tts: SpeechSynthesizer) -> None:
    first = tts.synthesize(QUESTION)
    mtime = first.stat().st_mtime_ns
    assert tts.syntheses == 1
    again = SpeechSynthesizer(tts.cache_dir).synthesize(QUESTION)  # a new instance, same cache
    assert again == first and tts.synthesize(QUESTION) == first
    assert tts.syntheses == 1
    assert first.stat().st_mtime_ns == mtime
    assert tts.synthesize(QUESTION, rate=150) != first  # rate is part of the key
    assert [p.name for p in tts.cache_dir.iterdir() if p.name.startswith(".")] == []  # no temp files left


def test_back_to_back_jobs_do_not_cross_talk(tts: SpeechSynthesizer, tmp_path: Path) -> None:
    long_path = tts.synthesize(QUESTION)
    short_path = tts.synthesize(SHORT)
    long_s, _, _ = _info(long_path)
    short_s, _, _ = _info(short_path)
    assert short_s < 2.0 < 6.0 < long_s
    # Same texts again from two threads at once, in a fresh cache: identical audio, each its own.
    other = SpeechSynthesizer(tmp_path / "other-cache")
    results: dict[str, Path] = {}

    def job(text: str) -> None:
        results[text] = other.synthesize(text)

    threads = [threading.Thread(target=job, args=(t,)) for t in (QUESTION, SHORT)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # Each file holds its own speech: the same length as when it was synthesised alone. (Lengths, not
    # bytes: espeak's last buffer can differ under load, and a failing bytes diff stalls pytest.)
    assert abs(wav_seconds(results[QUESTION]) - long_s) < 0.1
    assert abs(wav_seconds(results[SHORT]) - short_s) < 0.1


def test_voice_choice_is_applied_and_reset(tts: SpeechSynthesizer, tmp_path: Path) -> None:
    voices = tts.list_voices()
    assert voices and all(v.id and v.name for v in voices)
    english = [v for v in voices if any(lang.startswith("en") for lang in v.languages)]
    assert len(english) >= 2
    default = tts.synthesize(SHORT)
    scottish = tts.synthesize(SHORT, voice_id=next(v.id for v in english if "scotland" in v.id))
    # Compare digests, not bytes: a failing bytes comparison makes pytest diff ~100 kB for minutes.
    assert digest(scottish) != digest(default)
    # After a job with another voice, the default voice is back (fresh cache forces a new synthesis):
    # the same length as the first default rendering (espeak may differ in the last samples under load).
    again = SpeechSynthesizer(tmp_path / "fresh").synthesize(SHORT)
    assert abs(wav_seconds(again) - wav_seconds(default)) < 0.05
    assert abs(wav_seconds(scottish) - wav_seconds(default)) > 0.01 or digest(again) == digest(default)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def test_unknown_voice_and_empty_text(tts: SpeechSynthesizer) -> None:
    with pytest.raises(TTSError, match="Unknown voice"):
        tts.synthesize(SHORT, voice_id="no/such-voice")
    with pytest.raises(ValueError, match="empty"):
        tts.synthesize("   ")
