"""The openai-whisper engine on real speech: key terms, word timings, silence, cancel, threads, offline."""

from __future__ import annotations

import builtins
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from opsprep_voice.asr import guards
from opsprep_voice.asr.base import (
    EngineUnavailableError,
    ModelUnavailableError,
    TranscribeOptions,
    Transcriber,
    TranscriptionCancelled,
)
from opsprep_voice.audio.io import load_audio
from opsprep_voice.core.transcript import Transcript
from tests.support import speech

pytest.importorskip("whisper", reason="openai-whisper extra not installed")

from opsprep_voice.asr import openai_engine, openai_models
from opsprep_voice.asr.openai_engine import OpenAIWhisperTranscriber

SENTENCE = (
    "The on-call engineer checked the Prometheus alerts, rolled back the deployment, "
    "and wrote a postmortem about the incident."
)


class NetworkAttempt(AssertionError):
    pass


@pytest.fixture(scope="module")
def no_network() -> Iterator[list[str]]:
    """Any connection or DNS lookup fails loudly and is recorded (module-wide, incl. model loading)."""
    attempts: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(repr(args[:2]))
        raise NetworkAttempt(f"network access attempted: {args[:2]!r}")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket.socket, "connect_ex", refuse)
        mp.setattr(socket, "create_connection", refuse)
        mp.setattr(socket, "getaddrinfo", refuse)
        yield attempts


