"""What the History list shows in each column: the column layout, the cell texts of a session, a main answer
and a follow-up answer, and the sort keys. Read by :mod:`.history_model` (the Qt model) and
:mod:`.history_tree` (column widths); no Qt here, so the texts are cheap to test and to format once per row.

A main answer that had follow-ups shows its coverage as "54% → 72%": its own coverage (what it is sorted,
charted and ranked by) and the coverage with the follow-ups' answers merged in. A follow-up row shows the
question the interviewer asked and the follow-up answer's own metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from opsprep_voice.core.question_result import best_take_average, has_retakes
from opsprep_voice.core.wording import plural
from opsprep_voice.storage.records import AttemptRecord, SessionRecord
from opsprep_voice.ui.review.style import fmt_clock

COLUMNS = ("When", "Question", "Coverage", "Length", "Pace", "Fillers", "Status", "Category")
COL_WHEN, COL_QUESTION, COL_COVERAGE, COL_LENGTH, COL_PACE, COL_FILLERS, COL_STATUS, COL_CATEGORY = range(8)
NUMERIC_COLUMNS = (COL_COVERAGE, COL_LENGTH, COL_PACE, COL_FILLERS)

STATUS_TEXT = {
    "recording": "recording…",
    "recorded": "not scored",
    "scored": "",
    "failed": "failed",
    "interrupted": "interrupted",
    "cancelled": "cancelled",
}

FOLLOW_UP_MARK = "↳"
#: The widest coverage text a row can show (for the column width).
WIDEST_COVERAGE = "100% → 100%"
_T = TypeVar("_T")


def local_time(value: datetime) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


def when_text(value: datetime, session_start: datetime | None = None) -> str:
    """When an answer was given. Under its session's row only the time (that row says the day; the date
    repeated on every answer was noise and took the question's room), the month and day too when the
    session began the day before."""
    local = value.astimezone()
    if session_start is None:
        return local_time(value)
    if session_start.astimezone().date() == local.date():
        return local.strftime("%H:%M")
    return local.strftime("%m-%d %H:%M")


def pct(value: float | None) -> str:
    return f"{value:.0%}" if value is not None else "–"


@dataclass(slots=True, eq=False)
class SessionNode:
    """A session row and its main answers."""

    session: SessionRecord | None
    session_id: int
    started_at: datetime
    attempts: list[AttemptRecord] = field(default_factory=list)  # shown order
    answered: list[AttemptRecord] = field(default_factory=list)  # answered order (before sorting)
    row: int = 0
    texts: tuple[str, ...] | None = None  # display texts per column, made on first use

    def average(self) -> float | None:
        """As the rehearsal's summary said it: the average of each question's best take."""
        return best_take_average((a.question_id, a.coverage) for a in self.attempts)

    def retaken(self) -> bool:
        return has_retakes(a.question_id for a in self.attempts if a.coverage is not None)


@dataclass(slots=True, eq=False)
class FollowUpGroup:
    """A main answer's follow-up rows; also the internal pointer of their indexes (so ``parent()`` finds
    the main answer's row: ``row`` under ``node``, or a top-level row when ``node`` is None)."""

    main: AttemptRecord
    follow_ups: list[AttemptRecord]
    node: SessionNode | None = None
    row: int = 0


def attempt_sort_key(column: int) -> Callable[[AttemptRecord], Any]:
    missing = -1.0
    if column == COL_WHEN:
        return lambda a: a.started_at
    if column == COL_QUESTION:
        return lambda a: a.question_number
    if column == COL_CATEGORY:
        return lambda a: a.category
    if column == COL_COVERAGE:
        return lambda a: missing if a.coverage is None else a.coverage
    if column == COL_LENGTH:
        return lambda a: missing if a.duration_s is None else a.duration_s
    if column == COL_PACE:
        return lambda a: missing if a.wpm is None else a.wpm
    if column == COL_FILLERS:
        return lambda a: missing if a.fillers_per_min is None else a.fillers_per_min
    if column == COL_STATUS:
        return lambda a: a.status
    return lambda a: 0


