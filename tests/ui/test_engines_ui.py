"""Switching speech engines in the running app (no restart), with the real engines, and the fallback
to the default engine when the chosen one cannot load."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from opsprep_voice.asr import registry
from opsprep_voice.core.bank import load_bank
from opsprep_voice.core.paths import AppPaths
from opsprep_voice.core.transcript import Transcript
from opsprep_voice.ui.application import AppContext, apply_settings, build_app
from tests.support.speech import synthesize
from tests.support.waits import BACKGROUND_MS

pytestmark = pytest.mark.model
Q = load_bank().find("5")


def app(qtbot: Any) -> AppContext:
    paths = AppPaths.default()  # the run's home: shares the model cache
    (paths.config_dir() / "settings.json").write_text(json.dumps({"speak_questions": False}))
    ctx = build_app(paths=paths, synthesizer=None)
    qtbot.addWidget(ctx.window)
    qtbot.waitUntil(lambda: ctx.transcription.ready, timeout=BACKGROUND_MS)
    return ctx


def test_switch_to_openai_whisper_and_transcribe(qtbot: Any, speech_dir: Path) -> None:
    pytest.importorskip(
        "whisper", reason="the openai-whisper extra is installed by the README's test command"
    )
    ctx = app(qtbot)
    try:
        assert ctx.transcription.transcriber is not None
        assert ctx.transcription.transcriber.engine == "faster-whisper"
        apply_settings(ctx, {"engine": "openai-whisper"})
        qtbot.waitUntil(
            lambda: (
                ctx.transcription.ready
                and ctx.transcription.transcriber is not None
                and ctx.transcription.transcriber.engine == "openai-whisper"
            ),
            timeout=BACKGROUND_MS,
        )
        assert "openai-whisper" in ctx.window.model_label.text()
        audio = synthesize(
            "We standardize on Terraform with remote state and locking.", speech_dir / "eng.wav"
        )
        results: list[object] = []
        ctx.transcription.transcribe_file(audio, Q).then(results.append, results.append)
        qtbot.waitUntil(lambda: bool(results), timeout=BACKGROUND_MS)
        transcript = results[0]
        assert isinstance(transcript, Transcript)
        assert "terraform" in transcript.text.lower() and transcript.words
    finally:
        ctx.shutdown()


def test_unloadable_engine_falls_back_to_the_default_and_says_so(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.ENGINES, "openai-whisper", "opsprep_voice.asr.not_installed:create")
    ctx = app(qtbot)
    try:
        apply_settings(ctx, {"engine": "openai-whisper"})
        qtbot.waitUntil(
            lambda: ctx.transcription.ready and ctx.transcription.engine == "openai-whisper",
            timeout=BACKGROUND_MS,
        )
        assert ctx.transcription.transcriber is not None
        assert ctx.transcription.transcriber.engine == "faster-whisper"
        text = ctx.window.model_label.text()
        assert "not installed" in text and "Using faster-whisper" in text, text
    finally:
        ctx.shutdown()
