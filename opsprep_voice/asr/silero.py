"""faster-whisper's Silero VAD, run over long audio in batches of bounded size.

faster-whisper runs the model on 10,000 frames of 32 ms at once (5 min 20 s of audio), and onnxruntime then
holds about 330 MB of activations: most of the memory a 15-minute ``score`` used beyond the model. The
model here is the same file and the same loop (the LSTM state carried from batch to batch), in batches of
:data:`BATCH_FRAMES`: the same speech probabilities (tests/test_silero.py) at the same speed, with memory
that no longer grows with the answer.

:func:`install` makes faster-whisper's own ``get_speech_timestamps`` (used by :mod:`asr.guards` and by
Whisper's sequential decoding with ``vad_filter``) use it.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import numpy as np
import numpy.typing as npt
from faster_whisper import vad
from faster_whisper.utils import get_assets_path

#: Frames per model run: 32 s of audio, about 35 MB of activations.
BATCH_FRAMES = 1000
FRAME_SAMPLES = 512
CONTEXT_SAMPLES = 64


class BoundedSileroVAD(vad.SileroVADModel):
    """:class:`faster_whisper.vad.SileroVADModel` with at most :data:`BATCH_FRAMES` frames per run."""

    batch_frames = BATCH_FRAMES

    def __call__(
        self, audio: np.ndarray, num_samples: int = FRAME_SAMPLES, context_size_samples: int = CONTEXT_SAMPLES
    ) -> npt.NDArray[np.float32]:
        if audio.ndim != 1 or audio.shape[0] % num_samples:
            raise ValueError(f"audio must be 1-D and a multiple of {num_samples} samples")
        frames = audio.reshape(-1, num_samples)
        state_h = np.zeros((1, 1, 128), dtype="float32")
        state_c = np.zeros((1, 1, 128), dtype="float32")
        outputs: list[Any] = []
        for start in range(0, frames.shape[0], self.batch_frames):
            batch = frames[start : start + self.batch_frames]
            # Each frame is preceded by the last samples of the frame before it (zeros for the first one),
            # as faster-whisper builds them for the whole audio at once.
            context = np.empty((batch.shape[0], context_size_samples), dtype="float32")
            context[0] = frames[start - 1, -context_size_samples:] if start else 0.0
            context[1:] = batch[:-1, -context_size_samples:]
            model_input = np.concatenate([context, batch], axis=1).astype("float32", copy=False)
            output, state_h, state_c = self.session.run(
                None, {"input": model_input, "h": state_h, "c": state_c}
            )
            outputs.append(output)
        if not outputs:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(outputs, axis=0)


@functools.lru_cache(maxsize=1)
def bounded_vad_model() -> BoundedSileroVAD:
    """The one model (loaded once, like faster-whisper's ``get_vad_model``)."""
    return BoundedSileroVAD(os.path.join(get_assets_path(), "silero_vad_v6.onnx"))


def install() -> None:
    """Point faster-whisper's VAD at :func:`bounded_vad_model` (idempotent; the same probabilities)."""
    vad.get_vad_model = bounded_vad_model
