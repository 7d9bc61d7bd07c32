"""Benchmark score_answer: ms per score for 30 s / 2 min / 5 min transcripts on every bank question.

Transcripts are built from each question's example answer repeated (150 words per minute, word timings
spread evenly), so they contain real checklist phrases. The first score of each question (phrase
compilation) is reported separately as "cold". Usage: python scripts/bench_scoring.py [bank.json]
"""

from __future__ import annotations

import statistics
import sys
import time

from opsprep_voice.core.bank import Question, load_bank
from opsprep_voice.core.phrases import is_common_word
from opsprep_voice.core.scoring import score_answer
from opsprep_voice.core.transcript import Transcript, Word

LENGTHS_S = (30, 120, 300)
WPM = 150
RUNS = 5


def _transcript(question: Question, seconds: int) -> Transcript:
    n = seconds * WPM // 60
    source = question.example_answer.split()
    words = [source[i % len(source)] for i in range(n)]
    step = seconds / n
    return Transcript.from_words(
        [Word(w, i * step, i * step + step * 0.8) for i, w in enumerate(words)], duration_s=float(seconds)
    )


def main(argv: list[str]) -> int:
    bank = load_bank(argv[1] if len(argv) > 1 else None)
    start = time.perf_counter()
    is_common_word("warm")
    print(f"English word list load: {(time.perf_counter() - start) * 1000:.0f} ms (once per process)")
    print(f"{'#':>3} {'question':44} {'cold':>7} " + " ".join(f"{f'{s}s':>8}" for s in LENGTHS_S))
    columns: dict[int, list[float]] = {s: [] for s in LENGTHS_S}
    for question in bank:
        transcripts = {s: _transcript(question, s) for s in LENGTHS_S}
        t0 = time.perf_counter()
        score_answer(question, transcripts[LENGTHS_S[0]])
        cold = (time.perf_counter() - t0) * 1000
        row = []
        for s, transcript in transcripts.items():
            score_answer(question, transcript)
            t0 = time.perf_counter()
            for _ in range(RUNS):
                score_answer(question, transcript)
            ms = (time.perf_counter() - t0) / RUNS * 1000
            columns[s].append(ms)
            row.append(f"{ms:8.2f}")
        print(f"{question.number:3d} {question.id[:44]:44} {cold:7.1f} " + " ".join(row))
    for name, agg in (("median", statistics.median), ("max", max)):
        print(f"{'':3} {name:44} {'':7} " + " ".join(f"{agg(v):8.2f}" for v in columns.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
