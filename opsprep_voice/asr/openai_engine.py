"""The openai-whisper (PyTorch) engine: the optional second engine, fully offline with the embedded models.

Install (the extra; see requirements/openai-whisper.txt for the lean install without triton)::

    pip install 'opsprep-voice[openai-whisper]'

Models:

* an embedded name (``base``, the default, or ``tiny.en``): the shipped CTranslate2 weights converted once
  to an openai-whisper checkpoint (:mod:`opsprep_voice.asr.ct2_to_openai`, cached by
  :mod:`opsprep_voice.asr.openai_checkpoints`), loaded by absolute path (so
  openai-whisper never tries to download) with the official alignment heads set for word timings;
* a checkpoint file (``.pt``: ``{"dims", "model_state_dict"}``) or a CTranslate2 model folder (converted);
* an official openai-whisper name (``small``, ``medium.en`` ...): openai-whisper's own download into
  ``<cache>/models/openai-whisper/official``; offline -> :class:`ModelUnavailableError` with the fix.

Behaviour matches the faster-whisper engine: English, word timings, no conditioning on previous text,
the same silence/hallucination guard (Silero VAD first, then the same per-segment rules), greedy decoding
by default (measured: docs/BENCHMARKS.md), progress and cancellation between 30 s windows, and one lock
per model so calls from several threads serialise.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from opsprep_voice.asr.base import (
    Audio,
    ModelUnavailableError,
    ProgressFn,
    TranscribeOptions,
    TranscriptionCancelled,
    TranscriptionError,
    start_call,
)
from opsprep_voice.asr.guards import clamp_words, is_hallucination, speech_regions
from opsprep_voice.asr.openai_models import (
    OpenAIModelSpec,
    import_whisper,
    official_download_root,
    resolve_openai_model,
)
from opsprep_voice.core.transcript import Transcript, Word

log = logging.getLogger(__name__)

ENGINE = "openai-whisper"

#: Speech regions closer than this are decoded as one clip (each clip costs a padded 30 s window).
MERGE_GAP_S = 3.0


# ----------------------------------------------------------------------------- progress and cancel hook

_HOOK = threading.local()
_HOOK_INSTALL_LOCK = threading.Lock()


class _Bar:
    """Stands in for ``tqdm.tqdm`` inside openai-whisper: reports progress, raises on cancel."""

    def __init__(self, *args: Any, total: float | None = None, **kwargs: Any) -> None:
        self.total = float(total or 0)
        self.n = 0.0
        self.progress: ProgressFn | None = getattr(_HOOK, "progress", None)
        self.cancel: threading.Event | None = getattr(_HOOK, "cancel", None)
        self.label: str = getattr(_HOOK, "label", "Working")

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def update(self, n: float = 1) -> None:
        self.n += n
        if self.cancel is not None and self.cancel.is_set():
            raise TranscriptionCancelled("Transcription cancelled")
        if self.progress and self.total > 0:
            frac = min(1.0, self.n / self.total)
            self.progress(frac, f"{self.label} {int(100 * frac)}%")

    def close(self) -> None:
        return None


class _TqdmShim:
    """Replaces the ``tqdm`` module name inside ``whisper.transcribe`` (it calls ``tqdm.tqdm(...)``)."""

    tqdm = _Bar


def _install_hooks() -> None:
    """Route openai-whisper's progress bars through :class:`_Bar` (idempotent, process-wide)."""
    with _HOOK_INSTALL_LOCK:
        module = sys.modules.get("whisper.transcribe")
        if module is not None and getattr(module, "tqdm", None) is not _TqdmShim:
            module.tqdm = _TqdmShim  # type: ignore[attr-defined]


@contextlib.contextmanager
def _hooked(progress: ProgressFn | None, cancel: threading.Event | None, label: str) -> Iterator[None]:
    _install_hooks()
    _HOOK.progress, _HOOK.cancel, _HOOK.label = progress, cancel, label
    try:
        yield
    finally:
        _HOOK.progress = _HOOK.cancel = None


# ---------------------------------------------------------------------------------------------- engine


_HOP = 160  # openai-whisper mel hop: 100 frames per second


def clip_timestamps(
    regions: list[tuple[float, float]], n_samples: int, gap: float = MERGE_GAP_S
) -> list[float]:
    """Speech regions as openai-whisper ``clip_timestamps``: merged when closer than ``gap``, on whole
    mel frames and never past the last frame.

    openai-whisper loops forever when a clip ends after its last mel frame (the end rounds up past
    ``content_frames`` and the seek never reaches it), so every time is clamped to that frame.
    """
    content_frames = n_samples // _HOP
    merged: list[list[int]] = []
    for start, end in regions:
        lo = min(max(0, int(start * 100)), content_frames)
        hi = min(max(lo, int(np.ceil(end * 100))), content_frames)
        if hi <= lo:
            continue
        if merged and lo - merged[-1][1] < gap * 100:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [frame / 100 for pair in merged for frame in pair]


