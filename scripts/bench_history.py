"""Benchmark the history store: fill a database with N attempts, then time opening, listing and filtering.

Reports look like ``ScoreReport.to_dict()`` with word timings (about 30 kB of JSON per attempt, transcript
included), over 24 questions and a year of dates. Each timing is the best of ``--repeat`` runs, on a fresh
``HistoryRepository`` for "open".

    .venv/bin/python scripts/bench_history.py [--attempts 10000] [--db PATH] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from opsprep_voice.storage.repository import HistoryRepository

CATEGORIES = [
    *("architecture", "incident-response", "observability", "delivery", "cost", "security"),
    *("reliability", "performance", "collaboration", "operations", "behavioural", "motivation"),
]
_SAMPLE = (
    "we moved the batch jobs to spot instances and tagged every resource so each team saw its own cloud "
    "spend the incident started with a pager alert at three in the morning I opened the bridge rolled back "
    "the canary and wrote the postmortem with five actions SLOs error budgets dashboards traces and logs "
    "terraform modules reviewed in pull requests with plan output and policy checks um uh you know like"
)
VOCAB = _SAMPLE.split()


@dataclass(frozen=True)
class BenchQuestion:
    id: str
    number: int
    category: str
    text: str


def _questions(n: int) -> list[BenchQuestion]:
    return [
        BenchQuestion(
            f"question-{i:02d}", i, CATEGORIES[(i - 1) % len(CATEGORIES)], f"Benchmark question {i}?"
        )
        for i in range(1, n + 1)
    ]


def _answer(rng: random.Random, q: BenchQuestion) -> tuple[dict[str, Any], dict[str, Any]]:
    duration = rng.uniform(40, 180)
    n_words = int(duration * rng.uniform(1.9, 2.6))
    words: list[dict[str, Any]] = []
    t = rng.uniform(0.5, 3.0)
    for _ in range(n_words):
        length = rng.uniform(0.15, 0.45)
        words.append({"word": rng.choice(VOCAB), "start": round(t, 3), "end": round(t + length, 3),
                      "probability": round(rng.uniform(0.6, 1.0), 3)})  # fmt: skip
        t += length + rng.uniform(0.02, 0.25)
    text = " ".join(str(w["word"]) for w in words)
    transcript = {"text": text, "words": words, "duration_s": round(duration, 3), "language": "en"}
    checklist: list[dict[str, Any]] = []
    for i in range(8):
        hit = rng.random() < 0.6
        evidence = {"text": "spot instances", "phrase": "spot", "match": "exact", "char_start": 20,
                    "char_end": 34, "start": 3.1, "end": 3.9} if hit else None  # fmt: skip
        checklist.append({"id": f"item-{i}", "label": f"Checklist idea {i}", "hit": hit, "weight": 1.0,
                          "evidence": evidence, "example": "An example phrase for it"})  # fmt: skip
    coverage = round(sum(c["hit"] for c in checklist) / len(checklist), 3)
    wpm = round(n_words / duration * 60, 1)
    report = {
        "question_id": q.id, "question_number": q.number, "transcript": text, "words": words,
        "coverage": coverage, "checklist": checklist, "duration_s": round(duration, 3),
        "target_seconds": 120, "word_count": n_words, "wpm": wpm, "wpm_band": "comfortable",
        "fillers": {"count": 3, "per_min": round(3 / duration * 60, 2),
                    "items": [{"text": "um", "start": 5.0, "end": 5.2}] * 3},
        "long_pauses": [{"start": 20.0, "end": 24.0}], "time_to_first_word_s": 1.1,
        "figures_mentioned": [{"text": "38%", "start": 9.0, "end": 9.4}], "star": None,
        "engine": "faster-whisper", "model": "base.en",
    }  # fmt: skip
    return report, transcript


def fill(
    path: Path,
    attempts: int,
    n_questions: int,
    seed: int = 7,
    *,
    questions: Sequence[BenchQuestion] | None = None,
) -> None:
    """``attempts`` scored answers to ``questions`` (default: ``n_questions`` made up) in new sessions."""
    rng = random.Random(seed)
    questions = list(questions) if questions is not None else _questions(n_questions)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with HistoryRepository(path) as repo, repo.transaction():
        made = 0
        while made < attempts:
            when = start + timedelta(seconds=rng.uniform(0, 365 * 86400))
            session = repo.create_session(rng.choice(["practice", "mock"]), started_at=when)
            for _ in range(min(rng.randint(1, 8), attempts - made)):
                q = rng.choice(questions)
                a = repo.start_attempt(session.id, q, started_at=when)
                report, transcript = _answer(rng, q)
                repo.mark_recorded(a.id, report["duration_s"])
                repo.save_score(a.id, report, transcript)
                when += timedelta(seconds=report["duration_s"] + 60)
                made += 1
            repo.end_session(session.id, ended_at=when)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=24)
    parser.add_argument("--db", type=Path, default=None, help="reuse/keep this database (filled if absent)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    tmp = tempfile.TemporaryDirectory(prefix="bench-history-") if args.db is None else None
    path = args.db or Path(tmp.name) / "history.sqlite3"  # type: ignore[union-attr]
    if not path.exists():
        t0 = time.perf_counter()
        fill(path, args.attempts, args.questions)
        print(f"filled {args.attempts} attempts in {time.perf_counter() - t0:.1f} s")
    size_mb = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6
    print(f"database: {path} ({size_mb:.0f} MB)\n")

    repo = HistoryRepository(path)
    q = "question-07"
    since, until = datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 7, 1, tzinfo=UTC)
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("open repository", lambda: HistoryRepository(path).close()),
        ("list sessions, all (light)", lambda: repo.list_sessions(with_json=False)),
        ("list sessions, newest 50 (light)", lambda: repo.list_sessions(limit=50, with_json=False)),
        ("list attempts, all (light)", lambda: repo.list_attempts(with_json=False)),
        ("filter: question (light)", lambda: repo.list_attempts(question_id=q, with_json=False)),
        ("filter: category (light)", lambda: repo.list_attempts(category="cost", with_json=False)),
        ("filter: one month (light)", lambda: repo.list_attempts(since=since, until=until, with_json=False)),
        ("filter: text, common word (light)", lambda: repo.list_attempts(text="postmortem", with_json=False)),
        (
            "filter: text, rare phrase (light)",
            lambda: repo.list_attempts(text="canary postmortem", with_json=False),
        ),
        (
            "filter: question + month + text (light)",
            lambda: repo.list_attempts(question_id=q, since=since, until=until, text="spot", with_json=False),
        ),
        ("best attempt per question", repo.best_attempt_ids),
        ("progress, one question", lambda: repo.progress(q)),
        ("progress, all", lambda: repo.progress()),
        ("get one attempt (with JSON)", lambda: repo.get_attempt(5000)),
        ("filter: question (with JSON)", lambda: repo.list_attempts(question_id=q, with_json=True)),
        ("list sessions, newest 50 (with JSON)", lambda: repo.list_sessions(limit=50, with_json=True)),
    ]
    rows = []
    for name, fn in cases:
        seconds, result = timed(fn, args.repeat)
        count: object = len(result) if isinstance(result, list | dict) else ""
        if name.startswith("list sessions") and isinstance(result, list):
            count = f"{len(result)} sessions, {sum(len(s.attempts) for s in result)} attempts"
        rows.append((name, seconds, count))
    open_s = rows[0][1]
    worst_filter = max(s for n, s, _ in rows if n.startswith("filter") and "(light)" in n)
    repo.close()

    print(f"| operation | best of {args.repeat} (ms) | rows |")
    print("|---|---:|---:|")
    for name, seconds, count in rows:
        print(f"| {name} | {seconds * 1000:.1f} | {count} |")
    print(f"\nopen + slowest light filter: {(open_s + worst_filter) * 1000:.0f} ms (target <= 1000 ms)")
    if tmp is not None:
        tmp.cleanup()
    return 0 if open_s + worst_filter <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
