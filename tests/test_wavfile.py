"""StreamingWavWriter round trips and repair_wav after simulated crashes."""

from __future__ import annotations

import os
import stat
import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from opsprep_voice.audio.wavfile import StreamingWavWriter, WavRepairError, repair_wav


def _read(path: Path) -> tuple[np.ndarray, int, int]:
    with wave.open(str(path), "rb") as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return data.reshape(-1, w.getnchannels()), w.getframerate(), w.getnchannels()


def _tone(seconds: float, rate: int, channels: int = 1) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    mono = 0.5 * np.sin(2 * np.pi * 440 * t)
    return np.repeat(mono[:, None], channels, axis=1).astype(np.float32)


def test_round_trip_int16_blocks_exact_and_user_only(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    source = rng.integers(-32768, 32767, size=(48_000, 2), dtype=np.int16)
    path = tmp_path / "a.wav"
    with StreamingWavWriter(path, 48_000, 2) as writer:
        for start in range(0, len(source), 1000):
            writer.write(source[start : start + 1000])
        assert writer.frames_written == len(source)
    data, rate, channels = _read(path)
    assert (rate, channels) == (48_000, 2)
    np.testing.assert_array_equal(data, source)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_float_blocks_are_scaled_and_clipped(tmp_path: Path) -> None:
    ints = np.array([-32768, -1, 0, 1, 12345, 32767], dtype=np.int16)
    floats = np.concatenate([ints.astype(np.float32) / 32768.0, np.array([1.5, -2.0], dtype=np.float32)])
    path = tmp_path / "f.wav"
    with StreamingWavWriter(path, 16_000, 1) as writer:
        writer.write(floats)
    data, _, _ = _read(path)
    np.testing.assert_array_equal(data[:, 0], [*ints.tolist(), 32767, -32768])


def test_existing_file_is_replaced_and_made_user_only(tmp_path: Path) -> None:
    path = tmp_path / "old.wav"
    path.write_bytes(b"x" * 1000)
    path.chmod(0o644)
    StreamingWavWriter(path, 16_000).close()
    assert path.stat().st_size == 44
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_header_is_updated_while_writing(tmp_path: Path) -> None:
    """Without close(), a reader already sees everything up to the last flush (0.25 s by default)."""
    path = tmp_path / "live.wav"
    writer = StreamingWavWriter(path, 16_000, 1)
    block = np.full(1600, 1000, dtype=np.int16)  # 0.1 s
    for _ in range(10):
        writer.write(block)
    with wave.open(str(path), "rb") as w:
        seen = w.getnframes()
    assert 16_000 - 4000 <= seen <= 16_000  # at most one flush interval behind
    assert path.stat().st_size >= 44 + seen * 2
    writer.close()
    with wave.open(str(path), "rb") as w:
        assert w.getnframes() == 16_000
    with pytest.raises(ValueError, match="closed"):
        writer.write(block)


def _crashed_copy(tmp_path: Path, frames: int, rate: int = 16_000, channels: int = 1) -> Path:
    """A WAV as a killed writer leaves it: header sizes 0 (never updated) and a partial last frame."""
    path = tmp_path / "crashed.wav"
    source = (_tone(frames / rate, rate, channels) * 32767).astype(np.int16)
    with StreamingWavWriter(path, rate, channels) as writer:
        writer.write(source)
    with path.open("r+b") as fh:
        fh.seek(4)
        fh.write(struct.pack("<I", 0))
        fh.seek(40)
        fh.write(struct.pack("<I", 0))
        fh.seek(0, os.SEEK_END)
        fh.write(b"\x01")  # half a sample: the writer died mid-frame
    return path


def test_repair_zero_sizes_gives_duration_and_content(tmp_path: Path) -> None:
    path = _crashed_copy(tmp_path, frames=40_000, channels=2)
    with pytest.raises((wave.Error, EOFError)):  # a RIFF size of 0 is unreadable
        _read(path)
    duration = repair_wav(path)
    assert duration == pytest.approx(40_000 / 16_000)
    data, rate, channels = _read(path)
    assert (len(data), rate, channels) == (40_000, 16_000, 2)
    expected = (_tone(2.5, 16_000, 2) * 32767).astype(np.int16)
    np.testing.assert_array_equal(data, expected)
    assert path.stat().st_size == 44 + 40_000 * 4


def test_repair_stale_sizes_stretches_to_file_end(tmp_path: Path) -> None:
    path = _crashed_copy(tmp_path, frames=32_000)
    with path.open("r+b") as fh:  # last header update at 0.5 s, audio went on to 2 s
        fh.seek(4)
        fh.write(struct.pack("<I", 36 + 16_000))
        fh.seek(40)
        fh.write(struct.pack("<I", 16_000))
    assert repair_wav(path) == pytest.approx(2.0)
    assert _read(path)[0].shape == (32_000, 1)


def test_repair_leaves_a_good_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "good.wav"
    with StreamingWavWriter(path, 8000) as writer:
        writer.write(np.ones(8000, dtype=np.int16))
    before = path.read_bytes()
    assert repair_wav(path) == pytest.approx(1.0)
    assert path.read_bytes() == before


def test_repair_keeps_chunks_after_data(tmp_path: Path) -> None:
    """A complete file from another tool with a LIST chunk after data keeps its declared sizes."""
    path = tmp_path / "list.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(np.arange(800, dtype=np.int16).tobytes())
    extra = b"LIST" + struct.pack("<I", 4) + b"INFO"
    with path.open("r+b") as fh:
        fh.seek(0, os.SEEK_END)
        fh.write(extra)
        fh.seek(4)
        fh.write(struct.pack("<I", path.stat().st_size - 8))
    assert repair_wav(path) == pytest.approx(0.1)
    assert path.read_bytes().endswith(extra)


@pytest.mark.parametrize(
    "content",
    [b"", b"RIFF", b"hello, this is not audio at all" * 4, b"RIFF\x00\x00\x00\x00WAVEdata\x00\x00\x00\x00"],
)
def test_repair_rejects_non_wav(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(WavRepairError):
        repair_wav(path)
    assert path.read_bytes() == content


def test_repair_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WavRepairError, match="Cannot open"):
        repair_wav(tmp_path / "nope.wav")
