"""The start screen: choose what to rehearse and how, see what is ready and what is missing."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from opsprep_voice.core.bank import BankError, QuestionBank, load_bank
from opsprep_voice.core.session import Mode, Selection, plan_questions
from opsprep_voice.core.wording import plural
from opsprep_voice.ui.plan.plan_choice import PlanChoice
from opsprep_voice.ui.plan.plan_service import PlanService

log = logging.getLogger(__name__)


class StatusRow(QWidget):
    """One readiness line: an icon-like mark, a title and an explanation (what is missing, how to fix)."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mark = QLabel("…")
        self.mark.setFixedWidth(22)
        self.title = QLabel(f"<b>{title}</b>")
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 2, 0, 2)
        lay.addWidget(self.mark, 0, Qt.AlignmentFlag.AlignTop)
        col = QVBoxLayout()
        col.setSpacing(0)
        col.addWidget(self.title)
        col.addWidget(self.detail)
        lay.addLayout(col, 1)
        self.setAccessibleName(f"{title} status")

    def set_state(self, state: str, detail: str) -> None:
        """``state`` is ok, busy or problem."""
        self.mark.setText({"ok": "✔", "busy": "…", "problem": "⚠"}.get(state, "•"))
        self.detail.setText(detail)
        self.setAccessibleDescription(detail)


