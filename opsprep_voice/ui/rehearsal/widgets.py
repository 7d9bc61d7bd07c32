"""Small widgets of the rehearsal screen: the level meter, the elapsed-time display, the labelled time and
microphone bars, and the follow-up question banner."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from opsprep_voice.ui.review.style import ReviewColours

FLOOR_DB = -60.0

# Shared by every highlight of state; chosen to read on both light and dark palettes.
OK_COLOR = QColor("#2e9d5b")
FOLLOW_UP_COLOR = QColor("#3b78c4")  # the follow-up's accent, as "after follow-up" in the review
WARN_COLOR = QColor("#d68a00")
OVER_COLOR = QColor("#d64545")


def format_clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class LevelMeter(QWidget):
    """A horizontal input level bar (dBFS, -60..0) with a peak-hold tick. ``set_level`` is cheap."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = FLOOR_DB
        self._peak = FLOOR_DB
        self.setMinimumHeight(16)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Microphone level")

    def sizeHint(self) -> QSize:
        return QSize(240, 18)

    @property
    def level_db(self) -> float:
        return self._db

    def set_level(self, db: float) -> None:
        db = max(FLOOR_DB, min(0.0, db))
        self._db = db
        self._peak = max(db, self._peak - 1.5)  # slow decay of the peak tick
        self.setAccessibleDescription(f"{db:.0f} dB")
        self.update()

    def reset(self) -> None:
        self._db = self._peak = FLOOR_DB
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        pal = self.palette()
        painter.setPen(pal.color(QPalette.ColorRole.Mid))
        painter.setBrush(pal.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(rect, 3, 3)
        frac = (self._db - FLOOR_DB) / -FLOOR_DB
        color = OK_COLOR if self._db < -9 else WARN_COLOR if self._db < -2 else OVER_COLOR
        fill = QRectF(rect.left() + 1, rect.top() + 1, (rect.width() - 2) * frac, rect.height() - 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(fill, 2, 2)
        peak_x = rect.left() + (rect.width() - 2) * (self._peak - FLOOR_DB) / -FLOOR_DB
        painter.setPen(pal.color(QPalette.ColorRole.Text))
        painter.drawLine(int(peak_x), int(rect.top() + 2), int(peak_x), int(rect.bottom() - 2))


class ElapsedClock(QLabel):
    """The large elapsed timer measured against the question's target length.

    States: ``normal`` before 85 % of the target, ``near`` up to the target, ``over`` past it; the
    colour and the text ("+0:12 over") change so the state is visible without reading numbers.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("0:00", parent)
        font = QFont(self.font())
        font.setPointSizeF(max(28.0, font.pointSizeF() * 3.2))
        font.setBold(True)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.setFont(font)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAccessibleName("Elapsed time")
        self.target_s = 90
        self.state = "normal"

    def set_target(self, seconds: int) -> None:
        self.target_s = max(1, seconds)

    def set_elapsed(self, seconds: float) -> None:
        if seconds >= self.target_s:
            state = "over"
            text = f"{format_clock(seconds)}  (+{format_clock(seconds - self.target_s)} over)"
        elif seconds >= 0.85 * self.target_s:
            state = "near"
            text = f"{format_clock(seconds)} / {format_clock(self.target_s)}"
        else:
            state = "normal"
            text = f"{format_clock(seconds)} / {format_clock(self.target_s)}"
        self.setText(text)
        if state != self.state:
            self.state = state
            color = {"near": WARN_COLOR, "over": OVER_COLOR}.get(state)
            self.setStyleSheet(f"color: {color.name()};" if color else "")
        self.setAccessibleDescription(f"{text}, {state}")


class AnswerMeters(QWidget):
    """The time bar (elapsed against the answer's target) above the microphone level bar, each with a short
    label and a tooltip: two bare bars left a new user guessing what they measure.

    ``set_target(seconds)`` (the bar is full at the target), ``set_elapsed(seconds)``, ``set_level(db)``,
    ``reset()``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.time_bar = QProgressBar(self)
        self.time_bar.setTextVisible(False)
        self.time_bar.setMaximumHeight(8)
        self.time_bar.setAccessibleName("Time against the target length")
        self.level = LevelMeter(self)
        self.time_label = QLabel("Time", self)
        self.level_label = QLabel("Mic level", self)
        self.level_tip = "Microphone level: it moves as you speak. Green is good; amber or red is too loud."
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        rows = ((self.time_label, self.time_bar), (self.level_label, self.level))
        for row, (label, bar) in enumerate(rows):
            label.setBuddy(bar)  # names the bar for assistive tools as well as on screen
            grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(bar, row, 1, Qt.AlignmentFlag.AlignVCenter)
        grid.setColumnStretch(1, 1)
        for widget in (self.level_label, self.level):
            widget.setToolTip(self.level_tip)
        self.set_target(90)

    def set_target(self, seconds: float) -> None:
        seconds = max(1, int(seconds))
        self.time_bar.setRange(0, seconds * 10)
        tip = f"Time spoken, against this answer's target of {format_clock(seconds)} (full at the target)"
        for widget in (self.time_label, self.time_bar):
            widget.setToolTip(tip)

    def set_elapsed(self, seconds: float) -> None:
        self.time_bar.setValue(min(self.time_bar.maximum(), int(seconds * 10)))

    def set_level(self, db: float) -> None:
        self.level.set_level(db)

    def reset(self) -> None:
        self.time_bar.setValue(0)
        self.level.reset()


class FollowUpBanner(QFrame):
    """The interviewer's follow-up question, shown large under the main question while it is answered.

    It is always on screen during the follow-up, so a probe that cannot be spoken is still asked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Follow-up question")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            f"FollowUpBanner {{ border: 2px solid {FOLLOW_UP_COLOR.name()}; border-radius: 6px; }}"
        )
        self.label = QLabel("↪ Follow-up", self)
        self.label.setAccessibleName("Follow-up label")
        font = QFont(self.label.font())
        font.setBold(True)
        self.label.setFont(font)
        self._colour_label()
        self.prompt = QLabel("", self)
        self.prompt.setAccessibleName("Follow-up")
        self.prompt.setWordWrap(True)
        self.prompt.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        prompt_font = QFont(self.prompt.font())
        prompt_font.setPointSizeF(prompt_font.pointSizeF() * 1.45)
        prompt_font.setBold(True)
        self.prompt.setFont(prompt_font)
        self.note = QLabel("", self)
        self.note.setAccessibleName("About the follow-up")
        self.note.setWordWrap(True)
        box = QVBoxLayout(self)
        box.setContentsMargins(12, 8, 12, 10)
        box.setSpacing(4)
        box.addWidget(self.label)
        box.addWidget(self.prompt)
        box.addWidget(self.note)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._colour_label()

    def _colour_label(self) -> None:
        # The review's accent for follow-ups, in the palette's shade: the fixed border colour is too dark
        # for text on a dark window (3.6:1).
        self.label.setStyleSheet(f"color: {ReviewColours.from_palette(self.palette()).figure.name()};")

    def show_probe(self, prompt: str, number: int, target_s: float, limit_s: float) -> None:
        """Show the question's follow-up ``number`` (1 or 2)."""
        self.label.setText("↪ Follow-up" if number <= 1 else f"↪ Follow-up {number}")
        self.prompt.setText(prompt)
        self.note.setText(
            "The interviewer asks about a point your answer left out. "
            f"Aim for about {format_clock(target_s)}; recording stops at {format_clock(limit_s)}."
        )


class SpeakingIndicator(QWidget):
    """ "Reading the question…" with a busy bar, while the voice reads (synthesis takes a moment before
    any sound, and silence alone looked like nothing was happening)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Reading aloud")
        self.label = QLabel("Reading the question…", self)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)  # busy: no end known
        self.bar.setTextVisible(False)
        self.bar.setFixedSize(90, 10)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 0, 0, 0)
        row.addWidget(self.label)
        row.addWidget(self.bar)
        self.hide()

    def set_follow_up(self, follow_up: bool) -> None:
        self.label.setText("Reading the follow-up…" if follow_up else "Reading the question…")
