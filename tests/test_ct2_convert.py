"""CTranslate2 -> openai-whisper conversion: same greedy tokens as CTranslate2, checksummed cache."""

from __future__ import annotations

import json
import logging
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from opsprep_voice.asr import ct2_to_openai as conv
from opsprep_voice.asr import openai_checkpoints as ckpts
from opsprep_voice.asr.models import embedded_model_dir
from tests.support import speech

whisper = pytest.importorskip("whisper", reason="openai-whisper extra not installed")
ctranslate2 = pytest.importorskip("ctranslate2")

pytestmark = pytest.mark.model

SENTENCE = "The on-call engineer checked the Prometheus alerts and rolled back the deployment."


@pytest.fixture(scope="module")
def sre_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return speech.synthesize(SENTENCE, tmp_path_factory.mktemp("convert") / "sre.wav")


@pytest.fixture()
def cache(tmp_path: Path) -> Iterator[Path]:
    ckpts.forget_verified()
    yield tmp_path / "ow-cache"
    ckpts.forget_verified()


def _greedy_tokens_both(ct2_dir: Path, checkpoint: Path, wav: Path) -> tuple[list[int], list[int]]:
    """Greedy tokens of openai-whisper (converted checkpoint) and CTranslate2 on the same log-mel input."""
    from opsprep_voice.audio.io import load_audio

    model = whisper.load_model(str(checkpoint), device="cpu")
    mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(load_audio(wav)), model.dims.n_mels)
    options = whisper.DecodingOptions(language="en", without_timestamps=True, fp16=False, temperature=0.0)
    ours = list(whisper.decode(model, mel, options).tokens)
    tokenizer = whisper.tokenizer.get_tokenizer(
        model.is_multilingual, num_languages=model.num_languages, language="en", task="transcribe"
    )
    ct2 = ctranslate2.models.Whisper(str(ct2_dir), device="cpu", compute_type="float32")
    features = ctranslate2.StorageView.from_array(np.ascontiguousarray(mel.numpy()[None]))
    prompt = list(tokenizer.sot_sequence_including_notimestamps)
    theirs = list(ct2.generate(features, [prompt], beam_size=1, max_length=224)[0].sequences_ids[0])
    return ours, theirs


@pytest.mark.parametrize("name", ["tiny.en", "base"])
def test_converted_checkpoint_decodes_the_same_tokens_as_ctranslate2(
    name: str, sre_wav: Path, cache: Path
) -> None:
    ct2_dir = embedded_model_dir(name)
    ckpt = ckpts.ensure_checkpoint(ct2_dir, name=name, cache=cache)
    ours, theirs = _greedy_tokens_both(ct2_dir, ckpt.path, sre_wav)
    assert ours == theirs  # float32 on both sides from the same float16 weights: identical, no tolerance
    model_dims = ckpt.dims
    if name == "base":  # multilingual: 99 languages, the multilingual tokenizer
        assert model_dims["n_vocab"] == 51865 and model_dims["n_text_layer"] == 6
    else:  # English-only tiny: the GPT-2 tokenizer
        assert model_dims["n_vocab"] == 51864 and model_dims["n_audio_state"] == 384
    text = whisper.tokenizer.get_tokenizer(name == "base").decode(ours).lower()
    assert "deployment" in text and "roll" in text  # real speech recognised, not just equal noise


def test_sidecar_records_checksums_and_second_call_reuses(cache: Path) -> None:
    ct2_dir = embedded_model_dir("tiny.en")
    first = ckpts.ensure_checkpoint(ct2_dir, name="tiny.en", cache=cache)
    assert first.converted
    meta = json.loads(first.sidecar.read_text())
    assert meta["format_version"] == conv.FORMAT_VERSION
    assert meta["output_sha256"] == ckpts.sha256_file(first.path) == first.sha256
    assert meta["source_sha256"] == ckpts.sha256_file(ct2_dir / "model.bin")
    assert meta["dims"]["n_text_head"] == 6
    # Official tiny.en alignment heads == the ones CTranslate2's config.json carries.
    official = conv.decode_alignment_heads(whisper._ALIGNMENT_HEADS["tiny.en"], 4, 6)
    assert meta["alignment_heads"] == official
    assert not list(cache.glob(".*.tmp")), "temporary files left behind"

    mtime = first.path.stat().st_mtime_ns
    ckpts.forget_verified()  # a new process: re-verifies the checksum, still no conversion
    second = ckpts.ensure_checkpoint(ct2_dir, name="tiny.en", cache=cache)
    assert not second.converted
    assert second.path.stat().st_mtime_ns == mtime
    assert second.sha256 == first.sha256


