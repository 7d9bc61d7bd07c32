"""Progress over time: coverage, pace, fillers per minute and length of scored answers, for one question or
all of them, as four QtCharts line charts fed by ``repository.progress(question_id | None)``.

The coverage chart has a second series, the coverage with interviewer follow-ups
(:attr:`ProgressPoint.coverage_with_follow_ups`), with points only for the answers that had follow-ups, and a
legend telling the two apart; the main answer's coverage stays the line the progress is read from.

"All questions" plots a mean per day (its tooltip says of how many answers), one question a point per
answer; the date axis adapts to the span (:mod:`.progress_data`), and the value labels are never elided.

The charts are filled lazily: :meth:`ProgressCharts.refresh` only marks them stale while the widget is hidden
(a tab not shown), the next show reads the repository, and a series is refilled (one ``replace`` call with all
its points) only when the points differ from those shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from PySide6.QtCharts import QChart, QChartView, QDateTimeAxis, QLineSeries, QValueAxis
from PySide6.QtCore import QDateTime, QEvent, QMargins, QPointF, Qt
from PySide6.QtGui import QBrush, QCursor, QPainter, QPen, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from opsprep_voice.core.bank import QuestionBank
from opsprep_voice.core.wording import plural
from opsprep_voice.storage.records import ProgressPoint
from opsprep_voice.storage.repository import HistoryRepository
from opsprep_voice.ui.history.progress_data import ChartPoint, answer_points, daily_means, date_axis
from opsprep_voice.ui.review.style import ReviewColours, is_dark

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChartSpec:
    key: str
    title: str
    value: Callable[[ProgressPoint], float | None]
    label_format: str
    minimum: float | None = 0.0
    maximum: float | None = None


SPECS: tuple[ChartSpec, ...] = (
    ChartSpec(
        "coverage", "Coverage (%)", lambda p: None if p.coverage is None else p.coverage * 100, "%.0f", 0, 100
    ),
    ChartSpec("wpm", "Pace (words per minute)", lambda p: p.wpm, "%.0f"),
    ChartSpec("fillers_per_min", "Fillers per minute", lambda p: p.fillers_per_min, "%.1f"),
    ChartSpec("duration_s", "Length (seconds)", lambda p: p.duration_s, "%.0f"),
)


#: The series key (in :attr:`ProgressCharts.series`) of the coverage with follow-ups, on the coverage chart.
FOLLOW_UPS = "coverage_with_follow_ups"


def _follow_up_value(p: ProgressPoint) -> float | None:
    return None if p.coverage_with_follow_ups is None else p.coverage_with_follow_ups * 100


class ProgressCharts(QWidget):
    """Four charts for the chosen question (or all). ``refresh()`` re-reads the repository (when shown)."""

    def __init__(
        self, repository: HistoryRepository, bank: QuestionBank, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("Progress charts")
        self._repository = repository
        self._bank = bank
        self._points: list[ProgressPoint] = []
        self._stale = True  # the repository may hold other points than the charts show
        self._shown: tuple[str | None, list[ProgressPoint]] | None = None  # what the series hold
        self.plotted: dict[str, list[ChartPoint]] = {}  # per series key: what it shows

        self.question_combo = QComboBox(self)
        self.question_combo.setAccessibleName("Question for the progress charts")
        self.question_combo.setToolTip("Chart one question's attempts, or all answers together")
        self.question_combo.addItem("All questions", None)
        for q in bank:
            short = q.text if len(q.text) <= 70 else q.text[:67] + "…"
            self.question_combo.addItem(f"Q{q.number} · {short}", q.id)
        self.question_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.summary = QLabel(self)
        self.summary.setAccessibleName("Progress summary")

        self.views: dict[str, QChartView] = {}
        self.series: dict[str, QLineSeries] = {}
        grid_widget = QWidget(self)
        grid = QGridLayout(grid_widget)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, spec in enumerate(SPECS):
            chart = QChart()
            chart.setTitle(spec.title)
            chart.legend().hide()
            chart.setMargins(QMargins(4, 4, 4, 4))
            series = QLineSeries()
            series.setName(spec.title)
            series.setPointsVisible(True)
            chart.addSeries(series)
            x_axis = QDateTimeAxis()
            x_axis.setFormat("d MMM")
            x_axis.setTickCount(5)
            y_axis = QValueAxis()
            y_axis.setLabelFormat(spec.label_format)
            y_axis.setTruncateLabels(False)  # "1…" told nothing: the axis takes the room its numbers need
            x_axis.setTruncateLabels(False)
            series.hovered.connect(partial(self._hovered, spec.key))
            chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
            chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
            series.attachAxis(x_axis)
            series.attachAxis(y_axis)
            view = QChartView(chart, grid_widget)
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            view.setAccessibleName(f"Chart: {spec.title}")
            view.setMinimumSize(260, 180)
            grid.addWidget(view, i // 2, i % 2)
            self.views[spec.key] = view
            self.series[spec.key] = series
        self._add_follow_up_series()

        self.empty = QLabel(
            "No scored answers yet for this choice. Rehearse a question to see progress here.", self
        )
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setAccessibleName("No progress yet")
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(grid_widget)

        top = QHBoxLayout()
        top.addWidget(QLabel("Show:", self))
        top.addWidget(self.question_combo, 1)
        top.addWidget(self.summary)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        self._apply_theme()
        self.refresh()  # hidden: only marks the charts stale; they are filled when first shown

    # ----------------------------------------------------------------------------------------- public API
    def set_question(self, question_id: str | None) -> None:
        index = self.question_combo.findData(question_id)
        self.question_combo.setCurrentIndex(max(0, index))

    def question_id(self) -> str | None:
        data = self.question_combo.currentData()
        return str(data) if data else None

    def point_count(self, key: str) -> int:
        """Points of one series (a chart's key, or :data:`FOLLOW_UPS`); reads the repository first if the
        charts are stale, even while hidden."""
        self.ensure_loaded()
        return int(self.series[key].count())

    def is_stale(self) -> bool:
        return self._stale

    def refresh(self) -> None:
        """Re-read the repository now if the charts are visible, else when they are next shown."""
        self._stale = True
        if self.isVisible():
            self.ensure_loaded()

    def ensure_loaded(self) -> None:
        """Read the repository and fill the charts if :meth:`refresh` was called since the last fill."""
        if not self._stale:
            return
        self._stale = False
        question_id = self.question_id()
        try:
            self._points = self._repository.progress(question_id)
        except Exception:
            log.exception("could not read progress")
            self._points = []
        if self._shown is None or self._shown != (question_id, self._points):
            for spec in SPECS:
                self._fill(spec)
            self._shown = (question_id, self._points)
        self.stack.setCurrentIndex(1 if self._points else 0)
        n = len(self._points)
        self.summary.setText(f"{n} scored answer{'s' if n != 1 else ''}" if n else "")

    # ------------------------------------------------------------------------------------------- internals
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.ensure_loaded()

    def _add_follow_up_series(self) -> None:
        main = self.series["coverage"]
        chart = main.chart()
        main.setName("Main answer")
        extra = QLineSeries()
        extra.setName("With follow-ups")
        extra.setPointsVisible(True)
        chart.addSeries(extra)
        for axis in chart.axes():
            extra.attachAxis(axis)
        chart.legend().show()
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.series[FOLLOW_UPS] = extra

    def _points_of(self, value: Callable[[ProgressPoint], float | None]) -> list[ChartPoint]:
        if self.question_id() is None:
            return daily_means(self._points, value)
        return answer_points(self._points, value)

    def _plot(self, key: str, points: list[ChartPoint]) -> None:
        self.plotted[key] = points
        self.series[key].replace([QPointF(p.x_ms, p.y) for p in points])  # one call, not one per point

    def _hovered(self, key: str, point: QPointF, state: bool) -> None:
        """A day's mean says of how many answers; an answer, when it was."""
        if not state:
            QToolTip.hideText()
            return
        shown = self.plotted.get(key, [])
        nearest = min(shown, key=lambda p: abs(p.x_ms - point.x()), default=None)
        if nearest is None:
            return
        spec = next((s for s in SPECS if s.key == key), SPECS[0])
        value = spec.label_format % nearest.y
        when = QDateTime.fromMSecsSinceEpoch(int(nearest.x_ms))
        if nearest.day is not None:
            text = f"{when.toString('d MMM yyyy')}: {value}, the mean of {plural(nearest.count, 'answer')}"
        else:
            text = f"{when.toString('d MMM yyyy HH:mm')}: {value}"
        QToolTip.showText(QCursor.pos(), text, self.views.get(key, self.views["coverage"]))

    def _fill(self, spec: ChartSpec) -> None:
        series = self.series[spec.key]
        chart = series.chart()
        values = self._points_of(spec.value)
        self._plot(spec.key, values)
        per = "day" if self.question_id() is None else "answer"
        tooltip = f"{spec.title}: {plural(len(values), 'point')}, one per {per}"
        if spec.key == "coverage":
            extra = self._points_of(_follow_up_value)
            self._plot(FOLLOW_UPS, extra)
            chart.legend().setVisible(bool(extra))  # no follow-ups: no second line to tell apart
            tooltip += f"; with follow-ups: {plural(len(extra), 'point')}"
        x_axis, y_axis = chart.axes(Qt.Orientation.Horizontal)[0], chart.axes(Qt.Orientation.Vertical)[0]
        if values:
            ys = [p.y for p in values]
            axis = date_axis(
                [p.x_ms for p in values + extra] if spec.key == "coverage" else [p.x_ms for p in values],
                per_day=self.question_id() is None,
            )
            assert isinstance(x_axis, QDateTimeAxis)
            x_axis.setRange(
                QDateTime.fromMSecsSinceEpoch(int(axis.start_ms)),
                QDateTime.fromMSecsSinceEpoch(int(axis.end_ms)),
            )
            x_axis.setTickCount(axis.ticks)
            x_axis.setFormat(axis.label_format)
            y_lo = spec.minimum if spec.minimum is not None else min(ys)
            y_hi = spec.maximum if spec.maximum is not None else max(max(ys) * 1.15, y_lo + 1)
            y_axis.setRange(y_lo, y_hi)
            if isinstance(y_axis, QValueAxis) and spec.maximum is None:
                y_axis.applyNiceNumbers()
        self.views[spec.key].setToolTip(tooltip)

    def _apply_theme(self) -> None:
        colours = ReviewColours.from_palette(self.palette())
        theme = (
            QChart.ChartTheme.ChartThemeDark if is_dark(self.palette()) else QChart.ChartTheme.ChartThemeLight
        )
        for spec in SPECS:
            chart = self.series[spec.key].chart()
            chart.setTheme(theme)
            chart.setBackgroundBrush(QBrush(colours.base))
            chart.setTitleBrush(QBrush(colours.text))
            for axis in chart.axes():
                axis.setLabelsBrush(QBrush(colours.text))
            pen = QPen(colours.figure)
            pen.setWidthF(2.0)
            self.series[spec.key].setPen(pen)
            chart.legend().setLabelColor(colours.text)
        # Told apart from the main line by colour and dashes (not colour alone).
        pen = QPen(colours.good)
        pen.setWidthF(2.0)
        pen.setStyle(Qt.PenStyle.DashLine)
        self.series[FOLLOW_UPS].setPen(pen)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_theme()
