"""What the second opinion costs in the app (:mod:`opsprep_voice.core.second_opinion`), in the app's venv.

On the answers of one paraphrase round (varied, 80-400 words; default the held-out round), each answer's
transcript text as the review gets it:

* model load (weights, tokenizer and the shipped references), and the process's peak memory after it;
* ``prepare``: embedding an answer's sentences, as the transcription task does before the review (cold cache);
* ``reconsider`` once the sentences are embedded: what runs on the GUI thread at the review;
* one new sentence, as the live thread embeds each committed sentence while the candidate speaks.

    .venv/bin/python scripts/bench_second_opinion_cost.py [--round 14]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_paraphrase import DATA, HELD_OUT_ROUND

from opsprep_voice.core.bank import load_bank
from opsprep_voice.core.embedding import SentenceEncoder
from opsprep_voice.core.scoring import score_answer
from opsprep_voice.core.second_opinion import Judge, sentences
from opsprep_voice.core.transcript import Transcript


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--round", type=int, default=HELD_OUT_ROUND)
    args = parser.parse_args(argv)
    bank = load_bank()
    folder = DATA if args.round == 1 else DATA / f"round{args.round}"
    texts = [
        (int(data["question"]), a["text"])
        for path in sorted((folder / "answers").glob("q*.json"))
        for data in [json.loads(path.read_text(encoding="utf-8"))]
        for a in data["answers"]
    ]
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    judge = Judge(SentenceEncoder())
    load_s = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    judge.encoder.encode(["warm up the numpy kernels"])
    prepare, review, one, words, counts = [], [], [], [], []
    for number, text in texts:
        question = bank.find(number)
        transcript = Transcript.from_text(text)
        report = score_answer(question, transcript)
        spans = sentences(transcript.text)
        t0 = time.perf_counter()
        judge.encoder.encode([transcript.text[s:e] for s, e in spans])
        prepare.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        judge.reconsider(question, report, transcript)
        review.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        judge.encoder.encode([f"{transcript.text[spans[-1][0] : spans[-1][1]]} (again)"])
        one.append(time.perf_counter() - t0)
        words.append(len(text.split()))
        counts.append(len(spans))
    rss2 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"round {args.round}: {len(texts)} answers, {statistics.median(words):.0f} words and "
        f"{statistics.median(counts):.0f} sentences median ({max(words)} / {max(counts)} max)"
    )
    print(
        f"  model load {load_s:.2f} s; peak RSS {rss0:.0f} MB before, {rss1:.0f} MB after, "
        f"{rss2:.0f} MB at the end"
    )
    print(f"  prepare (embed every sentence, cold): {_ms(prepare)}")
    print(f"  reconsider after prepare (the review, GUI thread): {_ms(review)}")
    print(f"  one new sentence (live, while speaking): {_ms(one)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
