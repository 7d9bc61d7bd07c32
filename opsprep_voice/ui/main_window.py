"""The main window: start, rehearsal, summary, history and plan screens in one stack, a toolbar to move
between them, and a status bar that always says whether the microphone and the model are ready."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QStackedWidget, QToolBar, QWidget

from opsprep_voice.ui.rehearsal.rehearsal_screen import RehearsalScreen
from opsprep_voice.ui.rehearsal.start_screen import StartScreen
from opsprep_voice.ui.rehearsal.summary_screen import SummaryScreen

if TYPE_CHECKING:  # built on first use by the factory; importing it (QtCharts, export, compare) costs ~0.1 s
    from opsprep_voice.ui.history.history_screen import HistoryScreen
    from opsprep_voice.ui.plan.plan_screen import PlanScreen

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    settingsRequested = Signal()
    closing = Signal()
    historyScreenBuilt = Signal(object)  # the HistoryScreen, once, when first shown
    planScreenBuilt = Signal(object)  # the PlanScreen, once, when first shown

    def __init__(
        self,
        start: StartScreen,
        rehearsal: RehearsalScreen,
        summary: SummaryScreen,
        history_factory: Callable[[], HistoryScreen] | None,
        *,
        is_busy: Callable[[], bool] = lambda: False,
        plan_factory: Callable[[], PlanScreen] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("OpsPrep Voice")
        self.setAccessibleName("OpsPrep Voice")
        self.start_screen = start
        self.rehearsal_screen = rehearsal
        self.summary_screen = summary
        # Built on first use: a long history should not slow the start-up.
        self.history_screen: HistoryScreen | None = None
        self._history_factory = history_factory
        self.plan_screen: PlanScreen | None = None  # built on first use too: it reads all of History
        self._plan_factory = plan_factory
        self.stack = QStackedWidget()
        for w in (start, rehearsal, summary):
            self.stack.addWidget(w)
        self.setCentralWidget(self.stack)
        self.rehearsing = False
        self._is_busy = is_busy  # True while an answer is being recorded or transcribed

        toolbar = QToolBar("Navigation")
        toolbar.setObjectName("navigation")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(toolbar)
        self.rehearse_action = QAction("Rehearse", self)
        self.rehearse_action.setShortcut(QKeySequence("Ctrl+1"))
        self.history_action = QAction("History", self)
        self.history_action.setShortcut(QKeySequence("Ctrl+2"))
        self.history_action.setEnabled(history_factory is not None)
        self.plan_action = QAction("Plan", self)
        self.plan_action.setShortcut(QKeySequence("Ctrl+3"))
        self.plan_action.setEnabled(plan_factory is not None)
        self.settings_action = QAction("Settings…", self)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.addAction(quit_action)
        for a, tip in (
            (self.rehearse_action, "Rehearse (Ctrl+1)"),
            (self.history_action, "History (Ctrl+2)"),
            (self.plan_action, "Practice plan: what to rehearse today and why (Ctrl+3)"),
            (self.settings_action, "Settings (Ctrl+,)"),
        ):
            a.setToolTip(tip)
            toolbar.addAction(a)
        self.rehearse_action.triggered.connect(self.show_rehearse)
        self.history_action.triggered.connect(self.show_history)
        self.plan_action.triggered.connect(self.show_plan)
        self.settings_action.triggered.connect(self.settingsRequested)

        self.notice = QLabel("")
        self.notice.setAccessibleName("Notices")
        self.notice.setWordWrap(False)
        self.notice.setContentsMargins(8, 0, 0, 0)  # not flush with the window's edge
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(lambda: self.notice.setText(""))
        self.model_label = QLabel("")
        self.model_label.setAccessibleName("Speech recognition status")
        self.mic_label = QLabel("")
        self.mic_label.setAccessibleName("Microphone status")
        self.statusBar().addWidget(self.notice, 1)
        self.statusBar().addPermanentWidget(self.model_label)
        self.statusBar().addPermanentWidget(self.mic_label)

    def show_rehearse(self) -> None:
        self.stack.setCurrentWidget(self.rehearsal_screen if self.rehearsing else self.start_screen)

    def show_start(self) -> None:
        self.rehearsing = False
        self.stack.setCurrentWidget(self.start_screen)

    def show_rehearsal(self) -> None:
        self.rehearsing = True
        self.stack.setCurrentWidget(self.rehearsal_screen)
        self.rehearsal_screen.setFocus()

    def show_summary(self) -> None:
        self.rehearsing = False
        self.stack.setCurrentWidget(self.summary_screen)

    def show_history(self) -> None:
        if self.history_screen is None:
            if self._history_factory is None:
                return
            self.history_screen = self._history_factory()
            self.stack.addWidget(self.history_screen)
            self.historyScreenBuilt.emit(self.history_screen)
        else:
            self.history_screen.refresh()
        self.stack.setCurrentWidget(self.history_screen)
        self.history_screen.focus_list()

    def show_plan(self) -> None:
        if self.plan_screen is None:
            if self._plan_factory is None:
                return
            self.plan_screen = self._plan_factory()
            self.stack.addWidget(self.plan_screen)
            self.planScreenBuilt.emit(self.plan_screen)
        else:
            self.plan_screen.refresh()
        self.stack.setCurrentWidget(self.plan_screen)

    def notify(self, text: str, timeout_ms: int = 15_000) -> None:
        """A one-line notice in the status bar (startup problems, background results)."""
        self.notice.setText(text)
        self.notice.setToolTip(text)
        self._notice_timer.start(timeout_ms)

    def set_model_status(self, state: str, message: str) -> None:
        mark = {"ready": "✔", "loading": "…", "failed": "⚠"}.get(state, "•")
        self.model_label.setText(f"{mark} {message}")
        self.model_label.setToolTip(message)

    def set_mic_status(self, ok: bool, message: str) -> None:
        self.mic_label.setText(("✔ " if ok else "⚠ ") + message)
        self.mic_label.setToolTip(message)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._is_busy():
            answer = QMessageBox.question(
                self,
                "Quit while answering?",
                "An answer is being recorded or transcribed. Quit anyway? The audio recorded so far is kept "
                "in History and can be transcribed later.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.closing.emit()
        event.accept()
