"""The transcription engine contract, shared by every engine, the streaming processor and the UI.

An engine turns 16 kHz mono float32 audio into a :class:`~opsprep_voice.core.transcript.Transcript`
with word timings. Engines are created through :func:`opsprep_voice.asr.registry.create_transcriber`,
which resolves the model offline first (see :mod:`opsprep_voice.asr.models`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from opsprep_voice.core.transcript import Transcript

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Audio = npt.NDArray[np.float32]

SAMPLE_RATE = 16_000


def __getattr__(name: str) -> Any:
    # numpy (~0.2 s to import) is not needed to show the app's window, which imports this module for the
    # engine contract; ``Audio`` is made on first use by the modules that work on audio.
    if name == "Audio":
        import numpy as np
        import numpy.typing as npt

        return npt.NDArray[np.float32]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Called with a fraction 0..1 and a short human message ("Loading model", "Transcribing 40%").
ProgressFn = Callable[[float, str], None]


class TranscriptionError(Exception):
    """Transcription failed; the message says what and how to fix it."""


class ModelUnavailableError(TranscriptionError):
    """The requested model cannot be found offline and cannot be downloaded."""


class EngineUnavailableError(TranscriptionError):
    """The engine's package is not installed (e.g. the openai-whisper extra)."""


class TranscriptionCancelled(TranscriptionError):
    """The caller cancelled the work through its cancel event."""


@dataclass(frozen=True, slots=True)
class TranscribeOptions:
    """Per-call options. ``prompt`` carries domain terms (used only where measurement shows it helps)."""

    prompt: str | None = None
    beam_size: int = 5
    word_timestamps: bool = True
    #: The engine may share this call's audio out between its parallel workers (faster for a long file).
    #: Live transcription turns it off: a short chunk decodes best in one piece, and a worker stays free
    #: for a second call at the same moment (see :mod:`opsprep_voice.asr.streaming`).
    parallel: bool = True


@runtime_checkable
class Transcriber(Protocol):
    """A loaded model that can transcribe audio. ``transcribe`` may be called from several threads at once;
    an engine runs the calls side by side when it has the workers for it, and one after another if not."""

    @property
    def engine(self) -> str:
        """Engine name, e.g. ``faster-whisper``."""
        ...

    @property
    def model(self) -> str:
        """Human model name, e.g. ``base`` or a directory."""
        ...

    @property
    def uses_prompt(self) -> bool:
        """Whether question terms should be passed as a prompt for this model (measured per model)."""
        ...

    def transcribe(
        self,
        audio: Audio,
        options: TranscribeOptions | None = None,
        *,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
    ) -> Transcript:
        """Transcribe 16 kHz mono float32 audio. Raises TranscriptionCancelled when ``cancel`` is set."""
        ...


def start_call(
    audio: Audio, options: TranscribeOptions | None, cancel: threading.Event | None
) -> tuple[TranscribeOptions, Audio, float]:
    """What every engine's ``transcribe`` begins with: the call's options (defaults when None), the audio as
    one contiguous float32 array, and its length in seconds. Raises TranscriptionCancelled if ``cancel`` is
    already set, so a cancelled call never loads or decodes anything."""
    opts = options or TranscribeOptions()
    import numpy as np

    samples = np.ascontiguousarray(audio, dtype=np.float32).reshape(-1)
    if cancel is not None and cancel.is_set():
        raise TranscriptionCancelled("Transcription cancelled before it started")
    return opts, samples, samples.size / SAMPLE_RATE
