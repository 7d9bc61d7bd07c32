"""Crash-safe WAV writing: 16-bit PCM written to disk as audio arrives, and repair of a dead writer's file.

:class:`StreamingWavWriter` appends each block as it comes, pushes it to the OS every ``flush_seconds`` of
audio (default 0.25 s, so a SIGKILL loses at most that much) and rewrites the RIFF and data sizes in the
header at every flush, so even an unrepaired file is readable up to the last flush. ``fsync`` runs every
``fsync_seconds`` (default 2 s) and at :meth:`~StreamingWavWriter.close` against power loss.

:func:`repair_wav` fixes the header of a file whose writer died (sizes 0 or stale) from the file length.
"""

from __future__ import annotations

import logging
import os
import struct
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import numpy as np

log = logging.getLogger(__name__)

_HEADER_SIZE = 44
_PCM = 1
_EXTENSIBLE = 0xFFFE


class WavRepairError(Exception):
    """The file cannot be repaired: not a WAV at all, or its format header is missing or damaged."""


def _header(sample_rate: int, channels: int, data_bytes: int) -> bytes:
    block_align = channels * 2
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + data_bytes,
        b"WAVE",
        b"fmt ",
        16,
        _PCM,
        channels,
        sample_rate,
        sample_rate * block_align,
        block_align,
        16,
        b"data",
        data_bytes,
    )


def to_pcm16(block: np.ndarray, channels: int) -> bytes:
    """Interleaved little-endian int16 bytes from an int16 or float block (1-D or ``(frames, channels)``).

    Float samples are scaled by 32768 and clipped, so int16 -> float32 (/32768) -> int16 is exact.
    """
    data = np.asarray(block)
    if data.ndim == 1:
        if data.size % channels:
            raise ValueError(f"block of {data.size} samples does not split into {channels} channels")
    elif data.ndim == 2:
        if data.shape[1] != channels:
            raise ValueError(f"block has {data.shape[1]} channels, writer expects {channels}")
    else:
        raise ValueError(f"audio block must be 1-D or 2-D, got shape {data.shape}")
    if data.dtype == np.int16:
        pcm = data
    elif data.dtype.kind == "f":
        pcm = np.clip(np.rint(data.astype(np.float64) * 32768.0), -32768, 32767).astype(np.int16)
    elif data.dtype.kind in "iu":
        raise ValueError(f"integer blocks must be int16, got {data.dtype}")
    else:
        raise ValueError(f"unsupported sample type {data.dtype}")
    return np.ascontiguousarray(pcm, dtype="<i2").tobytes()


