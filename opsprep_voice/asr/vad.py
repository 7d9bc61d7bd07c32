"""Energy voice activity for live transcription: which 20 ms frames are speech, where the pauses are.

Pure: arrays in, numbers out; no threads, no I/O. :mod:`opsprep_voice.asr.chunking` asks it where to cut.

Frame energy (dBFS) is measured once per frame, as the audio arrives, so each new block costs only its own
frames. Silero VAD (bundled with faster-whisper) is more accurate but costs far more per second of audio and
keeps no state between calls, so it would re-read the whole uncommitted stretch on every block; the
faster-whisper engine already runs it on each chunk it is given. Cutting only needs to find pauses.

The speech threshold adapts to the room: the 10th-percentile energy of the last ``window_frames`` frames
(the noise floor) plus ``margin_db``, never below ``min_dbfs``, and never within 6 dB of the speech level
(the 95th percentile) so that steady noise close to the voice does not hide every pause.
"""

from __future__ import annotations

import numpy as np

from opsprep_voice.asr.base import Audio

__all__ = ["EnergyVad"]

#: Energy given to a frame that was dropped before it could be measured (digital silence).
_SILENT_DB = -120.0
#: The threshold stays at least this far below the speech level (95th percentile).
_BELOW_SPEECH_DB = 6.0
#: A frame must be this far below the median of its window to count as a dip between words.
_DIP_DB = 6.0


class EnergyVad:
    """Frame energies of one stream, from its first sample on, and the questions asked of them.

    Frames are numbered from the start of the stream: frame ``k`` holds absolute samples
    ``[k * frame, (k + 1) * frame)``. Sample arguments are absolute sample indices.
    """

    def __init__(self, frame: int, *, margin_db: float, min_dbfs: float, window_frames: int) -> None:
        self.frame = frame
        self.margin_db = margin_db
        self.min_dbfs = min_dbfs
        self.window_frames = window_frames
        self._db: list[float] = []  # energy (dBFS) of every complete frame so far

    @property
    def frames(self) -> int:
        """Frames measured so far."""
        return len(self._db)

    def measure(self, audio: Audio, base: int, end: int) -> None:
        """Measure the complete frames up to ``end`` not measured yet; ``audio`` holds samples
        ``[base, end)``. A last partial frame waits for more audio."""
        done, total = len(self._db), end // self.frame
        if total <= done:
            return
        lo = done * self.frame - base
        if lo < 0:  # samples dropped before they were measured: count their frames as silent
            self._db.extend([_SILENT_DB] * (-lo // self.frame))
            done = len(self._db)
            lo = done * self.frame - base
        frames = audio[lo : lo + (total - done) * self.frame].reshape(-1, self.frame)
        energy = np.mean(np.square(frames, dtype=np.float64), axis=1)
        self._db.extend((10.0 * np.log10(energy + 1e-12)).tolist())

    def threshold(self, upto: int) -> float:
        """The speech threshold (dBFS) for frames before frame ``upto``."""
        recent = np.asarray(self._db[max(0, upto - self.window_frames) : upto])
        if recent.size == 0:
            return self.min_dbfs
        floor, loud = np.percentile(recent, [10, 95])
        thr = max(float(floor) + self.margin_db, self.min_dbfs)
        if loud - _BELOW_SPEECH_DB > self.min_dbfs:
            return min(thr, float(loud) - _BELOW_SPEECH_DB)
        return thr

    def speech_mask(self, f0: int, f1: int) -> np.ndarray:
        """Per frame in ``[f0, f1)``: whether it is speech (judged with the threshold at ``f1``)."""
        return np.asarray(self._db[f0:f1]) > self.threshold(f1)

    def speech_frames(self, s0: int, s1: int) -> int:
        """Speech frames among the measured frames that overlap samples ``[s0, s1)``."""
        f0, f1 = s0 // self.frame, min(len(self._db), -(-s1 // self.frame))
        if f1 <= f0:
            return 0
        return int(np.count_nonzero(self.speech_mask(f0, f1)))

    def pauses(self, f0: int, f1: int, min_frames: int) -> list[tuple[int, int]]:
        """Silent runs of at least ``min_frames`` frames in ``[f0, f1)``, as (first, end) frame indices."""
        speech = self.speech_mask(f0, f1)
        padded = np.concatenate([[True], speech, [True]])
        edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
        starts, ends = edges[0::2], edges[1::2]  # silent runs [start, end) in mask coordinates
        return [(f0 + int(s), f0 + int(e)) for s, e in zip(starts, ends, strict=True) if e - s >= min_frames]

    def quietest(self, lo: int, hi: int, *, dip_only: bool = False) -> int | None:
        """The middle sample of the quietest measured frame overlapping samples ``[lo, hi)``, or ``None``
        when there is none. With ``dip_only``, only a frame at least 6 dB below the median of those
        frames counts (a real dip between two words); else ``None``."""
        f0, f1 = lo // self.frame, min(-(-hi // self.frame), len(self._db))
        if f1 <= f0:
            return None
        db = np.asarray(self._db[f0:f1])
        i = int(np.argmin(db))
        if dip_only and db[i] > float(np.median(db)) - _DIP_DB:
            return None
        return (f0 + i) * self.frame + self.frame // 2
