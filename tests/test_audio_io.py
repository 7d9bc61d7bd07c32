"""Audio loading and resampling: real files made with sox, real decoding with PyAV, soxr resampling."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from opsprep_voice.audio.io import SAMPLE_RATE, AudioError, Resampler, load_audio, to_mono_16k


def _sox_tone(path: Path, rate: int, channels: int = 1, seconds: float = 1.0, freq: int = 1000) -> Path:
    subprocess.run(
        ["sox", "-n", "-r", str(rate), "-c", str(channels), "-b", "16", str(path),
         "synth", str(seconds), "sine", str(freq), "gain", "-6"],
        check=True,
    )  # fmt: skip
    return path


def _dominant_hz(audio: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(audio.size)))
    return float(np.fft.rfftfreq(audio.size, 1 / rate)[int(np.argmax(spectrum))])


@pytest.mark.parametrize("rate", [8000, 16000, 44100, 48000])
def test_wav_any_rate_becomes_16k_mono_float32(tmp_path: Path, rate: int) -> None:
    audio = load_audio(_sox_tone(tmp_path / f"tone{rate}.wav", rate, seconds=1.5))
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert abs(audio.size - int(1.5 * SAMPLE_RATE)) <= 2
    assert abs(_dominant_hz(audio) - 1000) < 5
    assert 0.4 < float(np.abs(audio).max()) < 0.6  # -6 dB full scale survives decoding and resampling


def test_stereo_is_downmixed(tmp_path: Path) -> None:
    # Left: 1 kHz tone; right: silence -> mono at half amplitude.
    left = _sox_tone(tmp_path / "l.wav", 48000)
    stereo = tmp_path / "stereo.wav"
    subprocess.run(["sox", str(left), str(stereo), "remix", "1", "0"], check=True)
    audio = load_audio(stereo)
    assert audio.size == SAMPLE_RATE
    assert 0.2 < float(np.abs(audio).max()) < 0.3


def test_flac(tmp_path: Path) -> None:
    wav = _sox_tone(tmp_path / "t.wav", 44100, channels=2)
    flac = tmp_path / "t.flac"
    subprocess.run(["sox", str(wav), str(flac)], check=True)
    np.testing.assert_allclose(load_audio(flac), load_audio(wav), atol=1e-4)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match=r"not found: .*nope\.wav"):
        load_audio(tmp_path / "nope.wav")


def test_folder(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="is a folder"):
        load_audio(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(AudioError, match=r"empty\.wav is empty \(0 bytes\).*[Rr]ecord"):
        load_audio(empty)


def test_zero_length_wav(tmp_path: Path) -> None:
    zero = tmp_path / "zero.wav"
    subprocess.run(
        ["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(zero), "trim", "0", "0"], check=True
    )
    assert zero.stat().st_size > 0  # a valid header with no samples
    with pytest.raises(AudioError, match="no audio samples"):
        load_audio(zero)


def test_corrupt_wav(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    with pytest.raises(AudioError, match=r"bad\.wav is corrupt.*WAV or FLAC"):
        load_audio(bad)


def test_unsupported_format(tmp_path: Path) -> None:
    txt = tmp_path / "notes.txt"
    txt.write_text("this is not audio\n" * 20)
    with pytest.raises(AudioError, match=r"Unsupported audio format '\.txt'.*notes\.txt.*ffmpeg"):
        load_audio(txt)


def test_to_mono_16k_interleaved_and_2d_agree() -> None:
    t = np.arange(48000) / 48000
    tone = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    stereo_2d = np.stack([tone, tone], axis=1)
    a = to_mono_16k(stereo_2d, 48000, 2)
    b = to_mono_16k(stereo_2d.reshape(-1), 48000, 2)
    np.testing.assert_array_equal(a, b)
    assert a.size == 16000 and abs(_dominant_hz(a) - 1000) < 5


def test_int16_input_is_scaled() -> None:
    block = np.full(1600, 16384, dtype=np.int16)
    out = to_mono_16k(block, 16000, 1)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, 0.5)


def test_resampler_blocks_match_whole_buffer_and_keep_a_tone() -> None:
    rate = 48000
    t = np.arange(rate * 2) / rate
    tone = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    stereo = np.stack([tone, tone], axis=1)
    rs = Resampler(rate, channels=2)
    pieces = [rs.process(stereo[i : i + 1024]) for i in range(0, stereo.shape[0], 1024)]
    pieces.append(rs.flush())
    out = np.concatenate(pieces)
    assert out.dtype == np.float32
    assert out.size == 2 * SAMPLE_RATE  # exactly 1/3 of the input, no samples lost or added
    whole = to_mono_16k(stereo, rate, 2)
    # Streaming and one-shot resampling agree away from the edges.
    np.testing.assert_allclose(out[2000:-2000], whole[2000:-2000], atol=1e-3)
    mid = out[4000:-4000]
    assert abs(_dominant_hz(mid) - 1000) < 5
    assert abs(float(np.sqrt(np.mean(mid**2))) - 0.5 / np.sqrt(2)) < 0.01
    with pytest.raises(RuntimeError, match="after flush"):
        rs.process(stereo[:10])


def test_resampler_16k_passthrough_and_bad_shape() -> None:
    rs = Resampler(16000)
    block = np.linspace(-1, 1, 160, dtype=np.float32)
    np.testing.assert_array_equal(rs.process(block), block)
    assert rs.flush().size == 0
    with pytest.raises(ValueError, match="channels"):
        Resampler(48000, channels=2).process(np.zeros(7, dtype=np.float32))
