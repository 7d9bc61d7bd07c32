"""Whisper's tokenizer parsed ahead of the model load and handed to faster-whisper: the model gets that
very tokenizer (so a faster-whisper release that loads it another way fails here), the same as its own
parse would give, and only when its tokenizer.json has the bytes that were parsed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import faster_whisper.transcribe
import pytest
import tokenizers
from faster_whisper import WhisperModel

from opsprep_voice.asr import tokenizer_cache
from opsprep_voice.asr.models import ahead_tokenizer, resolve_ct2_model
from opsprep_voice.ui.startup_order import parse_ahead


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """tiny.en's folder with its own copy of tokenizer.json (the rest linked), so the test may change it."""
    source = resolve_ct2_model("tiny.en").path
    folder = tmp_path / "tiny"
    folder.mkdir()
    for item in source.iterdir():
        (folder / item.name).symlink_to(item)
    (folder / "tokenizer.json").unlink()
    shutil.copy(source / "tokenizer.json", folder / "tokenizer.json")
    return folder


@pytest.fixture(autouse=True)
def _nothing_waiting() -> None:
    tokenizer_cache._waiting = None


def _load(folder: Path) -> WhisperModel:
    return WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=1)


def _parsed() -> object:
    waiting = tokenizer_cache._waiting
    assert waiting is not None
    return waiting[1]


def test_the_model_takes_the_tokenizer_parsed_ahead(tiny: Path) -> None:
    assert tokenizer_cache.preparse(tiny / "tokenizer.json")
    parsed = _parsed()
    with tokenizer_cache.handing_over(tiny) as handed:
        model = _load(tiny)
    assert handed and model.hf_tokenizer is parsed
    assert faster_whisper.transcribe.tokenizers is tokenizers  # put back
    own = tokenizers.Tokenizer.from_file(str(tiny / "tokenizer.json"))
    assert json.loads(model.hf_tokenizer.to_str()) == json.loads(own.to_str())
    text = "We set an SLO of 99.9 percent and alert on the error budget burn rate."
    assert model.hf_tokenizer.encode(text).ids == own.encode(text).ids
    # Handed over once: the next load parses its own.
    with tokenizer_cache.handing_over(tiny) as handed_again:
        again = _load(tiny)
    assert not handed_again and again.hf_tokenizer is not parsed


def test_a_changed_tokenizer_file_is_parsed_again(tiny: Path) -> None:
    assert tokenizer_cache.preparse(tiny / "tokenizer.json")
    parsed = _parsed()
    file = tiny / "tokenizer.json"
    file.write_text(file.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # same JSON, other bytes
    with tokenizer_cache.handing_over(tiny) as handed:
        model = _load(tiny)
    assert not handed and model.hf_tokenizer is not parsed


def test_the_same_bytes_elsewhere_are_handed_over(tiny: Path, tmp_path: Path) -> None:
    """The first start parses the copy in the model's package, before the load copies it into the cache."""
    elsewhere = tmp_path / "package-copy.json"
    shutil.copy(tiny / "tokenizer.json", elsewhere)
    assert tokenizer_cache.preparse(elsewhere)
    parsed = _parsed()
    with tokenizer_cache.handing_over(tiny) as handed:
        model = _load(tiny)
    assert handed and model.hf_tokenizer is parsed


def test_a_missing_or_broken_file_parses_nothing(tmp_path: Path) -> None:
    assert not tokenizer_cache.preparse(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert not tokenizer_cache.preparse(broken)
    assert tokenizer_cache._waiting is None


def test_parse_ahead_only_for_a_faster_whisper_model_on_disk(tiny: Path, tmp_path: Path) -> None:
    tiny_en = resolve_ct2_model("tiny.en").path
    assert ahead_tokenizer("tiny.en") == tiny_en / "tokenizer.json"
    assert ahead_tokenizer(str(tiny)) == tiny / "tokenizer.json"
    base = ahead_tokenizer("base")  # the model package's copy: found before base is joined
    assert (
        base is not None
        and base.read_bytes() == (resolve_ct2_model("base").path / "tokenizer.json").read_bytes()
    )
    assert ahead_tokenizer(str(tmp_path / "missing")) is None
    assert ahead_tokenizer("small") is None  # a download: nothing on disk to parse
    assert not parse_ahead("openai-whisper", None)
    assert tokenizer_cache._waiting is None
    assert parse_ahead(None, str(tiny))
    assert tokenizer_cache._waiting is not None
