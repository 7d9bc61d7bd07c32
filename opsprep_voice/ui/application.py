"""The one place that builds the app: paths, settings, question bank, history store, speaker,
recorder and transcription service are created here and passed in; widgets construct none of them.

:func:`build_app` takes optional replacements (a fake ``sounddevice`` module, a synthesizer, a
transcriber factory) so tests and benchmarks run the real app with controlled audio.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from opsprep_voice.core.bank import BankError, Question, QuestionBank, load_bank
from opsprep_voice.core.paths import AppPaths
from opsprep_voice.core.session import RehearsalSession, Selection, plan_questions
from opsprep_voice.core.settings import SettingsStore
from opsprep_voice.core.titles import session_title
from opsprep_voice.practice.attempts import APP_CLOSED, Attempts
from opsprep_voice.storage.repository import HistoryRepository
from opsprep_voice.ui.app_identity import app_icon, apply_identity
from opsprep_voice.ui.desktop_offer import offer_if_wanted
from opsprep_voice.ui.history_store import open_history, transcribe_attempt
from opsprep_voice.ui.main_window import MainWindow
from opsprep_voice.ui.plan.plan_service import PlanService
from opsprep_voice.ui.qt_logging import quiet_multimedia_logs
from opsprep_voice.ui.rehearsal.controller import RehearsalController
from opsprep_voice.ui.rehearsal.rehearsal_screen import RehearsalScreen
from opsprep_voice.ui.rehearsal.start_screen import StartScreen
from opsprep_voice.ui.rehearsal.summary_screen import SummaryScreen
from opsprep_voice.ui.services.recording import AnswerRecorder
from opsprep_voice.ui.services.speaker import QuestionSpeaker, Synthesizer
from opsprep_voice.ui.services.transcription import Factory, TranscriptionService
from opsprep_voice.ui.startup_order import (
    after_first_paint,
    mic_status,
    parse_ahead,
    show_mic_status,
    start_after_first_paint,
)
from opsprep_voice.ui.workers import TaskRunner

if TYPE_CHECKING:
    from opsprep_voice.ui.history.history_screen import HistoryScreen
    from opsprep_voice.ui.plan.plan_screen import PlanScreen

log = logging.getLogger(__name__)
_UNSET: Any = object()


@dataclass
class AppContext:
    """Everything :func:`build_app` made, for the entry point, tests and benchmarks."""

    window: MainWindow
    controller: RehearsalController
    settings_store: SettingsStore
    bank: QuestionBank
    history: HistoryRepository | None
    attempts: Attempts
    speaker: QuestionSpeaker
    recorder: AnswerRecorder
    transcription: TranscriptionService
    runner: TaskRunner
    paths: AppPaths
    problems: list[str] = field(default_factory=list)
    sd: Any = None
    #: True once the start-up work after the first model load is done (see :func:`_warm_up`).
    warmed_up: bool = False
    #: Earlier attempts being transcribed now ("Transcribe now"): a second request waits for the first.
    transcribing: set[int] = field(default_factory=set)

    def shutdown(self) -> None:
        self.speaker.stop()
        self.recorder.stop_now()  # the WAV is finalised and the attempt marked before the store closes
        self.runner.close()
        self.runner.wait(10_000)
        # A clean quit leaves nothing "recorded": the next start would take such a take for a crash.
        self.attempts.end_session(APP_CLOSED)
        self.attempts.remove_temporary()  # without History: "answers will not be kept after you quit"
        if self.history is not None:
            self.history.close()


def _open_bank(path: str | Path | None, problems: list[str]) -> QuestionBank:
    if path:
        try:
            return load_bank(path)
        except BankError as exc:
            problems.append(f"Your question bank could not be used ({exc}); using the bundled questions.")
    return load_bank()


def _make_synthesizer(paths: AppPaths) -> tuple[Synthesizer | None, str | None]:
    try:
        from opsprep_voice.audio.tts import SpeechSynthesizer

        return SpeechSynthesizer(paths.cache_dir("tts")), None
    except Exception as exc:
        return None, f"Questions can't be read aloud: {exc}"


def build_app(
    *,
    paths: AppPaths | None = None,
    sd: Any = None,
    synthesizer: Any = _UNSET,
    transcriber_factory: Factory | None = None,
    questions: str | Path | None = None,
    engine: str | None = None,
    model: str | None = None,
    freeze_gc: bool = False,
    entry_order: bool = False,
) -> AppContext:
    """Build every service and screen and wire them; the model starts loading in the background.

    ``freeze_gc`` (the entry point sets it; tests leave it off, it is process-wide) moves the start-up heap
    to the garbage collector's permanent generation once the first model load is over (see :func:`_warm_up`).
    ``entry_order`` (the entry point sets it) follows :mod:`opsprep_voice.ui.startup_order`: the tokenizer
    is parsed now, the model load and the microphone check start after the window's first paint; without
    it (tests) both start here, so a window that is never shown still gets its model and status.
    """
    paths = paths or AppPaths.default()
    problems: list[str] = []
    store = SettingsStore(paths.config_dir() / "settings.json")
    if store.problem:
        problems.append(store.problem)
    if engine is not None or model is not None:
        store.settings = store.settings.model_copy(
            update={"engine": engine or store.settings.engine, "model": model or store.settings.model}
        )
    settings = store.settings
    if entry_order:
        parse_ahead(settings.engine, settings.model)
    bank = _open_bank(questions or settings.questions_file, problems)
    history = open_history(paths, problems)
    attempts = Attempts(history)
    runner = TaskRunner()

    if synthesizer is _UNSET:
        synth, synth_problem = _make_synthesizer(paths)
    else:
        synth, synth_problem = synthesizer, None if synthesizer is not None else "Speech synthesis is off."
    speaker = QuestionSpeaker(synth, runner, unavailable_reason=synth_problem)
    speaker.configure(settings.tts_voice, settings.tts_rate)
    recorder = AnswerRecorder(sd=sd)
    transcription = (
        TranscriptionService(runner, transcriber_factory)
        if transcriber_factory
        else TranscriptionService(runner)
    )

    plans = PlanService(history, store, runner)
    start = StartScreen(bank, settings.mode, plans=plans)
    start.restore(settings.last_selection, settings.last_question_id, settings.last_category)
    rehearsal = RehearsalScreen()
    summary = SummaryScreen()

    def make_history_screen() -> HistoryScreen:  # wired in _wire (historyScreenBuilt)
        from opsprep_voice.ui.history.history_screen import HistoryScreen

        assert history is not None
        return HistoryScreen(history, bank)

    def make_plan_screen() -> PlanScreen:  # wired in _wire (planScreenBuilt)
        from opsprep_voice.ui.plan.plan_screen import PlanScreen

        return PlanScreen(plans, bank)

    controller = RehearsalController(
        rehearsal,
        speaker=speaker,
        recorder=recorder,
        transcription=transcription,
        attempts=attempts,
        runner=runner,
        settings=settings,
    )
    window = MainWindow(
        start,
        rehearsal,
        summary,
        make_history_screen if history is not None else None,
        is_busy=lambda: controller.busy,
        plan_factory=make_plan_screen,
    )
    window.setWindowIcon(app_icon())
    ctx = AppContext(
        window,
        controller,
        store,
        bank,
        history,
        attempts,
        speaker,
        recorder,
        transcription,
        runner,
        paths,
        problems,
        sd,
    )
    _wire(ctx)
    _warm_up(ctx, freeze_gc=freeze_gc)
    if entry_order:
        start_after_first_paint(window, transcription, runner, ctx.sd, settings.engine, settings.model)
    else:
        show_mic_status(window, *mic_status(ctx.sd))
        transcription.load(settings.engine, settings.model)
    return ctx


def _warm_up(ctx: AppContext, *, freeze_gc: bool) -> None:
    """Once the first model load has ended (ready or failed), while the start screen sits idle, do the
    one-time work that would otherwise stall the GUI at the first rehearsal:

    1. in a background task, score the demo answer and warm up the speech engine. The first score imports
       the scorer and loads its common-word list, and the engine's first call loads its VAD
       (``TranscriptionService.warm_up``): each holds the GIL in long C calls, and in whatever thread they
       run the GUI thread waits for them, so they must not fall on the first question or live chunk;
    2. build that review once in the hidden rehearsal screen, a piece per event-loop turn (the first use of
       the review's widgets, fonts and PySide6's lazily created enum types costs extra);
    3. with ``freeze_gc``, ``gc.freeze()``: everything made so far (PySide6, faster-whisper, tokenizers,
       pydantic, the bank) moves to the permanent generation, so a full collection, which holds the GIL,
       does not walk the start-up heap.

    The figures are in docs/BENCHMARKS.md (GUI responsiveness).
    """
    started = False

    def done() -> None:
        if freeze_gc:
            gc.freeze()
            log.debug("start-up heap frozen: %d objects", gc.get_freeze_count())
        ctx.warmed_up = True

    def warmed(result: tuple[Question | None, dict[str, Any]]) -> None:
        question, report = result
        ctx.window.rehearsal_screen.prewarm(question, report, done)

    def on_state(state: str, _message: str) -> None:
        nonlocal started
        if started or state not in ("ready", "failed"):
            return
        started = True
        bank, transcription = ctx.bank, ctx.transcription

        def work(_progress: Any, cancel: threading.Event) -> tuple[Question | None, dict[str, Any]]:
            review = _demo_review(bank)
            transcription.warm_up(cancel)
            return review

        ctx.runner.start(work, "warm up").then(warmed, lambda _message: done(), done)

    ctx.transcription.stateChanged.connect(on_state)


def _demo_review(bank: QuestionBank) -> tuple[Question | None, dict[str, Any]]:
    """A scored review to warm up with: the demo answer, or an empty answer to a custom bank's question."""
    from opsprep_voice.ui.review.demo import demo_attempt

    try:
        return demo_attempt(bank)
    except KeyError:
        from opsprep_voice.core.scoring import score_answer
        from opsprep_voice.core.transcript import Transcript

        question = next(iter(bank), None)
        if question is None:
            return None, {}
        return question, dict(score_answer(question, Transcript.from_text("")).to_dict())


