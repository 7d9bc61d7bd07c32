"""Two paths that run many times a second: the recorder's PortAudio callback and the review's word highlight.

* **callback**: :meth:`opsprep_voice.audio.capture.Recorder._callback` on 20 ms blocks (960 frames at 48 kHz),
  as PortAudio's real-time thread calls it: time per call, median and worst of ``--runs`` runs of 2,000 calls.
  Target: <= 200 us, 1 % of the block's own time (a slower callback loses audio when the machine is busy).
* **highlight**: :meth:`opsprep_voice.ui.review.transcript_view.TranscriptView.set_current_time` on the
  review's demo answer, 300 calls spread over the answer (ten seconds of playback ticks at 30 Hz): the
  total, median and worst of ``--runs`` runs. Target: <= 0.5 s for the 300, a twentieth of the ten seconds
  they stand for.

The unit tests check what these paths do (no I/O in the callback, one redraw per word); the time is measured
here, where a busy machine shows up as a spread instead of a failed test.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/bench_hot_paths.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CALLBACK_TARGET_S = 200e-6
HIGHLIGHT_TARGET_S = 0.5


def callback_runs(runs: int, calls: int = 2000) -> list[float]:
    from opsprep_voice.audio.capture import Recorder
    from tests.support.fake_sounddevice import FakeSoundDevice

    rate = 48_000
    recorder = Recorder(sd=FakeSoundDevice(np.zeros(rate, dtype=np.int16), rate), sample_rate=rate)
    block = np.zeros((960, 1), dtype=np.int16)
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        for i in range(calls):
            block[:, 0] = i
            recorder._callback(block, 960, None, None)
        out.append((time.perf_counter() - started) / calls)
        while recorder.get(timeout=0) is not None:  # drained, as the app's pump does
            pass
    return out


def highlight_runs(runs: int, ticks: int = 300) -> list[float]:
    from PySide6.QtWidgets import QApplication

    from opsprep_voice.ui.review.demo import demo_attempt
    from opsprep_voice.ui.review.transcript_view import TranscriptView

    app = QApplication.instance() or QApplication([])
    _question, report = demo_attempt()
    view = TranscriptView()
    view.resize(700, 420)
    view.set_report(report)
    view.show()
    app.processEvents()
    duration = float(report["duration_s"])
    out = []
    for _ in range(runs):
        view.set_current_time(-1.0)  # no word: each run starts from the top
        started = time.perf_counter()
        for i in range(ticks):
            view.set_current_time(duration * i / ticks)
        out.append(time.perf_counter() - started)
    view.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    cb = callback_runs(args.runs)
    hl = highlight_runs(args.runs)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs, {args.runs} runs each")
    print(
        f"callback per 20 ms block: median {statistics.median(cb) * 1e6:.1f} us, "
        f"worst {max(cb) * 1e6:.1f} us "
        f"(target <= {CALLBACK_TARGET_S * 1e6:.0f} us: {max(cb) / CALLBACK_TARGET_S:.2f}x at worst)"
    )
    print(
        f"highlight, 300 playback ticks: median {statistics.median(hl) * 1000:.1f} ms, "
        f"worst {max(hl) * 1000:.1f} ms "
        f"(target <= {HIGHLIGHT_TARGET_S * 1000:.0f} ms: {max(hl) / HIGHLIGHT_TARGET_S:.2f}x at worst)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
