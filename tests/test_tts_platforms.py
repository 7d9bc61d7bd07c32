"""The speech synthesiser's platform seam: a driver that writes AIFF (macOS's NSSpeechSynthesizer does,
whatever the file is called) still gives a cached, complete PCM WAV. The driver is a fake
(tests/support/fake_tts_driver.py) run through the real child process."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from opsprep_voice.audio.tts import SpeechSynthesizer, TTSError, _aiff_to_wav, _output_duration
from tests.support import fake_tts_driver

REPO = Path(__file__).resolve().parents[1]
TEXT = "Tell me about an incident you led from detection to postmortem."  # 11 words


@pytest.fixture()
def synth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SpeechSynthesizer:
    monkeypatch.setenv("PYTHONPATH", str(REPO))  # the child imports the fake driver from tests.support
    return SpeechSynthesizer(tmp_path / "tts", driver="tests.support.fake_tts_driver")


def test_aiff_from_the_driver_is_cached_as_a_pcm_wav(synth: SpeechSynthesizer) -> None:
    path = synth.synthesize(TEXT)
    assert path.suffix == ".wav" and path.read_bytes()[:4] == b"RIFF"
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, fake_tts_driver.RATE)
        seconds = wav.getnframes() / wav.getframerate()
    assert seconds == pytest.approx(11 * fake_tts_driver.SECONDS_PER_WORD, abs=0.01)
    assert synth.synthesize(TEXT) == path and synth.syntheses == 1  # the converted file is the cache
    assert list(path.parent.iterdir()) == [path]  # no temporary or AIFF file left behind


def test_incomplete_or_foreign_files_are_not_taken_for_audio(tmp_path: Path) -> None:
    aiff = tmp_path / "out.wav"
    fake_tts_driver.write_aiff(str(aiff), 0.5)
    whole = aiff.read_bytes()
    aiff.write_bytes(whole[: len(whole) // 2])  # the driver is still writing
    assert _output_duration(aiff) is None and aiff.read_bytes()[:4] == b"FORM"
    aiff.write_bytes(whole)
    assert _output_duration(aiff) == pytest.approx(0.5, abs=0.01)
    text = tmp_path / "text.wav"
    text.write_bytes(b"not audio at all")
    assert not _aiff_to_wav(text) and _output_duration(text) is None


def test_a_corrupt_aiff_is_an_error_not_a_hang(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    body = b"COMM" + (18).to_bytes(4, "big") + b"\xff" * 18
    bad.write_bytes(b"FORM" + (4 + len(body)).to_bytes(4, "big") + b"AIFF" + body)
    with pytest.raises(TTSError, match="AIFF"):
        _aiff_to_wav(bad)
