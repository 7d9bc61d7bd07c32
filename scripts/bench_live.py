"""Live transcription over a varied set of answers: how far the words on screen trail the speaker, and
Stop-to-review, as distributions (issue #18's targets).

Each answer is an espeak-ng WAV built from the bank's example answers, replayed in real time through the
app's streaming path (:func:`opsprep_voice.cli.replay.replay`: a pacing thread feeds 0.1 s blocks into
:class:`~opsprep_voice.asr.streaming.StreamingTranscriber` while a worker calls ``process()``), with the
recognition prompt of the question asked, and scored at Stop as the app scores it. The set:

* ``short-15s``: 15 s on topic;          * ``pause-30s+8s``: 30 s, then 8 s of silence before Stop;
* ``loop-71s``: bench_gui's 71 s answer (three bank answers under question 3's prompt; its last window
  looped and was decoded again in the app);
* ``off-topic-45s``: another question's answer;  * ``rambling-60s``: fillers and a repeated sentence;
* ``long-5min``: 5 min of answers.

Measured per answer and run:

* **Stop->review**: Stop (the end of the audio) to the scored transcript, as the app scores it: the matcher
  and the second opinion, with the sentences committed while speaking embedded then (as the app's live
  thread does) and the rest after Stop.
* **Word lag**: for each word of the final transcript, the first time a word with the same spelling and
  about the same place (centres within 0.7 s) was shown live (committed, tentative or preview words),
  minus the time the word's end was spoken (its end time in the final transcript). Blocks are handed over
  at the start of their 0.1 s, so 0.1 s is added (a microphone delivers a block once it is spoken). A word
  never shown before Stop counts from the review.
* **WER** of the final transcript against the script, and of batch (the whole file at once) for reference;
  pooled over all answers (total errors / total words).
* **CPU share** while speaking: process CPU seconds / wall seconds (1.0 = one core busy).

    .venv/bin/python scripts/bench_live.py --runs 2 [--cases loop-71s,short-15s] [--no-batch]

Last line: ``stop_review_median_s=.. stop_review_worst_s=.. lag_median_s=.. lag_p95_s=.. wer_delta=..``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
for _p in (REPO_ROOT, REPO_ROOT / "scripts"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import numpy as np  # noqa: E402
from bench_latency import norm  # noqa: E402

from opsprep_voice.asr.base import SAMPLE_RATE, TranscribeOptions, Transcriber  # noqa: E402
from opsprep_voice.asr.streaming import StreamingTranscriber, StreamUpdate  # noqa: E402
from opsprep_voice.cli.replay import replay  # noqa: E402
from opsprep_voice.core.bank import Question, load_bank  # noqa: E402
from opsprep_voice.core.matching import recognition_prompt  # noqa: E402
from opsprep_voice.core.scoring import score_answer  # noqa: E402
from opsprep_voice.core.second_opinion import SHARED  # noqa: E402
from opsprep_voice.core.transcript import Transcript, Word  # noqa: E402
from opsprep_voice.practice.attempts import score  # noqa: E402

BLOCK_S = 0.1
MATCH_S = 0.7
FILLERS = ["um", "so basically", "you know", "I mean", "uh", "like", "right"]


@dataclass
class Case:
    name: str
    asked: Question
    text: str
    wav: Path
    silence_s: float = 0.0  # appended before Stop


def _words_of(questions: list[Question], limit: int) -> str:
    words: list[str] = []
    for q in questions:
        words += q.example_answer.split()
    return " ".join(words[:limit])


def _ramble(text: str) -> str:
    words = text.split()
    out: list[str] = []
    for i, w in enumerate(words):
        out.append(w)
        if i % 6 == 5:
            out.append(FILLERS[(i // 6) % len(FILLERS)] + ",")
    first = text.split(". ")[0]
    return " ".join(out) + f" So, again, {first}."


def build_cases(out: Path, only: set[str] | None) -> list[Case]:
    from tests.support.speech import synthesize

    bank = list(load_bank())
    by_no = {q.number: q for q in bank}
    q3 = by_no[3]
    gui_words = " ".join(q.example_answer for q in [q3, *(q for q in bank if q.id != q3.id)]).split()
    long_qs = [bank[(18 + i) % len(bank)] for i in range(len(bank))]
    specs = [
        ("short-15s", by_no[2], _words_of([by_no[2]], 40), 0.0),
        ("pause-30s+8s", by_no[13], _words_of([by_no[13], by_no[14]], 80), 8.0),
        ("loop-71s", q3, " ".join(gui_words[:160]), 0.0),  # scripts/benchlib/record.py's 60 s answer
        ("off-topic-45s", by_no[6], _words_of([by_no[17], by_no[18]], 120), 0.0),
        ("rambling-60s", by_no[14], _ramble(_words_of([by_no[14], by_no[15]], 110)), 0.0),
        ("long-5min", by_no[19], _words_of(long_qs, 800), 0.0),
    ]
    cases = []
    for name, asked, text, silence in specs:
        if only and name not in only:
            continue
        wav = out / f"{name}.wav"
        if not wav.exists():
            synthesize(text, wav, rate_wpm=160)
        cases.append(Case(name, asked, text, wav, silence))
    return cases


def load(case: Case) -> np.ndarray:
    from opsprep_voice.audio.io import load_audio

    audio = load_audio(case.wav)
    if case.silence_s:
        audio = np.concatenate([audio, np.zeros(round(case.silence_s * SAMPLE_RATE), dtype=np.float32)])
    return audio


def _key(word: Word) -> str:
    return norm(word.text)


def word_lags(
    final: Transcript, snapshots: list[tuple[float, tuple[Word, ...]]], review_t: float
) -> list[float]:
    """Per final word: when it first appeared live (see the module doc) minus when it was spoken (seconds
    since the replay started, + one block)."""
    lags = []
    for w in final.words:
        key, mid = _key(w), (w.start + w.end) / 2
        seen = review_t
        for t, shown in snapshots:
            if any(_key(s) == key and abs((s.start + s.end) / 2 - mid) <= MATCH_S for s in shown):
                seen = t
                break
        lags.append(seen - w.end + BLOCK_S)
    return lags


def run_stream(case: Case, audio: np.ndarray, transcriber: Transcriber, options: TranscribeOptions) -> dict:
    proc = StreamingTranscriber(transcriber, options)
    marks: dict[str, float] = {}
    snapshots: list[tuple[float, tuple[Word, ...]]] = []

    committed = [0]

    def on_update(update: StreamUpdate) -> None:
        shown = (*update.committed, *update.tentative, *getattr(update, "preview", ()))
        snapshots.append((time.perf_counter() - marks["t0"], shown))
        if len(update.committed) > committed[0]:  # as the app's live thread: embed committed sentences
            committed[0] = len(update.committed)
            SHARED.prepare(Transcript.from_words(update.committed, update.committed_s).text)

    def on_stop() -> None:
        marks["stop"], marks["stop_cpu"] = time.perf_counter(), time.process_time()

    def on_review(transcript: Transcript) -> None:
        SHARED.prepare(transcript.text)  # the transcription task's last step in the app
        score(case.asked, transcript)  # the matcher and the second opinion, as the review scores it
        marks["review"] = time.perf_counter()

    marks["t0"], cpu0 = time.perf_counter(), time.process_time()
    final = replay(audio, proc, realtime=True, on_update=on_update, on_stop=on_stop, on_review=on_review)
    return {
        "stop_review": marks["review"] - marks["stop"],
        "lags": word_lags(final, snapshots, marks["review"] - marks["t0"]),
        "final": final,
        "cpu_share": (marks["stop_cpu"] - cpu0) / (marks["stop"] - marks["t0"]),
        "path": proc.stats.finish_path,
        "finish_s": proc.stats.finish_s,
        "tail_s": proc.stats.tail_s,
        "calls": proc.stats.calls,
    }


def errors(ref: str, hyp: str) -> tuple[int, int]:
    import jiwer

    out = jiwer.process_words(norm(ref), norm(hyp) or "<empty>")
    return out.substitutions + out.deletions + out.insertions, len(norm(ref).split())


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    ap.add_argument("--no-batch", action="store_true", help="skip the batch reference (no wer_delta)")
    ap.add_argument("--model", default=None)
    ap.add_argument("--out", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "opsprep-bench-live")
    args = ap.parse_args(argv)
    from opsprep_voice.asr.registry import create_transcriber

    args.out.mkdir(parents=True, exist_ok=True)
    cases = build_cases(args.out, set(filter(None, args.cases.split(","))) or None)
    transcriber = create_transcriber(None, args.model)
    transcriber.transcribe(load(cases[0])[: 5 * SAMPLE_RATE])  # warm-up, as the app does at start-up
    for case in cases:  # compile the phrases once, as the app does before the answer ends
        score_answer(case.asked, Transcript.from_text(case.text))
    SHARED.judge()  # the second opinion's model, loaded by the app's start-up work
    print(f"{os.cpu_count()} cpus, model {transcriber.model}; loadavg {loadavg()}")
    all_lags: list[float] = []
    stops: list[float] = []
    s_err = s_n = b_err = b_n = 0
    rows = []
    for case in cases:
        audio = load(case)
        prompt = recognition_prompt(case.asked) if transcriber.uses_prompt else None
        options = TranscribeOptions(prompt=prompt)
        b_wer = float("nan")
        if not args.no_batch:
            e, n = errors(case.text, transcriber.transcribe(audio, options).text)
            b_err, b_n, b_wer = b_err + e, b_n + n, 100 * e / n
        for run in range(args.runs):
            r = run_stream(case, audio, transcriber, options)
            e, n = errors(case.text, r["final"].text)
            s_err, s_n = s_err + e, s_n + n
            lags = r["lags"]
            all_lags += lags
            stops.append(r["stop_review"])
            load_now = loadavg().split()[0]
            line = (
                f"| {case.name} | {run + 1} | {r['stop_review']:.2f} | {r['path'] or '-'} "
                f"| {r['tail_s']:.1f} | {r['finish_s']:.2f} "
                f"| {statistics.median(lags):.2f} | {pct(lags, 95):.2f} | {max(lags):.2f} "
                f"| {100 * e / n:.1f} | {b_wer:.1f} | {r['cpu_share']:.2f} | {r['calls']} | {load_now} |"
            )
            rows.append(line)
            print(line, flush=True)
    print()
    print("| answer | run | Stop->review s | Stop path | tail s | finish() s | lag median s | lag p95 s "
          "| lag max s | WER % | batch WER % | CPU share | calls | load 1 min |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(row)
    s_wer = 100 * s_err / max(1, s_n)
    b_wer_all = 100 * b_err / b_n if b_n else float("nan")
    print(f"pooled WER streaming {s_wer:.2f} % vs batch {b_wer_all:.2f} %; "
          f"loadavg {loadavg()}")  # fmt: skip
    print(
        f"stop_review_median_s={statistics.median(stops):.2f} stop_review_worst_s={max(stops):.2f} "
        f"lag_median_s={pct(all_lags, 50):.2f} lag_p95_s={pct(all_lags, 95):.2f} "
        f"wer_delta={s_wer - b_wer_all:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