class StartScreen(QWidget):
    startRequested = Signal(object, str, object)  # Selection, mode, QuestionBank

    def __init__(
        self,
        bank: QuestionBank,
        mode: Mode = "interview",
        parent: QWidget | None = None,
        *,
        plans: PlanService | None = None,
    ) -> None:
        super().__init__(parent)
        self._bundled = bank
        self._custom: QuestionBank | None = None
        self._kind_chosen = False  # until the candidate picks a kind, a plan with History becomes the default

        heading = QLabel("Rehearse your Senior Operations Engineer interview")
        heading.setObjectName("heading")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        heading.setFont(font)
        intro = QLabel(
            "Each question is read aloud. Answer out loud; your answer is recorded, transcribed on this "
            "computer and compared with what interviewers listen for. Nothing leaves your machine."
        )
        intro.setWordWrap(True)

        # -- what to rehearse ------------------------------------------------------------------
        what = QGroupBox("What to rehearse")
        self.plan_choice = PlanChoice(plans)
        self.rb_plan = self.plan_choice.radio
        what_lay = QVBoxLayout(what)
        what_lay.addWidget(self.plan_choice)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        what_lay.addLayout(grid)
        self.kind_group = QButtonGroup(self)
        self.rb_all = QRadioButton("All questions in order")
        self.rb_random = QRadioButton("Random questions:")
        self.rb_category = QRadioButton("One category:")
        self.rb_single = QRadioButton("One question:")
        self.rb_custom = QRadioButton("A custom question bank:")
        for i, rb in enumerate(
            (self.rb_all, self.rb_random, self.rb_category, self.rb_single, self.rb_custom)
        ):
            self.kind_group.addButton(rb, i)
            rb.setAccessibleName(rb.text().rstrip(":"))
        self.kind_group.addButton(self.rb_plan, 5)
        self.rb_all.setChecked(True)
        self.random_count = QSpinBox()
        self.random_count.setRange(1, 50)
        self.random_count.setValue(5)
        self.random_count.setAccessibleName("Number of random questions")
        self.category = QComboBox()
        self.category.setAccessibleName("Category")
        self.single = QComboBox()
        self.single.setAccessibleName("Question")
        self.single.setMinimumContentsLength(40)
        self.single.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        # The closed box shows the start of a long question; its list shows each one whole.
        self.single.view().setTextElideMode(Qt.TextElideMode.ElideNone)
        self.single.currentIndexChanged.connect(lambda _i: self.single.setToolTip(self.single.currentText()))
        self.custom_path = QLineEdit()
        self.custom_path.setPlaceholderText("questions.json with the same shape as the bundled bank")
        self.custom_path.setAccessibleName("Custom question bank file")
        self.custom_browse = QPushButton("Browse…")
        self.custom_browse.setAccessibleName("Browse for a custom question bank")
        self.custom_status = QLabel("")
        self.custom_status.setWordWrap(True)
        self.custom_status.setAccessibleName("Custom bank status")
        grid.addWidget(self.rb_all, 0, 0, 1, 3)
        grid.addWidget(self.rb_random, 1, 0)
        grid.addWidget(self.random_count, 1, 1)
        grid.addWidget(self.rb_category, 2, 0)
        grid.addWidget(self.category, 2, 1, 1, 2)
        grid.addWidget(self.rb_single, 3, 0)
        grid.addWidget(self.single, 3, 1, 1, 2)
        grid.addWidget(self.rb_custom, 4, 0)
        grid.addWidget(self.custom_path, 4, 1)
        grid.addWidget(self.custom_browse, 4, 2)
        grid.addWidget(self.custom_status, 5, 0, 1, 3)
        grid.setColumnStretch(1, 1)

        # -- mode ------------------------------------------------------------------------------
        mode_box = QGroupBox("Mode")
        mode_lay = QVBoxLayout(mode_box)
        self.rb_study = QRadioButton("Study: guidance and example answer visible before you answer")
        self.rb_interview = QRadioButton(
            "Interview: guidance and example answer hidden until after you answer"
        )
        self.rb_study.setAccessibleName("Study mode")
        self.rb_interview.setAccessibleName("Interview mode")
        (self.rb_study if mode == "study" else self.rb_interview).setChecked(True)
        mode_lay.addWidget(self.rb_study)
        mode_lay.addWidget(self.rb_interview)

        # -- readiness -------------------------------------------------------------------------
        ready = QGroupBox("Ready to rehearse?")
        ready_lay = QVBoxLayout(ready)
        self.mic_status = StatusRow("Microphone")
        self.voice_status = StatusRow("Question voice")
        self.model_status = StatusRow("Speech recognition")
        for row in (self.mic_status, self.voice_status, self.model_status):
            ready_lay.addWidget(row)

        self.summary = QLabel("")
        self.summary.setAccessibleName("Selection summary")
        self.start_button = QPushButton("Start rehearsal")
        self.start_button.setDefault(True)
        self.start_button.setMinimumHeight(44)
        self.start_button.setAccessibleName("Start rehearsal")
        self.start_button.setToolTip("Start with the first selected question (Enter)")

        left = QVBoxLayout()
        left.addWidget(what)
        left.addWidget(mode_box)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(ready)
        right.addStretch(1)
        cols = QHBoxLayout()
        cols.addLayout(left, 3)
        cols.addLayout(right, 2)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.start_button)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)

        root = QVBoxLayout(self)
        root.setContentsMargins(24, 20, 24, 20)
        root.addWidget(heading)
        root.addWidget(intro)
        root.addSpacing(8)
        root.addLayout(cols, 1)
        root.addWidget(line)
        root.addLayout(bottom)

        self._fill_from(bank)
        self.kind_group.idToggled.connect(self._kind_toggled)
        self.plan_choice.planChanged.connect(self._plan_changed)
        self.random_count.valueChanged.connect(lambda *_: self._refresh())
        self.category.currentIndexChanged.connect(lambda *_: self._select(self.rb_category))
        self.single.currentIndexChanged.connect(lambda *_: self._select(self.rb_single))
        self.custom_browse.clicked.connect(self._browse)
        self.custom_path.editingFinished.connect(lambda: self.load_custom(self.custom_path.text()))
        self.start_button.clicked.connect(self._start)
        # A default button only answers Enter inside a dialog: on this screen Enter is a shortcut.
        self.shortcuts: dict[str, QShortcut] = {}
        for key in ("Return", "Enter"):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self._start_from_keyboard)
            self.shortcuts[key] = shortcut
        self._refresh()

    def restore(self, kind: str | None, question_id: str | None, category: str | None) -> None:
        """Choose again what the last rehearsal chose (settings), where the bank still has it."""
        radios = {"all": self.rb_all, "random": self.rb_random, "plan": self.rb_plan}
        if kind == "single" and question_id is not None and self.single.findData(question_id) >= 0:
            self.single.setCurrentIndex(self.single.findData(question_id))  # checks "One question"
        elif kind == "category" and category is not None and self.category.findData(category) >= 0:
            self.category.setCurrentIndex(self.category.findData(category))
            self._select(self.rb_category)
        elif kind in radios:
            radios[kind].setChecked(True)
        else:
            return
        self._kind_chosen = True  # the plan no longer takes over as the default

    def _start_from_keyboard(self) -> None:
        if self.start_button.isEnabled():
            self.start_button.animateClick()

    # -- population ----------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._widen_question_list()

    def _widen_question_list(self) -> None:
        """The drop-down list as wide as its longest question (within the screen), not the box's width."""
        view = self.single.view()
        widest = view.sizeHintForColumn(0) if self.single.count() else 0
        screen = self.screen().availableGeometry().width()
        view.setMinimumWidth(min(widest + 2 * view.frameWidth() + 24, screen - 40))

    def _fill_from(self, bank: QuestionBank) -> None:
        self.category.blockSignals(True)
        self.single.blockSignals(True)
        self.category.clear()
        for cat in bank.categories:
            count = sum(1 for q in bank if q.category == cat)
            self.category.addItem(f"{cat} ({count})", cat)
        self.single.clear()
        for q in bank:
            self.single.addItem(f"{q.number}. {q.text}", q.id)
        self.category.blockSignals(False)
        self.single.blockSignals(False)
        # a custom bank may hold one question: "All 1 questions" reads as a slip
        self.rb_all.setText("The one question" if len(bank) == 1 else f"All {len(bank)} questions in order")
        self._widen_question_list()
        self.plan_choice.set_questions(list(bank))

    def _select(self, rb: QRadioButton) -> None:
        rb.setChecked(True)
        self._refresh()

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a question bank", "", "Question bank (*.json)")
        if path:
            self.custom_path.setText(path)
            self.load_custom(path)

    def load_custom(self, path: str | Path) -> bool:
        """Load a user bank; problems are shown under the field and the bundled bank stays usable."""
        text = str(path).strip()
        if not text:
            return False
        try:
            bank = load_bank(Path(text))
        except BankError as exc:
            self._custom = None
            self.custom_status.setText(f"⚠ This bank can't be used: {exc}")
            self.rb_all.setChecked(True)
            self._fill_from(self._bundled)
            self._refresh()
            return False
        self._custom = bank
        many = "question" if len(bank) == 1 else "questions"
        self.custom_status.setText(f"✔ {len(bank)} {many} loaded from {Path(text).name}")
        self.rb_custom.setChecked(True)
        self._fill_from(bank)
        self._refresh()
        return True

    # -- state ---------------------------------------------------------------------------------
    @property
    def bank(self) -> QuestionBank:
        return self._custom if self._custom is not None else self._bundled

    @property
    def mode(self) -> Mode:
        return "study" if self.rb_study.isChecked() else "interview"

    def selection(self) -> Selection:
        if self.rb_plan.isChecked():
            return Selection("plan", question_ids=self.plan_choice.due_ids())
        if self.rb_random.isChecked():
            return Selection("random", count=self.random_count.value())
        if self.rb_category.isChecked():
            return Selection("category", category=self.category.currentData())
        if self.rb_single.isChecked():
            return Selection("single", question_id=self.single.currentData())
        return Selection("all")

    def _kind_toggled(self, _id: int, checked: bool) -> None:
        if checked:
            self._kind_chosen = True
        self._refresh()

    def _plan_changed(self) -> None:
        if not self._kind_chosen and not self.plan_choice.loading:
            # Chosen for the candidate, who has not chosen yet: the plan once there is History to plan from.
            use_plan = self.plan_choice.has_history and bool(self.plan_choice.due_ids())
            (self.rb_plan if use_plan else self.rb_all).setChecked(True)
            self._kind_chosen = False
        self._refresh()

    def _refresh(self) -> None:
        if self.rb_plan.isChecked() and (self.plan_choice.loading or self.plan_choice.problem):
            self.summary.setText(self.plan_choice.problem or "Working out today's plan…")
            self.start_button.setEnabled(False)
            return
        if self.rb_custom.isChecked() and self._custom is None:
            self.summary.setText("Choose a valid question bank file first.")
            self.start_button.setEnabled(False)
            return
        try:
            planned = plan_questions(self.bank, self.selection())
        except (ValueError, KeyError) as exc:
            self.summary.setText(str(exc))
            self.start_button.setEnabled(False)
            return
        minutes = sum(q.target_seconds for q in planned) / 60
        self.summary.setText(f"{plural(len(planned), 'question')}, about {minutes:.0f} min of speaking.")
        self.start_button.setEnabled(True)

    def _start(self) -> None:
        self.startRequested.emit(self.selection(), self.mode, self.bank)