def _wire(ctx: AppContext) -> None:
    w, c = ctx.window, ctx.controller
    ctx.transcription.stateChanged.connect(w.set_model_status)
    ctx.transcription.stateChanged.connect(
        lambda state, msg: w.start_screen.model_status.set_state(
            {"ready": "ok", "loading": "busy"}.get(state, "problem"), msg
        )
    )
    if ctx.speaker.available:
        w.start_screen.voice_status.set_state("ok", "Questions are read aloud; replay any time with P.")
    else:
        w.start_screen.voice_status.set_state("problem", ctx.speaker.unavailable_reason or "")
    if ctx.problems:
        w.notify(" ".join(ctx.problems))

    def start_rehearsal(selection: Selection, mode: str, bank: QuestionBank) -> None:
        questions = plan_questions(bank, selection)
        try:  # offered again at the next start; a settings file that can't be written stops nothing
            ctx.settings_store.update(
                last_selection=selection.kind,
                last_question_id=selection.question_id,
                last_category=selection.category,
            )
        except OSError as exc:
            log.warning("Could not remember the selection in the settings: %s", exc)
        session = RehearsalSession(
            questions,
            mode,  # type: ignore[arg-type]
            follow_up_setting=c.settings.follow_ups,
        )
        w.show_rehearsal()
        c.start(session, title=session_title(questions, mode), bank=str(bank.title))

    def finished(session: RehearsalSession) -> None:
        w.summary_screen.show_session(session)
        w.show_summary()

    def start_plan(question_ids: tuple[str, ...]) -> None:
        if w.rehearsing:  # one rehearsal at a time: back to the one under way
            w.show_rehearsal()
            w.notify("Finish or end the current rehearsal before starting the plan.", 10_000)
            return
        start_rehearsal(Selection("plan", question_ids=question_ids), w.start_screen.mode, ctx.bank)

    w.start_screen.startRequested.connect(start_rehearsal)
    w.start_screen.plan_choice.openPlanRequested.connect(w.show_plan)
    w.planScreenBuilt.connect(lambda screen: screen.rehearseRequested.connect(start_plan))
    c.finished.connect(finished)
    w.summary_screen.newRehearsalRequested.connect(w.show_start)
    w.summary_screen.historyRequested.connect(w.show_history)
    w.settingsRequested.connect(lambda: open_settings(ctx))
    w.closing.connect(ctx.shutdown)
    w.historyScreenBuilt.connect(
        lambda screen: screen.transcribeRequested.connect(
            lambda attempt_id: transcribe_attempt(ctx, attempt_id)
        )
    )
    w.historyScreenBuilt.connect(lambda screen: screen.notice.connect(w.notify))
    c.notice.connect(w.notify)


