"""A calendar of rehearsal days, GitHub style: one square per day for the last :data:`WEEKS` weeks (a column
per week, Monday on top), shaded by how many answers were scored that day, with month and weekday labels,
a Less/More legend, and a tooltip per day.

It paints fixed-size squares, so its size does not depend on the data: ten thousand answers shade the same
182 squares as ten. Shades are relative to the busiest day shown, so a light and a heavy user both see their
pattern.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QHelpEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

WEEKS = 26
LEVELS = 5
CELL = 13
GAP = 3
STEP = CELL + GAP
LIGHT = ("#ebedf0", "#9be9a8", "#40c463", "#30a14e", "#216e39")
DARK = ("#2d333b", "#0e4429", "#006d32", "#26a641", "#39d353")
WEEKDAYS = {0: "Mon", 2: "Wed", 4: "Fri"}


def level(count: int, busiest: int) -> int:
    """0 for no answers, else 1..4 by the share of the busiest day (any answer at all shows)."""
    if count <= 0 or busiest <= 0:
        return 0
    return max(1, min(LEVELS - 1, math.ceil((LEVELS - 1) * count / busiest)))


def describe_day(day: date, count: int) -> str:
    when = f"{day:%a} {day.day} {day:%b %Y}"
    if count == 0:
        return f"No answers on {when}"
    return f"{count} answer{'s' if count != 1 else ''} on {when}"


def month_labels(first_day: date) -> list[tuple[int, date]]:
    """(column, month) for each month whose 1st falls in a column, and the first column's month when the
    next label is far enough away not to collide with it."""
    labels = []
    for week in range(WEEKS):
        sunday = first_day + timedelta(weeks=week, days=6)
        if sunday.day <= 7:  # the week holds the 1st
            labels.append((week, sunday.replace(day=1)))
    if not labels or labels[0][0] >= 3:
        labels.insert(0, (0, first_day.replace(day=1)))
    return labels


class CalendarHeatmap(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Rehearsal calendar")
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._activity: dict[date, int] = {}
        self._today = date.today()
        self._busiest = 0

    # -- data ----------------------------------------------------------------------------------
    def set_activity(self, activity: Mapping[date, int], today: date) -> None:
        self._today = today
        first = self.first_day
        self._activity = {d: n for d, n in activity.items() if first <= d <= today and n > 0}
        self._busiest = max(self._activity.values(), default=0)
        shown = sum(self._activity.values())
        self.setAccessibleDescription(
            f"{shown} answers on {len(self._activity)} days in the last {WEEKS} weeks"
        )
        self.update()

    @property
    def first_day(self) -> date:
        """The Monday that starts the first column."""
        this_monday = self._today - timedelta(days=self._today.weekday())
        return this_monday - timedelta(weeks=WEEKS - 1)

    def count(self, day: date) -> int:
        return self._activity.get(day, 0)

    def level_of(self, day: date) -> int:
        return level(self.count(day), self._busiest)

    # -- geometry ------------------------------------------------------------------------------
    def _left(self) -> int:
        return self.fontMetrics().horizontalAdvance("Wed") + 6

    def _top(self) -> int:
        return self.fontMetrics().height() + 4

    def _legend_top(self) -> int:
        return self._top() + 7 * STEP + 6

    def sizeHint(self) -> QSize:
        # Room on the right for this month's name, which starts above the last columns.
        width = self._left() + WEEKS * STEP + self.fontMetrics().horizontalAdvance("Mmm") - CELL
        return QSize(width, self._legend_top() + max(CELL, self.fontMetrics().height()) + 2)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def cell_rect(self, day: date) -> QRect | None:
        """Where ``day`` is drawn, or None outside the calendar (before it, or after today)."""
        offset = (day - self.first_day).days
        if offset < 0 or day > self._today:
            return None
        week, weekday = divmod(offset, 7)
        return QRect(self._left() + week * STEP, self._top() + weekday * STEP, CELL, CELL)

    def day_at(self, pos: QPoint) -> date | None:
        x, y = pos.x() - self._left(), pos.y() - self._top()
        if x < 0 or y < 0 or x % STEP >= CELL or y % STEP >= CELL:
            return None
        week, weekday = x // STEP, y // STEP
        if week >= WEEKS or weekday >= 7:
            return None
        day = self.first_day + timedelta(weeks=week, days=weekday)
        return day if day <= self._today else None

    def tooltip_at(self, pos: QPoint) -> str:
        day = self.day_at(pos)
        return "" if day is None else describe_day(day, self.count(day))

    # -- painting ------------------------------------------------------------------------------
    def _colors(self) -> tuple[QColor, ...]:
        window = self.palette().color(QPalette.ColorRole.Window)
        dark = window.lightness() < 128
        shades = [QColor(c) for c in (DARK if dark else LIGHT)]
        # An empty day must stand out from the window's own grey (GitHub's assumes white), or the
        # calendar's shape disappears in a quiet month.
        shades[0] = window.lighter(140) if dark else window.darker(112)
        return tuple(shades)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colors = self._colors()
        text = self.palette().color(QPalette.ColorRole.WindowText)
        painter.setPen(text)
        metrics = self.fontMetrics()
        for weekday, name in WEEKDAYS.items():
            y = self._top() + weekday * STEP
            painter.drawText(
                QRect(0, y - 2, self._left() - 6, CELL + 4),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                name,
            )
        for week, month in month_labels(self.first_day):
            painter.drawText(QPoint(self._left() + week * STEP, metrics.ascent()), f"{month:%b}")
        painter.setPen(Qt.PenStyle.NoPen)
        day = self.first_day
        while day <= self._today:
            rect = self.cell_rect(day)
            assert rect is not None
            painter.setBrush(colors[self.level_of(day)])
            painter.drawRoundedRect(rect, 2, 2)
            day += timedelta(days=1)
        today = self.cell_rect(self._today)
        if today is not None:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(self.palette().color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(today.adjusted(-1, -1, 1, 1), 3, 3)
        self._paint_legend(painter, colors, text)

    def _paint_legend(self, painter: QPainter, colors: tuple[QColor, ...], text: QColor) -> None:
        metrics = self.fontMetrics()
        more = metrics.horizontalAdvance("More")
        x = self._left() + WEEKS * STEP - GAP - more  # flush with the calendar's right edge
        y = self._legend_top()
        baseline = y + (CELL + metrics.ascent() - metrics.descent()) // 2
        painter.setPen(text)
        painter.drawText(QPoint(x, baseline), "More")
        x -= 4 + LEVELS * STEP
        painter.setPen(Qt.PenStyle.NoPen)
        for i, color in enumerate(colors):
            painter.setBrush(color)
            painter.drawRoundedRect(QRect(x + i * STEP, y, CELL, CELL), 2, 2)
        painter.setPen(text)
        painter.drawText(QPoint(x - 4 - metrics.horizontalAdvance("Less"), baseline), "Less")

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            tip = self.tooltip_at(event.pos())
            if tip:
                QToolTip.showText(event.globalPos(), tip, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)