def session_sort_key(column: int) -> Callable[[SessionNode], Any]:
    if column == COL_WHEN:
        return lambda n: n.started_at
    if column == COL_COVERAGE:
        return lambda n: -1.0 if (avg := n.average()) is None else avg
    if column == COL_QUESTION:
        return lambda n: len(n.attempts)
    return lambda n: 0  # no order: stays newest first


def sorted_rows(items: list[_T], key: Callable[[_T], Any], descending: bool) -> list[_T]:
    """Top-level rows: stable ascending sort, reversed if descending (ties reversed too, as
    QSortFilterProxyModel orders top-level rows), so descending is the ascending list read backwards."""
    out = sorted(items, key=key)
    if descending:
        out.reverse()
    return out


def session_texts(node: SessionNode) -> tuple[str, ...]:
    session = node.session
    title = session.title if session and session.title else "Session"
    # "Interview · 5 questions" names its mode already; "Q3 · …" does not.
    named = session is None or not session.mode or title.lower().startswith(session.mode.lower())
    mode = "" if named or session is None else f" · {session.mode}"
    average = node.average()
    texts = [""] * len(COLUMNS)
    texts[COL_WHEN] = local_time(node.started_at)
    texts[COL_QUESTION] = f"{title}{mode} · {plural(len(node.attempts), 'answer')}"
    texts[COL_COVERAGE] = f"avg {average:.0%}" if average is not None else ""
    return tuple(texts)


def attempt_texts(
    a: AttemptRecord, title: str, best: bool, session_start: datetime | None = None
) -> tuple[str, ...]:
    """A main answer's cells (``title``: the question's text; ``session_start`` when it is listed under
    its session's row); a follow-up's: :func:`follow_up_texts`."""
    texts = [""] * len(COLUMNS)
    texts[COL_WHEN] = when_text(a.started_at, session_start)
    texts[COL_QUESTION] = f"{'★ ' if best else ''}Q{a.question_number} · {title}"
    texts[COL_CATEGORY] = a.category.replace("-", " ")
    texts[COL_COVERAGE] = pct(a.coverage)
    if a.coverage is not None and a.coverage_with_follow_ups is not None:
        texts[COL_COVERAGE] += f" → {pct(a.coverage_with_follow_ups)}"
    _metric_texts(a, texts)
    return tuple(texts)


def follow_up_texts(a: AttemptRecord) -> tuple[str, ...]:
    texts = [""] * len(COLUMNS)
    texts[COL_WHEN] = f"{FOLLOW_UP_MARK} follow-up"
    texts[COL_QUESTION] = f"{FOLLOW_UP_MARK} {a.probe_prompt or 'Follow-up question'}"
    texts[COL_COVERAGE] = pct(a.coverage)
    _metric_texts(a, texts)
    return tuple(texts)


def _metric_texts(a: AttemptRecord, texts: list[str]) -> None:
    texts[COL_LENGTH] = fmt_clock(a.duration_s) if a.duration_s is not None else "–"
    texts[COL_PACE] = f"{a.wpm:.0f} wpm" if a.wpm is not None else "–"
    texts[COL_FILLERS] = f"{a.fillers_per_min:.1f}/min" if a.fillers_per_min is not None else "–"
    texts[COL_STATUS] = STATUS_TEXT.get(a.status, a.status)
    if a.coverage is None and texts[COL_STATUS]:
        # An unscored answer says why where its score would be: the status column starts hidden.
        texts[COL_COVERAGE] = texts[COL_STATUS]


def coverage_tooltip(a: AttemptRecord) -> str | None:
    """Spelled out for a main answer with follow-ups (the cell's arrow is terse), else None."""
    if a.is_follow_up:
        return f"This follow-up answer alone covered {pct(a.coverage)} of the checklist"
    if a.coverage is None or a.coverage_with_follow_ups is None:
        return None
    return (
        f"{pct(a.coverage)} in the main answer, {pct(a.coverage_with_follow_ups)} with the follow-up "
        "answers (the main answer's coverage is the one ranked and charted)"
    )


def accessible_coverage(a: AttemptRecord) -> str:
    """The coverage cell as a screen reader should say it (no arrow)."""
    if a.is_follow_up or a.coverage is None or a.coverage_with_follow_ups is None:
        return pct(a.coverage)
    return f"{pct(a.coverage)}, with follow-ups {pct(a.coverage_with_follow_ups)}"
