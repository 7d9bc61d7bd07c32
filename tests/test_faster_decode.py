"""Windowed decoding in the faster-whisper engine (opsprep_voice.asr.faster) with fake pipelines: how windows
are shared out between pipelines, merged progress, repetition loops decoded again, errors and cancel.

No model: the engine is built around fakes that return one word per window, so these run in milliseconds.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from opsprep_voice.asr.base import (
    SAMPLE_RATE,
    TranscribeOptions,
    TranscriptionCancelled,
    TranscriptionError,
)
from opsprep_voice.asr.faster import FasterWhisperTranscriber
from opsprep_voice.asr.models import ModelSpec

REGIONS = [(0.5, 9.0), (10.0, 19.0), (20.0, 29.0), (31.0, 40.0), (41.0, 50.0), (52.0, 58.0)]
DURATION = 60.0


def segment(start: float, end: float, seek: int, text: str, ratio: float = 1.5) -> SimpleNamespace:
    word = SimpleNamespace(word=text, start=start, end=end, probability=0.9)
    return SimpleNamespace(
        start=start, end=end, seek=seek, text=text, words=[word], no_speech_prob=0.0, avg_logprob=-0.1,
        compression_ratio=ratio,
    )  # fmt: skip


class FakePipeline:
    """Stands in for ``WindowedPipeline``: one segment per clip window, text ``p<prompted>@<start>``.
    Windows starting at a time in ``loops`` repeat themselves (with the prompt only, unless ``always``)."""

    def __init__(self, loops: set[float], *, always: bool = False, fail: bool = False) -> None:
        self.loops, self.always, self.fail = loops, always, fail
        self.calls: list[dict[str, Any]] = []
        self.threads: set[str] = set()

    def transcribe(self, samples: np.ndarray, **kw: Any) -> tuple[Any, None]:
        self.calls.append({"size": samples.size, **kw})
        self.threads.add(threading.current_thread().name)
        if self.fail:
            raise RuntimeError("pipeline broke")
        out = []
        for clip in kw["clip_timestamps"]:
            start, end = clip["start"], clip["end"]
            prompted = kw["initial_prompt"] is not None
            loops = round(start, 1) in self.loops and (prompted or self.always)
            out.append(
                segment(
                    start, end, round(start * 100), f"p{int(prompted)}@{start:.1f}", 3.0 if loops else 1.5
                )
            )
        return iter(out), None


class FakeModel:
    """Stands in for ``WhisperModel`` (sequential decoding): one word over the whole audio."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def transcribe(self, samples: np.ndarray, **kw: Any) -> tuple[Any, None]:
        self.sizes.append(samples.size)
        return iter([segment(0.0, samples.size / SAMPLE_RATE, 0, "sequential")]), None


def engine(pipelines: list[FakePipeline]) -> FasterWhisperTranscriber:
    eng = object.__new__(FasterWhisperTranscriber)
    eng._spec = ModelSpec(name="fake", path=None, source="test")  # type: ignore[arg-type]
    eng._workers = len(pipelines)
    eng._batch_size = 8
    eng._free = list(pipelines)  # type: ignore[arg-type]
    eng._pool = threading.Condition()
    eng._model = FakeModel()
    eng._uses_prompt = True
    eng.speech_regions = lambda audio: list(REGIONS)  # type: ignore[method-assign]
    return eng


AUDIO = (np.random.default_rng(0).uniform(-0.3, 0.3, round(DURATION * SAMPLE_RATE))).astype(np.float32)


def test_windows_are_shared_out_and_merged_in_order() -> None:
    pipes = [FakePipeline(set()), FakePipeline(set())]
    seen: list[float] = []
    result = engine(pipes).transcribe(
        AUDIO, TranscribeOptions(prompt="terms", parallel=True), progress=lambda f, m: seen.append(f)
    )
    starts = [w.start for w in result.words]
    assert starts == sorted(starts) and len(starts) >= 2
    assert all(w.text.startswith("p1@") for w in result.words)  # prompted, no retry needed
    assert pipes[0].calls and pipes[1].calls  # both pipelines decoded windows
    assert pipes[1].threads == {"whisper-worker-1"} and pipes[0].threads == {threading.current_thread().name}
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    assert max(seen[1:-1]) <= 0.99
    for call in pipes[0].calls + pipes[1].calls:
        longest = max(c["end"] - c["start"] for c in call["clip_timestamps"])
        assert call["max_new_tokens"] == min(224, int(7.0 * longest) + 16)


def test_one_pipeline_without_parallel_option() -> None:
    pipes = [FakePipeline(set()), FakePipeline(set())]
    result = engine(pipes).transcribe(AUDIO, TranscribeOptions(parallel=False))
    assert len(pipes[0].calls) == 1 and not pipes[1].calls
    assert result.words


def test_a_looping_window_is_decoded_again_without_the_prompt() -> None:
    pipes = [FakePipeline({31.0})]  # windows: 0.5-29 s and 31-58 s
    eng = engine(pipes)
    result = eng.transcribe(AUDIO, TranscribeOptions(prompt="terms", parallel=False))
    retry = [c for c in pipes[0].calls if c["initial_prompt"] is None]
    assert len(retry) == 1 and retry[0]["clip_timestamps"][0]["start"] == 0.0
    redone = [w for w in result.words if w.text.startswith("p0@")]
    assert len(redone) == 1 and redone[0].start == pytest.approx(31.0)  # back in absolute time
    assert not eng._model.sizes  # type: ignore[attr-defined]


def test_a_window_that_loops_without_the_prompt_is_decoded_sequentially() -> None:
    pipes = [FakePipeline({31.0, 0.0}, always=True)]  # the retry window starts at 0.0
    eng = engine(pipes)
    result = eng.transcribe(AUDIO, TranscribeOptions(prompt="terms", parallel=False))
    assert len(eng._model.sizes) == 1  # type: ignore[attr-defined]
    assert [w.text for w in result.words].count("sequential") == 1
    assert eng._free == pipes  # pipelines are back in the pool


def test_errors_in_any_pipeline_are_reported_and_cancel_raises() -> None:
    pipes = [FakePipeline(set()), FakePipeline(set(), fail=True)]
    eng = engine(pipes)
    with pytest.raises(TranscriptionError, match="pipeline broke") as info:
        eng.transcribe(AUDIO, TranscribeOptions(parallel=True))
    assert not isinstance(info.value, TranscriptionCancelled)
    assert sorted(map(id, eng._free)) == sorted(map(id, pipes))
    cancel = threading.Event()

    def progress(fraction: float, message: str) -> None:
        if fraction > 0:
            cancel.set()

    with pytest.raises(TranscriptionCancelled):
        engine([FakePipeline(set())]).transcribe(AUDIO, progress=progress, cancel=cancel)
