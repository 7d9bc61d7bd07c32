"""Offline model resolution: embedded models with no network, the joined base model, clear errors."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path
from typing import Any

import pytest

from opsprep_voice.asr import models
from opsprep_voice.asr.base import ModelUnavailableError
from opsprep_voice.asr.models import (
    BASE_MODEL_SHA256,
    DEFAULT_MODEL,
    EMBEDDED_MODELS,
    ModelSpec,
    embedded_model_dir,
    list_models,
    resolve_ct2_model,
)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Any attempt to open a connection or resolve a host fails and is recorded."""
    attempts: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(repr(args[:2]))
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


@pytest.fixture
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OPSPREP_VOICE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_tiny_en_resolves_without_network(no_network: list[str]) -> None:
    spec = resolve_ct2_model("tiny.en")
    assert spec == ModelSpec("tiny.en", spec.path, "embedded")
    assert (spec.path / "model.bin").stat().st_size > 70_000_000
    assert no_network == []


def test_default_and_list() -> None:
    assert DEFAULT_MODEL in EMBEDDED_MODELS
    assert list_models()[0] == DEFAULT_MODEL
    assert set(list_models()) == {"tiny.en", "base"}
    assert resolve_ct2_model(None).name == DEFAULT_MODEL


def test_base_is_joined_once_with_checksum(fresh_home: Path, no_network: list[str]) -> None:
    messages: list[tuple[float, str]] = []
    spec = resolve_ct2_model("base", progress=lambda f, m: messages.append((f, m)))
    assert spec.source == "embedded"
    assert spec.path == fresh_home / "cache" / "models" / "base"
    model_bin = spec.path / "model.bin"
    assert hashlib.sha256(model_bin.read_bytes()).hexdigest() == BASE_MODEL_SHA256
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        assert (spec.path / name).is_file()
    assert any("Preparing" in m for _, m in messages)
    fractions = [f for f, _ in messages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert list(spec.path.glob("*.tmp")) == []

    mtime = model_bin.stat().st_mtime_ns
    again: list[str] = []
    assert embedded_model_dir("base", progress=lambda f, m: again.append(m)) == spec.path
    assert model_bin.stat().st_mtime_ns == mtime  # reused, not rewritten
    assert not any("Preparing" in m for m in again)
    assert no_network == []


def test_corrupted_cached_base_is_rebuilt(fresh_home: Path) -> None:
    model_bin = resolve_ct2_model("base").path / "model.bin"
    with model_bin.open("r+b") as fh:  # same size, one byte flipped
        fh.seek(50_000_000)
        byte = fh.read(1)
        fh.seek(50_000_000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    messages: list[str] = []
    spec = resolve_ct2_model("base", progress=lambda f, m: messages.append(m))
    assert any("Preparing" in m for m in messages)
    assert hashlib.sha256((spec.path / "model.bin").read_bytes()).hexdigest() == BASE_MODEL_SHA256


def test_interrupted_join_leaves_no_model(fresh_home: Path) -> None:
    def crash(fraction: float, message: str) -> None:
        if fraction > 0.5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        resolve_ct2_model("base", progress=crash)
    target = fresh_home / "cache" / "models" / "base"
    assert not (target / "model.bin").exists()
    assert list(target.glob("*.tmp")) == []
    assert (resolve_ct2_model("base").path / "model.bin").stat().st_size == models.BASE_MODEL_SIZE


def test_missing_directory_error(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match=r"Model folder not found: .*nothere.*--model DIR"):
        resolve_ct2_model(str(tmp_path / "nothere"))


def test_incomplete_directory_names_missing_files(tmp_path: Path) -> None:
    d = tmp_path / "half"
    d.mkdir()
    (d / "config.json").write_text("{}")
    with pytest.raises(
        ModelUnavailableError, match=r"incomplete: missing model\.bin, tokenizer\.json, vocabulary"
    ):
        resolve_ct2_model(str(d))


def test_a_model_directory_resolves(tmp_path: Path) -> None:
    src = resolve_ct2_model("tiny.en").path
    d = tmp_path / "mymodel"
    d.mkdir()
    for f in src.iterdir():
        (d / f.name).symlink_to(f)
    spec = resolve_ct2_model(str(d))
    assert spec.source == "directory" and spec.path == d.resolve()


def test_unknown_name_offline_is_clear(no_network: list[str]) -> None:
    with pytest.raises(ModelUnavailableError) as err:
        resolve_ct2_model("small.en")
    assert str(err.value) == (
        "model 'small.en' is not embedded and could not be downloaded (no network?): "
        "use one of tiny.en, base, or pass a model folder with --model DIR"
    )
    assert no_network  # a download was really attempted, and refused


def test_download_not_allowed_never_touches_network(no_network: list[str]) -> None:
    with pytest.raises(ModelUnavailableError, match=r"small\.en' is not embedded.*downloads are turned off"):
        resolve_ct2_model("small.en", allow_download=False)
    assert no_network == []


def test_nonsense_name_lists_downloadable(no_network: list[str]) -> None:
    with pytest.raises(ModelUnavailableError, match=r"unknown model name; downloadable: tiny, tiny\.en"):
        resolve_ct2_model("gigantic")
