"""GUI responsiveness of the real app: launch time, event-loop stalls while recording/transcribing, History.

Three measurements, each in its own fresh subprocess (so every run pays the cold costs a user pays):

* **launch**: the parent notes ``time.time()`` and spawns ``python -c`` that starts the app through the real
  entry point (``opsprep_voice.cli.main(["app"])``); the child reports ``time.time()`` at the main window's
  first Expose event (and first paint), and whether the speech model is still loading at that moment.
  ``--launches`` runs (default 5) on an empty history, plus ``--big-launches`` (default 2) on the
  10,000-attempt history the History benchmark uses.
* **record**: ``build_app`` (with ``freeze_gc`` as the entry point sets it) with a FakeSoundDevice replaying a
  ~60 s espeak-ng answer in real time (800-sample blocks, 50 ms apart), the real default model through the
  default transcriber factory. A 10 ms PreciseTimer heartbeat runs on the GUI thread; lateness = gap between
  ticks - 10 ms. Reported separately for start-up (window shown -> model loaded and the app's start-up work
  done, +0.5 s), opening the rehearsal screen, the recording and Stop -> review (+0.5 s for the review to
  fill in and paint), once with live transcription on and once off (whole file transcribed after Stop).
  A watchdog thread samples the GUI thread's Python stack (through faulthandler: no frame references)
  whenever no tick came for 20 ms, and each tick records the GUI thread's CPU time, so every stall >= 50 ms
  is attributed: busy on the GUI thread (which call) or waiting. The watchdog needs the GIL too: when its
  own 4 ms polling stalls, it records the process's CPU time in the gap and where the other threads were
  when it ran again (a thread holding the GIL in a long C call shows up there). ``gc.callbacks`` time every
  collection in any thread: the worst pause per phase, the ones overlapping each stall, and what a full
  collection costs at the end.
* **startup** (``--startups`` runs, default 5; not in the default set): the record child's start-up phase
  alone, each in a fresh process with a fresh home, for the spread of the start-up stalls.
* **history**: a 10,000-attempt database (``scripts/bench_history.py``'s generator, over the real bank's 24
  questions; built once and kept in ``--workdir``): ``HistoryScreen(repo, bank)`` (its constructor does
  the first ``refresh()``), a second ``refresh()``, first paint, and ``set_filters`` per filter (median of
  3, model updated when it returns) plus the paint after it.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/bench_gui.py [--json out.json] [--profile]

The parts live in ``scripts/benchlib/`` (launch and its child program, stall monitoring, record, history,
report); this file parses the options, runs the parts in child processes and prints the report.

Targets: window visible <= 1.5 s, worst GUI stall <= 50 ms, History build/filter <= 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
for _p in (REPO_ROOT, REPO_ROOT / "scripts"):  # opsprep_voice and tests.support; benchlib, bench_history
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchlib.common import NONE_GUARD, RESULT_PREFIX, child_env, make_home, real_model_cache, run_child  # noqa: E402
from benchlib.history import history_child, history_db, history_profile  # noqa: E402
from benchlib.launch import bench_launch, launch_once  # noqa: E402
from benchlib.record import answer_wav, record_child  # noqa: E402
from benchlib.report import render, render_details  # noqa: E402


def run_child_mode(args: argparse.Namespace) -> None:
    """Run one measurement in this (child) process, print its ``BENCH_RESULT`` line and exit at once."""
    # PySide6 6.12.0 on CPython 3.11 drops one reference to None per call of a Qt method that returns
    # nothing (QLabel.setText, QXYSeries.append, ...); None is not immortal before 3.12, so the process
    # aborts ("none_dealloc") once those calls outnumber None's references. Hold spare references so the
    # measurements finish; each child reports how many it lost.
    guard = [None] * NONE_GUARD
    refs_before = sys.getrefcount(None)
    if args.child == "record":
        out: Any = record_child(args.wav, bool(args.live), args.profile)
    elif args.child == "startup":
        out = record_child(None, True, False, startup_only=True)
    elif args.child == "history":
        out = history_child(args.db)
    else:
        out = history_profile(args.db)
    if isinstance(out, dict):
        out["none_refs_lost"] = refs_before - sys.getrefcount(None)
    del guard
    print(RESULT_PREFIX + json.dumps(out), flush=True)
    os._exit(0)  # no teardown races with the model's threads


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=5)
    parser.add_argument("--big-launches", type=int, default=2, help="launches with the 10,000-answer history")
    parser.add_argument("--answer-seconds", type=float, default=60)
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "opsprep-bench-gui",
        help="keeps the answer WAV and the filled history between runs",
    )  # fmt: skip
    parser.add_argument("--startups", type=int, default=5, help="start-up stall runs (--only startup)")
    parser.add_argument(
        "--fresh-model-cache",
        action="store_true",
        help="start-up runs with an empty model cache, as a first start (base is joined during the run)",
    )
    parser.add_argument("--only", nargs="*", choices=["launch", "startup", "record", "history"], default=None)
    parser.add_argument("--no-batch", action="store_true", help="skip the live-OFF recording run")
    parser.add_argument("--profile", action="store_true", help="cProfile the GUI thread (adds overhead)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON here")
    parser.add_argument(
        "--child", choices=["record", "startup", "history", "history-profile"], help=argparse.SUPPRESS
    )
    parser.add_argument("--wav", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--live", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        run_child_mode(args)
    only = set(args.only or ["launch", "record", "history"])
    workdir: Path = args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    models = real_model_cache()
    res: dict[str, Any] = {"machine": {"nproc": os.cpu_count(), "loadavg_start": os.getloadavg()}}
    t_start = time.perf_counter()

    big_home = None
    if "history" in only or ("launch" in only and args.big_launches):
        big_home, fill_s = history_db(workdir, args.attempts, models)
        if fill_s is not None:
            res["history_fill_s"] = round(fill_s, 1)
            print(f"filled {args.attempts} attempts in {fill_s:.0f} s ({big_home})", file=sys.stderr)

    if "launch" in only:
        with tempfile.TemporaryDirectory(prefix="bench-gui-launch-") as tmp:
            home = make_home(Path(tmp), models, {"speak_questions": True})
            res["launch"] = bench_launch(args.launches, home)
        print(f"launch: median {res['launch']['median_s']:.2f} s", file=sys.stderr)
        if args.big_launches and big_home is not None:
            try:
                launch_once(big_home)
                res["big_launch_unguarded"] = "ok"
            except RuntimeError as exc:
                res["big_launch_unguarded"] = (
                    "crashed: "
                    + " | ".join(
                        line.strip() for line in str(exc).splitlines() if "Fatal" in line or "line" in line
                    )[:600]
                )
            res["launch_big"] = bench_launch(args.big_launches, big_home, guard=True)

    if "startup" in only:
        runs = []
        for _ in range(args.startups):
            with tempfile.TemporaryDirectory(prefix="bench-gui-startup-") as tmp:
                settings = {"speak_questions": False, "live_transcription": True}
                if args.fresh_model_cache:
                    home = make_home(Path(tmp), Path(tmp) / "no-models", settings)
                    (Path(tmp) / "no-models").mkdir()
                else:
                    home = make_home(Path(tmp), models, settings)
                runs.append(run_child(["--child", "startup"], child_env(home), timeout=300))
        res["startups"] = runs
        worst = sorted(r["startup"]["worst_ms"] for r in runs)
        print(f"start-up worst stall per run: {worst} ms", file=sys.stderr)

    if "record" in only:
        wav = answer_wav(workdir, args.answer_seconds)
        for live in (True, False) if not args.no_batch else (True,):
            with tempfile.TemporaryDirectory(prefix="bench-gui-record-") as tmp:
                home = make_home(Path(tmp), models, {"speak_questions": False, "live_transcription": live})
                extra = ["--profile"] if args.profile else []
                r = run_child(
                    ["--child", "record", "--wav", str(wav), "--live", str(int(live)), *extra],
                    child_env(home),
                    timeout=600,
                )
            res["record_live" if live else "record_batch"] = r
            print(f"record live={live}: Stop->review {r['stop_to_review_s']} s", file=sys.stderr)

    if "history" in only and big_home is not None:
        db = big_home / "data" / "history.sqlite3"
        res["history"] = run_child(["--child", "history", "--db", str(db)], child_env(big_home), 300)
        if args.profile:
            res["history_profile"] = run_child(
                ["--child", "history-profile", "--db", str(db)], child_env(big_home), 300
            )

    res["machine"]["loadavg_end"] = os.getloadavg()
    res["total_s"] = round(time.perf_counter() - t_start, 1)
    print(render(res))
    print()
    print(render_details(res))
    print(
        f"\nload average at start {res['machine']['loadavg_start']}, end {res['machine']['loadavg_end']}; "
        f"total {res['total_s']} s"
    )
    if args.json:
        args.json.write_text(json.dumps(res, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
