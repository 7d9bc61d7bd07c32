"""Event-loop stalls on the GUI thread: a 10 ms heartbeat, a watchdog sampling stacks in the gaps, and the
garbage collections that overlap them."""

from __future__ import annotations

import gc
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchlib.common import HEARTBEAT_MS, TARGET_STALL_MS, pct

#: Frames in files under this folder are the benchmark's own (shown with the app's in stall stacks).
BENCHLIB = str(Path(__file__).resolve().parent)


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
                if "opsprep_voice" in f or f.endswith("bench_gui.py") or BENCHLIB in f
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
