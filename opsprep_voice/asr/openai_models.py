"""Which model the openai-whisper engine loads: an embedded model converted, a checkpoint or an official name.

:func:`resolve_openai_model` turns a model name or path into an :class:`OpenAIModelSpec` without touching the
network unless an official name needs a download: an embedded CTranslate2 model is converted once
(:mod:`opsprep_voice.asr.openai_checkpoints`), a checkpoint file is used as is (with its sidecar's
alignment heads when one is beside it), a CTranslate2 folder is converted, and an official name is left
to openai-whisper's own download. :func:`import_whisper` is the one place openai-whisper is imported.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Literal

from opsprep_voice.asr.base import EngineUnavailableError, ModelUnavailableError, ProgressFn
from opsprep_voice.core.paths import AppPaths

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "pip install 'opsprep-voice[openai-whisper]' (or, without the 1 GB GPU-only triton package: "
    "pip install -r requirements/openai-whisper.txt && "
    "pip install --no-deps -r requirements/openai-whisper-nodeps.txt)"
)

OpenAISource = Literal["embedded", "checkpoint", "directory", "official"]


def import_whisper() -> ModuleType:
    """Import openai-whisper, or raise :class:`EngineUnavailableError` with the install command."""
    try:
        import whisper
    except ImportError as exc:  # whisper itself, or torch/numba/tiktoken under it
        raise EngineUnavailableError(
            f"openai-whisper is not installed ({exc.name or exc}): {INSTALL_HINT}. "
            "Until then the default engine (faster-whisper) is used."
        ) from exc
    except OSError as exc:  # a broken torch install (missing shared library)
        raise EngineUnavailableError(
            f"openai-whisper could not be loaded ({exc}): reinstall it with {INSTALL_HINT}"
        ) from exc
    return whisper


@dataclass(frozen=True, slots=True)
class OpenAIModelSpec:
    """What to load: a checkpoint path or an official name, and the alignment heads to set (or None)."""

    name: str
    source: OpenAISource
    checkpoint: Path | None  # None for an official name (openai-whisper resolves it)
    alignment_heads: bytes | None  # whisper._ALIGNMENT_HEADS-style dump, None = openai-whisper's default


def official_cache_dir() -> Path:
    """Download folder for official checkpoints: ``<cache>/models/openai-whisper/official``."""
    return AppPaths.default().cache_dir("models", "openai-whisper", "official")


def official_download_root(whisper: ModuleType, name: str) -> Path:
    """openai-whisper's own cache (``~/.cache/whisper``) when it already holds ``name``, else ours.

    openai-whisper checks the file's SHA-256 there and downloads only when it is missing or wrong.
    """
    filename = Path(whisper._MODELS[name]).name
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    theirs = Path(xdg) / "whisper"
    if (theirs / filename).is_file():
        return theirs
    return official_cache_dir()


def _heads_from_sidecar(checkpoint: Path) -> bytes | None:
    from opsprep_voice.asr.ct2_to_openai import encode_alignment_heads

    sidecar = checkpoint.with_suffix(".json")
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        dims = meta["dims"]
        return encode_alignment_heads(
            meta["alignment_heads"], int(dims["n_text_layer"]), int(dims["n_text_head"])
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        log.warning("ignoring unreadable sidecar %s (%s): default alignment heads", sidecar, exc)
        return None


def resolve_openai_model(
    name_or_path: str | None, *, progress: ProgressFn | None = None, allow_download: bool = True
) -> OpenAIModelSpec:
    """Resolve a model for openai-whisper without touching the network unless an official name needs it."""
    from opsprep_voice.asr import ct2_to_openai, openai_checkpoints
    from opsprep_voice.asr.models import DEFAULT_MODEL, EMBEDDED_MODELS, check_model_dir, embedded_model_dir

    whisper = import_whisper()
    name = (name_or_path or DEFAULT_MODEL).strip()
    if name in EMBEDDED_MODELS:
        ct2_dir = embedded_model_dir(name, progress=progress)
        ckpt = openai_checkpoints.ensure_checkpoint(ct2_dir, name=name, progress=progress)
        official: bytes | None = whisper._ALIGNMENT_HEADS.get(name)
        heads = official or ct2_to_openai.encode_alignment_heads(
            ckpt.alignment_heads, ckpt.dims["n_text_layer"], ckpt.dims["n_text_head"]
        )
        return OpenAIModelSpec(name, "embedded", ckpt.path, heads)
    candidate = Path(name).expanduser()
    if candidate.is_file():
        return OpenAIModelSpec(
            str(candidate), "checkpoint", candidate.resolve(), _heads_from_sidecar(candidate)
        )
    if candidate.is_dir():
        check_model_dir(candidate)
        ckpt = openai_checkpoints.ensure_checkpoint(candidate, progress=progress)
        heads = ct2_to_openai.encode_alignment_heads(
            ckpt.alignment_heads, ckpt.dims["n_text_layer"], ckpt.dims["n_text_head"]
        )
        return OpenAIModelSpec(str(candidate), "directory", ckpt.path, heads)
    official_names = list(whisper.available_models())
    if name in official_names:
        root = official_download_root(whisper, name)
        if not allow_download and not (root / Path(whisper._MODELS[name]).name).is_file():
            raise ModelUnavailableError(
                f"openai-whisper model '{name}' is not downloaded and downloads are turned off: "
                f"use an embedded model ({', '.join(EMBEDDED_MODELS)}) or a checkpoint file."
            )
        return OpenAIModelSpec(name, "official", None, whisper._ALIGNMENT_HEADS.get(name))
    if "/" in name or "\\" in name or name.startswith((".", "~")) or name.endswith(".pt"):
        raise ModelUnavailableError(
            f"Model not found: {candidate}. Pass an existing openai-whisper checkpoint (.pt), a CTranslate2 "
            f"model folder, or one of {', '.join(EMBEDDED_MODELS)}."
        )
    raise ModelUnavailableError(
        f"Unknown openai-whisper model '{name}': use an embedded model ({', '.join(EMBEDDED_MODELS)}, "
        "offline), a checkpoint file or CTranslate2 folder, or an official name when online "
        f"({', '.join(official_names)})."
    )
