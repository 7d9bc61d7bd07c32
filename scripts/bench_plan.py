"""Benchmark the practice plan: build it from a History of N scored answers to the bundled questions.

Fills a database like ``bench_history.py`` does (reports with word timings, a year of dates), then times
reading the answers the plan needs (``HistoryRepository.plan_attempts``) and building the plan
(``core.plan.build_plan``), each the best, median and worst of ``--repeat`` runs. Target: <= 200 ms for the
two together at 10,000 answers.

    .venv/bin/python scripts/bench_plan.py [--attempts 10000] [--repeat 7] [--db PATH]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "scripts"))

from bench_history import fill  # noqa: E402

from opsprep_voice.core.bank import load_bank  # noqa: E402
from opsprep_voice.core.plan import build_plan  # noqa: E402
from opsprep_voice.storage.repository import HistoryRepository  # noqa: E402

TARGET_MS = 200.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--db", type=Path, default=None, help="reuse/keep this database (filled if absent)")
    args = parser.parse_args(argv)

    questions = list(load_bank())
    tmp = tempfile.TemporaryDirectory(prefix="bench-plan-") if args.db is None else None
    path = args.db or Path(tmp.name) / "history.sqlite3"  # type: ignore[union-attr]
    if not path.exists():
        t0 = time.perf_counter()
        fill(path, args.attempts, len(questions), questions=questions)  # type: ignore[arg-type]
        print(f"filled {args.attempts} answers in {time.perf_counter() - t0:.1f} s")
    now = datetime(2025, 1, 15, 12, tzinfo=UTC)  # a fortnight after the filled year
    read_ms, build_ms, total_ms = [], [], []
    with HistoryRepository(path) as repo:
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            attempts = repo.plan_attempts()
            t1 = time.perf_counter()
            plan = build_plan(questions, attempts, now=now, interview_date=now.date() + timedelta(days=10))
            t2 = time.perf_counter()
            read_ms.append((t1 - t0) * 1000)
            build_ms.append((t2 - t1) * 1000)
            total_ms.append((t2 - t0) * 1000)
    print(
        f"{len(attempts)} answers, {len(plan.questions)} questions planned, {len(plan.due_today)} due today"
    )
    print("| step | best (ms) | median (ms) | worst (ms) |")
    print("|---|---:|---:|---:|")
    for name, values in (("read answers", read_ms), ("build plan", build_ms), ("total", total_ms)):
        print(f"| {name} | {min(values):.1f} | {statistics.median(values):.1f} | {max(values):.1f} |")
    median = statistics.median(total_ms)
    print(f"\nmedian total {median:.0f} ms (target <= {TARGET_MS:.0f} ms)")
    if tmp is not None:
        tmp.cleanup()
    return 0 if median <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
