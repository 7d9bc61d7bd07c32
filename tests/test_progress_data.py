"""What the progress charts plot: answers, a mean per day, and a date axis that fits the span."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from opsprep_voice.storage.records import ProgressPoint
from opsprep_voice.ui.history.progress_data import answer_points, daily_means, date_axis

MORNING = datetime(2026, 3, 2, 9, 0).astimezone()


def point(at: datetime, coverage: float | None, attempt_id: int = 1) -> ProgressPoint:
    return ProgressPoint(attempt_id, "q", at, coverage, 140.0, 1.0, 60.0)


def coverage(p: ProgressPoint) -> float | None:
    return None if p.coverage is None else p.coverage * 100


def test_several_answers_on_a_day_become_their_mean_with_the_count() -> None:
    points = [
        point(MORNING, 0.4),
        point(MORNING + timedelta(hours=2), 0.8),
        point(MORNING + timedelta(hours=3), None),  # not scored: not counted
        point(MORNING + timedelta(days=2), 0.5),
    ]
    days = daily_means(points, coverage)
    assert [(d.day, d.y, d.count) for d in days] == [
        (MORNING.date(), pytest.approx(60.0), 2),
        ((MORNING + timedelta(days=2)).date(), pytest.approx(50.0), 1),
    ]
    assert days[0].x_ms < days[1].x_ms
    assert len(answer_points(points, coverage)) == 3  # one question: every scored answer


def test_the_date_axis_adapts_from_hours_to_months() -> None:
    def axis(*offsets: timedelta) -> tuple[str, int]:
        a = date_axis([(MORNING + o).timestamp() * 1000 for o in offsets])
        assert a.start_ms <= (MORNING + min(offsets)).timestamp() * 1000 < a.end_ms
        return a.label_format, a.ticks

    assert axis(timedelta(0), timedelta(hours=3)) == ("HH:mm", 5)  # one day: hours, not a vertical line
    assert axis(timedelta(0), timedelta(days=3)) == ("d MMM", 5)  # a tick per midnight
    assert axis(timedelta(0), timedelta(days=40)) == ("d MMM", 6)
    assert axis(timedelta(0), timedelta(days=150)) == ("MMM yyyy", 6)


def test_one_day_of_daily_means_gets_a_day_axis_with_the_date_under_the_point() -> None:
    """All questions on the first day: the mean sits at noon, so an hours axis read "12:00" for answers given
    at 17:51; the axis shows days, the point on its own date's tick."""
    days = daily_means([point(MORNING, 0.4), point(MORNING + timedelta(hours=8), 0.8)], coverage)
    axis = date_axis([d.x_ms for d in days], per_day=True)
    assert (axis.label_format, axis.ticks) == ("d MMM", 3)
    assert axis.start_ms < days[0].x_ms < axis.end_ms
    assert days[0].x_ms - axis.start_ms == pytest.approx(axis.end_ms - days[0].x_ms)  # the middle tick
    assert date_axis([d.x_ms for d in days]).label_format == "HH:mm"  # answers of one question: hours
