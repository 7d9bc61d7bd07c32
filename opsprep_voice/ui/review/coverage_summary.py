"""The review's coverage headline: the percentage, its bar and a sentence on what the answer covered.

With interviewer follow-ups it shows both coverages ("54% → 72% with follow-up") and counts the items
covered only after a follow-up apart from those the answer covered and those still missed. The colour
of the percentage says how the answer did: good from 70%, bad below 40%.

When the second opinion decided the answer (``report.second_opinion == "applied"``: it doubted most of the
matcher's credits, :mod:`opsprep_voice.core.second_opinion`) the sentence says so: the tools the answer
names count once it says how they are used.

The candidate's own marks ("I made this point") never change the scorer's percentage, its colour or the
verdict: with marks the headline adds the coverage counting them ("74% · 87% with your marks").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from opsprep_voice.ui.review.style import ReviewColours, bold_font

if TYPE_CHECKING:
    from opsprep_voice.core.followup import FollowUpResult
    from opsprep_voice.core.scoring import ScoreReport


NAMED_NOT_MADE = (
    "This answer names tools and practices without saying how you use them; "
    "those mentions do not count until it does."
)


class CoverageSummary(QWidget):
    """``show_report(report, merged)``: ``merged`` is the answer with its follow-ups, or None without."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.percent = QLabel(self)
        self.percent.setAccessibleName("Coverage")
        bold_font(self.percent, 1.6)
        self.with_follow_ups = QLabel(self)
        self.with_follow_ups.setAccessibleName("Coverage with follow-ups")
        bold_font(self.with_follow_ups, 1.25)
        self.with_follow_ups.hide()
        self.with_marks = QLabel(self)
        self.with_marks.setAccessibleName("Coverage with your marks")
        bold_font(self.with_marks, 1.1)
        self.with_marks.hide()
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(10)
        self.bar.setAccessibleName("Coverage of the checklist")
        self.detail = QLabel(self)
        self.detail.setAccessibleName("Checklist summary")
        self.detail.setWordWrap(True)

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.percent)
        row.addWidget(self.with_follow_ups)
        row.addWidget(self.with_marks)
        right = QVBoxLayout()
        right.addWidget(self.detail)
        right.addWidget(self.bar)
        row.addLayout(right, 1)

    def show_report(self, report: ScoreReport, merged: FollowUpResult | None) -> None:
        colours = ReviewColours.from_palette(self.palette())
        value = report.coverage
        entries = report.checklist
        hits = sum(1 for e in entries if e.hit)
        colour = colours.good if value >= 0.7 else colours.bad if value < 0.4 else colours.text
        self.percent.setText(f"{value:.0%}")
        self.percent.setStyleSheet(f"color: {colour.name()};")
        self.bar.setValue(round(value * 100))
        later = len(merged.recovered) if merged is not None else 0
        recovered = {item.id for item in merged.recovered} if merged is not None else set()
        mine = sum(1 for e in entries if not e.hit and e.id not in recovered and e.id in report.marked_by_you)
        missed = len(entries) - hits - later - mine
        verdict = (
            "Strong coverage."
            if value >= 0.7
            else "Some key points are missing."
            if value >= 0.4
            else "Most key points are missing."
        )
        if merged is None:
            headline = "<b>Coverage</b>"
            covered = f"{hits} of {len(entries)} checklist points covered"
            self.with_follow_ups.hide()
        else:
            with_follow_ups = merged.coverage_with_follow_ups
            headline = f"<b>Coverage {value:.0%} · with follow-up {with_follow_ups:.0%}</b>"
            covered = f"{hits} of {len(entries)} points covered in your answer, {later} after the follow-up"
            self.with_follow_ups.setText(f"→ {with_follow_ups:.0%} with follow-up")
            self.with_follow_ups.setStyleSheet(f"color: {colours.figure.name()};")
            self.with_follow_ups.setAccessibleDescription(f"Coverage with follow-ups {with_follow_ups:.0%}")
            self.with_follow_ups.show()
        if mine:
            with_marks = report.coverage_with_marks
            if merged is None:
                headline = f"<b>Coverage {value:.0%} · {with_marks:.0%} with your marks</b>"
            else:
                headline = headline[: -len("</b>")] + f" · {with_marks:.0%} with your marks</b>"
            covered += f", {mine} marked by you"
            self.with_marks.setText(f"· {with_marks:.0%} with your marks")
            self.with_marks.setStyleSheet(f"color: {colours.text.name()};")
            self.with_marks.setAccessibleDescription(f"Coverage with your marks {with_marks:.0%}")
            self.with_marks.show()
        else:
            self.with_marks.hide()
        if report.second_opinion == "applied":
            verdict += f" {NAMED_NOT_MADE}"
        self.detail.setText(
            f"{headline} — {covered}" + (f", {missed} missed" if missed else "") + f". {verdict}"
        )
        self.percent.setAccessibleDescription(f"Coverage {value:.0%}")