class OpenAIWhisperTranscriber:
    """A loaded openai-whisper model (CPU, fp32). One lock around the model: calls serialise."""

    def __init__(
        self,
        model: str | None = None,
        *,
        progress: ProgressFn | None = None,
        allow_download: bool = True,
        beam_size: int | None = 1,
        uses_prompt: bool | None = None,
    ) -> None:
        """Resolve and load ``model`` (see :func:`resolve_openai_model`).

        ``beam_size``: an int is used for every call (default 1, greedy: measured faster than beam 5 at a
        similar WER); ``None`` honours :attr:`TranscribeOptions.beam_size` per call (benchmarks).
        ``uses_prompt`` overrides the measured per-model choice (prompt on base, not on tiny).
        """
        whisper = import_whisper()
        self._whisper = whisper
        self._spec = resolve_openai_model(model, progress=progress, allow_download=allow_download)
        self._lock = threading.Lock()
        self._beam_size = beam_size
        t0 = time.perf_counter()
        if progress:
            progress(0.0, f"Loading model {self._spec.name}")
        self._model = self._load(progress)
        if self._spec.alignment_heads is not None:
            self._model.set_alignment_heads(self._spec.alignment_heads)
        short = Path(self._spec.name).name if self._spec.source != "official" else self._spec.name
        if uses_prompt is None:
            # A prompt can make Whisper drop stretches of speech, on tiny most of all, and this engine has no
            # retry without it (faster-whisper's has, hence its PROMPT_HELPS): prompt base, not tiny.
            uses_prompt = "tiny" not in short
        self._uses_prompt = uses_prompt
        log.info(
            "loaded %s model %s (%s) in %.1f s",
            ENGINE,
            self._spec.name,
            self._spec.source,
            time.perf_counter() - t0,
        )
        if progress:
            progress(1.0, f"Model {self._spec.name} loaded")

    def _load(self, progress: ProgressFn | None) -> Any:
        whisper = self._whisper
        spec = self._spec
        try:
            if spec.source == "official":
                root = official_download_root(whisper, spec.name)
                target = root / Path(whisper._MODELS[spec.name]).name
                with _hooked(progress, None, f"Downloading {spec.name}"):
                    module: Any = sys.modules["whisper"]
                    saved = module.tqdm  # _download uses the name tqdm from whisper/__init__
                    module.tqdm = _Bar
                    try:
                        return whisper.load_model(spec.name, device="cpu", download_root=str(root))
                    except Exception as exc:
                        if not target.is_file() or target.stat().st_size < 1024:
                            target.unlink(missing_ok=True)
                        raise ModelUnavailableError(
                            f"Could not download openai-whisper model '{spec.name}' ({exc}). Offline? Use an "
                            "embedded model (base or tiny.en, no download), pass a checkpoint .pt or a "
                            "CTranslate2 folder, or connect to the internet and try again."
                        ) from exc
                    finally:
                        module.tqdm = saved
            assert spec.checkpoint is not None
            # By absolute path: openai-whisper's name lookup would reject the file and try to download.
            return whisper.load_model(str(spec.checkpoint.resolve()), device="cpu")
        except ModelUnavailableError:
            raise
        except (RuntimeError, KeyError, ValueError, OSError, EOFError) as exc:
            hint = (
                " If it is a converted model, delete it and its .json sidecar to convert again."
                if spec.source != "official"
                else ""
            )
            raise ModelUnavailableError(
                f"Could not load the openai-whisper model '{spec.name}' from {spec.checkpoint}: {exc}.{hint}"
            ) from exc

    @property
    def engine(self) -> str:
        return ENGINE

    @property
    def model(self) -> str:
        return self._spec.name

    @property
    def spec(self) -> OpenAIModelSpec:
        return self._spec

    @property
    def uses_prompt(self) -> bool:
        return self._uses_prompt

    def speech_regions(self, audio: Audio) -> list[tuple[float, float]]:
        """Silero VAD speech regions in seconds (the same settings as the faster-whisper engine)."""
        return speech_regions(audio)

    def transcribe(
        self,
        audio: Audio,
        options: TranscribeOptions | None = None,
        *,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
    ) -> Transcript:
        opts, samples, duration = start_call(audio, options, cancel)
        clips = clip_timestamps(self.speech_regions(samples), samples.size) if samples.size else []
        if not clips:
            log.debug("no speech detected in %.2f s of audio", duration)
            if progress:
                progress(1.0, "No speech detected")
            return Transcript.from_words([], duration)
        prompt = opts.prompt if (opts.prompt and self._uses_prompt) else None
        beam = self._beam_size if self._beam_size is not None else opts.beam_size
        decode: dict[str, Any] = {"fp16": False, "language": "en", "task": "transcribe"}
        if beam and beam > 1:
            decode["beam_size"] = beam
            decode["best_of"] = beam
        words: list[Word] = []
        with self._lock:
            if progress:
                progress(0.0, "Transcribing 0%")
            try:
                with _hooked(progress, cancel, "Transcribing"):
                    result = self._whisper.transcribe(
                        self._model,
                        samples,
                        verbose=None,
                        word_timestamps=opts.word_timestamps,
                        initial_prompt=prompt,
                        condition_on_previous_text=False,
                        clip_timestamps=clips,
                        **decode,
                    )
            except TranscriptionCancelled:
                raise
            except (RuntimeError, ValueError, IndexError) as exc:
                raise TranscriptionError(f"{ENGINE} ({self.model}) failed to transcribe: {exc}") from exc
        for seg in result.get("segments", []):
            if is_hallucination(
                seg["text"], float(seg["start"]), float(seg["end"]),
                float(seg["no_speech_prob"]), float(seg["avg_logprob"]), samples,
            ):  # fmt: skip
                log.debug("dropped segment %.1f-%.1f %r", seg["start"], seg["end"], seg["text"])
            elif seg.get("words"):
                words.extend(
                    Word.from_asr(
                        w["word"], float(w["start"]), float(w["end"]), float(w.get("probability", 1.0))
                    )
                    for w in seg["words"]
                )
            else:
                words.append(Word.from_asr(seg["text"], float(seg["start"]), float(seg["end"]), 1.0))
        if progress:
            progress(1.0, "Transcribed")
        return Transcript.from_words(clamp_words(words, duration), duration)


def create_openai_whisper(
    model: str | None, *, progress: ProgressFn | None = None
) -> OpenAIWhisperTranscriber:
    """Registry factory: the embedded default model offline, greedy decoding."""
    return OpenAIWhisperTranscriber(model, progress=progress)