@pytest.fixture(scope="module")
def tiny(session_home: Path, no_network: list[str]) -> Iterator[OpenAIWhisperTranscriber]:
    """The embedded tiny.en, converted and loaded with sockets blocked, in the test run's home."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OPSPREP_VOICE_HOME", str(session_home))  # module fixtures run before the autouse one
        yield OpenAIWhisperTranscriber("tiny.en", allow_download=False)


@pytest.fixture(scope="module")
def sre_audio(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    wav = speech.synthesize(SENTENCE, tmp_path_factory.mktemp("openai") / "sre.wav")
    return load_audio(wav)


@pytest.fixture(scope="module")
def sre_transcript(tiny: OpenAIWhisperTranscriber, sre_audio: np.ndarray) -> Transcript:
    return tiny.transcribe(sre_audio)


@pytest.mark.model
def test_is_a_transcriber_with_the_embedded_model_offline(
    tiny: OpenAIWhisperTranscriber, no_network: list[str]
) -> None:
    assert isinstance(tiny, Transcriber)
    assert tiny.engine == "openai-whisper" and tiny.model == "tiny.en"
    assert tiny.spec.source == "embedded" and tiny.spec.checkpoint is not None
    assert tiny.spec.checkpoint.is_absolute() and tiny.spec.checkpoint.suffix == ".pt"
    assert tiny.uses_prompt is False  # measured: a prompt hurts tiny
    # Official alignment heads are set (not openai-whisper's default "upper half of the layers").
    import whisper

    assert tiny.spec.alignment_heads == whisper._ALIGNMENT_HEADS["tiny.en"]
    heads = tiny._model.alignment_heads.to_dense().nonzero().tolist()
    assert heads == [[1, 0], [2, 0], [2, 5], [3, 0], [3, 1], [3, 2], [3, 3], [3, 4]]
    assert no_network == []


@pytest.mark.model
def test_sre_sentence_key_terms_and_plausible_word_timings(
    sre_transcript: Transcript, sre_audio: np.ndarray, no_network: list[str]
) -> None:
    text = sre_transcript.text.lower()
    for term in ("engineer", "prometheus", "rolled back", "deployment", "incident"):
        assert term in text, f"{term!r} missing from {text!r}"
    words = sre_transcript.words
    duration = sre_audio.size / 16000
    assert sre_transcript.duration_s == pytest.approx(duration)
    assert len(words) >= 12
    starts = [w.start for w in words]
    assert starts == sorted(starts)
    assert all(0.0 <= w.start <= w.end <= duration for w in words)
    assert words[0].start < 0.8 and words[-1].end > duration - 1.5  # speech fills the clip
    lengths = [w.end - w.start for w in words]
    assert 0.1 < float(np.median(lengths)) < 0.8
    # "incident" is the last word spoken; "Prometheus" comes in the first half.
    incident = next(w for w in words if "incident" in w.text.lower())
    prometheus = next(w for w in words if "prometheus" in w.text.lower())
    assert incident.start > 0.75 * duration
    assert prometheus.start < 0.5 * duration
    assert no_network == []


@pytest.mark.model
def test_silence_and_noise_give_an_empty_transcript(tiny: OpenAIWhisperTranscriber, tmp_path: Path) -> None:
    silent = tiny.transcribe(np.zeros(16000 * 4, dtype=np.float32))
    assert silent.text == "" and silent.words == () and silent.duration_s == pytest.approx(4.0)
    noise = load_audio(speech.pink_noise(tmp_path / "noise.wav", 4.0, level_db=-33.0))
    assert tiny.transcribe(noise).text == ""
    assert tiny.transcribe(np.zeros(0, dtype=np.float32)).text == ""


@pytest.mark.parametrize(
    ("text", "no_speech", "logprob", "level", "dropped"),
    [
        ("Thank you.", 0.4, -0.5, 0.1, True),  # known phrase, leaning to no-speech
        ("Thank you.", 0.1, -0.5, 0.0, True),  # known phrase over digital silence
        ("Thank you.", 0.1, -0.5, 0.1, False),  # known phrase over real audio: kept
        (" ...", 0.0, -0.1, 0.1, True),  # punctuation only
        ("We rolled back.", 0.7, -0.9, 0.1, True),  # no speech + low confidence
        ("We rolled back.", 0.7, -0.5, 0.1, False),  # confident: kept
    ],
)
def test_hallucination_rule_shared_by_both_engines(
    text: str, no_speech: float, logprob: float, level: float, dropped: bool
) -> None:
    audio = np.full(16000 * 2, level, dtype=np.float32)
    assert guards.is_hallucination(text, 0.0, 2.0, no_speech, logprob, audio) is dropped
    assert openai_engine.is_hallucination is guards.is_hallucination  # one rule, not a copy


@pytest.mark.model
def test_progress_and_cancellation(tiny: OpenAIWhisperTranscriber, sre_audio: np.ndarray) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(TranscriptionCancelled):
        tiny.transcribe(sre_audio, cancel=cancel)

    # Cancel while running: the hook raises at the end of the current 30 s window.
    cancel = threading.Event()
    seen: list[tuple[float, str]] = []

    def progress(frac: float, message: str) -> None:
        seen.append((frac, message))
        cancel.set()

    with pytest.raises(TranscriptionCancelled):
        tiny.transcribe(sre_audio, progress=progress, cancel=cancel)
    assert seen[0] == (0.0, "Transcribing 0%")
    assert not any(m == "Transcribed" for _, m in seen)


@pytest.mark.model
def test_two_threads_get_the_same_result_as_one(
    tiny: OpenAIWhisperTranscriber, sre_audio: np.ndarray, sre_transcript: Transcript
) -> None:
    results: list[str] = []
    progress: dict[str, list[float]] = {"a": [], "b": []}

    def run(key: str) -> None:
        out = tiny.transcribe(sre_audio, progress=lambda f, _m: progress[key].append(f))
        results.append(out.text)

    threads = [threading.Thread(target=run, args=(k,)) for k in progress]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert results == [sre_transcript.text, sre_transcript.text]
    for fracs in progress.values():  # each caller saw only its own progress, ending at 1.0
        assert fracs[-1] == 1.0 and fracs == sorted(fracs)


@pytest.mark.model
def test_checkpoint_path_loads_with_its_sidecar_heads(tiny: OpenAIWhisperTranscriber) -> None:
    assert tiny.spec.checkpoint is not None
    by_path = openai_models.resolve_openai_model(str(tiny.spec.checkpoint), allow_download=False)
    assert by_path.source == "checkpoint" and by_path.checkpoint == tiny.spec.checkpoint
    assert by_path.alignment_heads is not None and tiny.spec.alignment_heads is not None
    from opsprep_voice.asr.ct2_to_openai import decode_alignment_heads

    # The same heads, read from the .json sidecar beside the checkpoint (gzip headers differ).
    assert decode_alignment_heads(by_path.alignment_heads, 4, 6) == decode_alignment_heads(
        tiny.spec.alignment_heads, 4, 6
    )


def test_official_name_offline_is_model_unavailable_with_the_fix(no_network: list[str]) -> None:
    with pytest.raises(ModelUnavailableError, match="downloads are turned off"):
        OpenAIWhisperTranscriber("small", allow_download=False)
    before = len(no_network)
    with pytest.raises(ModelUnavailableError, match=r"Offline\?.*embedded model"):
        OpenAIWhisperTranscriber("tiny")  # tries openai-whisper's download: refused here
    assert len(no_network) > before  # it really tried the network (and nothing else did above)
    leftovers = list(openai_models.official_cache_dir().glob("tiny.pt"))
    assert leftovers == []
    with pytest.raises(ModelUnavailableError, match="Unknown openai-whisper model"):
        OpenAIWhisperTranscriber("tiny-ish", allow_download=False)
    with pytest.raises(ModelUnavailableError, match="Model not found"):
        OpenAIWhisperTranscriber("./nowhere/model.pt")


def test_missing_extra_raises_engine_unavailable_with_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "whisper" or name.startswith("whisper."):
            raise ModuleNotFoundError("No module named 'whisper'", name="whisper")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(EngineUnavailableError, match=r"pip install 'opsprep-voice\[openai-whisper\]'"):
        OpenAIWhisperTranscriber("tiny.en")

    from opsprep_voice.asr.registry import ENGINES, create_transcriber

    assert "openai-whisper" in ENGINES
    with pytest.raises(EngineUnavailableError, match="openai-whisper is not installed"):
        create_transcriber("openai-whisper", None)


@pytest.mark.model
def test_registry_creates_the_engine_and_beam_is_honoured_when_asked(
    no_network: list[str], sre_audio: np.ndarray
) -> None:
    from opsprep_voice.asr.registry import create_transcriber

    before = len(no_network)
    default = create_transcriber("openai-whisper", "tiny.en")
    assert isinstance(default, OpenAIWhisperTranscriber) and default.engine == "openai-whisper"
    tr = OpenAIWhisperTranscriber("tiny.en", beam_size=None, allow_download=False)
    beam = tr.transcribe(sre_audio, TranscribeOptions(beam_size=2))
    assert "deployment" in beam.text.lower() and "incident" in beam.text.lower()
    assert len(no_network) == before
