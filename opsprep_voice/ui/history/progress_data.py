"""What the progress charts plot, without Qt: the points of one measure, per answer or as a mean per day, and
the date axis that fits their span.

With every question on one chart, a line through each answer joined different questions into one zig-zag,
and several answers on one day stood in a vertical line. So "All questions" plots one point a day (the mean
of that day's answers, with their count for the tooltip); one question keeps a point per answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from opsprep_voice.storage.records import ProgressPoint

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True, slots=True)
class ChartPoint:
    x_ms: float  # local time, ms since the epoch
    y: float
    count: int = 1  # answers behind the point (a day's mean: how many that day)
    day: date | None = None  # set for a day's mean


def answer_points(
    points: Sequence[ProgressPoint], value: Callable[[ProgressPoint], float | None]
) -> list[ChartPoint]:
    """One point per answer that has the value."""
    out = []
    for p in points:
        v = value(p)
        if v is not None:
            out.append(ChartPoint(p.started_at.timestamp() * 1000.0, float(v)))
    return out


def daily_means(
    points: Sequence[ProgressPoint], value: Callable[[ProgressPoint], float | None]
) -> list[ChartPoint]:
    """One point per local day with answers: their mean, at midday, with the count."""
    days: dict[date, list[float]] = {}
    for p in points:
        v = value(p)
        if v is not None:
            days.setdefault(p.started_at.astimezone().date(), []).append(float(v))
    return [
        ChartPoint(_midday_ms(day), sum(values) / len(values), len(values), day)
        for day, values in sorted(days.items())
    ]


def _midday_ms(day: date) -> float:
    return datetime.combine(day, time(12)).astimezone().timestamp() * 1000.0


@dataclass(frozen=True, slots=True)
class DateAxis:
    start_ms: float
    end_ms: float
    label_format: str  # QDateTimeAxis format
    ticks: int


def date_axis(xs_ms: Sequence[float], *, per_day: bool = False) -> DateAxis:
    """Range, tick count and label format for points at ``xs_ms``: hours within one day, days up to about
    two months, months beyond. ``per_day``: the points are days' means (at midday); one day of them gets
    a day's axis with its date under the point, not hours that would put every answer at noon."""
    first = datetime.fromtimestamp(min(xs_ms) / 1000).date()
    last = datetime.fromtimestamp(max(xs_ms) / 1000).date()
    days = (last - first).days + 1
    if days == 1 and per_day:
        noon = datetime.combine(first, time(12))
        start, end = noon - timedelta(days=1), noon + timedelta(days=1)
        return DateAxis(start.timestamp() * 1000, end.timestamp() * 1000, "d MMM", 3)  # ticks at noons
    if days == 1:
        start = datetime.fromtimestamp(min(xs_ms) / 1000) - timedelta(hours=1)
        end = datetime.fromtimestamp(max(xs_ms) / 1000) + timedelta(hours=1)
        return DateAxis(start.timestamp() * 1000, end.timestamp() * 1000, "HH:mm", 5)
    start_ms = datetime.combine(first, time()).timestamp() * 1000
    end_ms = datetime.combine(last + timedelta(days=1), time()).timestamp() * 1000
    if days <= 8:
        return DateAxis(start_ms, end_ms, "d MMM", days + 1)  # a tick on every midnight
    if days <= 62:
        return DateAxis(start_ms, end_ms, "d MMM", 6)
    return DateAxis(start_ms, end_ms, "MMM yyyy", 6)