class StreamingWavWriter:
    """Write 16-bit PCM WAV incrementally; the file is valid up to the last flush at any moment.

    Not meant for concurrent :meth:`write` calls from several threads, but :meth:`close` may race with
    :meth:`write` safely (an internal lock serialises them; writes after close raise ``ValueError``).
    """

    def __init__(
        self,
        path: str | Path,
        sample_rate: int,
        channels: int = 1,
        *,
        flush_seconds: float = 0.25,
        fsync_seconds: float = 2.0,
    ) -> None:
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {sample_rate}")
        if channels < 1:
            raise ValueError(f"channels must be >= 1, got {channels}")
        self.path = Path(path)
        self.sample_rate = int(sample_rate)
        self.channels = int(channels)
        self._frame_bytes = 2 * self.channels
        self._flush_frames = max(1, int(flush_seconds * self.sample_rate))
        self._fsync_seconds = fsync_seconds
        self._lock = threading.Lock()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)  # an existing file keeps its mode otherwise
            self._file = os.fdopen(fd, "wb", buffering=1 << 16)
        except BaseException:
            os.close(fd)
            raise
        self._file.write(_header(self.sample_rate, self.channels, 0))
        self._file.flush()
        self._frames = 0
        self._frames_on_disk = 0
        self._last_fsync = time.monotonic()
        self._closed = False

    # -- state -------------------------------------------------------------------------------------

    @property
    def frames_written(self) -> int:
        """Frames handed to :meth:`write` so far (some may still sit in the buffer until the next flush)."""
        return self._frames

    @property
    def duration(self) -> float:
        return self._frames / self.sample_rate

    @property
    def closed(self) -> bool:
        return self._closed

    # -- writing -----------------------------------------------------------------------------------

    def write(self, block: np.ndarray) -> int:
        """Append a block (int16 or float, 1-D interleaved or ``(frames, channels)``); returns its frames."""
        payload = to_pcm16(block, self.channels)
        frames = len(payload) // self._frame_bytes
        with self._lock:
            if self._closed:
                raise ValueError(f"write to closed WAV writer {self.path}")
            self._file.write(payload)
            self._frames += frames
            if self._frames - self._frames_on_disk >= self._flush_frames:
                self._flush_locked()
        return frames

    def flush(self) -> None:
        """Push buffered audio to the OS and update the header sizes."""
        with self._lock:
            if not self._closed:
                self._flush_locked()

    def _flush_locked(self, *, fsync: bool = False) -> None:
        self._file.flush()
        fd = self._file.fileno()
        data_bytes = self._frames * self._frame_bytes
        # Sizes are patched in place with pwrite, leaving the append position alone.
        os.pwrite(fd, struct.pack("<I", 36 + data_bytes), 4)
        os.pwrite(fd, struct.pack("<I", data_bytes), 40)
        self._frames_on_disk = self._frames
        now = time.monotonic()
        if fsync or now - self._last_fsync >= self._fsync_seconds:
            os.fsync(fd)
            self._last_fsync = now

    def close(self) -> None:
        """Flush, write final sizes, fsync and close. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._flush_locked(fsync=True)
            finally:
                self._file.close()
        log.debug("WAV closed: %s (%.2f s)", self.path, self.duration)

    def __enter__(self) -> StreamingWavWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def repair_wav(path: str | Path) -> float:
    """Fix the RIFF and data sizes of a WAV whose writer died; return its duration in seconds.

    The data chunk (when it is the last chunk, as :class:`StreamingWavWriter` writes it) is stretched to
    the end of the file and a trailing partial frame is cut off. A header that is already right is left
    as it is. Raises :class:`WavRepairError` when the file is not a WAV or has no usable format chunk.
    """
    path = Path(path)
    try:
        fh = path.open("r+b")
    except OSError as exc:
        raise WavRepairError(f"Cannot open {path} for repair: {exc.strerror or exc}") from exc
    with fh:
        file_len = os.fstat(fh.fileno()).st_size
        head = fh.read(12)
        if len(head) < 12 or head[0:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise WavRepairError(f"{path} is not a WAV file (no RIFF/WAVE header); it cannot be repaired.")
        pos = 12
        fmt: tuple[int, int, int, int] | None = None  # format tag, channels, rate, block align
        while pos + 8 <= file_len:
            fh.seek(pos)
            chunk_id, size = struct.unpack("<4sI", fh.read(8))
            body = pos + 8
            if chunk_id == b"fmt ":
                if size < 16 or body + 16 > file_len:
                    raise WavRepairError(f"{path} has a truncated format chunk; it cannot be repaired.")
                tag, channels, rate, _byte_rate, block_align, _bits = struct.unpack("<HHIIHH", fh.read(16))
                if tag not in (_PCM, _EXTENSIBLE, 3) or channels < 1 or rate < 1 or block_align < 1:
                    raise WavRepairError(
                        f"{path} has an unusable format chunk (format {tag}, {channels} ch, {rate} Hz)."
                    )
                fmt = (tag, channels, rate, block_align)
            elif chunk_id == b"data":
                if fmt is None:
                    raise WavRepairError(f"{path} has audio data before its format chunk.")
                block_align, rate = fmt[3], fmt[2]
                available = file_len - body
                declared_ok = 0 < size <= available and _chunks_tile(fh, body + size + (size & 1), file_len)
                if declared_ok:
                    data_bytes = size - size % block_align
                    new_len = file_len
                else:
                    data_bytes = available - available % block_align
                    new_len = body + data_bytes
                    if new_len != file_len:
                        fh.truncate(new_len)
                changed = size != data_bytes or struct.unpack("<I", head[4:8])[0] != new_len - 8
                if changed:
                    fh.seek(4)
                    fh.write(struct.pack("<I", new_len - 8))
                    fh.seek(pos + 4)
                    fh.write(struct.pack("<I", data_bytes))
                    fh.flush()
                    os.fsync(fh.fileno())
                    log.info(
                        "Repaired WAV %s: data %d -> %d bytes (file %d -> %d bytes)",
                        path,
                        size,
                        data_bytes,
                        file_len,
                        new_len,
                    )
                return (data_bytes // block_align) / rate
            pos = body + size + (size & 1)
        if fmt is None:
            raise WavRepairError(f"{path} has no format chunk; it cannot be repaired.")
        raise WavRepairError(f"{path} has no audio data chunk; it cannot be repaired.")


def _chunks_tile(fh: BinaryIO, pos: int, file_len: int) -> bool:
    """True if the bytes from ``pos`` to the end of the file are whole, well-formed chunks (or nothing).

    Used to trust a declared data size only when what follows it really is more chunks (e.g. LIST),
    not audio a dead writer appended after its last header update.
    """
    while pos < file_len:
        if pos + 8 > file_len:
            return False
        fh.seek(pos)
        chunk_id, size = struct.unpack("<4sI", fh.read(8))
        if not all(48 <= b < 123 or b == 32 for b in chunk_id):
            return False
        pos += 8 + size + (size & 1)
    return pos in (file_len, file_len + 1)
