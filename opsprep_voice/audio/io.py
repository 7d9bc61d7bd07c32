"""Audio in: decode files and live blocks to 16 kHz mono float32, the one format every engine takes.

Files are decoded with PyAV (FFmpeg; already a faster-whisper dependency), so WAV, FLAC, OGG, MP3, M4A
and anything else FFmpeg reads work at any sample rate and channel count. Resampling uses soxr
(libsoxr, high quality). Live audio goes through :class:`Resampler`, which keeps filter state between
blocks so a 48 kHz stream cut into blocks gives the same samples as the whole stream resampled at once.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import soxr

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
Audio = npt.NDArray[np.float32]

#: File name endings FFmpeg decodes as audio; anything else that fails to decode is "unsupported".
AUDIO_SUFFIXES = frozenset(
    {
        ".wav",
        ".wave",
        ".flac",
        ".ogg",
        ".oga",
        ".opus",
        ".mp3",
        ".m4a",
        ".aac",
        ".webm",
        ".mka",
        ".aif",
        ".aiff",
        ".wma",
        ".mp4",
    }
)


class AudioError(Exception):
    """An audio file or buffer cannot be used; the message names the file, the problem and the fix."""


def _as_float32(samples: np.ndarray) -> Audio:
    """Integer PCM to float32 in [-1, 1]; float input is cast."""
    if samples.dtype.kind == "i":
        scale = float(2 ** (8 * samples.dtype.itemsize - 1))
        return (samples.astype(np.float32) / scale).astype(np.float32, copy=False)
    if samples.dtype.kind == "u":
        half = float(2 ** (8 * samples.dtype.itemsize - 1))
        return ((samples.astype(np.float32) - half) / half).astype(np.float32, copy=False)
    return samples.astype(np.float32, copy=False)


def _downmix(samples: np.ndarray, channels: int) -> Audio:
    """Mono float32 from 1-D interleaved or 2-D ``(frames, channels)`` input."""
    if channels < 1:
        raise ValueError(f"channels must be >= 1, got {channels}")
    data = _as_float32(np.asarray(samples))
    if data.ndim == 2:
        if data.shape[1] != channels:
            raise ValueError(f"block has {data.shape[1]} channels, expected {channels}")
    elif data.ndim == 1:
        if data.size % channels:
            raise ValueError(
                f"interleaved block of {data.size} samples does not split into {channels} channels"
            )
        data = data.reshape(-1, channels)
    else:
        raise ValueError(f"audio must be 1-D or 2-D, got shape {data.shape}")
    if channels == 1:
        return np.ascontiguousarray(data[:, 0], dtype=np.float32)
    return np.ascontiguousarray(data.mean(axis=1), dtype=np.float32)


class Resampler:
    """Incremental downmix + resample to 16 kHz mono float32 for live audio.

    Feed blocks in order with :meth:`process`; call :meth:`flush` once at the end of the stream to get
    the filter's tail. Cheap per block (soxr streaming, no reallocation of history).
    """

    def __init__(self, rate: int, channels: int = 1, *, quality: str = "HQ") -> None:
        if rate <= 0:
            raise ValueError(f"sample rate must be positive, got {rate}")
        self.rate = rate
        self.channels = channels
        self._stream: soxr.ResampleStream | None = (
            None
            if rate == SAMPLE_RATE
            else soxr.ResampleStream(rate, SAMPLE_RATE, 1, dtype="float32", quality=quality)
        )
        self._flushed = False

    def process(self, block: np.ndarray) -> Audio:
        """Resample one block (1-D interleaved or ``(frames, channels)``; int16/int32/float)."""
        if self._flushed:
            raise RuntimeError("Resampler.process() after flush(): create a new Resampler for a new stream")
        mono = _downmix(block, self.channels)
        if self._stream is None:
            return mono
        out: Audio = self._stream.resample_chunk(mono)
        return out

    def flush(self) -> Audio:
        """End of stream: return the remaining samples held in the filter."""
        if self._flushed:
            return np.zeros(0, dtype=np.float32)
        self._flushed = True
        if self._stream is None:
            return np.zeros(0, dtype=np.float32)
        out: Audio = self._stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
        return out


def to_mono_16k(samples: np.ndarray, rate: int, channels: int = 1) -> Audio:
    """Downmix and resample a whole buffer (1-D interleaved or ``(frames, channels)``) to 16 kHz mono."""
    mono = _downmix(samples, channels)
    if rate == SAMPLE_RATE or mono.size == 0:
        return mono
    out: Audio = soxr.resample(mono, rate, SAMPLE_RATE, quality="HQ").astype(np.float32, copy=False)
    return out


#: Decoded audio is handed on in blocks of at most this many samples at 16 kHz (4 s): a file of any length is
#: read, downmixed and resampled a block at a time, never held whole at its own rate and channel count
#: (a 15-minute 48 kHz stereo file is 345 MB as float32; at 16 kHz mono it is 58 MB).
BLOCK_SAMPLES = 4 * SAMPLE_RATE


class AudioFile:
    """An audio file opened for decoding: checked at once (so mistakes fail before a model is loaded),
    then read with :meth:`blocks` as 16 kHz mono float32 blocks, or whole with :func:`load_audio`."""

    def __init__(self, path: str | Path) -> None:
        import av  # local import: PyAV pulls in FFmpeg libraries, only needed when a file is read

        p = Path(path).expanduser()
        self.path = p
        if not p.exists():
            raise AudioError(f"Audio file not found: {p}. Check the path, or record the answer again.")
        if p.is_dir():
            raise AudioError(
                f"{p} is a folder, not an audio file. Pass the path of a .wav or .flac file in it."
            )
        if p.stat().st_size == 0:
            raise AudioError(
                f"Audio file {p} is empty (0 bytes): the recording was not saved. Record the answer again."
            )
        self._container = self._open(av, p)
        try:
            if not self._container.streams.audio:
                raise AudioError(
                    f"{p} has no audio track (unsupported format). Use a WAV or FLAC file with the recording."
                )
            stream = self._container.streams.audio[0]
            self.rate = int(stream.codec_context.sample_rate or stream.rate or 0)
            self.channels = int(stream.codec_context.channels or 1)
            self.duration_s = (
                float(stream.duration * stream.time_base) if stream.duration and stream.time_base else None
            )
        except BaseException:
            self._container.close()
            raise

    @staticmethod
    def _open(av: Any, p: Path) -> Any:
        suffix = p.suffix.lower()
        try:
            return av.open(str(p), mode="r")
        except (av.error.InvalidDataError, av.error.FFmpegError, UnicodeDecodeError) as exc:
            if suffix and suffix not in AUDIO_SUFFIXES:
                raise AudioError(
                    f"Unsupported audio format '{suffix}' in {p}: it could not be decoded as audio. "
                    "Use a WAV or FLAC file (e.g. convert with: ffmpeg -i INPUT -ar 16000 -ac 1 answer.wav)."
                ) from exc
            raise AudioError(
                f"Audio file {p} is corrupt or not a {suffix or 'supported'} file ({exc}). "
                "Record the answer again, or re-export it as WAV or FLAC."
            ) from exc

    def blocks(self) -> Iterator[Audio]:
        """The audio as 16 kHz mono float32 blocks of at most :data:`BLOCK_SAMPLES`, decoded as they are
        asked for; the file is closed at the end. Raises :class:`AudioError` when nothing can be decoded
        or there are no samples (a file damaged part-way gives the audio before the damage)."""
        import av

        p = self.path
        stream = self._container.streams.audio[0]
        # Packed float32 with the stream's own layout, then downmixed and resampled block by block.
        converter = av.AudioResampler(format="flt", layout=stream.codec_context.layout, rate=self.rate)
        resampler = Resampler(self.rate, self.channels) if self.rate > 0 else None
        yielded = 0
        try:
            try:
                for frame in self._container.decode(stream):
                    for out in converter.resample(frame):
                        yielded += yield from self._split(resampler, out.to_ndarray())
                for out in converter.resample(None):
                    yielded += yield from self._split(resampler, out.to_ndarray())
            except (av.error.FFmpegError, ValueError) as exc:
                if not yielded:
                    raise AudioError(
                        f"Audio file {p} is corrupt: it could not be decoded ({exc}). "
                        "Record the answer again, or re-export it as WAV or FLAC."
                    ) from exc
                log.warning("%s: decoding stopped early (%s); using the audio read so far", p, exc)
            if resampler is not None:
                tail = resampler.flush()
                yielded += tail.size
                if tail.size:
                    yield tail
        finally:
            self._container.close()
        if yielded == 0:
            raise AudioError(f"Audio file {p} holds no audio samples (zero length). Record the answer again.")

    @staticmethod
    def _split(resampler: Resampler | None, packed: np.ndarray) -> Generator[Audio, None, int]:
        if resampler is None:
            return 0
        mono = resampler.process(np.asarray(packed, dtype=np.float32).reshape(-1))
        for i in range(0, mono.size, BLOCK_SAMPLES):
            yield mono[i : i + BLOCK_SAMPLES]
        return int(mono.size)


def load_audio(path: str | Path) -> Audio:
    """Decode an audio file to 16 kHz mono float32. Raises :class:`AudioError` with a fix in the message."""
    source = AudioFile(path)
    blocks = list(source.blocks())
    audio = np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)
    log.debug("loaded %s: %d Hz x %d ch -> %.2f s at 16 kHz", source.path, source.rate, source.channels,
              audio.size / SAMPLE_RATE)  # fmt: skip
    return audio
