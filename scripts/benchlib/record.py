"""Stalls while recording and transcribing: the real app with a fake microphone replaying a spoken answer.

:func:`record_child` runs in a child process (``bench_gui.py --child record``): the app is built with
``build_app`` as the entry point builds it, shown, and driven like a user (start screen, Space, Space).
"""

from __future__ import annotations

import gc
import inspect
import sys
import time
import wave
from pathlib import Path
from typing import Any

from benchlib.common import QUESTION_ID
from benchlib.stalls import BENCHLIB, GcMonitor, StallMonitor, wait_until


def answer_wav(workdir: Path, seconds: float) -> Path:
    """An espeak-ng answer of about ``seconds`` (example answers of the bank, question 3 first)."""
    from opsprep_voice.core.bank import load_bank
    from tests.support.speech import synthesize

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


def record_child(wav: Path | None, live: bool, profile: bool, startup_only: bool = False) -> dict[str, Any]:
    """The record child: one rehearsal answer replayed through a fake microphone, stalls per phase.

    ``startup_only`` (``bench_gui.py --only startup``): stop after the start-up phase (no answer needed)."""
    import numpy as np
    from PySide6.QtWidgets import QApplication

    from opsprep_voice.core.paths import AppPaths
    from opsprep_voice.core.session import Phase
    from opsprep_voice.ui.application import build_app
    from tests.support.fake_sounddevice import FakeSoundDevice

    app = QApplication.instance() or QApplication(sys.argv)
    if wav is None:
        pcm, rate = np.zeros(16_000, dtype=np.int16), 16_000
    else:
        with wave.open(str(wav)) as w:
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).copy()
            rate = w.getframerate()
    blocksize = 800
    sd = FakeSoundDevice(pcm, rate, blocksize=blocksize, pace=blocksize / rate)
    monitor = StallMonitor()
    gcs = GcMonitor()
    marks: dict[str, float] = {}
    t_build = time.perf_counter()
    # freeze_gc and entry_order as the entry point (ui.application.run) sets them, if this checkout has
    # them (before/after runs).
    accepted = inspect.signature(build_app).parameters
    extra: dict[str, Any] = {k: True for k in ("freeze_gc", "entry_order") if k in accepted}
    ctx = build_app(paths=AppPaths.default(), sd=sd, synthesizer=None, **extra)
    # Stop-to-review of the answer itself: no interviewer follow-up before the review (a checkout without
    # follow-ups ignores the extra setting).
    ctx.controller.settings = ctx.controller.settings.model_copy(update={"follow_ups": "off"})
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
    if startup_only:
        monitor.stop()
        gcs.stop()
        return {
            "build_app_s": round(build_s, 3),
            "model_load_s": round(load_s, 2),
            "warm_up_s": round(warm_s, 2),
            "startup": monitor.phase(marks["shown"], marks["idle"], gcs),
        }

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
    live_obj = ctx.controller._live
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
    stats = getattr(getattr(live_obj, "_processor", None), "stats", None)
    if stats is not None:  # how the live transcript was completed at Stop (asr.streaming.StreamStats)
        result["live_finish"] = {
            "path": stats.finish_path,
            "finish_s": round(stats.finish_s, 2),
            "wait_s": round(stats.finish_wait_s, 2),
            "tail_s": round(stats.tail_s, 1),
            "calls": stats.calls,
            "last_calls": [(round(a, 1), round(b, 1), k) for a, b, k in stats.chunks[-4:]],
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
        if (
            "opsprep_voice" in filename
            or "bench_gui" in filename
            or BENCHLIB in filename
            or name.startswith("<built-in")
        ):
            rows.append((ct, nc, f"{Path(filename).name}:{line} {name}"))
    rows.sort(reverse=True)
    return [f"{ct * 1000:8.0f} ms {nc:6d}x {label}" for ct, nc, label in rows[:n]]