def test_corrupt_checkpoint_is_detected_and_rebuilt(cache: Path, caplog: pytest.LogCaptureFixture) -> None:
    ct2_dir = embedded_model_dir("tiny.en")
    good = ckpts.ensure_checkpoint(ct2_dir, name="tiny.en", cache=cache)
    with good.path.open("r+b") as fh:  # flip bytes in the middle of the weights
        fh.seek(good.path.stat().st_size // 2)
        fh.write(b"\xde\xad\xbe\xef" * 16)
    ckpts.forget_verified()
    with caplog.at_level(logging.WARNING, logger=ckpts.__name__):
        rebuilt = ckpts.ensure_checkpoint(ct2_dir, name="tiny.en", cache=cache)
    assert rebuilt.converted
    assert "corrupt" in caplog.text and str(good.path) in caplog.text
    assert ckpts.sha256_file(rebuilt.path) == rebuilt.sha256 == good.sha256  # torch.save is deterministic
    whisper.load_model(str(rebuilt.path), device="cpu")  # loads strictly again


def test_missing_sidecar_or_new_format_version_rebuilds(cache: Path) -> None:
    ct2_dir = embedded_model_dir("tiny.en")
    first = ckpts.ensure_checkpoint(ct2_dir, name="tiny.en", cache=cache)
    first.sidecar.unlink()
    ckpts.forget_verified()
    assert ckpts.ensure_checkpoint(ct2_dir, name="tiny.en", cache=cache).converted
    meta = json.loads(first.sidecar.read_text())
    meta["format_version"] = conv.FORMAT_VERSION - 1
    first.sidecar.write_text(json.dumps(meta))
    assert ckpts.ensure_checkpoint(ct2_dir, name="tiny.en", cache=cache).converted


def test_a_ct2_folder_is_keyed_by_path_and_default_cache_is_the_user_cache(tmp_path: Path) -> None:
    src = embedded_model_dir("tiny.en")
    copy = tmp_path / "my-model"
    shutil.copytree(src, copy)
    ckpt = ckpts.ensure_checkpoint(copy)  # default cache: <OPSPREP_VOICE_HOME>/cache/models/openai-whisper
    assert ckpt.path.parent == ckpts.checkpoint_dir()
    assert ckpt.path.name.startswith("dir-") and ckpt.path.suffix == ".pt"
    assert ckpts.ensure_checkpoint(copy).converted is False


def _write_bin(path: Path, version: int, spec: str = "WhisperSpec") -> None:
    def s(text: str) -> bytes:
        raw = text.encode() + b"\0"
        return struct.pack("<H", len(raw)) + raw

    path.write_bytes(struct.pack("<I", version) + s(spec) + struct.pack("<II", 3, 0) + struct.pack("<I", 0))


def test_unsupported_or_broken_model_bin_gives_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "model.bin"
    _write_bin(bad, version=2)
    with pytest.raises(conv.ConversionError, match="binary version 2"):
        conv.read_ct2_model(bad)
    _write_bin(bad, version=6, spec="TransformerSpec")
    with pytest.raises(conv.ConversionError, match="not a Whisper model"):
        conv.to_openai_state(conv.read_ct2_model(bad))
    real = embedded_model_dir("tiny.en") / "model.bin"
    with real.open("rb") as fh:
        bad.write_bytes(fh.read(1_000_000))  # truncated copy
    with pytest.raises(conv.ConversionError, match="truncated"):
        conv.read_ct2_model(bad)


def test_alignment_heads_round_trip() -> None:
    heads = [[1, 0], [2, 0], [2, 5], [3, 0], [3, 1], [3, 2], [3, 3], [3, 4]]
    dump = conv.encode_alignment_heads(heads, 4, 6)
    assert conv.decode_alignment_heads(dump, 4, 6) == heads
    assert (
        conv.decode_alignment_heads(whisper._ALIGNMENT_HEADS["base"], 6, 8)
        == json.loads((embedded_model_dir("base") / "config.json").read_text())["alignment_heads"]
    )
