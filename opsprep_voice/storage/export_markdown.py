"""The Markdown of a history export (the PDF is laid out from the same text by
:mod:`opsprep_voice.ui.pdf_export`): a summary table, then each main answer with its transcript and
checklist, and under it the interviewer's follow-ups.

A follow-up answer (an attempt with ``follow_up_of``) is shown under its main answer: the question the
interviewer asked, the follow-up transcript, its coverage and delivery, and which checklist items it
recovered. Which items a follow-up recovered comes from ``recovered`` (follow-up attempt id -> item labels),
worked out by the caller with :func:`opsprep_voice.practice.follow_ups.recovered_labels` (the merge lives in
the practice layer, above storage). A follow-up whose main answer is not exported is shown on its own.
No Qt.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from opsprep_voice.core.question_result import best_take_average, has_retakes
from opsprep_voice.core.scoring import ScoreReport
from opsprep_voice.core.titles import readable_title, short_text
from opsprep_voice.core.wording import plural
from opsprep_voice.storage.records import AttemptRecord, SessionRecord

#: Follow-up attempt id -> the labels of the checklist items it recovered.
Recovered = Mapping[int, Sequence[str]]


class BankLike(Protocol):
    """Enough of a question bank to fill in question texts (``QuestionBank`` fits)."""

    def find(self, ref: str | int) -> Any: ...


# --------------------------------------------------------------------------- formatting helpers


def _local(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else ""


def _pct(value: float | None) -> str:
    return f"{value * 100:.0f} %" if value is not None else "–"


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    total = round(seconds)
    return f"{total // 60}:{total % 60:02d}"


def _num(value: float | None, digits: int = 0) -> str:
    return f"{value:.{digits}f}" if value is not None else "–"


_MD_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>#|~"})


def md_escape(text: str) -> str:
    """Escape Markdown syntax in free text (transcripts, labels) so it shows as typed."""
    escaped = " ".join(text.split()).translate(_MD_SPECIAL)
    # A leading "-", "+" or "12." would start a list.
    escaped = re.sub(r"^([-+=])", r"\\\1", escaped)
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", escaped)


def _question_text(attempt: AttemptRecord, bank: BankLike | None) -> str:
    if attempt.question_text:
        return attempt.question_text
    if bank is not None:
        try:
            return str(bank.find(attempt.question_id).text)
        except (KeyError, AttributeError):
            pass
    return attempt.question_id


def report_of(attempt: AttemptRecord) -> ScoreReport | None:
    """The attempt's score report, read by the one tolerant reader (None when it was not scored)."""
    return None if attempt.report is None else ScoreReport.from_dict(attempt.report)


def linked(attempts: Sequence[AttemptRecord]) -> list[tuple[AttemptRecord, list[AttemptRecord]]]:
    """Each main answer (in the given order) with its follow-ups among ``attempts`` (in the order asked);
    a follow-up whose main answer is not among them stands on its own."""
    listed = {a.id for a in attempts if a.follow_up_of is None}
    children: dict[int, list[AttemptRecord]] = {}
    for a in sorted(attempts, key=lambda a: (a.started_at, a.id)):
        if a.follow_up_of in listed:
            children.setdefault(a.follow_up_of, []).append(a)
    return [(a, children.get(a.id, [])) for a in attempts if a.follow_up_of not in listed]


def _coverage(attempt: AttemptRecord) -> str:
    """The main answer's coverage, then with its follow-ups when it had any: "54 % → 72 %"."""
    text = _pct(attempt.coverage)
    if attempt.coverage_with_follow_ups is not None:
        text += f" → {_pct(attempt.coverage_with_follow_ups)}"
    return text


def _delivery(attempt: AttemptRecord, report: ScoreReport | None) -> list[str]:
    duration = _clock(attempt.duration_s)
    if report is not None and report.target_seconds and not attempt.is_follow_up:
        duration += f" (target {_clock(float(report.target_seconds))})"
    facts = [f"Duration: {duration}"]
    if attempt.wpm is not None:
        band = report.wpm_band if report is not None else None
        facts.append(f"Pace: {attempt.wpm:.0f} wpm" + (f" ({md_escape(str(band))})" if band else ""))
    if attempt.fillers_per_min is not None:
        facts.append(f"Fillers: {attempt.fillers_per_min:.1f}/min")
    return facts


