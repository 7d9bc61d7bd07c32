"""The cache of converted openai-whisper checkpoints: convert each CTranslate2 model once, verify on use.

A checkpoint is written once per source into ``<cache>/models/openai-whisper/<key>.pt`` by
:func:`~opsprep_voice.asr.ct2_to_openai.convert`, with a JSON sidecar ``<key>.json`` holding the SHA-256 of
the source ``model.bin`` and of the checkpoint and
:data:`~opsprep_voice.asr.ct2_to_openai.FORMAT_VERSION`. The sidecar is written last, so a checkpoint
without one is incomplete. :func:`ensure_checkpoint` verifies the checkpoint against the sidecar on its
first use in a process and rebuilds it when it does not match; one lock per checkpoint keeps two threads
from converting the same model.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsprep_voice.asr.base import ProgressFn
from opsprep_voice.asr.ct2_to_openai import (
    FORMAT_VERSION,
    ConversionError,
    alignment_heads_from_config,
    atomic_write,
    convert,
)
from opsprep_voice.core.paths import AppPaths

log = logging.getLogger(__name__)

_HASH_BLOCK = 4 << 20


@dataclass(frozen=True, slots=True)
class ConvertedCheckpoint:
    """A verified openai-whisper checkpoint and what the sidecar records about it."""

    path: Path
    sidecar: Path
    sha256: str
    source_sha256: str
    dims: dict[str, int]
    alignment_heads: list[list[int]]
    converted: bool  # True when this call (re)built it, False when an existing file was reused
    seconds: float  # conversion time when converted, else verification time


def checkpoint_dir() -> Path:
    """``<cache>/models/openai-whisper``: converted checkpoints and their sidecars."""
    return AppPaths.default().cache_dir("models", "openai-whisper")


def cache_key(model_dir: Path, name: str | None = None) -> str:
    """File stem for a source: the embedded name (``tiny.en``) or ``dir-<hash of the resolved path>``."""
    if name:
        return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
    return "dir-" + hashlib.sha256(str(model_dir.resolve()).encode()).hexdigest()[:16]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _stat_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return str(path.resolve()), st.st_size, st.st_mtime_ns


_LOCKS_GUARD = threading.Lock()
_LOCKS: dict[str, threading.Lock] = {}
#: (checkpoint, size, mtime_ns) -> sha256 already verified in this process (avoid rehashing every load).
_VERIFIED: dict[tuple[str, int, int], str] = {}


def _lock_for(key: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


def _read_sidecar(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("converted-model sidecar %s is unreadable (%s): rebuilding", path, exc)
        return None
    return data if isinstance(data, dict) else None


def _source_sha256(model_bin: Path, sidecar: dict[str, Any] | None) -> str:
    """The source model.bin's SHA-256, reusing the sidecar's value when size and mtime are unchanged."""
    _, size, mtime = _stat_key(model_bin)
    if sidecar and sidecar.get("source_size") == size and sidecar.get("source_mtime_ns") == mtime:
        cached = sidecar.get("source_sha256")
        if isinstance(cached, str):
            return cached
    return sha256_file(model_bin)


def _check_existing(
    ckpt: Path, sidecar_path: Path, model_bin: Path
) -> tuple[ConvertedCheckpoint | None, dict[str, Any] | None]:
    meta = _read_sidecar(sidecar_path)
    if meta is None or not ckpt.is_file():
        return None, meta
    if meta.get("format_version") != FORMAT_VERSION:
        log.info(
            "converted checkpoint %s is format %s, current %d: rebuilding",
            ckpt,
            meta.get("format_version"),
            FORMAT_VERSION,
        )
        return None, meta
    source_sha = _source_sha256(model_bin, meta)
    if meta.get("source_sha256") != source_sha:
        log.info("source model %s changed since %s was converted: rebuilding", model_bin, ckpt)
        return None, meta
    t0 = time.perf_counter()
    key = _stat_key(ckpt)
    actual = _VERIFIED.get(key) or sha256_file(ckpt)
    if actual != meta.get("output_sha256"):
        log.warning(
            "converted checkpoint %s is corrupt (SHA-256 %s…, expected %s…): deleting and converting again",
            ckpt,
            actual[:12],
            str(meta.get("output_sha256"))[:12],
        )
        return None, meta
    _VERIFIED[key] = actual
    return (
        ConvertedCheckpoint(
            path=ckpt,
            sidecar=sidecar_path,
            sha256=actual,
            source_sha256=source_sha,
            dims={k: int(v) for k, v in dict(meta["dims"]).items()},
            alignment_heads=[[int(a), int(b)] for a, b in meta.get("alignment_heads", [])],
            converted=False,
            seconds=time.perf_counter() - t0,
        ),
        meta,
    )


def ensure_checkpoint(
    model_dir: Path,
    *,
    name: str | None = None,
    progress: ProgressFn | None = None,
    cache: Path | None = None,
) -> ConvertedCheckpoint:
    """Return a verified openai-whisper checkpoint for a CTranslate2 model folder, converting once.

    ``name`` (an embedded model name) keys the cache file; otherwise the folder's resolved path does.
    An existing checkpoint is reused when its sidecar matches the format version, the source's SHA-256
    and its own SHA-256; otherwise it is rebuilt (a corrupt file is logged and replaced).
    """
    model_bin = model_dir / "model.bin"
    if not model_bin.is_file():
        raise ConversionError(f"{model_dir} has no model.bin: not a CTranslate2 Whisper model folder")
    folder = cache or checkpoint_dir()
    folder.mkdir(parents=True, exist_ok=True)
    key = cache_key(model_dir, name)
    ckpt, sidecar_path = folder / f"{key}.pt", folder / f"{key}.json"
    with _lock_for(str(ckpt)):
        existing, meta = _check_existing(ckpt, sidecar_path, model_bin)
        if existing is not None:
            log.debug("reusing converted checkpoint %s", ckpt)
            if progress:
                progress(1.0, f"Model {name or model_dir.name} ready")
            return existing
        t0 = time.perf_counter()
        log.info("converting %s to an openai-whisper checkpoint at %s", model_dir, ckpt)
        source_sha = _source_sha256(model_bin, meta)
        sidecar_path.unlink(missing_ok=True)  # no sidecar = not complete, whatever happens next
        dims, out_sha = convert(model_dir, ckpt, progress=progress)
        heads = alignment_heads_from_config(model_dir, dims)
        _, src_size, src_mtime = _stat_key(model_bin)
        record = {
            "format_version": FORMAT_VERSION,
            "source": str(model_dir.resolve()),
            "source_sha256": source_sha,
            "source_size": src_size,
            "source_mtime_ns": src_mtime,
            "output_sha256": out_sha,
            "output_size": ckpt.stat().st_size,
            "dims": dims,
            "alignment_heads": heads,
            "converted_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        payload = (json.dumps(record, indent=2) + "\n").encode("utf-8")
        atomic_write(sidecar_path, lambda out: out.write(payload))
        _VERIFIED[_stat_key(ckpt)] = out_sha
        seconds = time.perf_counter() - t0
        log.info("converted %s in %.1f s (%d bytes)", model_dir, seconds, record["output_size"])
        if progress:
            progress(1.0, f"Model {name or model_dir.name} ready")
        return ConvertedCheckpoint(
            path=ckpt,
            sidecar=sidecar_path,
            sha256=out_sha,
            source_sha256=source_sha,
            dims=dims,
            alignment_heads=heads,
            converted=True,
            seconds=seconds,
        )


def forget_verified() -> None:
    """Drop the in-process record of verified checkpoints (tests use it to force re-verification)."""
    _VERIFIED.clear()
