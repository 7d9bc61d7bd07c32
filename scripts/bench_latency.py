"""Stop-to-review latency of live transcription vs transcribing the whole answer at Stop.

Generates espeak-ng answers of ~30 s, ~2 min and ~3 min (the bank's example answers, concatenated), then
for each length:

* streaming: replays the WAV in real time through the app's code path (a pacing thread feeds 0.1 s
  blocks into :class:`~opsprep_voice.asr.streaming.StreamingTranscriber`, this thread is the worker calling
  ``process()``); Stop at the end of the audio, whatever the worker is doing; Stop-to-review = the running
  ``process()`` call + ``finish()`` + scoring the first question (phrases compiled beforehand).
* batch: after Stop, transcribe the whole file + scoring.

Reports per length and mode: Stop-to-review median and worst over the runs, WER vs the script, checklist
agreement with batch (share of checklist items, over every question whose answer is in the recording,
with the same hit/miss), CPU use (process CPU time / wall time while the answer is spoken).

    .venv/bin/python scripts/bench_latency.py                 # default model, 1 run per length
    .venv/bin/python scripts/bench_latency.py --runs 3 --lengths 30,120,180 --model base

Last line: ``stop_to_review_s=<worst streaming> batch_s=<worst batch> wer_delta=<points>``.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a plain script: the checkout's opsprep_voice and tests.support
    sys.path.insert(0, str(REPO_ROOT))

from opsprep_voice.asr.base import SAMPLE_RATE, TranscribeOptions, Transcriber  # noqa: E402
from opsprep_voice.asr.streaming import StreamingConfig, StreamingTranscriber  # noqa: E402
from opsprep_voice.cli.replay import replay  # noqa: E402
from opsprep_voice.core.bank import Question, load_bank  # noqa: E402
from opsprep_voice.core.matching import recognition_prompt  # noqa: E402
from opsprep_voice.core.scoring import score_answer  # noqa: E402
from opsprep_voice.core.transcript import Transcript  # noqa: E402

log = logging.getLogger("bench_latency")

_PUNCT = re.compile(r"[^\w\s'%.]+")


def norm(text: str) -> str:
    """Lower case, no punctuation except decimal points, hyphens split (for WER)."""
    text = text.lower().replace("-", " ").replace("/", " ")
    text = _PUNCT.sub(" ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)
    return " ".join(text.split())


@dataclass
class Case:
    name: str
    questions: list[Question]
    text: str
    wav: Path


@dataclass
class Result:
    mode: str
    latencies: list[float] = field(default_factory=list)
    wers: list[float] = field(default_factory=list)
    agreements: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    tails: list[float] = field(default_factory=list)
    stop_cpu: list[float] = field(default_factory=list)  # process CPU s between Stop and review
    hits: list[dict[tuple[str, str], bool]] = field(default_factory=list)


def build_cases(lengths: list[int], out_dir: Path, voice: str) -> list[Case]:
    from tests.support.speech import synthesize

    bank = list(load_bank())
    words_per_s = 160 / 60
    cases = []
    start = 0
    for target in lengths:
        chosen: list[Question] = []
        i = start
        while sum(len(q.example_answer.split()) for q in chosen) / words_per_s < target * 0.9:
            chosen.append(bank[i % len(bank)])
            i += 1
        start = i % len(bank)
        text = " ".join(q.example_answer for q in chosen)
        wav = out_dir / f"answer-{target}s-{voice}-{'-'.join(str(q.number) for q in chosen)}.wav"
        if not wav.exists():
            synthesize(text, wav, voice=voice)
        cases.append(Case(f"{target}s", chosen, text, wav))
    return cases


def hits(questions: list[Question], transcript: Transcript) -> dict[tuple[str, str], bool]:
    out = {}
    for q in questions:
        for item in score_answer(q, transcript).checklist:
            out[(q.id, item.id)] = item.hit
    return out


def score_all(questions: list[Question], transcript: Transcript) -> None:
    for q in questions:
        score_answer(q, transcript)


def wer(ref: str, hyp: str) -> float:
    import jiwer

    return 100.0 * float(jiwer.wer(norm(ref), norm(hyp) or "<empty>"))


def run_streaming(
    case: Case, transcriber: Transcriber, options: TranscribeOptions, config: StreamingConfig
) -> tuple[float, Transcript, float, StreamingTranscriber, float]:
    from opsprep_voice.audio.io import load_audio

    audio = load_audio(case.wav)
    proc = StreamingTranscriber(transcriber, options, config=config)
    marks: dict[str, float] = {}

    def on_stop() -> None:
        marks["stop"] = time.perf_counter()
        marks["cpu"] = time.process_time()

    def on_review(transcript: Transcript) -> None:
        score_answer(case.questions[0], transcript)  # the app scores the question that was asked
        marks["review"] = time.perf_counter()
        marks["review_cpu"] = time.process_time()

    wall0, cpu0 = time.perf_counter(), time.process_time()
    transcript = replay(audio, proc, realtime=True, on_stop=on_stop, on_review=on_review)
    latency = marks["review"] - marks["stop"]
    stop_cpu = marks["review_cpu"] - marks["cpu"]
    cpu_share = (marks["cpu"] - cpu0) / (marks["stop"] - wall0)
    return latency, transcript, cpu_share, proc, stop_cpu


def run_batch(
    case: Case, transcriber: Transcriber, options: TranscribeOptions
) -> tuple[float, Transcript, float, float]:
    from opsprep_voice.audio.io import load_audio

    audio = load_audio(case.wav)
    t0, c0 = time.perf_counter(), time.process_time()
    transcript = transcriber.transcribe(audio, options)
    score_answer(case.questions[0], transcript)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    return dt, transcript, cpu / dt, cpu


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="model name or folder (default: the app's default)")
    ap.add_argument("--lengths", default="30,120,180", help="answer lengths in seconds, comma-separated")
    ap.add_argument("--runs", type=int, default=1, help="runs per length and mode")
    ap.add_argument("--voice", default="en-us")
    ap.add_argument(
        "--out", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "opsprep-bench-latency"
    )
    ap.add_argument("--min-chunk", type=float, default=None)
    ap.add_argument("--max-chunk", type=float, default=None)
    ap.add_argument("--commit", type=float, default=None, help="StreamingConfig.commit_s")
    ap.add_argument("--context-words", type=int, default=None)
    ap.add_argument("--full", type=float, default=None, help="StreamingConfig.finish_full_s")
    ap.add_argument("--min-window", type=float, default=None, help="windows.MIN_WINDOW_S (seconds)")
    ap.add_argument("--no-batch", action="store_true", help="skip batch (no wer_delta)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(message)s")
    if args.verbose:
        logging.getLogger("faster_whisper").setLevel(logging.WARNING)

    from opsprep_voice.asr.registry import create_transcriber

    cfg_kwargs: dict[str, float | int] = {}
    if args.min_chunk is not None:
        cfg_kwargs["min_chunk_s"] = args.min_chunk
    if args.max_chunk is not None:
        cfg_kwargs["max_chunk_s"] = args.max_chunk
    if args.commit is not None:
        cfg_kwargs["commit_s"] = args.commit
    if args.context_words is not None:
        cfg_kwargs["context_words"] = args.context_words
    if args.full is not None:
        cfg_kwargs["finish_full_s"] = args.full
    config = StreamingConfig(**cfg_kwargs)  # type: ignore[arg-type]

    args.out.mkdir(parents=True, exist_ok=True)
    lengths = [int(x) for x in args.lengths.split(",")]
    cases = build_cases(lengths, args.out, args.voice)
    t0 = time.perf_counter()
    transcriber = create_transcriber(None, args.model)
    load_s = time.perf_counter() - t0
    if args.min_window is not None:  # experiment: the engine's pipelines read it per call
        for pipeline in getattr(transcriber, "_free", []):
            pipeline.min_window_s = args.min_window
    import numpy as np

    warm = np.zeros(SAMPLE_RATE, dtype=np.float32)
    from opsprep_voice.audio.io import load_audio

    transcriber.transcribe(load_audio(cases[0].wav)[: 5 * SAMPLE_RATE])  # warm-up
    transcriber.transcribe(warm)
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cpus, {platform.platform()}, "
        f"Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}"
    )
    print(f"model: {transcriber.engine} {transcriber.model} (load {load_s:.1f} s); config: {config}")
    for case in cases:  # compile each question's phrases once, as the app does before the answer ends
        score_all(case.questions, Transcript.from_text(case.text))
    rows = []
    worst_stream = worst_batch = 0.0
    wer_deltas = []
    for case in cases:
        q0 = case.questions[0]
        options = TranscribeOptions(prompt=recognition_prompt(q0) if transcriber.uses_prompt else None)
        dur = load_audio(case.wav).size / SAMPLE_RATE
        stream, batch = Result("streaming"), Result("batch")
        for run in range(args.runs):
            lat, tr, cpu, proc, stop_cpu = run_streaming(case, transcriber, options, config)
            stream.latencies.append(lat)
            stream.stop_cpu.append(stop_cpu)
            stream.wers.append(wer(case.text, tr.text))
            stream.cpu.append(cpu)
            stream.tails.append(proc.stats.tail_s)
            stream.hits.append(hits(case.questions, tr))
            st = proc.stats
            print(
                f"  {case.name} run {run + 1} streaming: stop->review {lat:.2f} s "
                f"({st.finish_path or 'nothing left'}: wait {st.finish_wait_s:.2f}, "
                f"tail {st.tail_s:.1f} s, finish {st.finish_s:.2f}, cpu {stop_cpu:.2f} s), "
                f"calls {st.calls}, engine busy {st.busy_s:.1f} s / {dur:.0f} s, "
                f"WER {stream.wers[-1]:.1f}%, cpu share {cpu:.2f}, load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            if args.verbose:
                print("   chunks:", [(round(a, 1), round(b, 1), k) for a, b, k in st.chunks])
            if not args.no_batch:
                lat_b, tr_b, cpu_b, stop_cpu_b = run_batch(case, transcriber, options)
                batch.latencies.append(lat_b)
                batch.stop_cpu.append(stop_cpu_b)
                batch.wers.append(wer(case.text, tr_b.text))
                batch.cpu.append(cpu_b)
                batch.hits.append(hits(case.questions, tr_b))
                same = [stream.hits[-1][k] == batch.hits[-1][k] for k in batch.hits[-1]]
                stream.agreements.append(100.0 * sum(same) / len(same))
                for key, hit in batch.hits[-1].items():
                    if stream.hits[-1][key] != hit:
                        print(f"    differs: {key[0]} / {key[1]}: batch {'hit' if hit else 'miss'}, "
                              f"streaming {'miss' if hit else 'hit'}")  # fmt: skip
                print(
                    f"  {case.name} run {run + 1} batch: stop->review {lat_b:.2f} s "
                    f"(cpu {stop_cpu_b:.2f} s), "
                    f"WER {batch.wers[-1]:.1f}%, checklist agreement {stream.agreements[-1]:.1f}% "
                    f"of {len(same)} items",
                    flush=True,
                )
        worst_stream = max(worst_stream, *stream.latencies)
        if batch.latencies:
            worst_batch = max(worst_batch, *batch.latencies)
            wer_deltas.append(statistics.mean(stream.wers) - statistics.mean(batch.wers))
        for res in (stream, batch):
            if not res.latencies:
                continue
            agreement = f"{statistics.mean(res.agreements):.1f}" if res.agreements else "-"
            rows.append(
                f"| {case.name} ({dur:.0f} s) | {res.mode} | {statistics.median(res.latencies):.2f} | "
                f"{max(res.latencies):.2f} | {max(res.stop_cpu):.2f} | {statistics.mean(res.wers):.1f} | "
                f"{agreement if res is stream else 'ref'} | {statistics.mean(res.cpu):.2f} | "
                + (f"{max(res.tails):.1f} |" if res.tails else "- |")
            )
    print()
    print(
        "| answer | mode | Stop->review median s | worst s | CPU s after Stop (worst) | WER % "
        "| checklist agreement % | CPU share (cpu s / wall s) | max tail s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(r)
    delta = max(wer_deltas) if wer_deltas else float("nan")
    print(f"stop_to_review_s={worst_stream:.2f} batch_s={worst_batch:.2f} wer_delta={delta:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
