"""How many BLAS threads the sentence encoder's numpy forward pass should use, idle and on a busy machine.

The encoder (:mod:`opsprep_voice.core.embedding`) embeds an answer's sentences for the second opinion, in
the transcription task and the live thread, sometimes both at once. numpy's OpenBLAS starts one thread per
core, and its threads spin while they wait. This script times ``encode`` of 10 new sentences (the size of
a review's leftover) with OpenBLAS at one thread per core and at one thread, by one caller and by two
callers at once, on an idle machine and beside ``--busy`` processes that each spin one core (another
program, the speech engine). It prints the median and the worst of ``--repeats`` calls per caller.

    .venv/bin/python scripts/bench_encoder_threads.py
    .venv/bin/python scripts/bench_encoder_threads.py --busy 4 --repeats 8
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import threading
import time

from threadpoolctl import threadpool_limits

from opsprep_voice.core.embedding import SentenceEncoder


def _spin() -> None:
    while True:
        pass


def _time_calls(encoder: SentenceEncoder, callers: int, repeats: int, tag: str) -> list[float]:
    times: list[float] = []
    lock = threading.Lock()

    def caller(k: int) -> None:
        for j in range(repeats):
            texts = [
                f"In take {tag}-{k}-{j} we alert on the burn rate of budget {i}, so we page on real pain."
                for i in range(10)
            ]  # new sentences every call: the cache never answers
            t0 = time.perf_counter()
            encoder.encode(texts)
            with lock:
                times.append((time.perf_counter() - t0) * 1000)

    threads = [threading.Thread(target=caller, args=(k,)) for k in range(callers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--busy", type=int, default=os.cpu_count() or 2, help="spinning processes when busy")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    encoder = SentenceEncoder()
    encoder.encode(["warm up"])
    print(f"encode(10 new sentences), ms: median (worst) of {args.repeats} calls per caller; {cores} cores")
    for busy in (0, args.busy):
        spinners = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(busy)]
        for p in spinners:
            p.start()
        try:
            for blas in (cores, 1):
                for callers in (1, 2):
                    with threadpool_limits(limits=blas, user_api="blas"):
                        t = _time_calls(encoder, callers, args.repeats, f"{busy}-{blas}-{callers}")
                    print(
                        f"  {busy} busy processes, BLAS threads {blas}, {callers} caller(s): "
                        f"{statistics.median(t):.0f} ({max(t):.0f})"
                    )
        finally:
            for p in spinners:
                p.terminate()
                p.join()


if __name__ == "__main__":
    main()
