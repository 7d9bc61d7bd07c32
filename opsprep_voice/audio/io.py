"""Audio in: decode files and live blocks to 16 kHz mono float32, the one format every engine takes.

Files are decoded with PyAV (FFmpeg; already a faster-whisper dependency), so WAV, FLAC, OGG, MP3, M4A
and anything else FFmpeg reads work at any sample rate and channel count. Resampling uses soxr
(libsoxr, high quality). Live audio goes through :class:`Resampler`, which keeps filter state between
blocks so a 48 kHz stream cut into blocks gives the same samples as the whole stream resampled at once.
"""

from __future__ import annotations

import logging
from pathlib import Path

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


def load_audio(path: str | Path) -> Audio:
    """Decode an audio file to 16 kHz mono float32. Raises :class:`AudioError` with a fix in the message."""
    import av  # local import: PyAV pulls in FFmpeg libraries, only needed when a file is read

    p = Path(path).expanduser()
    if not p.exists():
        raise AudioError(f"Audio file not found: {p}. Check the path, or record the answer again.")
    if p.is_dir():
        raise AudioError(f"{p} is a folder, not an audio file. Pass the path of a .wav or .flac file in it.")
    if p.stat().st_size == 0:
        raise AudioError(
            f"Audio file {p} is empty (0 bytes): the recording was not saved. Record the answer again."
        )
    suffix = p.suffix.lower()
    try:
        container = av.open(str(p), mode="r")
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
    try:
        if not container.streams.audio:
            raise AudioError(
                f"{p} has no audio track (unsupported format). Use a WAV or FLAC file with the recording."
            )
        stream = container.streams.audio[0]
        rate = int(stream.codec_context.sample_rate or stream.rate or 0)
        channels = int(stream.codec_context.channels or 1)
        # Decode to packed float32 with the stream's own layout; downmix and resample with soxr below.
        converter = av.AudioResampler(format="flt", layout=stream.codec_context.layout, rate=rate)
        chunks: list[Audio] = []
        try:
            for frame in container.decode(stream):
                for out in converter.resample(frame):
                    chunks.append(np.asarray(out.to_ndarray(), dtype=np.float32).reshape(-1))
            for out in converter.resample(None):
                chunks.append(np.asarray(out.to_ndarray(), dtype=np.float32).reshape(-1))
        except (av.error.FFmpegError, ValueError) as exc:
            if not chunks:
                raise AudioError(
                    f"Audio file {p} is corrupt: it could not be decoded ({exc}). "
                    "Record the answer again, or re-export it as WAV or FLAC."
                ) from exc
            log.warning("%s: decoding stopped early (%s); using the %d blocks read", p, exc, len(chunks))
    finally:
        container.close()
    interleaved = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    if interleaved.size == 0 or rate <= 0:
        raise AudioError(f"Audio file {p} holds no audio samples (zero length). Record the answer again.")
    audio = to_mono_16k(interleaved, rate, channels)
    log.debug("loaded %s: %d Hz x %d ch -> %.2f s at 16 kHz", p, rate, channels, audio.size / SAMPLE_RATE)
    return audio
