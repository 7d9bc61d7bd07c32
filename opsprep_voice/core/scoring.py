"""The score report for one spoken answer: checklist coverage plus delivery metrics.

:func:`score_answer` is pure and fast (a 5-minute transcript scores in a few milliseconds once the
question's phrases are compiled; see ``scripts/bench_scoring.py``), so live transcription can re-score
every second. :meth:`ScoreReport.to_dict` is the JSON the CLI prints and storage keeps (with a
``report_version``); :meth:`ScoreReport.from_dict` is the one reader of it. Stored reports may come from an
older (or newer) version, so it never raises: a missing or malformed field reads as an empty value and a
bad list item is dropped on its own, so one bad item never loses the report.

**The candidate's own marks** (``marked_by_you``): items the scorer missed that the candidate marked as
covered in the review ("I made this point"). They are kept apart from the scorer's credit: ``coverage`` and
every item's ``hit`` stay the scorer's, and :attr:`ScoreReport.coverage_with_marks` is the one number that
counts them. History stores them in a table of their own and hands them back in the report dict under
``marked_by_you``; a report without marks writes no such key, so the scorer's JSON (the CLI's) is unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from opsprep_voice.core.bank import Question
from opsprep_voice.core.matching import Evidence, ItemMatch, coverage, explain, match_checklist
from opsprep_voice.core.metrics import (
    DeliveryMetrics,
    Figure,
    Filler,
    Pause,
    StarCheck,
    WpmBand,
    delivery_metrics,
    star_check,
)
from opsprep_voice.core.stored_fields import as_float as _float
from opsprep_voice.core.stored_fields import as_int as _int
from opsprep_voice.core.stored_fields import as_str as _str
from opsprep_voice.core.stored_fields import read_items as _items
from opsprep_voice.core.stored_fields import read_spanned as _spanned
from opsprep_voice.core.stored_fields import read_word as _word
from opsprep_voice.core.text import tokenize
from opsprep_voice.core.transcript import Transcript, Word

COMFORTABLE_WPM = 145.0
"""The middle of the comfortable pace band (130-160 words/min), to say how long a written answer runs."""

logger = logging.getLogger(__name__)

SECOND_OPINION = ("agreed", "revised", "applied")
"""The values of :attr:`ScoreReport.second_opinion` a stored report may carry ("" when absent)."""

REPORT_VERSION = 2
"""Written by :meth:`ScoreReport.to_dict`. 1: reports before the field existed (same shape)."""


PUT_OFF_REASON = "put-off"
"""``ChecklistResult.doubt_reason`` of a credit withdrawn because the answer puts the point off
(:func:`opsprep_voice.core.passing.put_off`)."""


@dataclass(frozen=True, slots=True)
class ChecklistResult:
    """One checklist item of a report: covered or not, with the evidence when it can be read.

    ``quote`` is the words that ticked the item as stored; it survives when the stored evidence cannot be
    read as an :class:`Evidence` (an older report, or a match kind this version does not know).
    ``opinion`` is the second opinion's probability that the point is made (None when it did not decide:
    :mod:`opsprep_voice.core.second_opinion`), and ``doubted`` the matcher's evidence for an item it
    credited and the second opinion did not (``hit`` is then False); ``doubt_reason`` is
    :data:`PUT_OFF_REASON` when it was withdrawn because the answer puts the point off ("that's on the
    roadmap"), "" otherwise.
    """

    id: str
    label: str
    weight: float
    example: str
    hit: bool
    evidence: Evidence | None = None
    quote: str = ""
    opinion: float | None = None
    doubted: Evidence | None = None
    doubt_reason: str = ""

    @classmethod
    def from_match(cls, item: ItemMatch) -> ChecklistResult:
        ev = item.evidence
        quote = "" if ev is None else ev.text or ev.phrase
        return cls(item.id, item.label, item.weight, item.example, item.hit, ev, quote)

    @property
    def why(self) -> str:
        """Why the item was credited (:func:`~opsprep_voice.core.matching.explain`), "" when missed."""
        if not self.hit:
            return ""
        if self.evidence is not None:
            return explain(self.evidence)
        return f'You said "{self.quote}".' if self.quote else "Covered."

    @property
    def doubt(self) -> str:
        """Why a wording the matcher credited does not count, "" unless the second opinion overruled it."""
        if self.hit or self.doubted is None:
            return ""
        if self.doubt_reason == PUT_OFF_REASON:
            return f'You mentioned "{self.doubted.text}" as something still to come, not as something you do.'
        if self.doubted.match == "concept":  # words near each other, not a name: say what was heard
            return f'You said "{self.doubted.text}", but read as a whole the answer does not make this point.'
        return f'You named "{self.doubted.text}", but the answer does not say how you use it.'

    def to_dict(self) -> dict[str, Any]:
        return (
            {
                "id": self.id,
                "label": self.label,
                "hit": self.hit,
                "weight": self.weight,
                "evidence": None if self.evidence is None else self.evidence.to_dict(),
                "example": self.example,
            }
            | ({} if self.opinion is None else {"opinion": round(self.opinion, 3)})
            | ({} if self.doubted is None else {"doubted": self.doubted.to_dict()})
            | ({"doubt_reason": self.doubt_reason} if self.doubt_reason else {})
        )


@dataclass(frozen=True, slots=True)
class ScoreReport:
    question_id: str
    question_number: int
    transcript: str
    words: tuple[Word, ...]
    coverage: float
    checklist: tuple[ChecklistResult, ...]
    duration_s: float
    target_seconds: int
    word_count: int
    wpm: float | None
    wpm_band: WpmBand | None
    fillers: tuple[Filler, ...]
    fillers_per_min: float | None
    long_pauses: tuple[Pause, ...]
    time_to_first_word_s: float | None
    figures_mentioned: tuple[Figure, ...]
    star: StarCheck | None
    engine: str = ""
    model: str = ""
    filler_count: int | None = None  # as stored, when the items could not all be read; else len(fillers)
    #: Ids of missed items the candidate marked as covered, in checklist order (see the module doc).
    marked_by_you: tuple[str, ...] = ()
    #: What the second opinion did (:mod:`opsprep_voice.core.second_opinion`): "" not run, "agreed" (the
    #: matcher's decisions stand), "revised" (they stand but for credits it all but ruled out and points it
    #: found said in other words), "applied" (it doubted most of the matcher's credits and decided instead).
    second_opinion: str = ""

    @property
    def hits(self) -> tuple[ChecklistResult, ...]:
        return tuple(i for i in self.checklist if i.hit)

    @property
    def misses(self) -> tuple[ChecklistResult, ...]:
        return tuple(i for i in self.checklist if not i.hit)

    @property
    def coverage_with_marks(self) -> float:
        """The weighted coverage with the candidate's marked items counted as covered (``coverage`` when
        there are none: the scorer's own rounding of it is kept)."""
        if not self.marked_by_you:
            return self.coverage
        total = sum(i.weight for i in self.checklist)
        if total <= 0:
            return self.coverage
        marked = set(self.marked_by_you)
        return sum(i.weight for i in self.checklist if i.hit or i.id in marked) / total

    def with_marks(self, item_ids: Sequence[str]) -> ScoreReport:
        """This report with ``item_ids`` as the candidate's marks: only missed items of its checklist count,
        each once, in checklist order (an item the scorer credited has nothing to correct)."""
        wanted = set(item_ids)
        marks = tuple(i.id for i in self.checklist if not i.hit and i.id in wanted)
        return replace(self, marked_by_you=tuple(dict.fromkeys(marks)))

    def to_dict(self) -> dict[str, Any]:
        return (
            {
                "report_version": REPORT_VERSION,
                "question_id": self.question_id,
                "question_number": self.question_number,
                "transcript": self.transcript,
                "words": [w.to_dict() for w in self.words],
                "coverage": round(self.coverage, 3),
                "checklist": [i.to_dict() for i in self.checklist],
                "duration_s": round(self.duration_s, 3),
                "target_seconds": self.target_seconds,
                "word_count": self.word_count,
                "wpm": self.wpm,
                "wpm_band": self.wpm_band,
                "fillers": {
                    "count": len(self.fillers) if self.filler_count is None else self.filler_count,
                    "per_min": self.fillers_per_min,
                    "items": [f.to_dict() for f in self.fillers],
                },
                "long_pauses": [p.to_dict() for p in self.long_pauses],
                "time_to_first_word_s": (
                    None if self.time_to_first_word_s is None else round(self.time_to_first_word_s, 3)
                ),
                "figures_mentioned": [f.to_dict() for f in self.figures_mentioned],
                "star": None if self.star is None else self.star.to_dict(),
                "engine": self.engine,
                "model": self.model,
            }
            | ({"marked_by_you": list(self.marked_by_you)} if self.marked_by_you else {})
            | ({"second_opinion": self.second_opinion} if self.second_opinion else {})
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ScoreReport:
        """Read a stored :meth:`to_dict` of any version. Never raises: see the module doc."""
        d: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
        raw_transcript = d.get("transcript")
        nested = raw_transcript if isinstance(raw_transcript, Mapping) else {}
        text = nested.get("text") if nested else raw_transcript
        fillers = d.get("fillers")
        fillers = fillers if isinstance(fillers, Mapping) else {}
        band = d.get("wpm_band")
        star = d.get("star")
        report = cls(
            question_id=_str(d.get("question_id")),
            question_number=_int(d.get("question_number")) or 0,
            transcript=text if isinstance(text, str) else "",
            words=_items(d.get("words") or nested.get("words"), _word),
            coverage=max(0.0, min(1.0, _float(d.get("coverage")) or 0.0)),
            checklist=_items(d.get("checklist"), _checklist_result),
            duration_s=_float(d.get("duration_s")) or 0.0,
            target_seconds=_int(d.get("target_seconds")) or 0,
            word_count=_int(d.get("word_count")) or 0,
            wpm=_float(d.get("wpm")),
            wpm_band=band if band in ("slow", "comfortable", "fast") else None,
            fillers=_items(fillers.get("items"), lambda f: _spanned(Filler.from_dict, f)),
            fillers_per_min=_float(fillers.get("per_min")),
            long_pauses=_items(d.get("long_pauses"), Pause.from_dict),
            time_to_first_word_s=_float(d.get("time_to_first_word_s")),
            figures_mentioned=_items(d.get("figures_mentioned"), lambda f: _spanned(Figure.from_dict, f)),
            star=_star(star) if isinstance(star, Mapping) else None,
            engine=_str(d.get("engine")),
            model=_str(d.get("model")),
            filler_count=_int(fillers.get("count")),
            second_opinion=_str(d.get("second_opinion")) if d.get("second_opinion") in SECOND_OPINION else "",
        )
        marks = d.get("marked_by_you")
        if isinstance(marks, Sequence) and not isinstance(marks, str) and marks:
            report = report.with_marks([m for m in marks if isinstance(m, str)])
        return report


# --------------------------------------------------------------------------- tolerant reading


def _checklist_result(data: dict[str, Any]) -> ChecklistResult:
    raw = data.get("evidence")
    evidence: Evidence | None = None
    quote = ""
    if isinstance(raw, Mapping):
        quote = _str(raw.get("text") or raw.get("phrase"))
        try:
            evidence = Evidence.from_dict(dict(raw))
        except (KeyError, TypeError, ValueError) as exc:  # older, or a newer kind of match
            logger.debug("checklist evidence kept as text only: %s", exc)
    elif raw:
        quote = _str(raw)  # the oldest reports kept the words only
    item_id = _str(data.get("id"))
    weight = _float(data.get("weight"))
    doubted: Evidence | None = None
    raw_doubt = data.get("doubted")
    if isinstance(raw_doubt, Mapping):
        try:
            doubted = Evidence.from_dict(dict(raw_doubt))
        except (KeyError, TypeError, ValueError) as exc:
            logger.debug("doubted evidence dropped: %s", exc)
    opinion = _float(data.get("opinion"))
    return ChecklistResult(
        id=item_id,
        label=_str(data.get("label") or item_id or "?"),
        weight=weight or 1.0,
        example=_str(data.get("example")),
        hit=bool(data.get("hit")),
        evidence=evidence,
        quote=quote,
        opinion=None if opinion is None else max(0.0, min(1.0, opinion)),
        doubted=doubted,
        # a reason this version does not know (a newer report) reads as none: the generic doubt
        doubt_reason=PUT_OFF_REASON if doubted and data.get("doubt_reason") == PUT_OFF_REASON else "",
    )


def _star(data: Mapping[str, Any]) -> StarCheck:
    task_action = data.get("task_action", data.get("action"))  # "action" in the first reports
    return StarCheck(
        bool(data.get("situation")),
        bool(task_action),
        bool(data.get("result")),
        bool(data.get("measurable_result")),
        _str(data.get("hint")),
    )


def score_answer(
    question: Question, transcript: Transcript, *, engine: str = "", model: str = ""
) -> ScoreReport:
    """Score one answer: checklist coverage with evidence, delivery metrics, STAR if behavioural."""
    tokens = tokenize(transcript.text)
    items = match_checklist(question, transcript, tokens)
    metrics: DeliveryMetrics = delivery_metrics(transcript, tokens)
    star = star_check(transcript.text, tokens) if question.behavioural else None
    report = ScoreReport(
        question_id=question.id,
        question_number=question.number,
        transcript=transcript.text,
        words=transcript.words,
        coverage=coverage(items),
        checklist=tuple(ChecklistResult.from_match(i) for i in items),
        duration_s=transcript.duration_s,
        target_seconds=question.target_seconds,
        word_count=metrics.word_count,
        wpm=metrics.wpm,
        wpm_band=metrics.wpm_band,
        fillers=metrics.fillers,
        fillers_per_min=metrics.fillers_per_min,
        long_pauses=metrics.long_pauses,
        time_to_first_word_s=metrics.time_to_first_word_s,
        figures_mentioned=metrics.figures,
        star=star,
        engine=engine,
        model=model,
    )
    logger.debug("scored %s: coverage %.3f, %d words", question.id, report.coverage, report.word_count)
    return report


def _clock(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}"


def format_report(report: ScoreReport, question: Question) -> str:
    """A readable plain-text report for the terminal."""
    lines = [f"Q{report.question_number}. {question.text}", ""]
    hits, total = len(report.hits), len(report.checklist)
    lines.append(f"Coverage: {report.coverage:.0%} ({hits} of {total} points)")
    if report.second_opinion == "applied":
        lines.append(
            "  Judged by meaning: this answer names tools and practices without saying how you use them;"
        )
        lines.append("  those mentions do not count until it does.")
    for item in report.checklist:
        if item.hit:
            ev = item.evidence
            when = "" if ev is None or ev.start is None else f" (at {_clock(ev.start)})"
            lines.append(f"  [x] {item.label}")
            lines.append(f"        {item.why}{when}")
        else:
            lines.append(f"  [ ] {item.label}")
            if item.doubt:
                lines.append(f"        {item.doubt}")
            if item.example:
                lines.append(f'        e.g. "{item.example}"')
    lines.append("")
    lines.append("Delivery:")
    target = _clock(report.target_seconds)
    if report.duration_s > 0:
        lines.append(f"  Length: {_clock(report.duration_s)} (target {target}), {report.word_count} words")
    else:  # a written answer: how long it would take to say
        spoken = report.word_count / COMFORTABLE_WPM * 60
        words = "1 word" if report.word_count == 1 else f"{report.word_count} words"
        lines.append(
            f"  Length: {words}, about {_clock(spoken)} spoken at "
            f"{COMFORTABLE_WPM:.0f} words/min (target {target})"
        )
    if report.wpm is not None:
        lines.append(f"  Pace: {report.wpm:.0f} words/min ({report.wpm_band}; comfortable is 130-160)")
    elif report.duration_s > 0 and report.word_count == 0:
        lines.append("  Pace: no speech heard (check the microphone and its level, then answer again)")
    per_min = "" if report.fillers_per_min is None else f" ({report.fillers_per_min:.1f}/min)"
    shown = ", ".join(sorted({f.text.lower() for f in report.fillers}))
    lines.append(f"  Fillers: {len(report.fillers)}{per_min}" + (f": {shown}" if shown else ""))
    if report.time_to_first_word_s is not None:
        lines.append(f"  First word after: {report.time_to_first_word_s:.1f} s")
    if report.long_pauses:
        pauses = ", ".join(f"{p.duration:.1f} s at {_clock(p.start)}" for p in report.long_pauses)
        lines.append(f"  Long pauses: {pauses}")
    figures = ", ".join(f.text for f in report.figures_mentioned[:10])
    lines.append(f"  Figures: {figures or 'none - numbers make an answer concrete'}")
    if report.star is not None:
        s = report.star
        marks = " ".join(
            f"{name} {'yes' if ok else 'no'}"
            for name, ok in (
                ("Situation", s.situation),
                ("Task/Action", s.task_action),
                ("Result", s.result),
                ("measurable", s.measurable_result),
            )
        )
        lines.append(f"  STAR: {marks}. {s.hint}")
    if report.engine:
        lines.append(f"  Transcribed by {report.engine} {report.model}".rstrip())
    return "\n".join(lines)
