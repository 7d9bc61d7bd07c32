"""Render every screen of the app to docs/screenshots/ (offscreen, no microphone or model needed).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]
        [--sizes 1280x800,1920x1080] [--themes light,dark]

The default run renders 1280x800 in the light palette into --out; other sizes and the dark palette go
to sub-folders: 1920/, dark/, dark/1920/.

The real app is built by ``build_app`` with a replaying fake microphone, a silent fake voice and a
transcriber that returns the demo answer (opsprep_voice/ui/review/demo.py), over a history filled
with scored attempts. Screens: start, study mode, recording with the live checklist, review (light,
dark, 1920x1080), a weaker second take and the summary showing the best of the two, history, compare,
progress, settings; then (over a longer, backdated history)
the practice plan and the start screen's plan choice; then an interview question being read aloud, and an
answer that gets the interviewer's follow-up: the follow-up being recorded and the review with the follow-up.

The run has a virtual speaker of its own (a private PulseAudio server, as the tests have; PulseAudio must
be installed), so the screens are what a user with working audio sees.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
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
from PySide6.QtMultimedia import QMediaDevices  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from opsprep_voice.asr.base import TranscribeOptions  # noqa: E402
from opsprep_voice.core.bank import load_bank  # noqa: E402
from opsprep_voice.core.paths import AppPaths  # noqa: E402
from opsprep_voice.core.scoring import score_answer  # noqa: E402
from opsprep_voice.core.session import Phase  # noqa: E402
from opsprep_voice.core.transcript import Transcript, Word  # noqa: E402
from opsprep_voice.storage.repository import HistoryRepository  # noqa: E402
from opsprep_voice.ui.application import AppContext, build_app  # noqa: E402
from opsprep_voice.ui.review.demo import DEMO_QUESTION_ID, demo_words  # noqa: E402
from opsprep_voice.ui.settings_dialog import SettingsDialog  # noqa: E402
from tests.support import history_ui_data, private_audio  # noqa: E402
from tests.support.app_fakes import FakeSynthesizer  # noqa: E402
from tests.support.fake_sounddevice import FakeSoundDevice  # noqa: E402
from tests.support.page_objects import HistoryPage  # noqa: E402
from tests.support.palettes import dark_palette  # noqa: E402

# The follow-up screens: a thin interview answer to the SLI/SLO question that leaves out alerting, and the
# answer to the interviewer's follow-up about it.
FOLLOW_UP_QUESTION = "slis-slos-observability"
THIN_ANSWER = (
    "So I start with the critical user journeys, like checkout and search, and define SLIs for them: "
    "availability, latency at p95 and the error rate. Um, the metrics go into Prometheus and we look at "
    "them on Grafana dashboards."
)
# A second take at the demo question that says much less: the summary keeps the first one as the best.
#: The second take: a bluff that names the tools of incident response without saying how any was used, and
#: puts one point off to next quarter. The second opinion overrules the keywords' credits and says why
#: (``review-bluff.png``); the summary still shows the first take, "best of 2 takes".
WEAK_TAKE = (
    "Yeah, so incidents, honestly they're all about tooling and culture. At my company we've got a really "
    "mature setup: PagerDuty, Statuspage, Datadog, Grafana, Prometheus, Sentry, all of it. Things like "
    "rollbacks, canaries, feature flags, incident commanders, stakeholder updates, root cause analysis, "
    "postmortems, those are all super important, and I'm a big believer in every one of them. Leadership "
    "really cares about reliability, and so do I. The team is great and very experienced, and we move fast "
    "but we also care about quality. I think what matters most is having the right mindset and the right "
    "tools in place, and making sure everyone feels ownership. Blameless post-incident reviews, that's on "
    "the roadmap for next quarter. That's really how I think about incidents in general."
)
DEFAULT_SIZE = (1280, 800)  # the README's screenshots; other sizes and the dark palette go to sub-folders
THEMES = ("light", "dark")
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


_AUDIO_STARTED = False


def audio_output() -> None:
    """Give this run a virtual speaker (stopped at exit). Without an output device the app honestly says
    "No audio output device found" in every review, and the screenshots would show that note instead of
    what a user with working audio sees. Call it before Qt Multimedia is first used: Qt keeps the audio
    server it finds first. Once per run: every size and theme shares it."""
    global _AUDIO_STARTED
    if _AUDIO_STARTED:
        return
    _AUDIO_STARTED = True
    try:
        runtime_dir, _env = private_audio.start()
    except private_audio.PrivateAudioError as exc:
        raise SystemExit(
            f"screenshots.py needs a virtual speaker: {exc}\n"
            "Install PulseAudio (sudo apt install pulseaudio pulseaudio-utils) and run it again."
        ) from exc
    atexit.register(private_audio.stop, runtime_dir)
    if not QMediaDevices.audioOutputs():
        raise SystemExit(f"screenshots.py: Qt sees no audio output on the virtual speaker ({runtime_dir}).")


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


def render(out: Path, size: tuple[int, int] = DEFAULT_SIZE, theme: str = "light") -> None:
    """Every screen at ``size`` in the ``theme`` palette, into ``out``, over a fresh temp home."""
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    audio_output()
    assert isinstance(app, QApplication)
    app.setStyle("Fusion")
    app.setPalette(dark_palette() if theme == "dark" else app.style().standardPalette())
    default = size == DEFAULT_SIZE and theme == "light"  # the README's set, with its two review variants
    home = Path(tempfile.mkdtemp(prefix="opsprep-shots-"))
    paths = AppPaths(data=home / "data", cache=home / "cache", config=home / "config")
    (paths.config_dir() / "settings.json").write_text(
        json.dumps({"speak_questions": False, "live_transcription": False, "think_time_s": 0})
    )
    bank = load_bank()
    # The sample history spans the two weeks before today, so the charts read like real practice.
    history_ui_data.START = datetime.now(UTC).replace(hour=9, minute=0) - timedelta(days=14)
    with HistoryRepository(paths.data_dir() / "history.sqlite3") as repo:
        built = history_ui_data.build_history(repo, bank)  # with an interrupted answer, never transcribed
        when = history_ui_data.START + timedelta(days=7, hours=1)
        history_ui_data.add_cancelled(built, built.sessions[-1], bank.find(5), when)  # R while recording
    mic = FakeSoundDevice(np.zeros(16000 * 600, np.int16), 16000, blocksize=1600, pace=0.1)
    ctx: AppContext = build_app(
        paths=paths,
        sd=mic,
        synthesizer=FakeSynthesizer(home),
        transcriber_factory=lambda *_a, **_k: DemoTranscriber(),
    )
    w = ctx.window
    w.resize(*size)
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
    if default:
        review_variants(app, ctx, out)

    # A second, weaker take (R starts it at once): the summary shows the better one, "best of 2 takes".
    DemoTranscriber.answer = WEAK_TAKE
    screen.shortcuts["R"].activated.emit()
    wait(app, lambda: ctx.recorder.session is not None and ctx.recorder.session.seconds_recorded > 1.0)
    screen.shortcuts["Space"].activated.emit()
    wait(app, lambda: ctx.controller.session is not None and ctx.controller.session.phase is Phase.REVIEW)
    wait(app, screen.review.is_filled)
    shot(app, w, out / "review-bluff.png")
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
        # History's review with a point the candidate marked ("I made this point"), the other screens without.
        view = history.attempt_view
        missed = [row for row in view.checklist.rows() if row.mark_button is not None]
        if missed and missed[0].mark_button is not None:
            missed[0].mark_button.click()
            view.feedback_scroll.ensureWidgetVisible(missed[0])
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
    export_screen(app, ctx, out)

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
        history_ui_data.add_practice_months(ctx.history, bank)
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


def export_screen(app: QApplication, ctx: AppContext, out: Path) -> None:
    """The export dialog for the answer selected in History."""
    history = ctx.window.history_screen
    assert history is not None
    HistoryPage(history).show_answers_tab()
    dialog = history.export_selected()
    if dialog is not None:
        shot(app, dialog, out / "export.png")
        dialog.close()


def review_variants(app: QApplication, ctx: AppContext, out: Path) -> None:
    """The review with the example answer at 1920x1080, and in the dark palette (the README shows both)."""
    w, review = ctx.window, ctx.window.rehearsal_screen.review
    w.resize(1920, 1080)
    review.set_example_visible(True)
    shot(app, w, out / "review-1920.png")
    w.resize(*DEFAULT_SIZE)
    review.set_example_visible(False)
    app.setPalette(dark_palette())
    shot(app, w, out / "review-dark.png")
    app.setPalette(app.style().standardPalette())


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """``1280x800,1920x1080`` -> [(1280, 800), (1920, 1080)]; each width once (it names the folder)."""
    sizes: list[tuple[int, int]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        width, sep, height = part.lower().partition("x")
        if not (sep and width.isdigit() and height.isdigit() and int(width) >= 640 and int(height) >= 480):
            raise argparse.ArgumentTypeError(
                f"{part!r} is not a screen size: write WIDTHxHEIGHT, e.g. 1920x1080"
            )
        if any(w == int(width) for w, _ in sizes):
            raise argparse.ArgumentTypeError(
                f"width {width} is given twice: the folder is named by the width"
            )
        sizes.append((int(width), int(height)))
    if not sizes:
        raise argparse.ArgumentTypeError("no size given: write e.g. 1280x800,1920x1080")
    return sizes


def parse_themes(text: str) -> list[str]:
    themes = [t.strip().lower() for t in text.split(",") if t.strip()]
    unknown = [t for t in themes if t not in THEMES]
    if unknown or not themes:
        raise argparse.ArgumentTypeError(
            f"unknown theme {unknown or text!r}: choose from {', '.join(THEMES)}"
        )
    return themes


def variant_dir(out: Path, size: tuple[int, int], theme: str) -> Path:
    """The default render (1280x800, light) in ``out`` itself, as the README shows it; the others beside it:
    ``out/1920``, ``out/dark``, ``out/dark/1920``."""
    folder = out / theme if theme != "light" else out
    return folder / str(size[0]) if size != DEFAULT_SIZE else folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument(
        "--sizes", type=parse_sizes, default=[DEFAULT_SIZE], help="window sizes, e.g. 1280x800,1920x1080"
    )
    parser.add_argument(
        "--themes", type=parse_themes, default=["light"], help="palettes: light, dark or both"
    )
    args = parser.parse_args()
    for size in args.sizes:
        for theme in args.themes:
            render(variant_dir(args.out, size, theme), size, theme)
    return 0


def follow_up_screens(app: QApplication, ctx: AppContext, out: Path) -> None:
    """Interview mode: a thin answer gets the interviewer's follow-up; its recording, then the review."""
    w, screen = ctx.window, ctx.window.rehearsal_screen
    w.show_start()
    start = w.start_screen
    start.single.setCurrentIndex(start.single.findData(FOLLOW_UP_QUESTION))
    start.rb_interview.setChecked(True)
    start.start_button.click()
    # The voice reading the question (this run does not speak questions: the state is entered as the
    # speaker enters it, the session speaking and the screen told the voice is busy).
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