def open_settings(ctx: AppContext) -> None:
    from opsprep_voice.asr.models import list_models
    from opsprep_voice.asr.registry import list_engines
    from opsprep_voice.audio.devices import list_input_devices
    from opsprep_voice.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(
        ctx.settings_store.settings,
        input_devices=lambda: list_input_devices(ctx.sd),
        voices=ctx.speaker.list_voices,
        engines=list_engines(),
        models=list_models(),
        level_recorder=AnswerRecorder(sd=ctx.sd, parent=ctx.window),
        parent=ctx.window,
    )
    if dialog.exec():
        apply_settings(ctx, dialog.values())


def apply_settings(ctx: AppContext, values: dict[str, Any]) -> None:
    try:
        settings = ctx.settings_store.update(**values)
    except Exception as exc:
        ctx.window.notify(f"Settings not saved: {exc}")
        return
    ctx.controller.settings = settings
    ctx.speaker.configure(settings.tts_voice, settings.tts_rate)
    ctx.transcription.load(settings.engine, settings.model)  # switching engines needs no restart
    mic_ok, mic_msg = mic_status(ctx.sd)
    ctx.window.set_mic_status(mic_ok, mic_msg)


def run(questions: str | None = None, engine: str | None = None, model: str | None = None) -> int:
    started = time.perf_counter()
    quiet_multimedia_logs(debug=logging.getLogger().isEnabledFor(logging.DEBUG))
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_identity(app)
    ctx = build_app(questions=questions, engine=engine, model=model, freeze_gc=True, entry_order=True)
    ctx.window.resize(1280, 800)
    ctx.window.show()
    after_first_paint(ctx.window, lambda: offer_if_wanted(ctx.window, ctx.settings_store, ctx.runner))
    QTimer.singleShot(0, lambda: log.info("Window visible %.2f s after start", time.perf_counter() - started))
    code = app.exec()
    return int(code)
