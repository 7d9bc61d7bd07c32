"""Render every screen of the app to docs/screenshots/ (offscreen, no microphone or model needed).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

The real app is built by ``build_app`` with a replaying fake microphone, a silent fake voice and a
transcriber that returns the demo answer (opsprep_voice/ui/review/demo.py), over a history filled
with scored attempts. Screens: start, study mode, recording with the live checklist, review (light,
dark, 1920x1080), a weaker second take and the summary showing the best of the two, history, compare,
progress, settings; then (over a longer, backdated history)
the practice plan and the start screen's plan choice; then an interview question being read aloud, and an
answer that gets the interviewer's follow-up: the follow-up being recorded and the review with the follow-up.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a plain script: the checkout's opsprep_voice and tests.support

import numpy as np  # noqa: E402
from PySide6.QtGui import QColor, QPalette  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from opsprep_voice.asr.base import TranscribeOptions  # noqa: E402
from opsprep_voice.core.bank import QuestionBank, load_bank  # noqa: E402
from opsprep_voice.core.paths import AppPaths  # noqa: E402
from opsprep_voice.core.scoring import score_answer  # noqa: E402
from opsprep_voice.core.session import Phase  # noqa: E402
from opsprep_voice.core.transcript import Transcript, Word  # noqa: E402
from opsprep_voice.storage.repository import HistoryRepository  # noqa: E402
from opsprep_voice.ui.application import AppContext, build_app  # noqa: E402
from opsprep_voice.ui.review.demo import DEMO_QUESTION_ID, demo_words  # noqa: E402
from opsprep_voice.ui.settings_dialog import SettingsDialog  # noqa: E402
from tests.support import history_ui_data  # noqa: E402
from tests.support.app_fakes import FakeSynthesizer  # noqa: E402
from tests.support.fake_sounddevice import FakeSoundDevice  # noqa: E402

# The follow-up screens: a thin interview answer to the SLI/SLO question that leaves out alerting, and the
# answer to the interviewer's follow-up about it.
FOLLOW_UP_QUESTION = "slis-slos-observability"
THIN_ANSWER = (
    "So I start with the critical user journeys, like checkout and search, and define SLIs for them: "
    "availability, latency at p95 and the error rate. Um, the metrics go into Prometheus and we look at "
    "them on Grafana dashboards."
)
# A second take at the demo question that says much less: the summary keeps the first one as the best.
WEAK_TAKE = (
    "Um, there was an outage at night. I got paged, looked at the dashboards and we rolled back the "
    "release. Then it was fine and we wrote a postmortem."
)
FOLLOW_UP_ANSWER = (
    "We alert on the burn rate of the error budget. If the budget burns fast, say two percent in an hour, "
    "we page the on-call engineer; a slow burn opens a ticket instead. So nobody gets woken up by noisy "
    "symptoms that users never notice."
)


def spoken(text: str) -> tuple[list[Word], float]:
    """Words of ``text`` with plausible timings (the pace of the demo answer), and the duration."""
    words: list[Word] = []
    t = 1.2
    for token in text.split():
        length = 0.11 + 0.052 * len(token.strip(",.;:"))
        words.append(Word(token, round(t, 3), round(t + length, 3), 0.93))
        t += length + (0.32 if token.endswith(".") else 0.07)
    return words, round(t + 1.0, 3)


class DemoTranscriber:
    """Returns the demo answer with its word timings (or :attr:`answer`, when set), whatever audio it is
    given."""

    engine = "faster-whisper"
    model = "base"
    uses_prompt = False
    answer: str | None = None

    def transcribe(self, audio: Any, options: TranscribeOptions | None = None, **_: Any) -> Transcript:
        words, duration = demo_words() if DemoTranscriber.answer is None else spoken(DemoTranscriber.answer)
        return Transcript.from_words(words, duration)


def settle(app: QApplication, rounds: int = 20) -> None:
    for _ in range(rounds):
        app.processEvents()


def wait(app: QApplication, condition: Any, timeout_s: float = 20.0) -> None:
    done = threading.Event()
    deadline = threading.Timer(timeout_s, done.set)
    deadline.start()
    while not condition() and not done.is_set():
        app.processEvents()
        done.wait(0.01)
    deadline.cancel()
    if not condition():
        raise TimeoutError("screen did not reach the expected state")


def shot(app: QApplication, widget: QWidget, path: Path) -> None:
    settle(app)
    widget.grab().save(str(path))
    print(f"wrote {path}")


def dark_palette() -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#1f2125",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#17181b",
        QPalette.ColorRole.AlternateBase: "#24262b",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#2b2d31",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.Highlight: "#3d6fb6",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#2b2d31",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.PlaceholderText: "#8a8d93",
        QPalette.ColorRole.Mid: "#44474d",
        QPalette.ColorRole.Link: "#7fb0ff",
    }
    for role, color in roles.items():
        p.setColor(role, QColor(color))
    return p


def add_practice_months(repo: HistoryRepository, bank: QuestionBank, days: int = 150) -> None:
    """Answers on about half of the last ``days`` days to the first two thirds of the bank, getting better
    with practice, so the plan's calendar and strength table read like months of real use (the last
    third stays new)."""
    rng = random.Random(16)
    history = history_ui_data.History(repo, bank)
    practised = list(bank)[: 2 * len(bank) // 3]
    today = datetime.now(UTC).replace(hour=8, minute=30)
    for back in range(days, 0, -1):
        if rng.random() > 0.45:
            continue
        when = today - timedelta(days=back)
        session = repo.create_session("practice", started_at=when)
        for _ in range(rng.choice((1, 1, 2, 3, 4))):
            question = rng.choice(practised)
            skill = 0.35 + 0.5 * (1 - back / days)  # better with practice
            keep = min(1.0, max(0.15, rng.gauss(skill, 0.2)))
            history_ui_data.add_answer(history, session.id, question, keep, when, filler="")
            when += timedelta(minutes=4)
        repo.end_session(session.id, ended_at=when)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setStyle("Fusion")
    home = Path(tempfile.mkdtemp(prefix="opsprep-shots-"))
    paths = AppPaths(data=home / "data", cache=home / "cache", config=home / "config")
    (paths.config_dir() / "settings.json").write_text(
        json.dumps({"speak_questions": False, "live_transcription": False, "think_time_s": 0})
    )
    bank = load_bank()
    # The sample history spans the two weeks before today, so the charts read like real practice.
    history_ui_data.START = datetime.now(UTC).replace(hour=9, minute=0) - timedelta(days=14)
    with HistoryRepository(paths.data_dir() / "history.sqlite3") as repo:
        history_ui_data.build_history(repo, bank)
    mic = FakeSoundDevice(np.zeros(16000 * 600, np.int16), 16000, blocksize=1600, pace=0.1)
    ctx: AppContext = build_app(
        paths=paths,
        sd=mic,
        synthesizer=FakeSynthesizer(home),
        transcriber_factory=lambda *_a, **_k: DemoTranscriber(),
    )
    w = ctx.window
    w.resize(1280, 800)
    w.show()
    wait(app, lambda: ctx.transcription.ready)
    wait(app, lambda: w.start_screen.plan_choice.plan is not None)  # today's plan is built in the background
    shot(app, w, out / "start.png")

    # Study mode on the demo question, then recording with the live transcript and checklist.
    start = w.start_screen
    start.single.setCurrentIndex(start.single.findData(DEMO_QUESTION_ID))
    start.rb_study.setChecked(True)
    start.start_button.click()
    shot(app, w, out / "study.png")
    screen = w.rehearsal_screen
    screen.shortcuts["Space"].activated.emit()
    wait(app, lambda: ctx.recorder.session is not None and ctx.recorder.session.seconds_recorded > 1.0)
    ctx.recorder._timer.stop()  # freeze the meter and clock at a representative moment
    question = bank.find(DEMO_QUESTION_ID)
    words, _ = demo_words()
    partial = Transcript.from_words(words[:58], words[57].end)
    live = score_answer(question, partial)
    screen.set_study_visible(False)
    screen.set_elapsed(partial.duration_s)
    screen.set_level(-17.0)
    screen.set_live(partial.text, {i.id for i in live.checklist if i.hit}, live.wpm, partial.duration_s)
    shot(app, w, out / "recording.png")
    ctx.recorder._timer.start()

    screen.shortcuts["Space"].activated.emit()
    wait(app, lambda: ctx.controller.session is not None and ctx.controller.session.phase is Phase.REVIEW)
    wait(app, screen.review.is_filled)  # the checklist rows follow the transcript by a few event-loop turns
    shot(app, w, out / "review.png")
    w.resize(1920, 1080)
    screen.review.set_example_visible(True)
    shot(app, w, out / "review-1920.png")
    w.resize(1280, 800)
    screen.review.set_example_visible(False)

    app.setPalette(dark_palette())
    shot(app, w, out / "review-dark.png")
    app.setPalette(app.style().standardPalette())

    # A second, weaker take (R starts it at once): the summary shows the better one, "best of 2 takes".
    DemoTranscriber.answer = WEAK_TAKE
    screen.shortcuts["R"].activated.emit()
    wait(app, lambda: ctx.recorder.session is not None and ctx.recorder.session.seconds_recorded > 1.0)
    screen.shortcuts["Space"].activated.emit()
    wait(app, lambda: ctx.controller.session is not None and ctx.controller.session.phase is Phase.REVIEW)
    wait(app, screen.review.is_filled)
    DemoTranscriber.answer = None
    screen.shortcuts["N"].activated.emit()
    shot(app, w, out / "summary.png")

    w.show_history()
    history = w.history_screen
    assert history is not None
    attempts = ctx.history.list_attempts(question_id=DEMO_QUESTION_ID) if ctx.history else []
    if attempts:  # the better of the two takes just given
        latest = [a for a in attempts if a.session_id == max(b.session_id for b in attempts)]
        history.select_attempt(max(latest, key=lambda a: a.coverage or 0.0).id)
        wait(app, history.attempt_view.is_filled)
    shot(app, w, out / "history.png")
    same = [a for a in (ctx.history.list_attempts() if ctx.history else []) if a.status == "scored"]
    by_question: dict[str, list[Any]] = {}
    for a in same:
        by_question.setdefault(a.question_id, []).append(a)
    pair = next((v for v in by_question.values() if len(v) >= 2), None)
    if pair:
        older, newer = sorted(pair, key=lambda a: a.started_at)[:2]
        history.compare_attempts(older.id, newer.id)
        shot(app, w, out / "compare.png")
    history.tabs.setCurrentWidget(history.progress_charts)
    shot(app, w, out / "progress.png")

    dialog = SettingsDialog(
        ctx.settings_store.settings,
        input_devices=lambda: [],
        voices=lambda: [],
        engines=["faster-whisper", "openai-whisper"],
        models=["tiny.en", "base"],
        parent=w,
    )
    dialog.show()
    shot(app, dialog, out / "settings.png")
    dialog.close()

    # The practice plan reads the whole History: five months of practice make its calendar meaningful.
    if ctx.history is not None:
        add_practice_months(ctx.history, bank)
    ctx.settings_store.update(interview_date=date.today() + timedelta(days=24))
    w.show_plan()
    plan = w.plan_screen
    assert plan is not None
    wait(app, lambda: plan.plan is not None and not plan.feed.loading)
    shot(app, w, out / "plan.png")
    w.show_start()
    start.rb_interview.setChecked(True)
    start.rb_plan.setChecked(True)
    wait(app, lambda: start.plan_choice.plan is not None and start.start_button.isEnabled())
    shot(app, w, out / "start-plan.png")

    follow_up_screens(app, ctx, out)
    ctx.shutdown()
    w.close()
    return 0


def follow_up_screens(app: QApplication, ctx: AppContext, out: Path) -> None:
    """Interview mode: a thin answer gets the interviewer's follow-up; its recording, then the review."""
    w, screen = ctx.window, ctx.window.rehearsal_screen
    w.show_start()
    start = w.start_screen
    start.single.setCurrentIndex(start.single.findData(FOLLOW_UP_QUESTION))
    start.rb_interview.setChecked(True)
    start.start_button.click()
    # The voice reading the question (the screenshots have no audio output, so the state is entered as the
    # speaker enters it: the session speaking, the screen told the voice is busy).
    session = ctx.controller.session
    assert session is not None
    session.begin_speaking()
    screen.set_speaking(True)
    shot(app, w, out / "reading.png")
    screen.set_speaking(False)
    session.speech_failed()  # back to waiting for Space, as when the voice ends without think time
    DemoTranscriber.answer = THIN_ANSWER
    screen.shortcuts["Space"].activated.emit()
    wait(app, lambda: ctx.recorder.session is not None and ctx.recorder.session.seconds_recorded > 1.0)
    screen.shortcuts["Space"].activated.emit()
    wait(app, lambda: session.phase is Phase.FOLLOW_UP_READY)
    DemoTranscriber.answer = FOLLOW_UP_ANSWER
    screen.shortcuts["Space"].activated.emit()
    wait(app, lambda: ctx.recorder.session is not None and ctx.recorder.session.seconds_recorded > 1.0)
    ctx.recorder._timer.stop()  # freeze the meter and clock at a representative moment
    question = ctx.bank.find(FOLLOW_UP_QUESTION)
    words, _ = spoken(FOLLOW_UP_ANSWER)
    partial = Transcript.from_words(words[:24], words[23].end)
    live = score_answer(question, partial)
    screen.set_elapsed(partial.duration_s)
    screen.set_level(-19.0)
    screen.set_live(partial.text, {i.id for i in live.checklist if i.hit}, live.wpm, partial.duration_s)
    shot(app, w, out / "follow-up.png")
    ctx.recorder._timer.start()
    screen.shortcuts["Space"].activated.emit()
    wait(app, lambda: session.phase is Phase.REVIEW)
    wait(app, screen.review.is_filled)
    shot(app, w, out / "review-follow-up.png")
    DemoTranscriber.answer = None


if __name__ == "__main__":
    raise SystemExit(main())
