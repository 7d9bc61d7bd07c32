"""Engine registry: engine name -> lazy factory, so an engine's package is imported only when used.

To add an engine, add one line to :data:`ENGINES`: ``"name": "package.module:factory"`` where
``factory(model: str | None, *, progress: ProgressFn | None) -> Transcriber``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

from opsprep_voice.asr.base import EngineUnavailableError, ProgressFn, Transcriber

log = logging.getLogger(__name__)

Factory = Callable[..., Transcriber]

#: Engine name -> "module:function" of its factory (imported lazily).
ENGINES: dict[str, str] = {
    "faster-whisper": "opsprep_voice.asr.registry:create_faster_whisper",
    "openai-whisper": "opsprep_voice.asr.openai_engine:create_openai_whisper",
}

DEFAULT_ENGINE = "faster-whisper"


def create_faster_whisper(model: str | None, *, progress: ProgressFn | None = None) -> Transcriber:
    """Resolve the model offline (embedded, folder, or download) and load it with faster-whisper."""
    from opsprep_voice.asr.faster import FasterWhisperTranscriber
    from opsprep_voice.asr.models import resolve_ct2_model

    spec = resolve_ct2_model(model, progress=progress)
    if progress:
        progress(0.0, f"Loading model {spec.name}")
    transcriber = FasterWhisperTranscriber(spec)
    if progress:
        progress(1.0, f"Model {spec.name} loaded")
    return transcriber


def load_factory(engine: str) -> Factory:
    """Import and return an engine's factory (raises EngineUnavailableError if its package is missing)."""
    target = ENGINES[engine]
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise EngineUnavailableError(
            f"Engine '{engine}' is not installed ({exc.name or exc}). Install its extra "
            f"(e.g. pip install 'opsprep-voice[{engine}]') or use --engine {DEFAULT_ENGINE}."
        ) from exc
    factory: Factory = getattr(module, attr)
    return factory


def list_engines() -> list[str]:
    return list(ENGINES)


def create_transcriber(
    engine: str | None, model: str | None, *, progress: ProgressFn | None = None
) -> Transcriber:
    """Create a loaded transcriber. Raises EngineUnavailableError (unknown/uninstalled engine) or
    ModelUnavailableError (model not available offline)."""
    name = engine or DEFAULT_ENGINE
    if name not in ENGINES:
        raise EngineUnavailableError(f"Unknown speech engine '{name}': use one of {', '.join(ENGINES)}.")
    log.info("creating transcriber engine=%s model=%s", name, model or "default")
    return load_factory(name)(model, progress=progress)
