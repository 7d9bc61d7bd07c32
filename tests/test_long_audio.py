"""Memory that does not grow with the answer: files decoded in bounded blocks, Silero VAD run in bounded
batches with the same probabilities, and recordings transcribed in segments cut at pauses.

These are light checks of the mechanism; the measurement is scripts/bench_memory.py (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

from opsprep_voice.asr import long_audio, silero
from opsprep_voice.asr.base import SAMPLE_RATE, TranscribeOptions, TranscriptionCancelled
from opsprep_voice.audio.io import BLOCK_SAMPLES, AudioFile, load_audio, to_mono_16k
from opsprep_voice.core.transcript import Transcript, Word
from tests.support import speech

SENTENCES = [
    "We define service level objectives for the journeys our users care about most.",
    "When the error budget burns too fast we freeze risky releases and fix reliability first.",
    "Prometheus scrapes the metrics and we page on the burn rate rather than on CPU.",
    "Every incident ends with a blameless review and action items that have owners.",
    "Capacity is planned from the traffic forecast with headroom for a regional failover.",
]


@pytest.fixture(scope="module")
def spoken(speech_dir: Path) -> Path:
    """About a minute of speech: the sentences twice, each followed by 1.5 s of silence."""
    out = speech_dir / "long-audio-minute.wav"
    if out.exists():
        return out
    parts = []
    for i, sentence in enumerate(SENTENCES * 2):
        clip = speech.synthesize(sentence, speech_dir / f"long-audio-{i}.wav")
        pause = speech.silence(speech_dir / f"long-audio-pause-{i}.wav", 1.5)
        parts += [str(clip), str(pause)]
    subprocess.run(["sox", *parts, str(out)], check=True)
    return out


def test_a_file_is_decoded_in_bounded_blocks(tmp_path: Path) -> None:
    path = tmp_path / "stereo48k.wav"
    subprocess.run(
        ["sox", "-n", "-r", "48000", "-c", "2", "-b", "16", str(path), "synth", "20", "sine", "300-3000"],
        check=True,
    )
    source = AudioFile(path)
    assert (source.rate, source.channels) == (48000, 2)
    assert source.duration_s == pytest.approx(20.0, abs=0.01)
    blocks = list(source.blocks())
    assert len(blocks) > 5 and max(b.size for b in blocks) <= BLOCK_SAMPLES
    assert all(b.dtype == np.float32 and b.ndim == 1 for b in blocks)
    streamed = np.concatenate(blocks)
    np.testing.assert_array_equal(streamed, load_audio(path))
    # The same samples as resampling the whole file at once (soxr's streaming and one-shot filters agree).
    import av

    with av.open(str(path)) as container:
        whole = np.concatenate([f.to_ndarray().reshape(-1) / 32768 for f in container.decode(audio=0)])
    reference = to_mono_16k(whole, 48000, 2)
    assert abs(streamed.size - reference.size) <= 2
    n = min(streamed.size, reference.size)
    np.testing.assert_allclose(streamed[:n], reference[:n], atol=2e-3)


def test_bounded_vad_gives_faster_whispers_probabilities(
    spoken: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from faster_whisper.vad import SileroVADModel

    audio = load_audio(spoken)
    padded = np.pad(audio, (0, 512 - audio.size % 512))
    model = silero.bounded_vad_model()
    monkeypatch.setattr(model, "batch_frames", 97)  # many batches, an odd size: every seam is crossed
    ours = model(padded)
    theirs = SileroVADModel.__call__(model, padded)  # faster-whisper's own loop, all frames at once
    np.testing.assert_array_equal(ours, theirs)
    assert ours.shape == (padded.size // 512,)


class RecordingTranscriber:
    """Stands in for an engine: one word per second of audio it is given, at that second."""

    engine, model, uses_prompt = "fake", "fake", True

    def __init__(self) -> None:
        self.calls: list[int] = []

    def transcribe(
        self,
        audio: np.ndarray,
        options: TranscribeOptions | None = None,
        *,
        progress: object = None,
        cancel: threading.Event | None = None,
    ) -> Transcript:
        self.calls.append(int(audio.size))
        seconds = audio.size / SAMPLE_RATE
        words = [Word(f"w{len(self.calls)}-{s}", s + 0.1, s + 0.5) for s in range(int(seconds))]
        return Transcript.from_words(words, seconds)


def test_a_long_recording_is_transcribed_in_segments_cut_in_pauses(spoken: Path) -> None:
    engine = RecordingTranscriber()
    source = AudioFile(spoken)
    total = source.duration_s or 0.0
    seen: list[float] = []
    transcript = long_audio.transcribe_blocks(
        engine, source.blocks(), total_s=total, progress=lambda f, _m: seen.append(f)
    )
    assert len(engine.calls) >= 2
    assert max(engine.calls) <= long_audio.SEGMENT_S * SAMPLE_RATE
    assert sum(engine.calls) == load_audio(spoken).size  # every sample once
    assert transcript.duration_s == pytest.approx(total, abs=0.01)
    starts = [w.start for w in transcript.words]
    assert starts == sorted(starts)  # words shifted to their place in the whole recording
    assert seen == sorted(seen) and seen[-1] == 1.0
    # Each cut is in a pause: the audio around it is silent.
    audio = load_audio(spoken)
    for cut in np.cumsum(engine.calls)[:-1]:
        around = audio[max(0, cut - 1600) : cut + 1600]
        assert float(np.max(np.abs(around))) < 0.01, f"cut at {cut / SAMPLE_RATE:.1f} s is not in a pause"


def test_silence_and_speech_without_pauses_are_still_cut() -> None:
    silence = np.zeros(int(70 * SAMPLE_RATE), dtype=np.float32)
    assert long_audio.pause_cut(silence[: int(long_audio.SEGMENT_S * SAMPLE_RATE)]) == int(
        long_audio.SEGMENT_S * SAMPLE_RATE
    )
    rng = np.random.default_rng(15)
    noise = (0.3 * rng.standard_normal(int(long_audio.SEGMENT_S * SAMPLE_RATE))).astype(np.float32)
    quiet_at = int(22 * SAMPLE_RATE)
    noise[quiet_at : quiet_at + SAMPLE_RATE // 10] = 0.0
    cut = long_audio._quietest_frame(noise)
    assert quiet_at <= cut <= quiet_at + SAMPLE_RATE // 10


def test_cancel_stops_between_segments() -> None:
    engine = RecordingTranscriber()
    cancel = threading.Event()
    cancel.set()
    blocks = [np.zeros(SAMPLE_RATE, dtype=np.float32)] * 70
    with pytest.raises(TranscriptionCancelled):
        long_audio.transcribe_blocks(engine, iter(blocks), cancel=cancel)
    assert engine.calls == []


def test_a_transcript_never_ends_before_its_last_word() -> None:
    class LateWord:
        engine, model, uses_prompt = "fake", "fake", True

        def transcribe(self, audio: np.ndarray, *_a: object, **_k: object) -> Transcript:
            return Transcript.from_words([Word("checkout", 0.2, 3.5)], audio.size / SAMPLE_RATE)

    one_second = [np.zeros(SAMPLE_RATE, dtype=np.float32)]
    transcript = long_audio.transcribe_blocks(LateWord(), iter(one_second))  # type: ignore[arg-type]
    assert transcript.duration_s == pytest.approx(3.5)
