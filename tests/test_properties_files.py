"""Properties of what the app reads back from disk: WAV repair and the settings file, on any bytes."""

from __future__ import annotations

import json
import struct
import tempfile
import wave
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from opsprep_voice.audio.wavfile import WavRepairError, repair_wav
from opsprep_voice.core.settings import Settings, SettingsStore


def _header(rate: int, channels: int, riff_size: int, data_size: int) -> bytes:
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF", riff_size, b"WAVE", b"fmt ", 16, 1, channels, rate, rate * channels * 2, channels * 2, 16,
        b"data", data_size,
    )  # fmt: skip


@given(st.binary(max_size=300))
def test_repair_of_any_bytes_repairs_or_says_why(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.wav"
        path.write_bytes(raw)
        try:
            seconds = repair_wav(path)
        except WavRepairError:
            return
        assert seconds >= 0


@given(
    rate=st.sampled_from([8000, 16000, 44100, 48000]),
    channels=st.integers(1, 2),
    frames=st.integers(0, 2000),
    tail=st.integers(0, 3),
    riff_size=st.integers(0, 2**32 - 1),
    data_size=st.integers(0, 2**32 - 1),
)
def test_a_writer_killed_at_any_point_leaves_a_readable_wav(
    rate: int, channels: int, frames: int, tail: int, riff_size: int, data_size: int
) -> None:
    """Any sizes in the header (0 when the writer died before its first update, or stale), any number of
    frames after it and a partial frame at the end: repair gives a WAV the standard reader accepts, with
    every whole frame."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.wav"
        path.write_bytes(
            _header(rate, channels, riff_size, data_size) + b"\x01\x02" * channels * frames + b"\x7f" * tail
        )
        seconds = repair_wav(path)
        with wave.open(str(path), "rb") as wav:
            assert (wav.getframerate(), wav.getnchannels()) == (rate, channels)
            got = wav.getnframes()
        on_disk = channels * 2 * frames + tail
        assert got * channels * 2 <= on_disk
        if not 0 < data_size <= on_disk:
            assert got == on_disk // (channels * 2)  # a stale size is replaced by the whole frames on disk
        assert abs(seconds - got / rate) < 1e-9


settings_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)
known_keys = st.sampled_from(sorted(Settings.model_fields))


@given(st.binary(max_size=400) | settings_values.map(lambda v: json.dumps(v).encode()))
def test_any_settings_file_loads_as_settings(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "settings.json"
        path.write_bytes(raw)
        store = SettingsStore(path)
        assert isinstance(store.settings, Settings)
        if store.problem is not None:
            assert "\n" not in store.problem and str(path) in store.problem


@given(st.dictionaries(known_keys, settings_values, max_size=6))
def test_settings_with_known_keys_and_any_values_load(values: dict[str, object]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "settings.json"
        path.write_text(json.dumps(values), encoding="utf-8")
        store = SettingsStore(path)
        assert isinstance(store.settings, Settings)
        if store.problem is None:
            assert SettingsStore(path).settings == store.settings  # what loads, loads again the same
