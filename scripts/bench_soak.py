"""Soak: many answers through the real app in one process; memory, open files and threads stay flat.

The real app (``build_app``, offscreen) with its controller, recorder, live transcription, scoring, review
and history store answers question after question: each answer is 3 s from a fake 48 kHz microphone
(``tests.support.fake_sounddevice``: a real callback thread, so the recorder, resampler and live-
transcription threads all run), transcribed by the fake transcriber (a fixed ~110-word answer; no Whisper
model, whose own memory is measured by bench_memory.py), scored by the real checklist scorer and saved to a
real SQLite history with its WAV. Questions are not spoken and follow-ups are off. After the 24th question
the summary's "New rehearsal" starts the next rehearsal, so sessions open and close too.

Every ``--every`` answers it samples the process's resident memory (``VmRSS``), open file descriptors
(``/proc/self/fd``) and OS threads (``Threads`` in ``/proc/self/status``). The baseline is the first sample
after one full pass over the bank (every question's phrases compiled, every screen built once). Bound: the
last sample's RSS within ``--bound`` (default 10 %) of the baseline, descriptors and threads at most 2 above
it. Linux only (``/proc``).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/bench_soak.py                 # 300 answers
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/bench_soak.py --answers 600 --every 50

Last line: ``rss_growth_pct=<last vs baseline> fds=<baseline>-><last> threads=<baseline>-><last> ok=<0|1>``;
the exit status is 1 when a bound is broken.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a plain script: the checkout's opsprep_voice and tests.support
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from opsprep_voice.core.bank import load_bank  # noqa: E402
from opsprep_voice.core.paths import AppPaths  # noqa: E402
from opsprep_voice.core.session import Phase  # noqa: E402
from opsprep_voice.ui.application import AppContext, build_app  # noqa: E402
from tests.support.app_fakes import FakeTranscriber, factory_for  # noqa: E402
from tests.support.fake_sounddevice import FakeSoundDevice  # noqa: E402

RATE = 48_000
BLOCK = 2_400  # 50 ms, as PortAudio hands the app blocks
ANSWER_S = 3.0


@dataclass(frozen=True)
class Sample:
    answers: int
    rss_mib: float
    fds: int
    threads: int
    seconds: float


def _status_field(name: str) -> str:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    raise KeyError(name)


def sample(answers: int, started: float) -> Sample:
    rss_kib = int(_status_field("VmRSS").split()[0])
    return Sample(
        answers=answers,
        rss_mib=rss_kib / 1024,
        fds=len(os.listdir("/proc/self/fd")),
        threads=int(_status_field("Threads")),
        seconds=time.perf_counter() - started,
    )


class Soak:
    """Drives the app from a 10 ms timer: start, record, stop, wait for the filled review, next question."""

    def __init__(
        self, app: QApplication, ctx: AppContext, sd: FakeSoundDevice, total: int, every: int
    ) -> None:
        self.app, self.ctx, self.sd = app, ctx, sd
        self.total, self.every = total, every
        self.blocks = -(-int(RATE * ANSWER_S) // BLOCK)
        self.answers = 0
        self.samples: list[Sample] = []
        self.answer_seconds: list[float] = []
        self.started = time.perf_counter()
        self._answer_started = 0.0
        self._counted = False
        self.stored = 0
        self.timer = QTimer()
        self.timer.timeout.connect(self.step)

    def step(self) -> None:
        ctx, window = self.ctx, self.ctx.window
        if not ctx.warmed_up:
            return
        if window.summary_screen.isVisible():
            window.summary_screen.again_button.click()  # -> the start screen
            return
        if window.start_screen.isVisible():
            window.start_screen.start_button.click()
            return
        session = ctx.controller.session
        if session is None:
            return
        screen = window.rehearsal_screen
        recording = ctx.recorder.session
        if session.phase is Phase.READY:
            self._answer_started = time.perf_counter()
            self._counted = False
            screen.shortcuts["Space"].activated.emit()
        elif (
            session.phase is Phase.RECORDING
            and recording is not None
            and recording.blocks_written >= self.blocks
        ):
            screen.shortcuts["Space"].activated.emit()
        elif session.phase is Phase.REVIEW and screen.review.is_filled() and not self._counted:
            self._counted = True
            self.answers += 1
            self.answer_seconds.append(time.perf_counter() - self._answer_started)
            if self.answers % self.every == 0 or self.answers == 1:
                self.samples.append(sample(self.answers, self.started))
                s = self.samples[-1]
                print(
                    f"  {s.answers:4d} answers  RSS {s.rss_mib:7.1f} MiB  fds {s.fds:3d}  "
                    f"threads {s.threads:3d}  ({s.seconds:6.1f} s)",
                    flush=True,
                )
            if self.answers >= self.total:
                assert ctx.history is not None  # the app closes it when it quits: count first
                self.stored = len(ctx.history.list_attempts(with_json=False))
                self.timer.stop()
                self.app.quit()
                return
            screen.shortcuts["N"].activated.emit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=300)
    parser.add_argument("--every", type=int, default=25, help="sample every N answers")
    parser.add_argument("--bound", type=float, default=0.10, help="allowed RSS growth over the baseline")
    parser.add_argument("--json", type=Path, default=None, help="also write the samples here")
    args = parser.parse_args()
    bank = load_bank()
    if args.every < len(bank) + 1:
        parser.error(f"--every must be at least {len(bank) + 1}: the baseline is taken after a full pass")

    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="opsprep-soak-") as tmp:
        home = Path(tmp)
        paths = AppPaths(data=home / "data", cache=home / "cache", config=home / "config")
        settings = {"speak_questions": False, "live_transcription": True, "follow_ups": "off"}
        (paths.config_dir() / "settings.json").write_text(json.dumps(settings))
        seconds = np.arange(int(RATE * ANSWER_S)) / RATE
        tone = (np.sin(2 * np.pi * 220 * seconds) * 8000).astype(np.int16)
        sd = FakeSoundDevice(tone, RATE, blocksize=BLOCK)
        script = bank.find("3").example_answer
        ctx = build_app(
            paths=paths, sd=sd, synthesizer=None, transcriber_factory=factory_for(FakeTranscriber(script))
        )
        ctx.window.resize(1280, 800)
        ctx.window.show()
        print(f"Soak: {args.answers} answers of {ANSWER_S:.0f} s, sampled every {args.every}", flush=True)
        soak = Soak(app, ctx, sd, args.answers, args.every)
        soak.timer.start(10)
        app.exec()
        stored = soak.stored
        db_mib = (paths.data / "history.sqlite3").stat().st_size / 2**20
        ctx.shutdown()

    samples = soak.samples
    base = next(s for s in samples if s.answers >= len(bank) + 1)
    last = samples[-1]
    peak = max(samples, key=lambda s: s.rss_mib)
    growth = (last.rss_mib - base.rss_mib) / base.rss_mib
    ok = growth <= args.bound and last.fds <= base.fds + 2 and last.threads <= base.threads + 2
    per_answer = soak.answer_seconds
    print()
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"answers stored: {stored} (history {db_mib:.1f} MiB), wall {last.seconds:.0f} s")
    print(
        "answer cycle (Space, 3 s of audio, Space, filled review): "
        f"median {statistics.median(per_answer):.2f} s, worst {max(per_answer):.2f} s"
    )
    print(f"{'':10}{'RSS MiB':>9}{'fds':>6}{'threads':>9}")
    for label, s in (("first", samples[0]), ("baseline", base), ("max", peak), ("last", last)):
        print(f"{label:10}{s.rss_mib:9.1f}{s.fds:6d}{s.threads:9d}   (after {s.answers} answers)")
    print(f"max fds {max(s.fds for s in samples)}, max threads {max(s.threads for s in samples)}")
    if args.json is not None:
        args.json.write_text(json.dumps([s.__dict__ for s in samples], indent=1))
    print(
        f"rss_growth_pct={growth * 100:.1f} fds={base.fds}->{last.fds} "
        f"threads={base.threads}->{last.threads} ok={int(ok)}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
