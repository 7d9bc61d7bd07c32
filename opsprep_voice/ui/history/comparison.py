"""Two attempts at one question compared, without Qt: checklist items gained and lost, metric changes with
a verdict, a word-level diff of the transcripts, and what each answer's follow-ups added.

The checklist comparison is between the main answers (coverage stays the main answer's). When an attempt had
interviewer follow-ups, its merged result (:func:`opsprep_voice.practice.follow_ups.merged_result`) adds
the items recovered after a follow-up and a "Coverage with follow-ups" metric; an attempt without follow-ups
counts its own coverage there. Changes read as a direction and a size ("▼ 74 pts"), never a negative
number next to "worse".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from opsprep_voice.ui.review import report_data as rd
from opsprep_voice.ui.review.style import fmt_clock

if TYPE_CHECKING:
    from opsprep_voice.core.bank import ChecklistItem
    from opsprep_voice.core.followup import FollowUpResult
    from opsprep_voice.core.scoring import ChecklistResult

_PUNCT = re.compile(r"^\W+|\W+$")
COMFORTABLE_WPM = (130.0, 160.0)


def _distance_to_band(value: float, low: float, high: float) -> float:
    return low - value if value < low else value - high if value > high else 0.0


def _points(value: float) -> str:
    """A change of a share (0..1) in percentage points: "74 pts", not "74%" (74 % of what?)."""
    return f"{value * 100:.0f} pts"


@dataclass(frozen=True, slots=True)
class MetricDelta:
    key: str
    label: str
    before: float | None
    after: float | None
    better: bool | None  # None: no change, or not comparable
    fmt: Callable[[float], str]
    change_fmt: Callable[[float], str] | None = None  # the size of a change, when not like a value

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    def change_text(self) -> tuple[str, str]:
        """The change as shown ("▼ 74 pts · worse") and as a screen reader says it ("74 pts lower,
        worse"): a direction and a size, so a drop is never a negative number next to "worse"."""
        change = self.change
        if change is None:
            return "–", "not comparable"
        if abs(change) < 1e-9:
            return "same", "same"
        size = (self.change_fmt or self.fmt)(abs(change))
        verdict = "" if self.better is None else "better" if self.better else "worse"
        arrow, word = ("▲", "higher") if change > 0 else ("▼", "lower")
        shown = f"{arrow} {size}" + (f" · {verdict}" if verdict else "")
        return shown, f"{size} {word}" + (f", {verdict}" if verdict else "")


@dataclass(slots=True)
class Comparison:
    gained: list[ChecklistResult] = field(default_factory=list)
    lost: list[ChecklistResult] = field(default_factory=list)
    kept: list[ChecklistResult] = field(default_factory=list)
    still_missing: list[ChecklistResult] = field(default_factory=list)
    metrics: list[MetricDelta] = field(default_factory=list)
    diff: list[tuple[str, str]] = field(default_factory=list)  # ("equal"|"delete"|"insert", text)
    # Missed in the main answer, covered after an interviewer follow-up (empty without follow-ups).
    recovered_before: list[ChecklistItem] = field(default_factory=list)
    recovered_after: list[ChecklistItem] = field(default_factory=list)
    # Missed items the candidate marked as covered ("I made this point"): their word, not the scorer's.
    marked_before: tuple[str, ...] = ()
    marked_after: tuple[str, ...] = ()

    def recovered(self, item_id: str) -> tuple[bool, bool]:
        """Whether the earlier and the later answer recovered ``item_id`` after a follow-up."""
        return (
            any(i.id == item_id for i in self.recovered_before),
            any(i.id == item_id for i in self.recovered_after),
        )

    def marked(self, item_id: str) -> tuple[bool, bool]:
        """Whether the candidate marked ``item_id`` as covered in the earlier and the later answer."""
        return item_id in self.marked_before, item_id in self.marked_after

    def metric(self, key: str) -> MetricDelta:
        return next(m for m in self.metrics if m.key == key)


def _words(text: str) -> list[str]:
    return text.split()


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """Word-level diff, comparing words without case and surrounding punctuation."""
    a, b = _words(before), _words(after)
    key_a = [_PUNCT.sub("", w).casefold() for w in a]
    key_b = [_PUNCT.sub("", w).casefold() for w in b]
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=key_a, b=key_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("equal", " ".join(b[j1:j2])))
            continue
        if op in ("delete", "replace"):
            out.append(("delete", " ".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(("insert", " ".join(b[j1:j2])))
    return out


def compare_reports(
    before_report: rd.Report,
    after_report: rd.Report,
    *,
    before_follow_ups: FollowUpResult | None = None,
    after_follow_ups: FollowUpResult | None = None,
) -> Comparison:
    """Compare two main answers; ``*_follow_ups``: an answer merged with its follow-ups, if it had any."""
    before, after = rd.as_report(before_report), rd.as_report(after_report)
    result = Comparison(marked_before=before.marked_by_you, marked_after=after.marked_by_you)
    if before_follow_ups is not None:
        result.recovered_before = list(before_follow_ups.recovered)
    if after_follow_ups is not None:
        result.recovered_after = list(after_follow_ups.recovered)
    old = {e.id: e for e in before.checklist}
    for entry in after.checklist:
        was = old.get(entry.id)
        was_hit = bool(was and was.hit)
        if entry.hit and not was_hit:
            result.gained.append(entry)
        elif was_hit and not entry.hit:
            result.lost.append(entry)
        elif entry.hit:
            result.kept.append(entry)
        else:
            result.still_missing.append(entry)

    target = after.target_seconds or before.target_seconds

    def lower_is_better(a: float, b: float) -> bool:
        return b < a

    def higher_is_better(a: float, b: float) -> bool:
        return b > a

    def pace_better(a: float, b: float) -> bool:
        return _distance_to_band(b, *COMFORTABLE_WPM) < _distance_to_band(a, *COMFORTABLE_WPM)

    def length_better(a: float, b: float) -> bool:
        if not target:
            return False
        return _distance_to_band(b, 0.7 * target, 1.2 * target) < _distance_to_band(
            a, 0.7 * target, 1.2 * target
        )

    def percent(v: float) -> str:
        return f"{v:.0%}"

    specs: list[
        tuple[str, str, float | None, float | None, Callable[[float, float], bool], Callable[[float], str]]
    ]
    specs = [("coverage", "Coverage", before.coverage, after.coverage, higher_is_better, percent)]
    if before.marked_by_you or after.marked_by_you:
        specs.append(
            (
                "coverage_with_your_marks",
                "Coverage with your marks",
                before.coverage_with_marks,
                after.coverage_with_marks,
                higher_is_better,
                percent,
            )
        )
    if before_follow_ups is not None or after_follow_ups is not None:
        specs.append(
            (
                "coverage_with_follow_ups",
                "Coverage with follow-ups",
                before.coverage if before_follow_ups is None else before_follow_ups.coverage_with_follow_ups,
                after.coverage if after_follow_ups is None else after_follow_ups.coverage_with_follow_ups,
                higher_is_better,
                percent,
            )
        )
    specs += [
        (
            "duration_s",
            "Length",
            before.duration_s,
            after.duration_s,
            length_better,
            fmt_clock,
        ),
        ("wpm", "Pace (wpm)", before.wpm, after.wpm, pace_better, lambda v: f"{v:.0f}"),
        (
            "fillers_per_min",
            "Fillers / min",
            before.fillers_per_min,
            after.fillers_per_min,
            lower_is_better,
            lambda v: f"{v:.1f}",
        ),
        (
            "long_pauses",
            "Long pauses",
            len(before.long_pauses),
            len(after.long_pauses),
            lower_is_better,
            lambda v: f"{v:.0f}",
        ),
        (
            "time_to_first_word_s",
            "First word after",
            before.time_to_first_word_s,
            after.time_to_first_word_s,
            lower_is_better,
            lambda v: f"{v:.1f} s",
        ),
        (
            "figures",
            "Figures mentioned",
            len(before.figures_mentioned),
            len(after.figures_mentioned),
            higher_is_better,
            lambda v: f"{v:.0f}",
        ),
    ]
    for key, label, a, b, better, fmt in specs:
        verdict: bool | None = None
        if a is not None and b is not None and abs(b - a) > 1e-9:
            verdict = better(a, b)
            if not verdict and not better(b, a):
                verdict = None  # different but neither better (e.g. both inside the comfortable band)
        change_fmt = _points if fmt is percent else None
        result.metrics.append(MetricDelta(key, label, a, b, verdict, fmt, change_fmt))
    result.diff = word_diff(before.transcript, after.transcript)
    return result
