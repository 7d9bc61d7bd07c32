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
* **history**: a 10,000-attempt database (``scripts/bench_history.py``'s generator, over the real bank's 24
  questions; built once and kept in ``--workdir``): ``HistoryScreen(repo, bank)`` (its constructor does
  the first ``refresh()``), a second ``refresh()``, first paint, and ``set_filters`` per filter (median of
  3, model updated when it returns) plus the paint after it.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/bench_gui.py [--json out.json] [--profile]

Targets: window visible <= 1.5 s, worst GUI stall <= 50 ms, History build/filter <= 1 s.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import wave
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
for _p in (REPO_ROOT, REPO_ROOT / "tests", REPO_ROOT / "scripts"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TARGET_LAUNCH_S = 1.5
TARGET_STALL_MS = 50.0
TARGET_HISTORY_S = 1.0
HEARTBEAT_MS = 10
RESULT_PREFIX = "BENCH_RESULT "
QUESTION_ID = "3"
NONE_GUARD = 5_000_000


# ---------------------------------------------------------------------------------------------- helpers
def _real_model_cache() -> Path:
    """The user's model cache (``<cache>/models``) so bench homes reuse the joined base model."""
    from opsprep_voice.core.paths import AppPaths

    saved = os.environ.pop("OPSPREP_VOICE_HOME", None)
    try:
        return AppPaths.default().cache_dir("models")
    finally:
        if saved is not None:
            os.environ["OPSPREP_VOICE_HOME"] = saved


def make_home(root: Path, models: Path, settings: dict[str, Any] | None = None) -> Path:
    """An OPSPREP_VOICE_HOME with its model cache linked to the real one (no re-joining of base)."""
    for sub in ("data", "cache", "config"):
        (root / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
    link = root / "cache" / "models"
    if not link.exists():
        link.symlink_to(models, target_is_directory=True)
    if settings is not None:
        (root / "config" / "settings.json").write_text(json.dumps(settings))
    return root


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def run_child(args: list[str], env: dict[str, str], timeout: float) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            result: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
            return result
    raise RuntimeError(f"child {args} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")


def child_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["OPSPREP_VOICE_HOME"] = str(home)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


# ----------------------------------------------------------------------------------------------- launch
LAUNCH_CHILD = textwrap.dedent(
    """
    import time
    T_FIRST = time.time()
    import json, os, sys
    GUARD = [None] * int(os.environ.get("BENCH_NONE_GUARD", "0"))  # see NONE_GUARD
    marks = {"first_statement": T_FIRST}
    import opsprep_voice.ui.application as appmod
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    real_build = appmod.build_app
    state = {}

    class Watch(QObject):
        def eventFilter(self, obj, event):
            ctx = state.get("ctx")
            if ctx is not None:
                kind = event.type()
                handle = ctx.window.windowHandle()
                if kind == QEvent.Type.Expose and obj is handle and "expose" not in marks:
                    marks["expose"] = time.time()
                    t = ctx.transcription
                    state["model_state_at_expose"] = t.state
                    state["model_loaded_at_expose"] = t.transcriber is not None
                    state["ctranslate2_imported_at_expose"] = "ctranslate2" in sys.modules
                elif kind == QEvent.Type.Paint and obj is ctx.window and "expose" in marks:
                    marks["paint"] = time.time()
                    out = {"marks": marks, **{k: v for k, v in state.items() if k not in ("ctx", "watch")}}
                    print("BENCH_RESULT " + json.dumps(out), flush=True)
                    os._exit(0)
            return False

    def build_app(**kwargs):
        marks["build_app_start"] = time.time()
        app = QApplication.instance()
        state["watch"] = Watch()
        app.installEventFilter(state["watch"])
        ctx = real_build(**kwargs)
        state["ctx"] = ctx
        marks["build_app_end"] = time.time()
        return ctx

    appmod.build_app = build_app
    marks["imports_done"] = time.time()
    from opsprep_voice.cli import main
    sys.exit(main(["app"]))
    """
)


def launch_once(home: Path, guard: bool = False) -> dict[str, Any]:
    env = child_env(home)
    env["BENCH_NONE_GUARD"] = str(NONE_GUARD if guard else 0)
    t0 = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", LAUNCH_CHILD], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            data: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
            marks = data.pop("marks")
            data["phases_s"] = {k: round(v - t0, 3) for k, v in marks.items()}
            data["visible_s"] = marks["expose"] - t0
            data["painted_s"] = marks.get("paint", marks["expose"]) - t0
            return data
    raise RuntimeError(f"launch child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")


def bench_launch(runs: int, home: Path, guard: bool = False) -> dict[str, Any]:
    results = [launch_once(home, guard) for _ in range(runs)]
    visible = [r["visible_s"] for r in results]
    return {
        "runs": results,
        "median_s": statistics.median(visible),
        "worst_s": max(visible),
        "painted_median_s": statistics.median(r["painted_s"] for r in results),
        "model_loading_at_expose": all(not r["model_loaded_at_expose"] for r in results),
        "model_states": sorted({r["model_state_at_expose"] for r in results}),
    }


# ------------------------------------------------------------------------------------ stall monitoring
class StallMonitor:
    """10 ms heartbeat on the GUI thread + a watchdog thread sampling the GUI thread's stack during gaps."""

    def __init__(self, interval_ms: int = HEARTBEAT_MS, sample_after_s: float = 0.020) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.interval_s = interval_ms / 1000
        self.ticks: list[tuple[float, float]] = []  # (perf_counter, GUI thread CPU s)
        self.samples: dict[int, list[str]] = {}  # tick index before the gap -> sampled stacks
        #: Gaps in the watchdog's own 4 ms polling (it needs the GIL too): (start, end, process CPU s in the
        #: gap, innermost frames of the other threads when it ran again). With the process's CPU in the gap
        #: this tells "another thread held the GIL (and which one, probably)" from "not scheduled".
        self.watchdog_gaps: list[tuple[float, float, float, list[str]]] = []
        self._gui_ident = threading.get_ident()
        self._sample_after = sample_after_s
        self._stop = threading.Event()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._watchdog = threading.Thread(target=self._watch, name="stall-watchdog", daemon=True)

    def start(self) -> None:
        self.ticks.append((time.perf_counter(), time.thread_time()))
        self._timer.start()
        self._watchdog.start()

    def stop(self) -> None:
        self._timer.stop()
        self._stop.set()
        self._watchdog.join()

    def _tick(self) -> None:
        self.ticks.append((time.perf_counter(), time.thread_time()))

    @staticmethod
    def _all_stacks(out: Any) -> dict[int, list[tuple[str, int, str]]]:
        """Every thread's stack (innermost first) via faulthandler, which writes it from C without creating
        frame objects: holding a frame of the GUI thread from here would keep its locals alive (a QPainter
        outliving its paintEvent crashes Qt)."""
        import faulthandler
        import re

        out.seek(0)
        out.truncate()
        faulthandler.dump_traceback(out, all_threads=True)
        out.flush()
        out.seek(0)
        stacks: dict[int, list[tuple[str, int, str]]] = {}
        current: list[tuple[str, int, str]] | None = None
        for line in out.read().splitlines():
            head = re.match(r"(?:Current thread|Thread) (0x[0-9a-f]+)", line)
            if head:
                current = stacks.setdefault(int(head.group(1), 16), [])
                continue
            frame = re.match(r'\s+File "(.*)", line (\d+) in (.*)', line)
            if frame and current is not None:
                current.append((frame.group(1), int(frame.group(2)), frame.group(3)))
        return stacks

    def _watch(self) -> None:
        with tempfile.TemporaryFile(mode="w+") as out:
            self._watch_loop(out)

    def _watch_loop(self, out: Any) -> None:
        me = threading.get_ident()
        names: dict[int | None, str] = {}
        prev, prev_cpu = time.perf_counter(), time.process_time()
        while not self._stop.wait(0.004):
            now, cpu = time.perf_counter(), time.process_time()
            n = len(self.ticks)
            last = self.ticks[-1][0]
            gap = now - prev >= self._sample_after + 0.004
            late = now - last >= self._sample_after
            stacks = self._all_stacks(out) if gap or late else {}
            if gap:
                names.update({t.ident: t.name for t in threading.enumerate()})
                others = [
                    f"{names.get(ident, hex(ident))}: "
                    + " < ".join(f"{Path(f).name}:{ln} {fn}" for f, ln, fn in frames[:2])
                    for ident, frames in stacks.items()
                    if ident not in (me, self._gui_ident)
                ]
                self.watchdog_gaps.append((prev, now, cpu - prev_cpu, others))
            prev, prev_cpu = now, cpu
            gui = stacks.get(self._gui_ident)
            if not late or not gui:
                continue
            ours = [
                f"{Path(f).name}:{ln} {fn}"
                for f, ln, fn in gui
                if "opsprep_voice" in f or f.endswith("bench_gui.py")
            ]
            f, ln, fn = gui[0]
            inner = f"{Path(f).name}:{ln} {fn}"
            key = " < ".join([inner, *ours[:4]]) if ours else inner
            self.samples.setdefault(n - 1, []).append(key)

    def phase(self, start: float, end: float, gcs: GcMonitor | None = None) -> dict[str, Any]:
        """Lateness of the ticks that arrived in [start, end), and the stalls >= the target."""
        late: list[float] = []
        stalls: list[dict[str, Any]] = []
        for i in range(1, len(self.ticks)):
            t, cpu = self.ticks[i]
            if not start <= t < end:
                continue
            prev_t, prev_cpu = self.ticks[i - 1]
            lateness_ms = max(0.0, (t - prev_t - self.interval_s) * 1000)
            late.append(lateness_ms)
            if lateness_ms >= TARGET_STALL_MS:
                samples = Counter(self.samples.get(i - 1, []))
                stalls.append(
                    {
                        "at_s": round(prev_t - start, 3),
                        "lateness_ms": round(lateness_ms, 1),
                        "gui_cpu_ms": round((cpu - prev_cpu) * 1000, 1),
                        "stacks": [f"{c}x {s}" for s, c in samples.most_common(3)],
                        "gc": [GcMonitor.describe(e) for e in gcs.between(prev_t, t)] if gcs else [],
                        "watchdog_gaps": [
                            f"watchdog also stalled {1000 * (b - a):.0f} ms (process CPU {1000 * c:.0f} ms); "
                            f"other threads then: {' | '.join(o)}"
                            for a, b, c, o in self.watchdog_gaps
                            if b > prev_t and a < t
                        ],
                    }
                )
        return {
            **({"gc": gcs.summary(start, end)} if gcs else {}),
            "ticks": len(late),
            "worst_ms": round(max(late, default=0.0), 1),
            "p99_ms": round(pct(late, 99), 1),
            "p50_ms": round(pct(late, 50), 1),
            "over_target": sum(1 for v in late if v >= TARGET_STALL_MS),
            "stalls": sorted(stalls, key=lambda s: -s["lateness_ms"])[:8],
        }


class GcMonitor:
    """Times every garbage collection (any thread) through ``gc.callbacks``: generation, thread, duration.

    A collection holds the GIL for its whole run, so a long one in a background thread stalls the GUI thread
    too (with little GUI CPU in that tick). Each stall lists the collections that overlap it.
    """

    def __init__(self) -> None:
        #: (start, end, generation, thread name, objects collected), perf_counter seconds
        self.events: list[tuple[float, float, int, str, int]] = []
        self._started: dict[int, float] = {}

    def start(self) -> None:
        gc.callbacks.append(self._callback)

    def stop(self) -> None:
        if self._callback in gc.callbacks:
            gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        ident = threading.get_ident()
        if phase == "start":
            self._started[ident] = now
            return
        began = self._started.pop(ident, None)
        if began is not None:
            name = threading.current_thread().name
            self.events.append((began, now, info["generation"], name, info.get("collected", 0)))

    def between(self, start: float, end: float) -> list[tuple[float, float, int, str, int]]:
        return [e for e in self.events if e[1] > start and e[0] < end]

    @staticmethod
    def describe(event: tuple[float, float, int, str, int]) -> str:
        began, ended, gen, thread, collected = event
        return f"gen {gen} GC {1000 * (ended - began):.1f} ms in thread {thread!r} ({collected} collected)"

    def summary(self, start: float, end: float) -> dict[str, Any]:
        events = [e for e in self.events if start <= e[0] < end]
        worst = max(events, key=lambda e: e[1] - e[0], default=None)
        return {
            "collections": Counter(f"gen{e[2]}" for e in events),
            "total_ms": round(sum(e[1] - e[0] for e in events) * 1000, 1),
            "worst_ms": round((worst[1] - worst[0]) * 1000, 1) if worst else 0.0,
            "worst": self.describe(worst) if worst else "",
        }


def wait_until(pred: Callable[[], bool], timeout_s: float, poll_ms: int = 20) -> bool:
    """Run the Qt event loop (normally, so the heartbeat is served) until ``pred()`` or the timeout."""
    from PySide6.QtCore import QEventLoop, QTimer

    if pred():
        return True
    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    timer = QTimer()
    timer.setInterval(poll_ms)

    def check() -> None:
        if pred() or time.monotonic() > deadline:
            loop.quit()

    timer.timeout.connect(check)
    timer.start()
    loop.exec()
    timer.stop()
    return pred()


# ------------------------------------------------------------------------------------------- recording
def answer_wav(workdir: Path, seconds: float) -> Path:
    """An espeak-ng answer of about ``seconds`` (example answers of the bank, question 3 first)."""
    from speech import synthesize

    from opsprep_voice.core.bank import load_bank

    path = workdir / f"answer-{int(seconds)}s.wav"
    if path.exists():
        return path
    bank = load_bank()
    first = bank.find(QUESTION_ID)
    words: list[str] = []
    for q in [first, *(q for q in bank if q.id != first.id)]:
        words += q.example_answer.split()
        if len(words) >= seconds * 160 / 60:  # 160 wpm
            break
    text = " ".join(words[: int(seconds * 160 / 60)])
    return synthesize(text, path, rate_wpm=160)


def record_child(wav: Path, live: bool, profile: bool) -> dict[str, Any]:
    import numpy as np
    from fake_sounddevice import FakeSoundDevice
    from PySide6.QtWidgets import QApplication

    from opsprep_voice.core.paths import AppPaths
    from opsprep_voice.core.session import Phase
    from opsprep_voice.ui.application import build_app

    app = QApplication.instance() or QApplication(sys.argv)
    with wave.open(str(wav)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).copy()
        rate = w.getframerate()
    blocksize = 800
    sd = FakeSoundDevice(pcm, rate, blocksize=blocksize, pace=blocksize / rate)
    monitor = StallMonitor()
    gcs = GcMonitor()
    marks: dict[str, float] = {}
    t_build = time.perf_counter()
    # freeze_gc as the entry point (ui.application.run) sets it, if this checkout has it (before/after runs).
    has_freeze = "freeze_gc" in inspect.signature(build_app).parameters
    extra: dict[str, Any] = {"freeze_gc": True} if has_freeze else {}
    ctx = build_app(paths=AppPaths.default(), sd=sd, synthesizer=None, **extra)
    ctx.window.resize(1280, 800)
    ctx.window.show()
    build_s = time.perf_counter() - t_build
    # Start-up (window shown -> model loaded, start-up work done, +0.5 s) is its own phase.
    gcs.start()
    monitor.start()
    marks["shown"] = time.perf_counter()
    t_load = time.perf_counter()
    if not wait_until(lambda: ctx.transcription.state in ("ready", "failed"), 180):
        raise RuntimeError("model did not load in 180 s")
    if not ctx.transcription.ready:
        raise RuntimeError(f"model failed to load: {ctx.transcription.message}")
    load_s = time.perf_counter() - t_load
    if not wait_until(lambda: getattr(ctx, "warmed_up", True), 60):
        raise RuntimeError("start-up work did not finish in 60 s")
    warm_s = time.perf_counter() - t_load - load_s
    wait_until(lambda: False, 0.5)  # let the window settle
    marks["idle"] = time.perf_counter()

    screen = ctx.window.rehearsal_screen
    real_show_review = screen.show_review

    def show_review(*a: Any, **k: Any) -> None:
        real_show_review(*a, **k)
        marks["review"] = time.perf_counter()

    screen.show_review = show_review  # type: ignore[method-assign]
    filled = getattr(screen.review, "filled", None)
    if filled is not None:
        filled.connect(lambda: marks.setdefault("review_filled", time.perf_counter()))

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    if profiler is not None:
        profiler.enable()
    wait_until(lambda: False, 0.3)
    start = ctx.window.start_screen
    start.single.setCurrentIndex(start.single.findData(ctx.bank.find(QUESTION_ID).id))
    start.rb_interview.setChecked(True)
    # The rehearsal screen's first show is measured as its own phase: it happens before recording starts.
    marks["switch"] = time.perf_counter()
    start.start_button.click()
    wait_until(lambda: False, 0.5)
    marks["record"] = time.perf_counter()
    screen.shortcuts["Space"].activated.emit()
    session = ctx.controller.session
    assert session is not None and session.phase is Phase.RECORDING, "recording did not start"
    live_used = ctx.controller._live is not None
    wait_until(
        lambda: (
            sd.replayed.is_set()
            and ctx.recorder.session is not None
            and ctx.recorder.session.blocks_written == sd.blocks_sent
        ),
        len(pcm) / rate * 3 + 30,
    )
    marks["stop"] = time.perf_counter()
    screen.shortcuts["Space"].activated.emit()
    ok = wait_until(lambda: session.phase is Phase.REVIEW, 300)
    if not ok:
        raise RuntimeError(f"no review (phase {session.phase})")
    wait_until(lambda: False, 0.5)
    if profiler is not None:
        profiler.disable()
    monitor.stop()
    gcs.stop()
    end = time.perf_counter()
    gc_stats = gc.get_stats()  # whole process, start-up included
    t_gc = time.perf_counter()
    gc.collect()
    full_gc_ms = (time.perf_counter() - t_gc) * 1000

    startup = monitor.phase(marks["shown"], marks["idle"], gcs)
    switch = monitor.phase(marks["switch"], marks["record"], gcs)
    recording = monitor.phase(marks["record"], marks["stop"], gcs)
    stopping = monitor.phase(marks["stop"], end, gcs)
    result: dict[str, Any] = {
        "live": live,
        "live_used": live_used,
        "audio_s": round(len(pcm) / rate, 1),
        "recording_wall_s": round(marks["stop"] - marks["record"], 1),
        "build_app_s": round(build_s, 3),
        "model_load_s": round(load_s, 2),
        "warm_up_s": round(warm_s, 2),
        "stop_to_review_s": round(marks["review"] - marks["stop"], 2),
        "stop_to_review_filled_s": round(marks.get("review_filled", marks["review"]) - marks["stop"], 2),
        "controller_stop_to_review_s": ctx.controller.last_stop_to_review_s,
        "coverage": round(session.result.report.coverage, 3) if session.result.report else None,
        "gc_process": {
            "collections_per_generation": [g["collections"] for g in gc_stats],
            "full_collect_at_end_ms": round(full_gc_ms, 1),
            "tracked_objects": len(gc.get_objects()),
            "frozen_objects": gc.get_freeze_count(),
        },
        "startup": startup,
        "switch": switch,
        "recording": recording,
        "stopping": stopping,
    }
    if profiler is not None:
        result["profile"] = profile_top(profiler)
    ctx.shutdown()
    app.processEvents()
    return result


def profile_top(profiler: Any, n: int = 18) -> list[str]:
    """The GUI thread's slowest calls (cumulative), as ``ms calls function``."""
    import pstats

    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, name), (_cc, nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "opsprep_voice" in filename or "bench_gui" in filename or name.startswith("<built-in"):
            rows.append((ct, nc, f"{Path(filename).name}:{line} {name}"))
    rows.sort(reverse=True)
    return [f"{ct * 1000:8.0f} ms {nc:6d}x {label}" for ct, nc, label in rows[:n]]


# --------------------------------------------------------------------------------------------- history
def history_db(workdir: Path, attempts: int, models: Path) -> tuple[Path, float | None]:
    """A home whose history holds ``attempts`` answers over the real bank (built once, then reused)."""
    import bench_history

    from opsprep_voice.core.bank import load_bank

    home = make_home(workdir / f"home-history-{attempts}", models)
    db = home / "data" / "history.sqlite3"
    if db.exists():
        return home, None
    bank = load_bank()
    real = [bench_history.BenchQuestion(q.id, q.number, q.category, q.text) for q in bank]
    bench_history._questions = lambda n: real[:n]  # the generator, over the bank's questions
    partial = db.with_name("building.sqlite3")
    for p in partial.parent.glob("building.sqlite3*"):
        p.unlink()
    t0 = time.perf_counter()
    bench_history.fill(partial, attempts, len(real))
    os.replace(partial, db)
    return home, time.perf_counter() - t0


def history_child(db: Path) -> dict[str, Any]:
    from datetime import date

    from PySide6.QtWidgets import QApplication

    from opsprep_voice.core.bank import load_bank
    from opsprep_voice.storage.repository import HistoryRepository
    from opsprep_voice.ui.history.history_screen import HistoryScreen

    app = QApplication.instance() or QApplication(sys.argv)
    bank = load_bank()
    repo = HistoryRepository(db)
    t0 = time.perf_counter()
    screen = HistoryScreen(repo, bank)
    construct_s = time.perf_counter() - t0
    rows_all = screen.model.rowCount()
    screen.resize(1280, 800)
    t0 = time.perf_counter()
    screen.show()
    app.processEvents()
    first_paint_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    screen.refresh()
    refresh_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    app.processEvents()
    refresh_paint_s = time.perf_counter() - t0

    q7 = bank.find("7").id
    cases: list[tuple[str, dict[str, Any]]] = [
        ("question", {"question_id": q7}),
        ("category", {"category": "cost"}),
        ("date (one month)", {"since": date(2024, 6, 1), "until": date(2024, 6, 30)}),
        ("text, common word", {"text": "postmortem"}),
        ("text, rare phrase", {"text": "canary postmortem"}),
        (
            "question + month + text",
            {"question_id": q7, "since": date(2024, 6, 1), "until": date(2024, 6, 30), "text": "spot"},
        ),
        ("clear filters (all)", {}),
    ]
    filters = []
    for name, kwargs in cases:
        model_s, paint_s = [], []
        for _ in range(3):
            screen.set_filters(question_id=q7 if name.startswith("clear") else None)  # start elsewhere
            app.processEvents()
            t0 = time.perf_counter()
            screen.set_filters(**kwargs)
            model_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            app.processEvents()
            paint_s.append(time.perf_counter() - t0)
        filters.append(
            {
                "filter": name,
                "answers": len(screen.visible_attempt_ids()),
                "model_s": statistics.median(model_s),
                "model_worst_s": max(model_s),
                "paint_s": statistics.median(paint_s),
            }
        )
    repo.close()
    return {
        "construct_s": construct_s,
        "first_paint_s": first_paint_s,
        "refresh_s": refresh_s,
        "refresh_paint_s": refresh_paint_s,
        "top_rows": rows_all,
        "filters": filters,
    }


def history_profile(db: Path) -> list[str]:
    import cProfile

    from PySide6.QtWidgets import QApplication

    from opsprep_voice.core.bank import load_bank
    from opsprep_voice.storage.repository import HistoryRepository
    from opsprep_voice.ui.history.history_screen import HistoryScreen

    app = QApplication.instance() or QApplication(sys.argv)
    repo = HistoryRepository(db)
    bank = load_bank()
    profiler = cProfile.Profile()
    profiler.enable()
    screen = HistoryScreen(repo, bank)
    screen.show()
    app.processEvents()
    screen.set_filters(text="postmortem")
    app.processEvents()
    profiler.disable()
    repo.close()
    return profile_top(profiler)


# ------------------------------------------------------------------------------------------------ report
def ratio(value: float, target: float) -> str:
    return f"{value / target:.2f}x target" + (" (MISSED)" if value > target else "")


def render(res: dict[str, Any]) -> str:
    out = ["| measurement | value | target | ratio |", "|---|---:|---:|---:|"]

    def row(name: str, value: float, unit: str, target: float | None) -> None:
        v = f"{value:.3f} s" if unit == "s" else f"{value:.1f} ms"
        t = "" if target is None else (f"<= {target} s" if unit == "s" else f"<= {target:.0f} ms")
        r = "" if target is None else ratio(value, target)
        out.append(f"| {name} | {v} | {t} | {r} |")

    if "launch" in res:
        la = res["launch"]
        n = len(la["runs"])
        row(f"window visible after launch, median of {n}", la["median_s"], "s", TARGET_LAUNCH_S)
        row(f"window visible after launch, worst of {n}", la["worst_s"], "s", TARGET_LAUNCH_S)
        row("  first paint, median", la["painted_median_s"], "s", None)
        loading = "yes" if la["model_loading_at_expose"] else "NO"
        states = ", ".join(la["model_states"])
        out.append(f"| model still loading when the window showed | {loading} ({states}) | yes | |")
    if "launch_big" in res:
        lb = res["launch_big"]
        n = len(lb["runs"])
        row(f"window visible, 10,000-answer history, median of {n}", lb["median_s"], "s", TARGET_LAUNCH_S)
        row(f"window visible, 10,000-answer history, worst of {n}", lb["worst_s"], "s", TARGET_LAUNCH_S)
    for key, label in (("record_live", "live ON"), ("record_batch", "live OFF")):
        if key not in res:
            continue
        r = res[key]
        su = r.get("startup")
        if su is not None:
            row(
                f"{label}: worst stall, start-up (model load, warm-up)", su["worst_ms"], "ms", TARGET_STALL_MS
            )
            row(f"{label}: p99 lateness, start-up", su["p99_ms"], "ms", None)
        sw = r.get("switch")
        if sw is not None:
            row(f"{label}: worst stall, opening the rehearsal screen", sw["worst_ms"], "ms", TARGET_STALL_MS)
            row(f"{label}: p99 lateness, opening the rehearsal screen", sw["p99_ms"], "ms", None)
            if "gc" in sw:
                row(
                    f"{label}: worst GC pause (any thread), opening the rehearsal screen",
                    sw["gc"]["worst_ms"],
                    "ms",
                    None,
                )
        for phase, pname in (("recording", "recording"), ("stopping", "Stop->review")):
            p = r[phase]
            row(f"{label}: worst stall, {pname}", p["worst_ms"], "ms", TARGET_STALL_MS)
            row(f"{label}: p99 lateness, {pname}", p["p99_ms"], "ms", None)
            if "gc" in p:
                row(f"{label}: worst GC pause (any thread), {pname}", p["gc"]["worst_ms"], "ms", None)
        row(f"{label}: Stop->review ({r['audio_s']:.0f} s answer)", r["stop_to_review_s"], "s", None)
    if "history" in res:
        h = res["history"]
        row("History: HistoryScreen() incl. first refresh()", h["construct_s"], "s", TARGET_HISTORY_S)
        row(
            "History: HistoryScreen() + first paint",
            h["construct_s"] + h["first_paint_s"],
            "s",
            TARGET_HISTORY_S,
        )
        row("History: refresh() again", h["refresh_s"], "s", TARGET_HISTORY_S)
        for f in h["filters"]:
            row(
                f"History filter: {f['filter']} ({f['answers']} answers), model updated",
                f["model_s"],
                "s",
                TARGET_HISTORY_S,
            )
            row(f"History filter: {f['filter']}, + paint", f["model_s"] + f["paint_s"], "s", TARGET_HISTORY_S)
    return "\n".join(out)


def render_details(res: dict[str, Any]) -> str:
    lines: list[str] = []
    if "big_launch_unguarded" in res:
        lines.append(f"launch with the 10,000-answer history, no None guard: {res['big_launch_unguarded']}")
    for key in ("launch", "launch_big"):
        if key in res:
            lines.append(f"{key} phases (s since spawn):")
            lines += [f"  {r['phases_s']}" for r in res[key]["runs"]]
    for key in ("record_live", "record_batch"):
        if key not in res:
            continue
        r = res[key]
        lines.append(
            f"{key}: audio {r['audio_s']} s, recording wall {r['recording_wall_s']} s, model load "
            f"{r['model_load_s']} s, warm-up after it {r.get('warm_up_s')} s, Stop->review filled in "
            f"{r.get('stop_to_review_filled_s')} s, live used {r['live_used']}, coverage {r['coverage']}, "
            f"net change of None's refcount {r.get('none_refs_lost')}"
        )
        if "gc_process" in r:
            g = r["gc_process"]
            lines.append(
                f"  GC over the whole child: collections per generation {g['collections_per_generation']}, "
                f"{g['tracked_objects']} tracked objects, {g['frozen_objects']} frozen; a full collection at "
                f"the end took {g['full_collect_at_end_ms']} ms"
            )
        for phase in ("startup", "switch", "recording", "stopping"):
            p = r.get(phase)
            if p is None:
                continue
            lines.append(
                f"  {phase}: {p['ticks']} ticks, p50 {p['p50_ms']} ms, p99 {p['p99_ms']} ms, "
                f"worst {p['worst_ms']} ms, {p['over_target']} ticks >= {TARGET_STALL_MS:.0f} ms late"
            )
            if "gc" in p:
                g = p["gc"]
                counts = ", ".join(f"{k} x{v}" for k, v in sorted(g["collections"].items())) or "none"
                lines.append(f"    GC: {counts}, total {g['total_ms']} ms, worst {g['worst'] or '-'}")
            for s in p["stalls"]:
                lines.append(
                    f"    +{s['at_s']} s: {s['lateness_ms']} ms late, GUI thread CPU {s['gui_cpu_ms']} ms"
                )
                lines += [f"        {st}" for st in s["stacks"]]
                lines += [f"        overlapping {g}" for g in s.get("gc", [])]
                lines += [f"        {g}" for g in s.get("watchdog_gaps", [])]
        if "profile" in r:
            lines.append("  GUI-thread profile (cumulative):")
            lines += [f"    {p}" for p in r["profile"]]
    if "history_profile" in res:
        lines.append("history GUI-thread profile (construct + paint + text filter):")
        lines += [f"    {p}" for p in res["history_profile"]]
    return "\n".join(lines)


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
    parser.add_argument("--only", nargs="*", choices=["launch", "record", "history"], default=None)
    parser.add_argument("--no-batch", action="store_true", help="skip the live-OFF recording run")
    parser.add_argument("--profile", action="store_true", help="cProfile the GUI thread (adds overhead)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON here")
    parser.add_argument("--child", choices=["record", "history", "history-profile"], help=argparse.SUPPRESS)
    parser.add_argument("--wav", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--live", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        # PySide6 6.12.0 on CPython 3.11 drops one reference to None per call of a Qt method that returns
        # nothing (QLabel.setText, QXYSeries.append, ...); None is not immortal before 3.12, so the process
        # aborts ("none_dealloc") once those calls outnumber None's references. Hold spare references so the
        # measurements finish; each child reports how many it lost.
        guard = [None] * NONE_GUARD
        refs_before = sys.getrefcount(None)
        if args.child == "record":
            out: Any = record_child(args.wav, bool(args.live), args.profile)
        elif args.child == "history":
            out = history_child(args.db)
        else:
            out = history_profile(args.db)
        if isinstance(out, dict):
            out["none_refs_lost"] = refs_before - sys.getrefcount(None)
        del guard
        print(RESULT_PREFIX + json.dumps(out), flush=True)
        os._exit(0)  # no teardown races with the model's threads

    only = set(args.only or ["launch", "record", "history"])
    workdir: Path = args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    models = _real_model_cache()
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