def _attempt_markdown(
    attempt: AttemptRecord,
    follow_ups: Sequence[AttemptRecord],
    bank: BankLike | None,
    audio_links: Mapping[int, str],
    recovered: Recovered,
) -> list[str]:
    report = report_of(attempt)
    lines = [
        f"## Q{attempt.question_number}. {md_escape(_question_text(attempt, bank))}",
        "",
        f"*{md_escape(attempt.category)} · {_local(attempt.started_at)} · attempt {attempt.id} · "
        f"{'follow-up · ' if attempt.is_follow_up else ''}{attempt.status}*",
        "",
    ]
    if attempt.error:
        lines += [f"**Problem:** {md_escape(attempt.error)}", ""]
    coverage = f"Coverage: **{_pct(attempt.coverage)}**"
    if attempt.coverage_with_follow_ups is not None:
        coverage += f" (with follow-ups: **{_pct(attempt.coverage_with_follow_ups)}**)"
    if report is not None and report.marked_by_you:
        coverage += f" (with your marks: **{_pct(report.coverage_with_marks)}**)"
    lines += [" · ".join([coverage, *_delivery(attempt, report)]), ""]
    link = audio_links.get(attempt.id)
    if link:
        lines += [f"Audio: [{md_escape(Path(link).name)}](<{link}>)", ""]
    if attempt.transcript_text:
        lines += ["### Transcript", "", f"> {md_escape(attempt.transcript_text)}", ""]
    later = {label for f in follow_ups for label in recovered.get(f.id, ())}
    checklist = report.checklist if report is not None else ()
    if checklist:
        lines += ["### Checklist", ""]
        for item in checklist:
            label = md_escape(item.label)
            if item.hit:
                evidence = item.quote
                lines.append(f"- [x] {label}" + (f" — “{md_escape(evidence)}”" if evidence else ""))
            elif item.label in later:
                lines.append(f"- [ ] {label} — ↳ recovered after a follow-up")
            elif report is not None and item.id in report.marked_by_you:
                # Apart from the scorer's [x]: the candidate's word, not words the scorer found.
                lines.append(f"- [ ] {label} — ✓ marked covered by you (the scorer found no words for it)")
            elif item.doubt:  # named, but the second opinion found the point not made
                lines.append(f"- [ ] {label} — {md_escape(item.doubt)}")
            else:
                example = item.example
                lines.append(f"- [ ] {label}" + (f" — e.g. “{md_escape(example)}”" if example else ""))
        lines.append("")
    for number, follow_up in enumerate(follow_ups, 1):
        lines += _follow_up_markdown(number, follow_up, audio_links.get(follow_up.id), recovered)
    return lines


def _follow_up_markdown(
    number: int, attempt: AttemptRecord, audio_link: str | None, recovered: Recovered
) -> list[str]:
    """One follow-up under its main answer: the question asked, the answer and what it recovered."""
    asked = md_escape(attempt.probe_prompt or "(the question asked was not stored)")
    lines = [f"### Follow-up {number}: “{asked}”", ""]
    facts = [f"Coverage: {_pct(attempt.coverage)}", *_delivery(attempt, report_of(attempt))]
    if attempt.status != "scored":
        facts.insert(0, f"Status: {attempt.status}")
    lines += [" · ".join(facts), ""]
    if attempt.error:
        lines += [f"**Problem:** {md_escape(attempt.error)}", ""]
    if audio_link:
        lines += [f"Audio: [{md_escape(Path(audio_link).name)}](<{audio_link}>)", ""]
    if attempt.transcript_text:
        lines += [f"> {md_escape(attempt.transcript_text)}", ""]
    if attempt.id in recovered:
        labels = recovered[attempt.id]
        if labels:
            lines += ["Recovered after this follow-up:", "", *(f"- ↳ {md_escape(x)}" for x in labels), ""]
        else:
            lines += ["Recovered after this follow-up: nothing new.", ""]
    return lines


