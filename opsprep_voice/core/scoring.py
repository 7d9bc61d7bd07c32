"""The score report for one spoken answer: checklist coverage plus delivery metrics.

:func:`score_answer` is pure and fast (a 5-minute transcript scores in a few milliseconds once the
question's phrases are compiled; see ``scripts/bench_scoring.py``), so live transcription can re-score
every second. :meth:`ScoreReport.to_dict` is the JSON the CLI prints and storage keeps;
:meth:`ScoreReport.from_dict` reads it back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, cast

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
from opsprep_voice.core.text import tokenize
from opsprep_voice.core.transcript import Transcript, Word

COMFORTABLE_WPM = 145.0
"""The middle of the comfortable pace band (130-160 words/min), to say how long a written answer runs."""

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ScoreReport:
    question_id: str
    question_number: int
    transcript: str
    words: tuple[Word, ...]
    coverage: float
    checklist: tuple[ItemMatch, ...]
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

    @property
    def hits(self) -> tuple[ItemMatch, ...]:
        return tuple(i for i in self.checklist if i.hit)

    @property
    def misses(self) -> tuple[ItemMatch, ...]:
        return tuple(i for i in self.checklist if not i.hit)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "question_number": self.question_number,
            "transcript": self.transcript,
            "words": [w.to_dict() for w in self.words],
            "coverage": round(self.coverage, 3),
            "checklist": [
                {
                    "id": i.id,
                    "label": i.label,
                    "hit": i.hit,
                    "weight": i.weight,
                    "evidence": None if i.evidence is None else i.evidence.to_dict(),
                    "example": i.example,
                }
                for i in self.checklist
            ],
            "duration_s": round(self.duration_s, 3),
            "target_seconds": self.target_seconds,
            "word_count": self.word_count,
            "wpm": self.wpm,
            "wpm_band": self.wpm_band,
            "fillers": {
                "count": len(self.fillers),
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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScoreReport:
        """Read back :meth:`to_dict` output. Raises KeyError/ValueError/TypeError on a malformed dict."""
        fillers = cast(dict[str, Any], data["fillers"])
        star = data.get("star")
        ttfw = data.get("time_to_first_word_s")
        wpm = data.get("wpm")
        band = data.get("wpm_band")
        if band not in (None, "slow", "comfortable", "fast"):
            raise ValueError(f"unknown wpm_band {band!r}")
        return cls(
            question_id=str(data["question_id"]),
            question_number=int(data["question_number"]),
            transcript=str(data["transcript"]),
            words=tuple(
                Word(str(w["word"]), float(w["start"]), float(w["end"]), float(w.get("probability", 1.0)))
                for w in data.get("words") or []
            ),
            coverage=float(data["coverage"]),
            checklist=tuple(
                ItemMatch(
                    id=str(c["id"]),
                    label=str(c["label"]),
                    weight=float(c["weight"]),
                    example=str(c.get("example", "")),
                    evidence=None if c.get("evidence") is None else Evidence.from_dict(c["evidence"]),
                )
                for c in data["checklist"]
            ),
            duration_s=float(data["duration_s"]),
            target_seconds=int(data["target_seconds"]),
            word_count=int(data["word_count"]),
            wpm=None if wpm is None else float(wpm),
            wpm_band=band,
            fillers=tuple(Filler.from_dict(f) for f in fillers.get("items", [])),
            fillers_per_min=None if fillers.get("per_min") is None else float(fillers["per_min"]),
            long_pauses=tuple(Pause.from_dict(p) for p in data.get("long_pauses") or []),
            time_to_first_word_s=None if ttfw is None else float(ttfw),
            figures_mentioned=tuple(Figure.from_dict(f) for f in data.get("figures_mentioned") or []),
            star=None if star is None else StarCheck.from_dict(star),
            engine=str(data.get("engine", "")),
            model=str(data.get("model", "")),
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
        checklist=items,
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
    for item in report.checklist:
        if item.evidence is not None:
            ev = item.evidence
            when = "" if ev.start is None else f" (at {_clock(ev.start)})"
            lines.append(f"  [x] {item.label}")
            lines.append(f"        {explain(ev)}{when}")
        else:
            lines.append(f"  [ ] {item.label}")
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
