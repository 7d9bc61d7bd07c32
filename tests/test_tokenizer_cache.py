"""Whisper's tokenizer parsed ahead of the model load and handed to faster-whisper: the model gets that
very tokenizer (so a faster-whisper release that loads it another way fails here), the same as its own
parse would give, and only for the folder and file it was parsed from."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import faster_whisper.transcribe
import pytest
import tokenizers
from faster_whisper import WhisperModel

from opsprep_voice.asr import tokenizer_cache
from opsprep_voice.asr.models import local_model_dir, resolve_ct2_model
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
    assert tokenizer_cache.preparse(tiny)
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
    assert tokenizer_cache.preparse(tiny)
    parsed = _parsed()
    file = tiny / "tokenizer.json"
    stat = file.stat()
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    with tokenizer_cache.handing_over(tiny) as handed:
        model = _load(tiny)
    assert not handed and model.hf_tokenizer is not parsed


def test_another_folder_gets_nothing_and_a_missing_file_parses_nothing(tiny: Path, tmp_path: Path) -> None:
    assert not tokenizer_cache.preparse(tmp_path / "no-model")
    assert tokenizer_cache._waiting is None
    assert tokenizer_cache.preparse(tiny)
    other = resolve_ct2_model("tiny.en").path
    with tokenizer_cache.handing_over(other) as handed:
        model = _load(other)
    assert not handed and model.hf_tokenizer is not None


def test_parse_ahead_only_for_a_faster_whisper_model_on_disk(tiny: Path, tmp_path: Path) -> None:
    assert local_model_dir("tiny.en") == resolve_ct2_model("tiny.en").path
    assert local_model_dir(str(tiny)) == tiny
    assert local_model_dir(str(tmp_path / "missing")) is None
    assert local_model_dir("small") is None  # a download: nothing on disk to parse
    assert not parse_ahead("openai-whisper", None)
    assert tokenizer_cache._waiting is None
    assert parse_ahead(None, str(tiny))
    assert tokenizer_cache._waiting is not None