def _summary_table(
    groups: Sequence[tuple[AttemptRecord, list[AttemptRecord]]], bank: BankLike | None
) -> list[str]:
    """One row per answer; the question by its (short) text, as History lists it, not its internal id."""
    lines = [
        "| # | Question | When | Status | Coverage | Follow-ups | Duration | WPM | Fillers/min |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for a, follow_ups in groups:
        lines.append(
            f"| {a.question_number} | {md_escape(short_text(_question_text(a, bank)))} | "
            f"{_local(a.started_at)} | {a.status} | "
            f"{_coverage(a)} | {len(follow_ups) or ''} | {_clock(a.duration_s)} | {_num(a.wpm)} | "
            f"{_num(a.fillers_per_min, 1)} |"
        )
    return [*lines, ""]


def _counts(groups: Sequence[tuple[AttemptRecord, list[AttemptRecord]]], noun: str = "answer") -> str:
    follow_ups = sum(len(f) for _, f in groups)
    return plural(len(groups), noun) + (f" and {plural(follow_ups, 'follow-up')}" if follow_ups else "")


# --------------------------------------------------------------------------- Markdown


def export_markdown(
    session: SessionRecord,
    attempts: Sequence[AttemptRecord] | None = None,
    bank: BankLike | None = None,
    *,
    audio_links: Mapping[int, str] | None = None,
    recovered: Recovered | None = None,
) -> str:
    """The session as Markdown: a summary table, then each answer with its transcript, checklist and
    follow-ups.

    ``attempts`` defaults to ``session.attempts``; ``bank`` fills in question texts missing from old records.
    """
    items = list(session.attempts if attempts is None else attempts)
    groups = linked(items)
    title = readable_title(session.title, bank.find if bank is not None else None)
    average = best_take_average((a.question_id, a.coverage) for a, _ in groups)
    scored = [a.question_id for a, _ in groups if a.coverage is not None]
    best = " (best take of each question)" if has_retakes(scored) else ""
    head = [
        f"# {md_escape(title)}",
        "",
        f"Session {session.id} · {md_escape(session.mode)} · started {_local(session.started_at)}"
        + (f" · ended {_local(session.ended_at)}" if session.ended_at else ""),
        "",
        _counts(groups)
        + (f" · average coverage {_pct(average)}{best}" if average is not None else "")
        + (f" · bank: {md_escape(session.bank)}" if session.bank else ""),
        "",
    ]
    return _document(head, groups, bank, audio_links, recovered)


def question_markdown(
    attempts: Sequence[AttemptRecord],
    bank: BankLike | None = None,
    *,
    title: str | None = None,
    audio_links: Mapping[int, str] | None = None,
    recovered: Recovered | None = None,
) -> str:
    """All attempts of one question (oldest first, follow-ups under their answer) as Markdown, for tracking
    progress on it."""
    groups = linked(sorted(attempts, key=lambda a: (a.started_at, a.id)))
    if title is None:
        first = groups[0][0] if groups else None
        title = f"Q{first.question_number}. {_question_text(first, bank)}" if first else "Attempts"
    scored = [a.coverage for a, _ in groups if a.coverage is not None and not a.is_follow_up]
    head = [f"# {md_escape(title)}", ""]
    if scored:
        head += [
            f"{_counts(groups, 'attempt')} · best coverage {_pct(max(scored))} · latest {_pct(scored[-1])}",
            "",
        ]
    return _document(head, groups, bank, audio_links, recovered)


def _document(
    head: list[str],
    groups: Sequence[tuple[AttemptRecord, list[AttemptRecord]]],
    bank: BankLike | None,
    audio_links: Mapping[int, str] | None,
    recovered: Recovered | None,
) -> str:
    lines = list(head)
    if groups:
        lines += _summary_table(groups, bank)
    for attempt, follow_ups in groups:
        lines += _attempt_markdown(attempt, follow_ups, bank, audio_links or {}, recovered or {})
    return "\n".join(lines).rstrip() + "\n"
